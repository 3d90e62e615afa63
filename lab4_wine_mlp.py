"""Lab 4: an MLP regression of red wine quality, with train and test loss curves (write-up 003).

UCI Red Wine Quality (Cortez et al., 2009): 1599 wines, 11 physicochemical features, quality
3..8 as a continuous target. Split 8:2 with the seed; features standardised with statistics of
the training split only; an MLP (default 11 -> 64 -> 32 -> 1, ReLU) trained with SGD on the MSE
(momentum 0.9, lr 0.005, batch 32, dropout 0.2, weight decay 1e-3, 200 epochs).
Test MSE and RMSE are reported in quality points beside two baselines fitted on the same split:
predicting the train mean, and ordinary least squares. Expect test RMSE about 0.61 against
about 0.76 (mean) and 0.62 (OLS).

    python lab4_wine_mlp.py                                     # ~15 s on a 2-core CPU
    python lab4_wine_mlp.py --export-split                      # also write wine_train/test.csv
    python lab4_wine_mlp.py --train-csv wine_train.csv --test-csv wine_test.csv

Bad input files get one line naming the file, line and column, and exit code 2.
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

import common
import datafiles
import machinery
import speed

# %% [markdown]
# ## The model
#
# Linear layers with an activation between them; depth, width, activation and dropout are
# flags (`--hidden 64 32 --activation relu --dropout 0.2`).

# %%
# The lab's settings: the argparse defaults come from here, so --help shows these values.
SETTINGS = {
    "epochs": 200, "batch_size": 32, "lr": 0.005,                   # SGD on the MSE
    "optimizer": "sgd", "momentum": 0.9, "weight_decay": 1e-3,      # weight decay: L2 penalty
    "hidden": [64, 32], "activation": "relu", "dropout": 0.2,       # 11 -> 64 -> 32 -> 1
    "test_fraction": 0.2,                                           # the course's 8:2 split
}
ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}


class WineMLP(nn.Module):
    """Linear layers with an activation (a module class such as nn.ReLU) and optional dropout
    between them."""

    def __init__(self, n_in: int, hidden: list[int], activation=nn.ReLU, dropout: float = 0.0,
                 n_out: int = 1):
        super().__init__()
        layers, width = [], n_in
        for size in hidden:
            layers += [nn.Linear(width, size), activation()]
            if dropout:
                layers.append(nn.Dropout(dropout))
            width = size
        layers.append(nn.Linear(width, n_out))
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)


# %% [markdown]
# ## Training and evaluation
#
# The lesson, in plain PyTorch. `train_step` is one SGD step on the MSE. `train_epoch` runs it
# on every batch of any iterable of `(x, y)` (a torch `DataLoader` too) and returns the mean
# train loss per example; each batch's summed squared error stays on the device until the end
# of the epoch, so the loop never waits for a GPU. `evaluate` gives the MSE and RMSE on test
# data in eval mode (dropout off). They use nothing but torch: copy them into a notebook beside
# your own `DataLoader` (docs/coursework.md).

# %%
def train_step(model, x, y, optimizer):
    """One optimizer step on the batch ``(x, y)``; returns the batch's mean squared error."""
    loss = F.mse_loss(model(x), y)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    return loss


def train_epoch(model, loader, optimizer, step=train_step, on_step=None):
    """One pass over ``loader`` in train mode; returns the mean training loss per example.
    ``step`` is train_step or a faster form of it (compiled); ``on_step(losses)``, when given,
    sees the per-step list of summed squared errors after each step (a divergence check).
    Leave both out and it trains the same."""
    model.train()
    losses, seen = [], 0
    for x, y in loader:
        loss = step(model, x, y, optimizer)
        losses.append(loss.detach() * len(y))  # the batch's summed squared error
        seen += len(y)
        if on_step is not None:
            on_step(losses)
    return torch.stack(losses).sum().item() / seen


@torch.no_grad()
def predict(model, x) -> torch.Tensor:
    """The model's outputs for ``x``, in eval mode (dropout off)."""
    model.eval()
    return model(x)


@torch.no_grad()
def evaluate(model, loader):
    """Mean squared error and root mean squared error of ``model`` over ``loader``, in eval
    mode, in the target's units."""
    model.eval()
    outputs, targets = [], []
    for x, y in loader:
        outputs.append(model(x))
        targets.append(y)
    mse = F.mse_loss(torch.cat(outputs), torch.cat(targets)).item()
    return mse, mse ** 0.5


# %% [markdown]
# ## Scaling the features, and two baselines
#
# The features are scaled with the training split's statistics only. Two baselines fitted on
# the same split tell whether the MLP learned anything: predicting the train mean, and
# ordinary least squares.

# %%
def standardise(x_tr: np.ndarray, x_te: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Scale features with the training split's mean and std only: the test split must look
    like unseen data, so nothing about it may leak into the preprocessing. Constant columns
    (a warning names them as the data is read) stay 0: their computed std is not always
    exactly 0 (the mean can round), and dividing by ~1e-16 would blow them up."""
    mu, sd = x_tr.mean(axis=0), x_tr.std(axis=0)
    sd[np.ptp(x_tr, axis=0) == 0] = 1.0
    return (x_tr - mu) / sd, (x_te - mu) / sd


def baselines(x_tr, y_tr, x_te, y_te) -> dict:
    """Test MSE of predicting the train mean, and of ordinary least squares (with intercept)."""
    mean_mse = float(np.mean((y_te - y_tr.mean()) ** 2))

    def design(x):
        return np.hstack([x, np.ones((len(x), 1))])
    coef, *_ = np.linalg.lstsq(design(x_tr), y_tr, rcond=None)
    ols_mse = float(np.mean((design(x_te) @ coef - y_te) ** 2))
    return {"mean_test_mse": mean_mse, "mean_test_rmse": mean_mse ** 0.5,
            "ols_test_mse": ols_mse, "ols_test_rmse": ols_mse ** 0.5}


# %% [markdown]
# ## Around the lesson
#
# `fit` is this script's driver: per epoch, `train_epoch` with a `common.Watch` (a loss that
# stops being a number ends the run), then `evaluate` on the test split: train and test loss
# every epoch (the course's task 3). In a notebook the loss curves are redrawn as it trains.

# %%
class ShuffledBatches:
    """The training split on the device as ``(x, y)`` batches, in a fresh seeded order each
    epoch: one ``randperm`` per epoch, drawn on the host (the same order on every device), and
    each batch gathered on its own: a fresh tensor, where a view into one shuffled copy can
    start unaligned and round differently in the matrix kernels."""

    def __init__(self, x: torch.Tensor, y: torch.Tensor, batch_size: int,
                 generator: torch.Generator):
        self.x, self.y, self.batch_size, self.generator = x, y, batch_size, generator

    def __len__(self) -> int:
        return -(-len(self.y) // self.batch_size)

    def __iter__(self):
        perm = torch.randperm(len(self.y), generator=self.generator).to(self.x.device)
        for idx in perm.split(self.batch_size):
            yield self.x[idx], self.y[idx]


def make_optimizer(model, args):
    if args.optimizer == "sgd":
        return torch.optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum,
                               weight_decay=args.weight_decay)
    return torch.optim.Adam(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)


def fit(model, train_batches, test_batches, optimizer, epochs: int, history: dict,
        y_scale: float, step=train_step, live: machinery.LivePlot | None = None) -> None:
    """Train for ``epochs``, adding each epoch's train and test loss (and the test RMSE in
    quality points: ``y_scale`` undoes a standardised target) to ``history`` as it ends. A
    loss that stops being a number raises machinery.Halt; ``live`` redraws the curves in a
    notebook."""
    for epoch in machinery.progress(range(1, epochs + 1), desc="epochs"):
        watch = common.Watch(epoch, optimizer.param_groups[0]["lr"])
        train_loss = train_epoch(model, train_batches, optimizer, step, watch)
        watch.end()
        test_loss, test_rmse = evaluate(model, test_batches)
        watch.check_test(test_loss)
        row = {"epoch": epoch, "train_loss": train_loss, "test_loss": test_loss,
               "test_rmse": test_rmse * y_scale}
        for key, value in row.items():
            history[key].append(value)
        if live:
            live.update(history)
        if epoch == 1 or epoch % max(1, epochs // 10) == 0:
            print(f"epoch {epoch:>4}: train loss {train_loss:.4f}  test loss {test_loss:.4f}  "
                  f"test RMSE {row['test_rmse']:.4f} (quality points)")


def final_metrics(model, xt, xv, y_tr, y_te, y_mu: float, y_sd: float):
    """Train and test MSE/RMSE of the trained MLP in quality points, and its test predictions."""
    pred_te = common.to_host_float64(predict(model, xv).squeeze(1)) * y_sd + y_mu
    pred_tr = common.to_host_float64(predict(model, xt).squeeze(1)) * y_sd + y_mu
    test_mse = float(np.mean((pred_te - y_te) ** 2))
    return {"mlp_test_mse": test_mse, "mlp_test_rmse": test_mse ** 0.5,
            "mlp_train_rmse": float(np.mean((pred_tr - y_tr) ** 2)) ** 0.5,
            "n_train": len(y_tr), "n_test": len(y_te)}, pred_te


def loss_figure(history: dict, normalize_target: bool):
    units = "standardised quality" if normalize_target else "quality points"
    return common.panels_figure([{
        "title": "MLP on red wine quality", "xlabel": "epoch",
        "ylabel": f"MSE ({units}^2, log scale)", "yscale": "log", "series": {
            "train loss": (history["epoch"], history["train_loss"]),
            "test loss": (history["epoch"], history["test_loss"])}}])


def plot_predictions(path: Path, y_true, y_pred, metrics: dict) -> common.Drawn:
    jitter = np.random.RandomState(0).uniform(-0.15, 0.15, len(y_true))  # separate the stripes
    fig = common.blank_figure(figsize=(5, 4.5))
    ax = fig.subplots()
    ax.scatter(y_true + jitter, y_pred, s=8, alpha=0.5)
    lo, hi = min(y_true.min(), y_pred.min()) - 0.5, max(y_true.max(), y_pred.max()) + 0.5
    ax.plot([lo, hi], [lo, hi], "k--", lw=1, label="perfect prediction")
    ax.set(xlabel="true quality (jittered)", ylabel="predicted quality",
           title=f"test split: RMSE {metrics['mlp_test_rmse']:.3f} "
                 f"(OLS {metrics['ols_test_rmse']:.3f})")
    ax.legend()
    fig.tight_layout()
    return common.save_figure(fig, path)


# %% [markdown]
# ## The command line

# %%
def parse_args(argv=None):
    parser = machinery.LabParser(__doc__, prog="lab4_wine_mlp.py")
    common.add_common_args(parser, epochs=SETTINGS["epochs"],
                           batch_size=SETTINGS["batch_size"], lr=SETTINGS["lr"])
    parser.add_argument("--hidden", type=common.positive_int, nargs="*",
                        default=list(SETTINGS["hidden"]),
                        help="hidden layer sizes (none: a linear model)")
    parser.add_argument("--activation", choices=tuple(ACTIVATIONS),
                        default=SETTINGS["activation"], help="activation after each hidden layer")
    parser.add_argument("--dropout", type=common.unit_interval, default=SETTINGS["dropout"],
                        help="dropout after each hidden layer")
    parser.add_argument("--weight-decay", type=common.nonnegative_float,
                        default=SETTINGS["weight_decay"], help="L2 penalty")
    parser.add_argument("--optimizer", choices=("sgd", "adam"), default=SETTINGS["optimizer"],
                        help="optimizer")
    parser.add_argument("--momentum", type=common.unit_interval, default=SETTINGS["momentum"],
                        help="SGD momentum")
    parser.add_argument("--full-batch", action="store_true",
                        help="gradient descent on the whole training split per step")
    parser.add_argument("--normalize-target", action="store_true",
                        help="also standardise the target; metrics are still reported in "
                             "quality points")
    parser.add_argument("--test-fraction", type=float, default=SETTINGS["test_fraction"],
                        help="share of the UCI file held out for testing")
    parser.add_argument("--train-csv", type=Path, default=None,
                        help="the course's pre-split training file (use with --test-csv)")
    parser.add_argument("--test-csv", type=Path, default=None,
                        help="the course's pre-split test file")
    parser.add_argument("--target", default=None,
                        help="target column (default: 'quality', else the last column)")
    parser.add_argument("--export-split", action="store_true",
                        help="write the split used as wine_train.csv / wine_test.csv in --out-dir")
    args = common.parse_args(parser, argv)
    if not 0 < args.test_fraction < 1:
        parser.error(f"--test-fraction must be between 0 and 1, got {args.test_fraction}")
    return args, parser


def main(argv=None) -> dict:
    args, parser = parse_args(argv)
    device = common.setup(args)
    name = common.run_name("lab4_wine_mlp", args, parser)
    start = time.perf_counter()
    x_tr, y_tr, x_te, y_te, columns = datafiles.wine_split(  # one line for each bad file
        args.data_dir, args.train_csv, args.test_csv, target=args.target, seed=args.seed,
        test_fraction=args.test_fraction, normalize_target=args.normalize_target)
    if args.export_split:
        datafiles.write_wine_split(args.out_dir, columns, x_tr, y_tr, x_te, y_te)
    x_tr, x_te = standardise(x_tr, x_te)
    y_mu, y_sd = (y_tr.mean(), y_tr.std()) if args.normalize_target else (0.0, 1.0)
    print(f"\n{len(y_tr)} train / {len(y_te)} test rows, {x_tr.shape[1]} features, target "
          f"'{columns[-1]}'")

    xt, xv = common.to_device_float32(x_tr, device), common.to_device_float32(x_te, device)
    yt = common.to_device_float32((y_tr - y_mu) / y_sd, device).unsqueeze(1)
    yv = common.to_device_float32((y_te - y_mu) / y_sd, device).unsqueeze(1)
    model = WineMLP(x_tr.shape[1], args.hidden, ACTIVATIONS[args.activation], args.dropout)
    model = model.to(device)
    machinery.check_deterministic(model, [(xv[:2], yv[:2])], F.mse_loss)
    optimizer = make_optimizer(model, args)
    batch_size = len(yt) if args.full_batch else args.batch_size
    train_batches = ShuffledBatches(xt, yt, batch_size, torch.Generator().manual_seed(args.seed))
    test_batches = [(xv, yv)]  # the test split, evaluated as one batch
    step, compiled = train_step, {}
    if args.compile:  # the whole step compiled, or this step after one line saying why
        step = speed.compiled_step(step, model, optimizer, speed.first_batch(train_batches),
                                   device)
        compiled["compile_seconds"] = getattr(step, "compile_seconds", None)  # None: eager
    epochs = 2 if args.smoke else args.epochs
    live = machinery.LivePlot(lambda h: loss_figure(h, args.normalize_target))
    history = {"epoch": [], "train_loss": [], "test_loss": [], "test_rmse": []}
    metrics, pred_te, stopped = {}, None, None
    try:
        fit(model, train_batches, test_batches, optimizer, epochs, history, y_sd, step, live)
        metrics, pred_te = final_metrics(model, xt, xv, y_tr, y_te, y_mu, y_sd)
    except (machinery.Halt, KeyboardInterrupt) as err:  # diverged, Ctrl-C or SIGTERM
        stopped = machinery.Stop.of(err, len(history["epoch"]) + 1)
    metrics.update(baselines(x_tr, y_tr, x_te, y_te), **compiled)
    figures = [common.save_figure(loss_figure(history, args.normalize_target),
                                  args.out_dir / f"{name}_loss.png", live=live)]
    if not stopped:
        print(f"\ntest RMSE (quality points): MLP {metrics['mlp_test_rmse']:.4f}   "
              f"train-mean baseline {metrics['mean_test_rmse']:.4f}   "
              f"OLS {metrics['ols_test_rmse']:.4f}")
        figures.append(plot_predictions(args.out_dir / f"{name}_pred.png", y_te, pred_te,
                                        metrics))
    result = common.finish(args, name, metrics=metrics, history=history, figures=figures,
                           device=device, start=start, stopped=stopped)
    if stopped:  # the epochs so far are saved: one line naming the file, exit 3, 130 or 143
        raise stopped.error(saved=result["path"])
    return result


# %% [markdown]
# ## Run it
#
# In a terminal: `python lab4_wine_mlp.py --epochs 50` (`--help` lists every flag). In a
# notebook this cell runs the lab with the flags in `NOTEBOOK_ARGS`: edit them here (`[]`
# means the lab's defaults). `result` then holds the metrics, the per-epoch history and the
# figures drawn.

# %%
NOTEBOOK_ARGS: list[str] = []  # e.g. ["--epochs", "50"]; a command line ignores this

if __name__ == "__main__":
    result = machinery.cli(main, NOTEBOOK_ARGS)
