"""The data files, which a student need not read: where the data folder is, the official
MNIST, Fashion-MNIST and wine files with their checksums, downloads (mirrors, resumed
transfers, a progress bar), reading the IDX format, and reading and checking lab4's CSV tables
(every problem in a file one line naming it).

Imports torch, numpy and pandas only inside functions (like machinery.py), and imports
machinery only.
"""
from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import math
import os
import re
import shutil
import struct
import sys
import time
import zlib
from pathlib import Path

from machinery import (ON_WINDOWS, LabError, NotWhole, atomic_write, bar_maker, fsync_dir,
                       replace_file)

DATA_ENV = "LABS_DATA_DIR"
# --------------------------------------------------------------------------- official files

# The official files, by their place under the data dir: the sha256 of the uncompressed
# contents and their size (of the copies this repository is tested with; each decompresses
# byte for byte from the .gz its site serves), and the md5 of that .gz as published (the one
# torchvision checks). docs/data.md lists them for students who fetch files by hand.
OFFICIAL = {
    "MNIST/raw/train-images-idx3-ubyte": (
        "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db", 47040016,
        "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
    "MNIST/raw/train-labels-idx1-ubyte": (
        "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5", 60008,
        "d53e105ee54ea40749a09fcbcd1e9432"),
    "MNIST/raw/t10k-images-idx3-ubyte": (
        "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7", 7840016,
        "9fb629c4189551a2d022fa330f9573f3"),
    "MNIST/raw/t10k-labels-idx1-ubyte": (
        "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2", 10008,
        "ec29112dd5afa0611ce80d1b7f02629c"),
    "FashionMNIST/raw/train-images-idx3-ubyte": (
        "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888", 47040016,
        "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
    "FashionMNIST/raw/train-labels-idx1-ubyte": (
        "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9", 60008,
        "25c81989df183df01b3e8a0aad5dffbe"),
    "FashionMNIST/raw/t10k-images-idx3-ubyte": (
        "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b", 7840016,
        "bef4ecab320f06d8554ea6380940ec79"),
    "FashionMNIST/raw/t10k-labels-idx1-ubyte": (
        "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34", 10008,
        "bb300cfdad3c16e7a12a480ee83cd310"),
    "wine/winequality-red.csv": (
        "4a402cf041b025d4566d954c3b9ba8635a3a8a01e039005d97d6a710278cf05e", 84199, None),
}
DOWNLOADS = {  # folder -> mirrors, tried in order (the IDX files are served gzipped)
    "MNIST": ("https://ossci-datasets.s3.amazonaws.com/mnist/",
              "http://yann.lecun.com/exdb/mnist/"),
    "FashionMNIST": ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
    "wine": ("https://archive.ics.uci.edu/ml/machine-learning-databases/wine-quality/",),
}
IDX_FILES = {True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
             False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}
IMAGE_SIZE, CLASSES = (28, 28), 10  # what every image lab's model expects
FETCH_BY_HAND = "docs/data.md lists each file, where it comes from and its checksum"


def cache_dir() -> Path:
    """Where verdicts on data files are remembered: $LABS_CACHE_DIR, else the user's cache."""
    if os.environ.get("LABS_CACHE_DIR"):
        return Path(os.environ["LABS_CACHE_DIR"])
    base = os.environ.get("LOCALAPPDATA") if ON_WINDOWS else os.environ.get("XDG_CACHE_HOME")
    return Path(base or Path.home() / ".cache") / "pytorch-course-labs"


def _verdicts() -> dict:
    try:
        return json.loads((cache_dir() / "checked-files.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _file_key(path: Path) -> str:
    """A file's key in the verdict cache: a changed, replaced or touched file is hashed again."""
    stat = Path(path).stat()
    return f"{Path(path).resolve()}|{stat.st_size}|{stat.st_mtime_ns}"


def _remember(key: str, verdict: dict) -> None:
    """Best effort: a cache that cannot be written only means hashing again next time."""
    try:
        cache_dir().mkdir(parents=True, exist_ok=True)
        known = {**_verdicts(), key: verdict}
        with atomic_write(cache_dir() / "checked-files.json") as f:
            f.write(json.dumps(known, indent=1) + "\n")
    except (OSError, LabError):
        pass


def read_data_file(path: Path) -> bytes:
    """A data file's contents, decompressed when it is a ``.gz`` (as the sites serve them)."""
    try:
        raw = Path(path).read_bytes()
    except OSError as err:
        raise LabError(f"{path}: cannot read it ({err.strerror})") from None
    if Path(path).suffix != ".gz":
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as err:
        raise NotWhole(f"{path} is not a whole gzip file ({str(err).rstrip('.')}; a download "
                       f"cut short?): delete it and run again to download it, or fetch it "
                       f"again ({FETCH_BY_HAND})") from None


def file_verdict(path: Path, rel: str, content: bytes) -> tuple[str, str]:
    """Is ``path`` (the file for ``rel``, e.g. 'MNIST/raw/t10k-labels-idx1-ubyte') the official
    one? "official"; "misplaced" (the official file of another place, named as the detail);
    "damaged" (the official size, other contents: the detail is its sha256); or "own" (any
    other file: the student's own data). The contents are hashed the first time only: the
    verdict is remembered by path, size and modification time."""
    key = _file_key(path)
    seen = _verdicts().get(key)
    if seen is None:
        seen = {"sha256": hashlib.sha256(content).hexdigest(), "size": len(content)}
        _remember(key, seen)
    sha, size, _ = OFFICIAL[rel]
    if seen["sha256"] == sha:
        return "official", ""
    other = next((r for r, (s, *_) in OFFICIAL.items() if s == seen["sha256"]), None)
    if other:
        return "misplaced", other
    return ("damaged", seen["sha256"]) if seen["size"] == size else ("own", "")


def check_official(path: Path, rel: str, content: bytes) -> None:
    """Stop on a damaged or misplaced official file (file_verdict); use the student's own data
    with a note."""
    verdict, detail = file_verdict(path, rel, content)
    sha = OFFICIAL[rel][0]
    if verdict == "misplaced":
        raise LabError(f"{path} is the official {detail}, not {rel}: put each file in its own "
                       f"place ({FETCH_BY_HAND})")
    if verdict == "damaged":
        raise LabError(f"{path} has the size of the official {rel} but other contents (sha256 "
                       f"{detail[:12]}..., official {sha[:12]}...): it is damaged; "
                       f"delete it and run again to download it, or fetch it again "
                       f"({FETCH_BY_HAND})")
    if verdict == "own":
        print(f"note: {path} is not the official file; using it as your own data (numbers "
              f"will differ from the write-ups)", flush=True)


def served_name(rel: str) -> str:
    """The name the sites serve the official file ``rel`` under: the IDX files gzipped
    (``name.gz``, kept so when downloaded), the wine CSV as it is."""
    return Path(rel).name + (".gz" if OFFICIAL[rel][2] else "")


def download_urls(rel: str) -> list[str]:
    """Where the official file ``rel`` can be downloaded, mirrors in order."""
    return [mirror + served_name(rel) for mirror in DOWNLOADS[rel.split("/")[0]]]


MIRROR_ENV = "LABS_DATA_MIRROR"  # a course server or a classmate's folder, tried first

# How long a server may stay silent: to connect, to start answering, and between two reads of
# a transfer (never the whole transfer: a slow download that keeps flowing goes on). A host
# behind a firewall that drops packets costs this long once; then it is left behind.
NO_ANSWER_S = 10
# Hosts that could not be reached in this run (host -> why): each is tried once, then skipped.
# fetch_all starts a run afresh; for a lab the run is the process.
unreached: dict[str, str] = {}


def unreached_line() -> str:
    """One line naming the hosts this run could not reach, or "" when it reached them all."""
    if not unreached:
        return ""
    return "could not be reached: " + ", ".join(f"{host} ({why})"
                                                for host, why in unreached.items())


def _left_behind(host: str, err: BaseException) -> str | None:
    """When ``host`` could not be reached at all (silent, refused, an unknown name, a failed TLS
    handshake): note it in ``unreached`` and return the line to show. None when it answered
    and the trouble was the file (404, a cut transfer): the host is tried again."""
    import urllib.error  # noqa: PLC0415

    if isinstance(err, urllib.error.HTTPError):
        return None
    reason = err.reason if isinstance(err, urllib.error.URLError) else err
    if isinstance(reason, TimeoutError):
        unreached[host] = f"no answer in {NO_ANSWER_S:g} s"
        return f"no answer from {host} in {NO_ANSWER_S:g} s"
    if isinstance(err, urllib.error.URLError) and isinstance(reason, OSError):
        unreached[host] = f"cannot connect: {reason.strerror or reason}"
        return f"cannot connect to {host} ({reason.strerror or reason})"
    return None


def sources(rel: str, mirror: str | None = None) -> list[str]:
    """Where the official file ``rel`` can come from, in order: the mirror (``mirror``, else
    $LABS_DATA_MIRROR: a base URL or a folder laid out like the data folder, each file ``.gz``
    or uncompressed), then the official sites."""
    mirror = os.environ.get(MIRROR_ENV) if mirror is None else mirror
    found = []
    if mirror:
        names = [rel + ".gz", rel] if OFFICIAL[rel][2] else [rel]
        if mirror.startswith(("http://", "https://")):
            found += [mirror.rstrip("/") + "/" + name for name in names]
        else:
            found += [str(Path(mirror).expanduser() / name) for name in names]
    return found + download_urls(rel)


class ByteBar:
    """The progress of one download: a tqdm bar (size, speed, time left) on a terminal and in a
    notebook; elsewhere (a log, CI) one plain line at every 10%."""

    def __init__(self, name: str, total: int | None, done: int = 0):
        self.name, self.total, self.done, self.start = name, total, done, time.perf_counter()
        self.first, self.shown, self.bar = done, (done * 10 // total) if total else 0, None
        tqdm = bar_maker()
        if tqdm is not None:
            self.bar = tqdm(total=total, initial=done, unit="B", unit_scale=True,
                            unit_divisor=1024, desc=name, leave=True)

    def update(self, n: int) -> None:
        self.done += n
        if self.bar is not None:
            self.bar.update(n)
            return
        if not self.total or self.done * 10 // self.total <= self.shown:
            return
        self.shown = self.done * 10 // self.total
        seconds = time.perf_counter() - self.start
        speed = (self.done - self.first) / seconds if seconds else 0.0
        left = f", {(self.total - self.done) / speed:.0f} s left" if speed else ""
        print(f"  {self.name}: {self.shown * 10}% of {self.total / 2 ** 20:.1f} MB "
              f"({speed / 2 ** 20:.2f} MB/s{left})", flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _download(url: str, part: Path, name: str) -> None:
    """``url`` into ``part``: a partial file from an earlier try is resumed where it stopped
    when the server answers a range request (206), and started over when it does not (200).
    Raises OSError (or an HTTP error) when the transfer is cut short; what arrived stays in
    ``part`` for the next try."""
    import http.client  # noqa: PLC0415
    import urllib.error  # noqa: PLC0415
    import urllib.request  # noqa: PLC0415

    have = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"Range": f"bytes={have}-"} if have else {})
    try:
        response = urllib.request.urlopen(request, timeout=NO_ANSWER_S)  # per read, not total
    except urllib.error.HTTPError as err:
        if err.code == 416 and have:  # nothing after what we have: start over
            part.unlink()
            return _download(url, part, name)
        raise
    with response:
        resumed = bool(have) and response.status == 206 and \
            response.headers.get("Content-Range", "").startswith(f"bytes {have}-")
        if have:
            print(f"  resuming at {have / 2 ** 20:.1f} MB" if resumed else
                  "  the server cannot resume a transfer: starting over", flush=True)
        start = have if resumed else 0
        length = response.headers.get("Content-Length")
        total = start + int(length) if length and length.isdigit() else None
        bar = ByteBar(name, total, start)
        try:
            with open(part, "ab" if resumed else "wb") as f:
                while chunk := response.read(1 << 14):
                    f.write(chunk)
                    bar.update(len(chunk))
        except http.client.HTTPException as err:
            raise OSError(f"the transfer was cut short ({type(err).__name__})") from None
        finally:
            bar.close()
    if total is not None and part.stat().st_size < total:
        raise OSError(f"the transfer was cut short at {part.stat().st_size:,} of {total:,} "
                      f"bytes")


def _official_content(data: bytes, gz: bool) -> bytes:
    """The contents a file stands for: decompressed when it is a ``.gz``."""
    return gzip.decompress(data) if gz else data


def fetch_official(data_dir: Path, rel: str, mirror: str | None = None) -> Path:
    """Fetch an official file into its place, from the mirror or the official sites
    (``sources``), with a progress bar; a download cut short is resumed on the next try. Every
    file, from anywhere, is checked against the official checksum before it is kept, and
    renamed into place only then: a cut or altered transfer is never used."""
    sha = OFFICIAL[rel][0]
    folder = Path(data_dir) / Path(rel).parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise LabError(f"cannot create {folder} ({err.strerror}): point --data-dir or "
                       f"${DATA_ENV} at a folder you can write") from None
    import urllib.parse  # noqa: PLC0415

    tried, candidates = [], sources(rel, mirror)
    for i, source in enumerate(candidates):
        gz = source.endswith(".gz")
        dest = folder / (Path(rel).name + (".gz" if gz else ""))
        part = folder / f".{dest.name}.part"
        local = not source.startswith(("http://", "https://"))
        host = None if local else urllib.parse.urlsplit(source).netloc
        if local and not Path(source).is_file():
            tried.append(f"{source}: not there")
            continue
        if host in unreached:  # silent or unreachable earlier in this run: not waited for again
            tried.append(f"{host}: {unreached[host]}")
            continue
        print(f"{'copying' if local else 'downloading'} {source} -> {dest}", flush=True)
        try:
            if local:
                shutil.copyfile(source, part)
            else:
                _download(source, part, dest.name)
            content = _official_content(part.read_bytes(), gz)
        except (OSError, EOFError, zlib.error, ValueError) as err:
            shown = None if local else _left_behind(host, err)
            if shown:
                tried.append(f"{host}: {unreached[host]}")
                more = ": trying the next source" if i + 1 < len(candidates) else ""
                print(f"  {shown}{more}", flush=True)
                continue
            tried.append(f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}")
            continue
        if hashlib.sha256(content).hexdigest() != sha:
            part.unlink()
            tried.append(f"{source} sent other contents than the official file")
            print(f"  refused: {tried[-1]}", flush=True)
            continue
        with open(part, "rb+") as f:
            os.fsync(f.fileno())
        replace_file(str(part), dest)
        fsync_dir(folder)
        _remember(_file_key(dest), {"sha256": sha, "size": len(content)})
        return dest
    why = dict.fromkeys([t for t in tried if t.split(": ")[0] in unreached] + [tried[-1]])
    raise LabError(f"{folder / Path(rel).name} is missing and the download failed "
                   f"({'; '.join(why)}): put the file there yourself ({FETCH_BY_HAND}), set "
                   f"{MIRROR_ENV} to a mirror, or point --data-dir or ${DATA_ENV} at a folder "
                   f"that has {rel}")


def local_file(data_dir: Path, rel: str) -> Path | None:
    """The file for ``rel`` as it is under the data dir: uncompressed, else as downloaded
    (``.gz``); None when neither is there."""
    path = Path(data_dir) / rel
    return next((p for p in (path, path.with_name(path.name + ".gz")) if p.is_file()), None)


def data_file(data_dir: Path, rel: str, mirror: str | None = None) -> tuple[Path, bytes]:
    """The file for ``rel`` under the data dir (local_file; fetched when it is not there), and
    its contents."""
    path = local_file(data_dir, rel) or fetch_official(data_dir, rel, mirror)
    return path, read_data_file(path)


def fetch_all(data_dir: Path, mirror: str | None = None) -> list[tuple[str, str, str]]:
    """Every official file into ``data_dir``, up front: each one there is checked against its
    checksum, a missing, damaged or misplaced one fetched. Returns (file, verdict, detail) for
    each: verdict "ok", "own data" (kept: not an official file) or "problem". A host that
    could not be reached is tried once in the whole run (unreached_line names them)."""
    unreached.clear()  # a run of its own: every host gets its one try
    done = []
    for rel in OFFICIAL:
        try:
            try:
                path, content = data_file(data_dir, rel, mirror)
                verdict = file_verdict(path, rel, content)[0]
            except NotWhole:
                verdict = "damaged"
            if verdict in ("damaged", "misplaced"):
                print(f"{rel}: the file there is {verdict}; fetching it again", flush=True)
                path, verdict = fetch_official(data_dir, rel, mirror), "official"
            done.append((rel, "ok" if verdict == "official" else "own data", str(path)))
        except LabError as err:
            done.append((rel, "problem", str(err)))
    return done


def resolve_data_dir(arg: Path | str | None = None) -> Path:
    """``--data-dir``, else ``$LABS_DATA_DIR``, else ``data/`` next to the scripts."""
    if arg is not None:
        path, source = Path(arg).expanduser().resolve(), "--data-dir"
    elif os.environ.get(DATA_ENV):
        path, source = Path(os.environ[DATA_ENV]).expanduser().resolve(), f"${DATA_ENV}"
    else:
        return Path(__file__).resolve().parent / "data"
    if path.exists() and not path.is_dir():
        raise LabError(f"{source} {path} is a file; it must be a folder (holding MNIST/, "
                       f"FashionMNIST/ or wine/)")
    return path


def read_idx(path: Path, data: bytes | None = None):
    """An IDX file of unsigned bytes (the MNIST format): 0, 0, type 0x08, the number of
    dimensions, each size as a big-endian 32-bit integer, then the bytes. ``data``: the
    file's contents when already read (decompressed)."""
    import torch  # noqa: PLC0415

    data = Path(path).read_bytes() if data is None else data
    if len(data) < 4 or data[:2] != b"\x00\x00":
        raise LabError(f"{path} is not an IDX file (it does not start with the IDX header)")
    if data[2] != 0x08:
        raise LabError(f"{path} is an IDX file of type 0x{data[2]:02x}; the labs read unsigned "
                       f"bytes (0x08), as MNIST's files are")
    ndim = data[3]
    if len(data) < 4 + 4 * ndim:
        raise LabError(f"{path} is truncated inside its header: delete it and fetch it again")
    dims = struct.unpack(f">{ndim}I", data[4:4 + 4 * ndim])
    body = data[4 + 4 * ndim:]
    if len(body) != math.prod(dims):
        raise LabError(f"{path} is truncated or padded: {len(body)} bytes of data where its "
                       f"header says {'x'.join(map(str, dims))} = {math.prod(dims)}; delete it "
                       f"and fetch it again ({FETCH_BY_HAND})")
    return torch.frombuffer(bytearray(body), dtype=torch.uint8).reshape(dims)


def check_image_split(image_path: Path, images, label_path: Path, labels) -> None:
    """What the labs need of a split, whoever made the files: 28x28 images, one label per image,
    every label one of the 10 classes. One line naming the file and the problem otherwise."""
    if images.dim() != 3 or tuple(images.shape[1:]) != IMAGE_SIZE:
        found = "x".join(map(str, images.shape[1:])) if images.dim() == 3 else \
            f"an array of shape {tuple(images.shape)}"
        raise LabError(f"{image_path}: the images are {found}; the labs' models expect "
                       f"{IMAGE_SIZE[0]}x{IMAGE_SIZE[1]} images (N x 28 x 28, as MNIST's)")
    if labels.dim() != 1:
        raise LabError(f"{label_path}: labels must be one number per image, found an array of "
                       f"shape {tuple(labels.shape)}")
    if len(images) != len(labels):
        raise LabError(f"{image_path} holds {len(images)} images but {label_path} holds "
                       f"{len(labels)} labels: they must pair up one to one")
    if len(labels) == 0:
        raise LabError(f"{label_path} holds no examples")
    bad = (labels >= CLASSES).nonzero()
    if len(bad):
        i = int(bad[0])
        raise LabError(f"{label_path}: label {int(labels[i])} (example {i}) is not one of the "
                       f"{CLASSES} classes 0-{CLASSES - 1}")


def official_split(folder: str, data_dir: Path, train: bool):
    """A split of MNIST or Fashion-MNIST (``folder``) as uint8 images and labels, each file
    found (or downloaded), read, checked for what the labs need, and checked against its
    official checksum."""
    rels = [f"{folder}/raw/{file}" for file in IDX_FILES[train]]
    files = [data_file(data_dir, rel) for rel in rels]
    (image_path, images), (label_path, labels) = ((path, read_idx(path, content))
                                                  for path, content in files)
    check_image_split(image_path, images, label_path, labels)
    for rel, (path, content) in zip(rels, files):
        check_official(path, rel, content)
    return images, labels


# --------------------------------------------------------------------------- CSV tables (lab4)

WINE_FILE = "wine/winequality-red.csv"  # under the data dir; OFFICIAL has its checksum
WINE_TARGET = "quality"                 # the target column, when the file has one by that name


def wine_split(data_dir: Path | str | None, train_csv: Path | None = None,
               test_csv: Path | None = None, *, target: str | None = None, seed: int = 0,
               test_fraction: float = 0.2, normalize_target: bool = False):
    """lab4's data, checked: train and test features and targets as float64 arrays, and the
    column names (the target last). From the UCI file under the data dir (found or
    downloaded, checked against its checksum) split with ``seed``, or from the course's own
    pre-split ``train_csv`` and ``test_csv``. Each table is shown as the course looked at it
    first. Every problem is one line (LabError) naming the file, and where it applies the
    line and the column; data too small for what lab4 computes is refused (check_sizes)."""
    import numpy as np  # noqa: PLC0415

    if (train_csv is None) != (test_csv is None):
        raise LabError("--train-csv and --test-csv go together: pass both or neither")
    if train_csv is not None:
        train, test = read_table(train_csv), read_table(test_csv)
        if list(train.columns) != list(test.columns):
            raise LabError(f"{test_csv}: columns differ from {train_csv} "
                           f"({len(test.columns)} vs {len(train.columns)}: "
                           f"{sorted(set(test.columns) ^ set(train.columns))[:4]})")
        show_table(f"{train_csv}", train)
        show_table(f"{test_csv}", test)
        x_tr, y_tr, columns = split_target(train, target)
        x_te, y_te, _ = split_target(test, target)
    else:
        path, content = data_file(resolve_data_dir(data_dir), WINE_FILE)
        table = read_table(path, content)
        check_official(path, WINE_FILE, content)
        show_table(str(path), table)
        x, y, columns = split_target(table, target)
        order = np.random.RandomState(seed).permutation(len(y))
        n_test = int(round(len(y) * test_fraction))
        test_idx, train_idx = order[:n_test], order[n_test:]
        x_tr, y_tr, x_te, y_te = x[train_idx], y[train_idx], x[test_idx], y[test_idx]
    check_sizes(x_tr, y_tr, x_te, columns, normalize_target)
    return x_tr, y_tr, x_te, y_te, columns


def read_table(path: Path, raw: bytes | None = None):
    """A numeric CSV with a header, ';' or ',' separated (decided from the header line), read
    with pandas into float64 columns.

    Every problem is a LabError naming the file, and where it applies the line and the column:
    not UTF-8 text, empty, no header, a row with too few or too many fields, a missing,
    non-numeric or non-finite value."""
    import numpy as np  # noqa: PLC0415
    import pandas as pd  # noqa: PLC0415

    path = Path(path)
    if not path.is_file():
        raise LabError(f"{path}: file not found" if not path.exists()
                       else f"{path}: is a folder, not a CSV file")
    raw = read_data_file(path) if raw is None else raw  # the file's bytes, if read
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise LabError(f"{path}: not UTF-8 text (byte 0x{raw[err.start]:02x} at offset "
                       f"{err.start}); expected a CSV file; from Excel, save it as CSV UTF-8 "
                       f"(Save As: 'CSV UTF-8 (Comma delimited)', in Chinese Excel "
                       f"'CSV UTF-8(逗号分隔)')") from None
    lines = text.splitlines()
    if not text.strip():
        raise LabError(f"{path}: the file is empty")
    delimiter = ";" if lines[0].count(";") > lines[0].count(",") else ","
    try:  # every cell as text first, so each problem can be located
        frame = pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False,
                            skip_blank_lines=False, skipinitialspace=True)
    except pd.errors.ParserError as err:
        found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(err))
        if found:
            expected, line_no, saw = found.groups()
            raise LabError(f"{path}:{line_no}: expected {expected} columns (as the "
                           f"header), found {saw}") from None
        raise LabError(f"{path}: not a CSV table ({str(err).strip()[:120]})") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    if len(frame.columns) < 2:
        raise LabError(f"{path}:1: expected a header with feature columns and a target, "
                       f"found {len(frame.columns)} column(s)")
    if pd.to_numeric(pd.Series(frame.columns), errors="coerce").notna().any():
        raise LabError(f"{path}:1: the first line must be a header of column names, "
                       f"found numbers ({lines[0][:60]})")
    frame.index = range(2, len(frame) + 2)  # the file's line numbers (line 1 is the header)
    frame = frame[(frame != "").any(axis=1)]  # blank lines (e.g. at the end)
    if frame.empty:
        raise LabError(f"{path}: a header but no data rows")

    for col in frame.columns:
        cells = frame[col].str.strip()
        values = pd.to_numeric(cells, errors="coerce")
        bad = cells[values.isna() | ~np.isfinite(values.fillna(0))]
        if bad.empty:
            continue
        line_no, cell = bad.index[0], bad.iloc[0]
        if cell == "":
            fields = next(csv.reader([lines[line_no - 1]], delimiter=delimiter))
            if len(fields) < len(frame.columns):
                raise LabError(f"{path}:{line_no}: expected {len(frame.columns)} columns "
                               f"(as the header), found {len(fields)}")
            raise LabError(f"{path}:{line_no}: missing value in column '{col}'")
        if np.isnan(values[line_no]) and cell.lower() not in ("nan", "+nan", "-nan"):
            raise LabError(f"{path}:{line_no}: non-numeric value '{cell}' in column '{col}'")
        raise LabError(f"{path}:{line_no}: value '{cell}' in column '{col}' is not a "
                       f"finite number")
    # numpy's text-to-float64 conversion is correctly rounded: the exact numbers in the file.
    numbers = frame.apply(lambda column: column.str.strip()).to_numpy().astype(np.float64)
    table = pd.DataFrame(numbers, columns=frame.columns, index=frame.index)
    table.attrs["path"] = str(path)
    return table


def split_target(table, target: str | None):
    """Features and target: the named column, else 'quality', else the last column."""
    import numpy as np  # noqa: PLC0415

    if target is not None and target not in table.columns:
        raise LabError(f"{table.attrs.get('path', 'table')}: no target column "
                       f"'{target}' (columns: {', '.join(table.columns)})")
    name = target or (WINE_TARGET if WINE_TARGET in table.columns else table.columns[-1])
    features = [c for c in table.columns if c != name]
    # Row-major, whichever way pandas stores the frame: numpy's mean sums in memory order, so
    # the same numbers in another layout would standardise differently in the last bit.
    return (np.ascontiguousarray(table[features].to_numpy()),
            np.ascontiguousarray(table[name].to_numpy()), features + [name])


def show_table(title: str, table) -> None:
    """What the course looked at first: the shape, the first rows, per-column statistics."""
    import pandas as pd  # noqa: PLC0415

    with pd.option_context("display.width", 160, "display.max_columns", 20,
                           "display.precision", 3):
        print(f"\n{title}: {table.shape[0]} rows x {table.shape[1]} columns")
        print(table.head().to_string(index=False))
        print(table.describe().T[["mean", "std", "min", "max"]].to_string())


def check_sizes(x_tr, y_tr, x_te, columns: list[str], normalize_target: bool) -> None:
    """Refuse data too small for what the lab computes, and warn about columns that carry
    nothing, instead of returning NaN or a meaningless number."""
    import numpy as np  # noqa: PLC0415

    need = x_tr.shape[1] + 2  # OLS with an intercept needs features + 1 rows, plus one to spare
    if len(y_tr) < need:
        raise LabError(f"{len(y_tr)} training rows is too few for {x_tr.shape[1]} features: "
                       f"the OLS baseline and the standardisation need at least {need}")
    if len(x_te) == 0:
        raise LabError("the test split is empty: use more rows or a larger --test-fraction")
    for name in [c for c, constant in zip(columns, np.ptp(x_tr, axis=0) == 0) if constant]:
        print(f"{Path(sys.argv[0]).name}: warning: column '{name}' is constant in the training "
              f"split; it carries no information and stays 0 after standardising",
              file=sys.stderr)
    if np.ptp(y_tr) == 0:
        if normalize_target:
            raise LabError(f"--normalize-target: the target '{columns[-1]}' is constant in the "
                           f"training split (its std is 0)")
        print(f"{Path(sys.argv[0]).name}: warning: the target '{columns[-1]}' is constant in "
              f"the training split; every model just predicts it", file=sys.stderr)


def write_wine_split(out_dir: Path, columns: list[str], x_tr, y_tr, x_te, y_te) -> None:
    """The split used, as the course handed it out: wine_train.csv and wine_test.csv,
    comma-separated, header row, target last. Values as read (not normalised) and written
    exactly (shortest round-trip repr), so reading them back gives the same floats."""
    import numpy as np  # noqa: PLC0415
    import pandas as pd  # noqa: PLC0415

    for split, x, y in (("train", x_tr, y_tr), ("test", x_te, y_te)):
        table = pd.DataFrame(np.column_stack([x, y]), columns=columns)
        with atomic_write(Path(out_dir) / f"wine_{split}.csv") as f:
            table.to_csv(f, index=False, lineterminator="\n")
    print(f"wrote {Path(out_dir) / 'wine_train.csv'} and {Path(out_dir) / 'wine_test.csv'}")
