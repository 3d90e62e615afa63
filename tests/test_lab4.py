from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import common
import lab4_wine_mlp as lab4
from conftest import real_data_dir, requires_real_data

ROOT = Path(lab4.__file__).resolve().parent
FEATURES = ["fixed acidity", "volatile acidity", "citric acid", "residual sugar", "chlorides",
            "free sulfur dioxide", "total sulfur dioxide", "density", "pH", "sulphates",
            "alcohol"]


def write_uci_like(path: Path, n: int = 150, seed: int = 0) -> Path:
    """UCI layout: ';'-separated, quoted header, 11 features + integer quality."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 11))
    quality = np.clip(np.round(5.6 + 0.6 * x[:, 10] - 0.4 * x[:, 1] + 0.3 * rng.normal(size=n)),
                      3, 8)
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [";".join(f'"{c}"' for c in FEATURES + ["quality"])]
    lines += [";".join(f"{v:.4f}" for v in row) + f";{int(q)}" for row, q in zip(x, quality)]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def wine_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("winedata")
    write_uci_like(root / "wine" / "winequality-red.csv")
    return root


QUICK = ["--epochs", "30", "--device", "cpu"]


def test_reads_the_uci_layout(wine_dir):
    table = lab4.read_table(wine_dir / "wine" / "winequality-red.csv")
    assert table.columns == FEATURES + ["quality"] and table.values.shape == (150, 12)


def test_default_run_on_synthetic_data_beats_the_mean(wine_dir, tmp_path):
    out = lab4.main(QUICK + ["--data-dir", str(wine_dir), "--out-dir", str(tmp_path)])
    m = out["metrics"]
    assert m["n_train"] == 120 and m["n_test"] == 30
    assert m["mlp_test_rmse"] < m["mean_test_rmse"] - 0.1
    assert len(out["history"]["train_loss"]) == 30
    for name in ("lab4_wine_mlp.json", "lab4_wine_mlp_loss.png", "lab4_wine_mlp_pred.png"):
        assert (tmp_path / name).exists()


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
    # Same baselines (always in quality points), and the MLP RMSE on the same scale.
    assert scaled["metrics"]["ols_test_rmse"] == plain["metrics"]["ols_test_rmse"]
    assert 0.2 < scaled["metrics"]["mlp_test_rmse"] < 1.5


def test_export_round_trip_gives_the_same_numbers(wine_dir, tmp_path):
    first = lab4.main(QUICK + ["--export-split", "--data-dir", str(wine_dir),
                               "--out-dir", str(tmp_path / "a")])
    train, test = tmp_path / "a" / "wine_train.csv", tmp_path / "a" / "wine_test.csv"
    assert train.read_text().splitlines()[0] == ",".join(FEATURES + ["quality"])
    again = lab4.main(QUICK + ["--train-csv", str(train), "--test-csv", str(test),
                               "--out-dir", str(tmp_path / "b")])
    assert again["metrics"] == first["metrics"]
    assert again["history"] == first["history"]


def test_target_is_last_column_without_quality(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b,score\n1,2,3\n4,5,6\n")
    x, y, cols = lab4.split_target(lab4.read_table(path), None)
    assert cols == ["a", "b", "score"] and y.tolist() == [3.0, 6.0] and x.shape == (2, 2)


def bad_case(kind: str, tmp: Path) -> tuple[list[str], str]:
    good = write_uci_like(tmp / "good.csv", n=20)
    bad = tmp / "bad.csv"
    text = good.read_text().splitlines()
    if kind == "missing":
        return ["--train-csv", str(tmp / "nope.csv"), "--test-csv", str(good)], \
            r"nope.csv: file not found"
    if kind == "empty":
        bad.write_text("")
        return ["--train-csv", str(bad), "--test-csv", str(good)], r"bad.csv: the file is empty"
    if kind == "columns":
        text[4] = text[4].rsplit(";", 1)[0]
        bad.write_text("\n".join(text))
        return ["--train-csv", str(good), "--test-csv", str(bad)], \
            r"bad.csv:5: expected 12 columns \(as the header\), found 11"
    if kind == "non-numeric":
        cells = text[3].split(";")
        cells[8] = "abc"
        text[3] = ";".join(cells)
        bad.write_text("\n".join(text))
        return ["--train-csv", str(bad), "--test-csv", str(good)], \
            r"bad.csv:4: non-numeric value 'abc' in column 'pH'"
    if kind == "missing-value":
        cells = text[6].split(";")
        cells[0] = ""
        text[6] = ";".join(cells)
        bad.write_text("\n".join(text))
        return ["--train-csv", str(bad), "--test-csv", str(good)], \
            r"bad.csv:7: missing value in column 'fixed acidity'"
    if kind == "different-columns":
        bad.write_text("\n".join([text[0].replace('"pH"', '"acidity"')] + text[1:]))
        return ["--train-csv", str(good), "--test-csv", str(bad)], \
            r"bad.csv: columns differ from .*good.csv"
    if kind == "no-target":
        return ["--train-csv", str(good), "--test-csv", str(good), "--target", "price"], \
            r"good.csv: no target column 'price'"
    raise AssertionError(kind)


BAD_KINDS = ["missing", "empty", "columns", "non-numeric", "missing-value", "different-columns",
             "no-target"]


@pytest.mark.parametrize("kind", BAD_KINDS)
def test_bad_input_raises_a_one_line_error(kind, tmp_path):
    argv, pattern = bad_case(kind, tmp_path)
    with pytest.raises(common.LabError, match=pattern) as info:
        lab4.main(argv + ["--out-dir", str(tmp_path / "out")])
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("kind", BAD_KINDS)
def test_bad_input_on_the_command_line_exits_2(kind, tmp_path):
    argv, pattern = bad_case(kind, tmp_path)
    proc = subprocess.run([sys.executable, str(ROOT / "lab4_wine_mlp.py"), *argv,
                           "--out-dir", str(tmp_path / "out")],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1


def test_train_and_test_csv_go_together(tmp_path):
    good = write_uci_like(tmp_path / "good.csv", n=10)
    with pytest.raises(common.LabError, match="go together"):
        lab4.main(["--train-csv", str(good)])


def test_missing_uci_file_and_failed_download(tmp_path, monkeypatch):
    def offline(*a, **k):
        raise OSError("no network")

    monkeypatch.setattr(lab4.urllib.request, "urlopen", offline)
    with pytest.raises(common.LabError, match=r"winequality-red.csv is missing and the download"):
        lab4.main(["--data-dir", str(tmp_path), "--out-dir", str(tmp_path / "out")])
    assert not list((tmp_path / "wine").glob("*.tmp"))


@requires_real_data
def test_real_uci_file_counts():
    table = lab4.read_table(real_data_dir() / "wine" / "winequality-red.csv")
    x, y, _ = lab4.split_target(table, None)
    assert x.shape == (1599, 11)
    assert {int(q): int((y == q).sum()) for q in np.unique(y)} == {3: 10, 4: 53, 5: 681, 6: 638,
                                                                   7: 199, 8: 18}
