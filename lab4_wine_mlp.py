"""Lab 4: an MLP regression of red wine quality, with train and test loss curves.

UCI Red Wine Quality (Cortez et al., 2009): 1599 wines, 11 physicochemical features, quality
3..8 as a continuous target. Split 8:2 with the seed; features standardised with statistics of
the training split only; an MLP (default 11 -> 64 -> 32 -> 1, ReLU) trained with SGD on the MSE
(momentum 0.9, lr 0.005, batch 32, dropout 0.2, weight decay 1e-3, 200 epochs).
Test MSE and RMSE are reported in quality points beside two baselines fitted on the same split:
predicting the train mean, and ordinary least squares. Expect test RMSE about 0.62 against
about 0.80 (mean) and 0.65 (OLS).

    python lab4_wine_mlp.py                                     # ~10 s on a laptop CPU
    python lab4_wine_mlp.py --export-split                      # also write wine_train/test.csv
    python lab4_wine_mlp.py --train-csv wine_train.csv --test-csv wine_test.csv

Bad input files get one line naming the file, line and column, and exit code 2.
"""
from __future__ import annotations

import argparse
import csv
import time
import urllib.request
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

import common

UCI_URL = ("https://archive.ics.uci.edu/ml/machine-learning-databases/wine-quality/"
           "winequality-red.csv")
TARGET = "quality"
ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}


class WineMLP(nn.Module):
    """Linear layers with an activation (and optional dropout) between them."""

    def __init__(self, n_in: int, hidden: list[int], activation: str = "relu",
                 dropout: float = 0.0, n_out: int = 1):
        super().__init__()
        layers, width = [], n_in
        for size in hidden:
            layers += [nn.Linear(width, size), ACTIVATIONS[activation]()]
            if dropout:
                layers.append(nn.Dropout(dropout))
            width = size
        layers.append(nn.Linear(width, n_out))
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)


# --------------------------------------------------------------------------- data

class Table:
    """A numeric CSV: column names and a float64 matrix, with where it came from."""

    def __init__(self, path: Path, columns: list[str], values: np.ndarray):
        self.path, self.columns, self.values = path, columns, values


def read_table(path: Path) -> Table:
    """Read a CSV with a header, ';' or ',' separated (decided from the header line).

    Every problem is a LabError naming the file, the line and the column."""
    path = Path(path)
    if not path.is_file():
        raise common.LabError(f"{path}: file not found")
    text = path.read_text(encoding="utf-8-sig")
    if not text.strip():
        raise common.LabError(f"{path}: the file is empty")
    header_line = text.splitlines()[0]
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    rows = csv.reader(text.splitlines(), delimiter=delimiter)
    columns = [c.strip() for c in next(rows)]
    if len(columns) < 2:
        raise common.LabError(f"{path}:1: expected a header with feature columns and a target, "
                              f"found {len(columns)} column(s)")
    try:
        float(columns[0])
        raise common.LabError(f"{path}:1: the first line must be a header of column names, "
                              f"found numbers ({header_line[:60]})")
    except ValueError:
        pass
    data = []
    for line_no, row in enumerate(rows, start=2):
        if not row or not "".join(row).strip():
            continue  # blank line (e.g. at the end)
        if len(row) != len(columns):
            raise common.LabError(f"{path}:{line_no}: expected {len(columns)} columns (as the "
                                  f"header), found {len(row)}")
        values = []
        for col, cell in zip(columns, row):
            cell = cell.strip()
            if cell == "":
                raise common.LabError(f"{path}:{line_no}: missing value in column '{col}'")
            try:
                value = float(cell)
            except ValueError:
                raise common.LabError(f"{path}:{line_no}: non-numeric value '{cell}' in column "
                                      f"'{col}'") from None
            if not np.isfinite(value):
                raise common.LabError(f"{path}:{line_no}: value '{cell}' in column '{col}' is "
                                      f"not a finite number")
            values.append(value)
        data.append(values)
    if not data:
        raise common.LabError(f"{path}: a header but no data rows")
    return Table(path, columns, np.array(data, dtype=np.float64))


def split_target(table: Table, target: str | None) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Features and target: the named column, else 'quality', else the last column."""
    if target is not None and target not in table.columns:
        raise common.LabError(f"{table.path}: no target column '{target}' (columns: "
                              f"{', '.join(table.columns)})")
    name = target or (TARGET if TARGET in table.columns else table.columns[-1])
    j = table.columns.index(name)
    features = [c for c in table.columns if c != name]
    return np.delete(table.values, j, axis=1), table.values[:, j], features + [name]


def download_uci(path: Path) -> None:
    print(f"downloading {UCI_URL} -> {path}")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    try:
        with urllib.request.urlopen(UCI_URL, timeout=30) as response:
            tmp.write_bytes(response.read())
        tmp.replace(path)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise common.LabError(f"{path} is missing and the download from UCI failed ({err}); "
                              f"put winequality-red.csv there, point --data-dir or "
                              f"${common.DATA_ENV} at a folder holding wine/, or pass "
                              f"--train-csv/--test-csv") from None


def load_data(args):
    """Train/test arrays (features, target) and the column names, from the UCI file (split
    8:2 with the seed) or from the course's pre-split files."""
    if (args.train_csv is None) != (args.test_csv is None):
        raise common.LabError("--train-csv and --test-csv go together: pass both or neither")
    if args.train_csv is not None:
        train, test = read_table(args.train_csv), read_table(args.test_csv)
        if train.columns != test.columns:
            raise common.LabError(f"{args.test_csv}: columns differ from {args.train_csv} "
                                  f"({len(test.columns)} vs {len(train.columns)}: "
                                  f"{sorted(set(test.columns) ^ set(train.columns))[:4]})")
        x_tr, y_tr, cols = split_target(train, args.target)
        x_te, y_te, _ = split_target(test, args.target)
        return x_tr, y_tr, x_te, y_te, cols
    path = common.resolve_data_dir(args.data_dir) / "wine" / "winequality-red.csv"
    if not path.exists():
        download_uci(path)
    x, y, cols = split_target(read_table(path), args.target)
    order = np.random.RandomState(args.seed).permutation(len(y))
    n_test = int(round(len(y) * args.test_fraction))
    test_idx, train_idx = order[:n_test], order[n_test:]
    return x[train_idx], y[train_idx], x[test_idx], y[test_idx], cols


def write_split(path: Path, columns: list[str], x: np.ndarray, y: np.ndarray) -> None:
    """The course's format: comma-separated, header row, target last. Values as read (not
    normalised) and written with repr(), so reading them back gives the same floats."""
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(columns)
        for row, target in zip(x, y):
            writer.writerow([repr(float(v)) for v in row] + [repr(float(target))])


# --------------------------------------------------------------------------- baselines, training

def baselines(x_tr, y_tr, x_te, y_te) -> dict:
    """Test MSE of predicting the train mean, and of ordinary least squares (with intercept)."""
    mean_mse = float(np.mean((y_te - y_tr.mean()) ** 2))
    design = lambda x: np.hstack([x, np.ones((len(x), 1))])  # noqa: E731
    coef, *_ = np.linalg.lstsq(design(x_tr), y_tr, rcond=None)
    ols_mse = float(np.mean((design(x_te) @ coef - y_te) ** 2))
    return {"mean_test_mse": mean_mse, "mean_test_rmse": mean_mse ** 0.5,
            "ols_test_mse": ols_mse, "ols_test_rmse": ols_mse ** 0.5}


def train_one_epoch(model, x, y, optimizer, batch_size, generator) -> float:
    model.train()
    perm = torch.randperm(len(y), generator=generator).to(x.device)
    losses = []
    for idx in perm.split(batch_size):
        loss = F.mse_loss(model(x[idx]), y[idx])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        losses.append(loss.detach() * len(idx))
    return torch.stack(losses).sum().item() / len(y)


@torch.no_grad()
def predict(model, x) -> torch.Tensor:
    model.eval()
    return model(x)


# --------------------------------------------------------------------------- command line

def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    common.add_common_args(parser, epochs=200, batch_size=32, lr=0.005)
    parser.add_argument("--hidden", type=common.positive_int, nargs="*", default=[64, 32],
                        help="hidden layer sizes (none: a linear model)")
    parser.add_argument("--activation", choices=tuple(ACTIVATIONS), default="relu")
    parser.add_argument("--dropout", type=float, default=0.2,
                        help="dropout after each hidden layer")
    parser.add_argument("--weight-decay", type=float, default=1e-3, help="L2 penalty")
    parser.add_argument("--optimizer", choices=("sgd", "adam"), default="sgd")
    parser.add_argument("--momentum", type=float, default=0.9, help="SGD momentum")
    parser.add_argument("--full-batch", action="store_true",
                        help="gradient descent on the whole training split per step")
    parser.add_argument("--normalize-target", action="store_true",
                        help="also standardise the target (as the course did); metrics are "
                             "still reported in quality points")
    parser.add_argument("--test-fraction", type=float, default=0.2,
                        help="share of the UCI file held out for testing")
    parser.add_argument("--train-csv", type=Path, default=None,
                        help="the course's pre-split training file (use with --test-csv)")
    parser.add_argument("--test-csv", type=Path, default=None)
    parser.add_argument("--target", default=None,
                        help="target column (default: 'quality', else the last column)")
    parser.add_argument("--export-split", action="store_true",
                        help="write the split used as wine_train.csv / wine_test.csv in --out-dir")
    parser.add_argument("--name", default="lab4_wine_mlp", help="results name")
    args = parser.parse_args(argv)
    if not 0 < args.test_fraction < 1:
        parser.error(f"--test-fraction must be between 0 and 1, got {args.test_fraction}")
    if not 0 <= args.dropout < 1:
        parser.error(f"--dropout must be in [0, 1), got {args.dropout}")
    if args.smoke:
        args.epochs = 2
    return args


def main(argv=None) -> dict:
    args = parse_args(argv)
    device = common.select_device(args.device)
    common.seed_everything(args.seed, args.deterministic)
    start = time.perf_counter()
    x_tr, y_tr, x_te, y_te, columns = load_data(args)
    out_dir = Path(args.out_dir)
    if args.export_split:
        out_dir.mkdir(parents=True, exist_ok=True)
        write_split(out_dir / "wine_train.csv", columns, x_tr, y_tr)
        write_split(out_dir / "wine_test.csv", columns, x_te, y_te)
        print(f"wrote {out_dir / 'wine_train.csv'} and {out_dir / 'wine_test.csv'}")

    # Standardise with the training split's statistics only: the test split must look like
    # unseen data, so nothing about it may leak into the preprocessing.
    mu, sd = x_tr.mean(axis=0), x_tr.std(axis=0)
    sd[sd == 0] = 1.0
    x_tr, x_te = (x_tr - mu) / sd, (x_te - mu) / sd
    y_mu, y_sd = (y_tr.mean(), y_tr.std()) if args.normalize_target else (0.0, 1.0)
    base = baselines(x_tr, y_tr, x_te, y_te)
    print(f"{len(y_tr)} train / {len(y_te)} test rows, {x_tr.shape[1]} features, target "
          f"'{columns[-1]}'")

    to = lambda a: torch.tensor(a, dtype=torch.float32, device=device)  # noqa: E731
    xt, xv = to(x_tr), to(x_te)
    yt, yv = to((y_tr - y_mu) / y_sd).unsqueeze(1), to((y_te - y_mu) / y_sd).unsqueeze(1)
    model = WineMLP(x_tr.shape[1], args.hidden, args.activation, args.dropout).to(device)
    if args.optimizer == "sgd":
        optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum,
                                    weight_decay=args.weight_decay)
    else:
        optimizer = torch.optim.Adam(model.parameters(), lr=args.lr,
                                     weight_decay=args.weight_decay)
    generator = torch.Generator().manual_seed(args.seed)
    batch_size = len(yt) if args.full_batch else args.batch_size
    history = {"epoch": [], "train_loss": [], "test_loss": [], "test_rmse": []}
    for epoch in common.progress(range(1, args.epochs + 1), desc="epochs"):
        train_loss = train_one_epoch(model, xt, yt, optimizer, batch_size, generator)
        pred = predict(model, xv)
        test_loss = F.mse_loss(pred, yv).item()
        test_rmse = (test_loss ** 0.5) * y_sd
        for key, value in zip(history, (epoch, train_loss, test_loss, test_rmse)):
            history[key].append(value)
        if epoch == 1 or epoch % max(1, args.epochs // 10) == 0:
            print(f"epoch {epoch:>4}: train loss {train_loss:.4f}  test loss {test_loss:.4f}  "
                  f"test RMSE {test_rmse:.4f} (quality points)")

    pred_te = predict(model, xv).squeeze(1).double().cpu().numpy() * y_sd + y_mu
    pred_tr = predict(model, xt).squeeze(1).double().cpu().numpy() * y_sd + y_mu
    test_mse = float(np.mean((pred_te - y_te) ** 2))
    metrics = {"mlp_test_mse": test_mse, "mlp_test_rmse": test_mse ** 0.5,
               "mlp_train_rmse": float(np.mean((pred_tr - y_tr) ** 2)) ** 0.5, **base,
               "n_train": len(y_tr), "n_test": len(y_te)}
    print(f"\ntest RMSE (quality points): MLP {metrics['mlp_test_rmse']:.4f}   "
          f"train-mean baseline {base['mean_test_rmse']:.4f}   OLS {base['ols_test_rmse']:.4f}")
    wall = time.perf_counter() - start
    common.save_results(out_dir, args.name, config=common.config_of(args), metrics=metrics,
                        history=history, device=device, wall_time=wall)
    loss_units = "standardised quality" if args.normalize_target else "quality points"
    common.plot_panels(out_dir / f"{args.name}_loss.png", [{
        "title": "MLP on red wine quality", "xlabel": "epoch",
        "ylabel": f"MSE ({loss_units}^2, log scale)", "yscale": "log", "series": {
            "train loss": (history["epoch"], history["train_loss"]),
            "test loss": (history["epoch"], history["test_loss"])}}])
    plot_predictions(out_dir / f"{args.name}_pred.png", y_te, pred_te, metrics)
    return {"metrics": metrics, "history": history}


def plot_predictions(path: Path, y_true, y_pred, metrics: dict) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    jitter = np.random.RandomState(0).uniform(-0.15, 0.15, len(y_true))  # separate the stripes
    fig, ax = plt.subplots(figsize=(5, 4.5))
    ax.scatter(y_true + jitter, y_pred, s=8, alpha=0.5)
    lo, hi = min(y_true.min(), y_pred.min()) - 0.5, max(y_true.max(), y_pred.max()) + 0.5
    ax.plot([lo, hi], [lo, hi], "k--", lw=1, label="perfect prediction")
    ax.set(xlabel="true quality (jittered)", ylabel="predicted quality",
           title=f"test split: RMSE {metrics['mlp_test_rmse']:.3f} "
                 f"(OLS {metrics['ols_test_rmse']:.3f})")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


if __name__ == "__main__":
    common.cli(main)
