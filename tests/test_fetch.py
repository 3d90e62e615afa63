"""Downloads as a student's network delivers them, from a file server on 127.0.0.1
(tests/file_server.py): slow, cut off mid-transfer with and without range requests, sending the
wrong bytes, silent (a host behind a firewall that drops packets: waited for once per run, half
a second here); and mirrors (a course server, a classmate's folder). What arrives is checked
against the official checksum before it is kept; what the student sees is a progress bar, or a
plain line per 10% in a log. The official checksums are swapped for those of synthetic files
here, so no test needs the real data except the last, which fetches the real files."""
from __future__ import annotations

import gzip
import hashlib
import json
import os
import subprocess
import sys
import time

import numpy as np
import pytest

import datafiles
import machinery
from conftest import ROOT, real_data_dir, requires_real_data, write_uci_like
from file_server import FileServer, SilentServer

LABELS = "MNIST/raw/t10k-labels-idx1-ubyte"
WINE = "wine/winequality-red.csv"


@pytest.fixture
def official(monkeypatch, tmp_path):
    """Synthetic 'official' files: MNIST test labels (served gzipped, 300 KB) and a wine CSV;
    OFFICIAL holds their checksums and DOWNLOADS points at a server that tests start."""
    labels = np.random.default_rng(0).integers(0, 256, 300_000).astype(np.uint8).tobytes()
    wine = write_uci_like(tmp_path / "source" / "wine.csv", n=120).read_bytes()
    monkeypatch.setattr(datafiles, "OFFICIAL", {
        LABELS: (hashlib.sha256(labels).hexdigest(), len(labels), "md5-of-the-gz"),
        WINE: (hashlib.sha256(wine).hexdigest(), len(wine), None)})
    monkeypatch.setenv("LABS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv(datafiles.MIRROR_ENV, raising=False)
    monkeypatch.setenv("LABS_PROGRESS", "1")
    monkeypatch.setattr(datafiles, "unreached", {})  # each test is a run of its own
    monkeypatch.setattr(datafiles, "NO_ANSWER_S", 0.5)  # a silent host costs half a second
    files = {"t10k-labels-idx1-ubyte.gz": gzip.compress(labels, mtime=0),
             "winequality-red.csv": wine}
    return labels, wine, files


def serve(monkeypatch, server):
    monkeypatch.setattr(datafiles, "DOWNLOADS", {"MNIST": (server.url,), "wine": (server.url,)})


def leftovers(folder):
    return sorted(p.name for p in folder.rglob(".*"))


def test_a_slow_download_shows_a_line_per_tenth_and_keeps_the_checked_gz(official, monkeypatch,
                                                                         tmp_path, capsys):
    labels, _, files = official
    with FileServer(files, throttle=400_000) as server:
        serve(monkeypatch, server)
        start = time.perf_counter()
        path = datafiles.fetch_official(tmp_path / "data", LABELS)
    # the transfer outlasts NO_ANSWER_S but keeps flowing: the wait is per read, it is not cut
    assert time.perf_counter() - start > 2 * datafiles.NO_ANSWER_S
    printed = capsys.readouterr().out
    assert path == tmp_path / "data" / "MNIST" / "raw" / "t10k-labels-idx1-ubyte.gz"
    assert gzip.decompress(path.read_bytes()) == labels  # kept as served
    tenths = [line for line in printed.splitlines() if "% of " in line]
    assert [t.split(": ")[1].split("%")[0] for t in tenths] == [str(10 * k) for k in
                                                               range(1, 11)]
    assert "MB/s" in tenths[0] and "s left" in tenths[0]
    # the verdict is remembered: the next load does not hash it again
    verdicts = json.loads((tmp_path / "cache" / "checked-files.json").read_text())
    assert list(verdicts.values()) == [{"sha256": datafiles.OFFICIAL[LABELS][0],
                                        "size": len(labels)}]
    assert leftovers(tmp_path / "data") == []


def test_on_a_terminal_the_bar_shows_size_and_speed(official, monkeypatch, tmp_path, capsys):
    _, _, files = official
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    with FileServer(files, throttle=2_000_000) as server:
        serve(monkeypatch, server)
        datafiles.fetch_official(tmp_path / "data", LABELS)
    bar = capsys.readouterr().err
    assert "t10k-labels-idx1-ubyte.gz: 100%" in bar and "B/s" in bar and "k/" in bar


@pytest.mark.parametrize("ranges", [True, False])
def test_a_cut_transfer_resumes_or_starts_over(official, monkeypatch, tmp_path, capsys, ranges):
    labels, _, files = official
    data = tmp_path / "data"
    with FileServer(files, ranges=ranges, cut_after=100_000) as server:
        serve(monkeypatch, server)
        with pytest.raises(machinery.LabError, match="cut short"):
            datafiles.fetch_official(data, LABELS)
        part = data / "MNIST" / "raw" / ".t10k-labels-idx1-ubyte.gz.part"
        assert part.stat().st_size == 100_000  # what arrived is kept for the next try
        assert not (data / "MNIST" / "raw" / "t10k-labels-idx1-ubyte.gz").exists()
        path = datafiles.fetch_official(data, LABELS)
    assert gzip.decompress(path.read_bytes()) == labels
    assert server.requests[-1][1] == "bytes=100000-"
    printed = capsys.readouterr().out
    assert ("resuming at 0.1 MB" in printed) is ranges
    assert ("cannot resume a transfer: starting over" in printed) is not ranges
    assert leftovers(data) == []


def test_wrong_bytes_are_refused_and_nothing_is_kept(official, monkeypatch, tmp_path, capsys):
    _, _, files = official
    with FileServer(files, wrong=True) as server:
        serve(monkeypatch, server)
        with pytest.raises(machinery.LabError, match="sent other contents than the official"):
            datafiles.fetch_official(tmp_path / "data", WINE)
    assert "refused:" in capsys.readouterr().out
    assert not list((tmp_path / "data").rglob("*.csv")) and leftovers(tmp_path / "data") == []


def test_a_mirror_folder_then_a_mirror_url_then_the_official_site(official, monkeypatch,
                                                                 tmp_path, capsys):
    labels, wine, files = official
    folder = tmp_path / "classmate"
    (folder / "MNIST" / "raw").mkdir(parents=True)
    (folder / "MNIST" / "raw" / "t10k-labels-idx1-ubyte").write_bytes(labels)  # uncompressed
    (folder / "wine").mkdir()
    (folder / "wine" / "winequality-red.csv").write_bytes(wine[:-10] + b"0;0;0;0;0\n")  # bad
    with FileServer({"MNIST/raw/t10k-labels-idx1-ubyte.gz": files["t10k-labels-idx1-ubyte.gz"]}
                    ) as mirror, FileServer(files) as official_site:
        serve(monkeypatch, official_site)
        monkeypatch.setenv(datafiles.MIRROR_ENV, str(folder))
        got = datafiles.fetch_official(tmp_path / "a", LABELS)
        assert got.name == "t10k-labels-idx1-ubyte" and got.read_bytes() == labels
        got = datafiles.fetch_official(tmp_path / "a", WINE)  # the folder's copy is refused
        assert got.read_bytes() == wine and official_site.requests == [
            ("winequality-red.csv", None)]
        got = datafiles.fetch_official(tmp_path / "b", LABELS, mirror=mirror.url)
        assert gzip.decompress(got.read_bytes()) == labels
        assert mirror.requests == [("MNIST/raw/t10k-labels-idx1-ubyte.gz", None)]
    printed = capsys.readouterr().out
    assert f"copying {folder / LABELS}" in printed and "refused:" in printed


def test_a_lab_downloads_what_it_needs_with_the_same_code(official, monkeypatch, tmp_path,
                                                          capsys):
    import lab4_wine_mlp
    with FileServer(official[2], throttle=200_000) as server:
        serve(monkeypatch, server)
        out = lab4_wine_mlp.main(["--epochs", "3", "--data-dir", str(tmp_path / "data"),
                                  "--out-dir", str(tmp_path / "out")])
    printed = capsys.readouterr().out
    assert f"downloading {server.url}winequality-red.csv" in printed and "100% of" in printed
    assert out["metrics"]["n_train"] == 96


def test_fetch_all_reports_each_file(official, monkeypatch, tmp_path):
    labels, _, files = official
    data = tmp_path / "data"
    (data / "wine").mkdir(parents=True)
    (data / "wine" / "winequality-red.csv").write_bytes(b"x" * datafiles.OFFICIAL[WINE][1])
    cut = data / "MNIST" / "raw" / "t10k-labels-idx1-ubyte.gz"
    cut.parent.mkdir(parents=True)
    cut.write_bytes(files[cut.name][:1000])  # a .gz cut short
    with FileServer(files) as server:
        serve(monkeypatch, server)
        done = datafiles.fetch_all(data)
    assert [(rel, verdict) for rel, verdict, _ in done] == [(LABELS, "ok"), (WINE, "ok")]
    assert gzip.decompress(cut.read_bytes()) == labels  # cut short: fetched again
    assert (data / "wine" / "winequality-red.csv").read_bytes() == official[1]  # damaged: fetched


def test_a_mirror_that_never_answers_costs_one_short_wait_per_run(official, monkeypatch,
                                                                  tmp_path, capsys):
    import fetch_data
    _, wine, files = official
    with SilentServer() as mirror, FileServer(files) as official_site:
        serve(monkeypatch, official_site)
        start = time.perf_counter()
        code = fetch_data.main(["--data-dir", str(tmp_path / "data"), "--mirror", mirror.url])
        took = time.perf_counter() - start
    host = mirror.url.split("/")[2]
    lines = capsys.readouterr().out.splitlines()
    assert code == 0 and took < 5
    # three names on the mirror over two files: one connection, one wait, shown
    assert mirror.connections == 1
    assert lines.count(f"  no answer from {host} in 0.5 s: trying the next source") == 1
    assert official_site.requests == [("t10k-labels-idx1-ubyte.gz", None),
                                      ("winequality-red.csv", None)]
    assert (tmp_path / "data" / WINE).read_bytes() == wine
    assert lines[-1] == f"could not be reached: {host} (no answer in 0.5 s)"


def test_a_lab_leaves_a_silent_mirror_behind_for_the_rest_of_its_run(official, monkeypatch,
                                                                    tmp_path, capsys):
    import lab4_wine_mlp
    labels, _, files = official
    with SilentServer() as mirror, FileServer(files) as official_site:
        serve(monkeypatch, official_site)
        monkeypatch.setenv(datafiles.MIRROR_ENV, mirror.url)
        content = datafiles.data_file(tmp_path / "data", LABELS)[1]
        out = lab4_wine_mlp.main(["--epochs", "1", "--data-dir", str(tmp_path / "data"),
                                  "--out-dir", str(tmp_path / "out")])
    assert content == labels and out["metrics"]["n_train"] == 96
    assert mirror.connections == 1
    assert capsys.readouterr().out.count("no answer from 127.0.0.1:") == 1


def test_when_no_source_answers_the_error_names_the_silent_host(official, monkeypatch,
                                                               tmp_path, capsys):
    with SilentServer() as site:
        serve(monkeypatch, site)
        start = time.perf_counter()
        for rel in (LABELS, WINE):
            with pytest.raises(machinery.LabError) as caught:
                datafiles.fetch_official(tmp_path / "data", rel)
            took = time.perf_counter() - start
    host = site.url.split("/")[2]
    assert site.connections == 1 and took < 5
    assert f"download failed ({host}: no answer in 0.5 s)" in str(caught.value)
    printed = capsys.readouterr().out
    assert printed.count(f"no answer from {host} in 0.5 s\n") == 1  # the last source: no "next"


def test_the_docs_give_the_wait_the_code_uses():
    wait = datafiles.NO_ANSWER_S
    assert f"waited for {wait} s" in (ROOT / "docs" / "data.md").read_text(encoding="utf-8")
    assert f"最多等 {wait} 秒" in (ROOT / "docs" / "zh-CN" / "data.md").read_text(encoding="utf-8")
    assert f"waited for {wait} s once" in " ".join((ROOT / "fetch_data.py").read_text().split())


@requires_real_data
def test_fetch_data_from_a_mirror_folder_of_the_real_files(tmp_path):
    env = {**os.environ, "LABS_CACHE_DIR": str(tmp_path / "cache"), "LABS_PROGRESS": "0"}
    env.pop(datafiles.MIRROR_ENV, None)
    proc = subprocess.run([sys.executable, str(ROOT / "fetch_data.py"), "--data-dir",
                           str(tmp_path / "data"), "--mirror", str(real_data_dir())],
                          capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "9 of 9 files ready" in proc.stdout and proc.stdout.count("  ok  ") == 9
