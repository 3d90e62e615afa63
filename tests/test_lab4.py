from __future__ import annotations

import json
import math
import urllib.request
from pathlib import Path

import numpy as np
import pytest
import torch

import common
import datafiles
import machinery
import lab4_wine_mlp as lab4
import lift
from conftest import (WINE_FEATURES, interrupt_in_epoch, real_data_dir, requires_real_data,
                      write_uci_like)


@pytest.fixture(scope="module")
def wine_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("winedata")
    write_uci_like(root / "wine" / "winequality-red.csv")
    return root


QUICK = ["--epochs", "30", "--device", "cpu"]


def test_reads_the_uci_layout_with_pandas(wine_dir, capsys):
    table = datafiles.read_table(wine_dir / "wine" / "winequality-red.csv")
    assert list(table.columns) == WINE_FEATURES + ["quality"] and table.shape == (150, 12)
    assert table.to_numpy().dtype == np.float64
    datafiles.show_table("wine", table)
    printed = capsys.readouterr().out
    assert "150 rows x 12 columns" in printed and "mean" in printed and "alcohol" in printed


def test_default_run_on_synthetic_data_beats_the_mean(wine_dir, tmp_path):
    out = lab4.main(QUICK + ["--data-dir", str(wine_dir), "--out-dir", str(tmp_path)])
    m = out["metrics"]
    assert m["n_train"] == 120 and m["n_test"] == 30
    assert m["mlp_test_rmse"] < m["mean_test_rmse"] - 0.1
    assert len(out["history"]["train_loss"]) == 30
    for name in ("lab4_wine_mlp_epochs30.json", "lab4_wine_mlp_epochs30_loss.png",
                 "lab4_wine_mlp_epochs30_pred.png"):
        assert (tmp_path / name).exists()


def test_least_squares_against_the_normal_equations():
    """An oracle outside lab4: the OLS fit solved from the normal equations (X^T X) w = X^T y,
    on noisy data, gives the test MSE lab4 reports."""
    rng = np.random.default_rng(7)
    x_tr, x_te = rng.normal(size=(80, 4)), rng.normal(size=(30, 4))
    w = np.array([0.5, -1.0, 2.0, 0.0])
    y_tr = x_tr @ w + 1 + rng.normal(scale=0.3, size=80)
    y_te = x_te @ w + 1 + rng.normal(scale=0.3, size=30)
    design = np.hstack([x_tr, np.ones((80, 1))])
    coef = np.linalg.solve(design.T @ design, design.T @ y_tr)
    expected = np.mean((np.hstack([x_te, np.ones((30, 1))]) @ coef - y_te) ** 2)
    got = lab4.baselines(x_tr, y_tr, x_te, y_te)
    assert got["ols_test_mse"] == pytest.approx(expected, rel=1e-9)
    assert got["ols_test_rmse"] == pytest.approx(expected ** 0.5, rel=1e-9)
    assert 0.05 < got["ols_test_mse"] < 0.2  # the noise's variance (0.09), not an exact fit


def test_baselines_against_numpy():
    rng = np.random.default_rng(1)
    x_tr, x_te = rng.normal(size=(50, 3)), rng.normal(size=(20, 3))
    w = np.array([1.0, -2.0, 0.5])
    y_tr, y_te = x_tr @ w + 3, x_te @ w + 3
    b = lab4.baselines(x_tr, y_tr, x_te, y_te)
    assert b["ols_test_mse"] < 1e-20  # exact linear data: OLS is perfect
    assert b["mean_test_mse"] == pytest.approx(np.mean((y_te - y_tr.mean()) ** 2))


def test_normalize_target_reports_quality_points(wine_dir, tmp_path):
    plain = lab4.main(QUICK + ["--data-dir", str(wine_dir), "--out-dir", str(tmp_path)])
    scaled = lab4.main(QUICK + ["--normalize-target", "--data-dir", str(wine_dir),
                                "--out-dir", str(tmp_path)])
    # Same baselines (always in quality points), and the MLP's RMSE on that scale: well below
    # predicting the mean (a network reported in standardised units would be ~1.4x smaller or
    # off the scale), and near the plain run's.
    p, m = plain["metrics"], scaled["metrics"]
    assert m["ols_test_rmse"] == p["ols_test_rmse"] and m["mean_test_rmse"] == p["mean_test_rmse"]
    assert m["mlp_test_rmse"] < m["mean_test_rmse"] - 0.1
    assert abs(m["mlp_test_rmse"] - p["mlp_test_rmse"]) < 0.15


def test_export_round_trip_gives_the_same_numbers(wine_dir, tmp_path):
    first = lab4.main(QUICK + ["--export-split", "--data-dir", str(wine_dir),
                               "--out-dir", str(tmp_path / "a")])
    train, test = tmp_path / "a" / "wine_train.csv", tmp_path / "a" / "wine_test.csv"
    assert train.read_text().splitlines()[0] == ",".join(WINE_FEATURES + ["quality"])
    again = lab4.main(QUICK + ["--train-csv", str(train), "--test-csv", str(test),
                               "--out-dir", str(tmp_path / "b")])
    assert again["metrics"] == first["metrics"]
    assert again["history"] == first["history"]


def test_the_uci_file_is_split_eight_to_two_by_the_seed(wine_dir):
    """Every row once, 8:2; the same seed gives the same split, another seed another."""
    x_tr, y_tr, x_te, y_te, columns = datafiles.wine_split(wine_dir, seed=0)
    again, other = datafiles.wine_split(wine_dir, seed=0), datafiles.wine_split(wine_dir, seed=1)
    table = datafiles.read_table(wine_dir / "wine" / "winequality-red.csv")
    assert (len(y_tr), len(y_te)) == (120, 30) and columns == list(table.columns)
    rows = sorted(map(tuple, np.column_stack([np.vstack([x_tr, x_te]), np.hstack([y_tr, y_te])])))
    assert rows == sorted(map(tuple, table.to_numpy()))
    assert np.array_equal(x_te, again[2]) and not np.array_equal(x_te, other[2])


def test_target_is_last_column_without_quality(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b,score\n1,2,3\n4,5,6\n\n")
    x, y, cols = datafiles.split_target(datafiles.read_table(path), None)
    assert cols == ["a", "b", "score"] and y.tolist() == [3.0, 6.0] and x.shape == (2, 2)


def test_a_csv_that_excel_saved_in_gbk_gets_the_utf8_choice(tmp_path):
    """Chinese Excel's plain "CSV" is GBK: refused with where it breaks, then what to choose."""
    path = tmp_path / "成绩.csv"
    path.write_bytes("酒精,品质\n9.4,5\n".encode("gbk"))
    with pytest.raises(machinery.LabError) as info:
        datafiles.read_table(path)
    assert str(info.value) == (f"{path}: not UTF-8 text (byte 0xbe at offset 0); expected a CSV "
                               f"file; from Excel, save it as CSV UTF-8 (Save As: 'CSV UTF-8 "
                               f"(Comma delimited)', in Chinese Excel 'CSV UTF-8(逗号分隔)')")


def test_constant_column_is_a_warning_not_a_nan(wine_dir, tmp_path, capsys):
    table = datafiles.read_table(wine_dir / "wine" / "winequality-red.csv")
    table["pH"] = 3.3
    path = tmp_path / "constant.csv"
    table.to_csv(path, index=False)
    out = lab4.main(QUICK + ["--train-csv", str(path), "--test-csv", str(path),
                             "--out-dir", str(tmp_path / "out")])
    assert "column 'pH' is constant in the training split" in capsys.readouterr().err
    assert np.isfinite(out["metrics"]["mlp_test_rmse"])


def with_cell(lines: list[str], row: int, column: int, value: str) -> list[str]:
    """``lines`` (a ';'-separated file) with one cell replaced."""
    cells = lines[row].split(";")
    cells[column] = value
    return lines[:row] + [";".join(cells)] + lines[row + 1:]


def bad_case(kind: str, tmp: Path) -> tuple[list[str], str]:
    """(arguments, the expected one-line message) for one kind of bad input file."""
    good = write_uci_like(tmp / "good.csv", n=20)
    bad = tmp / "bad.csv"
    text = good.read_text().splitlines()
    files = ["--train-csv", str(bad), "--test-csv", str(good)]
    if kind == "missing":
        return ["--train-csv", str(tmp / "nope.csv"), "--test-csv", str(good)], \
            r"nope.csv: file not found"
    if kind == "a-folder":
        return ["--train-csv", str(tmp), "--test-csv", str(good)], r"is a folder, not a CSV"
    if kind == "empty":
        bad.write_text("")
        return files, r"bad.csv: the file is empty"
    if kind == "not-utf8":
        bad.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00binary")
        return files, r"bad.csv: not UTF-8 text \(byte 0x89 at offset 0\)"
    if kind == "one-column":
        bad.write_text("just some text\nwith lines\n")
        return files, r"bad.csv:1: expected a header with feature columns and a target"
    if kind == "no-header":
        bad.write_text("\n".join(text[1:]))
        return files, r"bad.csv:1: the first line must be a header"
    if kind == "too-few-fields":
        text[4] = text[4].rsplit(";", 1)[0]
        bad.write_text("\n".join(text))
        return files, r"bad.csv:5: expected 12 columns \(as the header\), found 11"
    if kind == "too-many-fields":
        text[6] += ";7"
        bad.write_text("\n".join(text))
        return files, r"bad.csv:7: expected 12 columns \(as the header\), found 13"
    if kind == "non-numeric":
        bad.write_text("\n".join(with_cell(text, 3, 8, "abc")))
        return files, r"bad.csv:4: non-numeric value 'abc' in column 'pH'"
    if kind == "not-finite":
        bad.write_text("\n".join(with_cell(text, 2, 1, "inf")))
        return files, r"bad.csv:3: value 'inf' in column 'volatile acidity' is not a finite"
    if kind == "missing-value":
        bad.write_text("\n".join(with_cell(text, 6, 0, "")))
        return files, r"bad.csv:7: missing value in column 'fixed acidity'"
    if kind == "header-only":
        bad.write_text(text[0] + "\n")
        return files, r"bad.csv: a header but no data rows"
    if kind == "different-columns":
        bad.write_text("\n".join([text[0].replace('"pH"', '"acidity"')] + text[1:]))
        return ["--train-csv", str(good), "--test-csv", str(bad)], \
            r"bad.csv: columns differ from .*good.csv"
    if kind == "no-target":
        return ["--train-csv", str(good), "--test-csv", str(good), "--target", "price"], \
            r"good.csv: no target column 'price'"
    if kind == "too-few-rows":
        bad.write_text("\n".join(text[:9]))
        return files, r"8 training rows is too few for 11 features: .* at least 13"
    if kind == "constant-target-normalised":
        lines = [text[0]] + [line.rsplit(";", 1)[0] + ";5" for line in text[1:]]
        bad.write_text("\n".join(lines))
        return files + ["--normalize-target"], r"--normalize-target: the target 'quality' is " \
                                               r"constant"
    if kind == "only-train-csv":
        return ["--train-csv", str(good)], r"--train-csv and --test-csv go together"
    raise AssertionError(kind)


BAD_KINDS = ["missing", "a-folder", "empty", "not-utf8", "one-column", "no-header",
             "too-few-fields", "too-many-fields", "non-numeric", "not-finite", "missing-value",
             "header-only", "different-columns", "no-target", "too-few-rows",
             "constant-target-normalised", "only-train-csv"]


@pytest.mark.parametrize("kind", BAD_KINDS)
def test_bad_input_file_raises_a_one_line_error(kind, tmp_path):
    argv, pattern = bad_case(kind, tmp_path)
    with pytest.raises(machinery.LabError, match=pattern) as info:
        lab4.main(argv + ["--epochs", "2", "--out-dir", str(tmp_path / "out")])
    assert "\n" not in str(info.value)


def test_missing_uci_file_and_failed_download(tmp_path, monkeypatch):
    def offline(*a, **k):
        raise OSError("no network")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    with pytest.raises(machinery.LabError, match=r"winequality-red.csv is missing and the download "
                                              r"failed \(OSError: no network\): put the file"):
        lab4.main(["--data-dir", str(tmp_path), "--out-dir", str(tmp_path / "out")])
    assert not (tmp_path / "wine").exists() or not list((tmp_path / "wine").iterdir())


@requires_real_data
def test_real_uci_file_counts():
    table = datafiles.read_table(real_data_dir() / "wine" / "winequality-red.csv")
    x, y, _ = datafiles.split_target(table, None)
    assert x.shape == (1599, 11)
    assert {int(q): int((y == q).sum()) for q in np.unique(y)} == {3: 10, 4: 53, 5: 681, 6: 638,
                                                                   7: 199, 8: 18}
    raw = (real_data_dir() / "wine" / "winequality-red.csv").read_text().splitlines()[1]
    assert x[0].tolist() == [float(v) for v in raw.split(";")[:11]]  # the exact floats


def test_ctrl_c_saves_the_whole_epochs_done(wine_dir, tmp_path, monkeypatch):
    interrupt_in_epoch(monkeypatch, lab4, 3)
    with pytest.raises(KeyboardInterrupt) as info:
        lab4.main(QUICK + ["--data-dir", str(wine_dir), "--out-dir", str(tmp_path)])
    path = tmp_path / "lab4_wine_mlp_epochs30.json"
    assert info.value.detail == f"the run up to there is saved in {path}"
    record = json.loads(path.read_text())
    assert record["metrics"]["interrupted"] == {"epoch": 3} and record["history"]["epoch"] == [1, 2]
    assert record["figures"] == ["lab4_wine_mlp_epochs30_loss.png"]


def test_every_option_changes_what_it_says(wine_dir, tmp_path, monkeypatch):
    """--hidden, --activation, --optimizer, --full-batch and --test-fraction, each checked by
    what it must change: the layers built, the optimizer used, the steps per epoch, the split."""
    built, steps = [], []
    real_model, real_step = lab4.WineMLP, lab4.train_step
    monkeypatch.setattr(lab4, "WineMLP", lambda *a, **k: built.append(real_model(*a, **k))
                        or built[-1])
    monkeypatch.setattr(lab4, "train_step", lambda *a: steps.append(1) or real_step(*a))
    base = ["--epochs", "2", "--data-dir", str(wine_dir), "--out-dir", str(tmp_path)]

    lab4.main(base + ["--hidden", "8", "4", "--activation", "tanh"])
    layers = [type(m).__name__ for m in built[-1].net]
    assert layers == ["Linear", "Tanh", "Dropout", "Linear", "Tanh", "Dropout", "Linear"]
    assert [m.out_features for m in built[-1].net if hasattr(m, "out_features")] == [8, 4, 1]
    assert len(steps) == 2 * 4  # 120 training rows, batch 32: 4 steps per epoch

    steps.clear()
    out = lab4.main(base + ["--full-batch", "--test-fraction", "0.5"])
    assert len(steps) == 2 and out["metrics"]["n_test"] == 75 and out["metrics"]["n_train"] == 75

    linear = lab4.main(["--hidden", "--dropout", "0", "--optimizer", "adam", "--lr", "0.05",
                        "--epochs", "150", "--data-dir", str(wine_dir), "--out-dir",
                        str(tmp_path)])["metrics"]
    assert [type(m).__name__ for m in built[-1].net] == ["Linear"]  # no hidden layer
    # A linear model trained well lands on least squares' fit (Adam gets there in 150 epochs).
    assert abs(linear["mlp_test_rmse"] - linear["ols_test_rmse"]) < 0.02


def test_adam_is_the_optimizer_asked_for(wine_dir, tmp_path, monkeypatch):
    used = []
    real = lab4.make_optimizer
    monkeypatch.setattr(lab4, "make_optimizer", lambda model, args: used.append(
        real(model, args)) or used[-1])
    lab4.main(["--epochs", "2", "--optimizer", "adam", "--data-dir", str(wine_dir),
               "--out-dir", str(tmp_path)])
    lab4.main(["--epochs", "2", "--data-dir", str(wine_dir), "--out-dir", str(tmp_path)])
    assert [type(o).__name__ for o in used] == ["Adam", "SGD"]
    assert used[1].param_groups[0]["momentum"] == 0.9


def test_deterministic_end_to_end(wine_dir, tmp_path, monkeypatch):
    """--deterministic turns deterministic kernels on for the run (checked while it trains),
    and two such runs give the same numbers."""
    seen = []
    real = lab4.train_epoch
    monkeypatch.setattr(lab4, "train_epoch", lambda *a: seen.append(
        torch.are_deterministic_algorithms_enabled()) or real(*a))
    args = ["--epochs", "3", "--deterministic", "--data-dir", str(wine_dir)]
    try:
        first = lab4.main(args + ["--out-dir", str(tmp_path / "a")])
        second = lab4.main(args + ["--out-dir", str(tmp_path / "b")])
    finally:
        common.seed_everything(0)
    assert seen == [True] * 6
    assert first["metrics"] == second["metrics"] and first["history"] == second["history"]


LESSON = ["WineMLP", "train_step", "train_epoch", "evaluate"]


def test_the_lesson_lifts_out_into_a_plain_notebook():
    """lab4's model, step, epoch loop and evaluation, pasted into a namespace holding only
    torch, train one epoch on a plain DataLoader: the weights move, the numbers are sane."""
    lesson = lift.lifted("lab4_wine_mlp.py", LESSON)
    torch.manual_seed(0)
    x = torch.randn(100, 11)
    y = x[:, :1] - 0.5 * x[:, 1:2] + 5 + 0.1 * torch.randn(100, 1)
    model = lesson["WineMLP"](11, [16, 8], dropout=0.2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.005, momentum=0.9)
    before = lift.weights(model)
    loss = lesson["train_epoch"](model, lift.plain_loader(x, y, 32), optimizer)
    assert lift.changed(before, model)
    assert math.isfinite(loss) and loss > 0
    mse, rmse = lesson["evaluate"](model, lift.plain_loader(x, y, 32, shuffle=False))
    assert math.isfinite(mse) and rmse == mse ** 0.5 and not model.training


def test_evaluate_over_batches_is_the_whole_split_at_once():
    """The lab evaluates its test split as one batch; a DataLoader's batches give the same
    MSE up to float rounding."""
    torch.manual_seed(1)
    x, y = torch.randn(50, 11), torch.randn(50, 1)
    model = lab4.WineMLP(11, [8])
    whole, _ = lab4.evaluate(model, [(x, y)])
    batched, _ = lab4.evaluate(model, lift.plain_loader(x, y, 16, shuffle=False))
    assert batched == pytest.approx(whole, rel=1e-6)
