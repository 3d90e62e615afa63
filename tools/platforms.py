"""Does requirements.txt resolve to a working set on every platform and Python we support?

    python -m tools.platforms resolve            # platform x Python table; exit 1 on a bad set
    python -m tools.platforms resolve --write    # also save results/platforms.json (docs table)
    python -m tools.platforms floor              # the oldest set we declare (Intel Mac's: torch
                                                 # 2.2, numpy 1) in a venv of its own, then the
                                                 # tests and run_all --smoke in it
    python -m tools.platforms torches            # lab3 --compile --smoke on each of TORCHES,
                                                 # a venv each (results/torch_versions.json)

For developers, not CI: `resolve` asks uv (`pip install uv`) to resolve the requirements for
each platform as pip would there, from this machine; `floor` downloads about 2.5 GB (old torch
with its CUDA libraries). Each resolved set is checked against the known bad pairs below.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if not __package__:  # run as a file (python tools/platforms.py): import from the root, as -m does
    sys.path[0] = str(Path(__file__).resolve().parents[1])

import machinery  # noqa: E402
from tools import report  # noqa: E402
from tools.paths import REFERENCE_DIR, ROOT  # noqa: E402

PLATFORMS = {  # name -> (uv's --python-platform, the oldest macOS it stands for)
    "Windows x86-64": ("x86_64-pc-windows-msvc", None),
    "macOS 12-13 arm64": ("aarch64-apple-darwin", "12.0"),
    "macOS 14+ arm64": ("aarch64-apple-darwin", "14.0"),  # torch >= 2.12 needs macOS 14 there
    "macOS x86-64": ("x86_64-apple-darwin", None),
    "Linux x86-64": ("x86_64-manylinux_2_28", None),
    "Linux aarch64": ("aarch64-manylinux_2_28", None),
}
PYTHONS = ("3.10", "3.11", "3.12", "3.13", "3.14", "3.15")  # the oldest we support, then
                                                             # every Python python.org offers
# Where torch stops: the newest Python each platform has a torch wheel for (resolved, not
# assumed: `resolve` fails when a Python past it resolves, or one up to it does not). doctor.py
# reads the same evidence from results/platforms.json.
NEWEST = {"Windows x86-64": "3.15", "macOS 12-13 arm64": "3.14", "macOS 14+ arm64": "3.15",
          "macOS x86-64": "3.12", "Linux x86-64": "3.15", "Linux aarch64": "3.15"}
GAP_REASON = {  # why a platform stops where it does, (English, Chinese)
    "macOS 12-13 arm64": ("torch >= 2.12 needs macOS 14, and torch 2.11 has no wheel for "
                          "Python {v}",
                          "torch 2.12 起需要 macOS 14，而 torch 2.11 没有 Python {v} 的安装包"),
    "macOS x86-64": ("torch stopped at 2.2.2 on Intel Macs, which has no wheel for Python {v}",
                     "Intel Mac 上的 torch 停在 2.2.2，它没有 Python {v} 的安装包"),
}


def gap(platform: str, python: str, lang: str = "en") -> str | None:
    """Why this platform has no torch for this Python, or None where it has one."""
    if machinery.release(python) <= machinery.release(NEWEST[platform]):
        return None
    en, zh = GAP_REASON.get(platform, ("torch has no wheel for Python {v} here",
                                       "torch 没有这里的 Python {v} 安装包"))
    return (zh if lang == "zh" else en).format(v=python)
FLOOR_PLATFORM = "macOS x86-64"  # its set is the oldest: torch 2.2.2, numpy 1.x


# (why, test on the resolved pins). Each is a published incompatibility.
BAD_PAIRS = [
    ("torch < 2.3 was built against numpy 1: numpy 2 gives 'RuntimeError: Numpy is not "
     "available' (reproduced with torch 2.2.2 + numpy 2.2.6)",
     lambda p, plat: bool(machinery.numpy_clash(p["torch"], p["numpy"]))),
    ("torch 2.4.0's Windows wheels do not work with numpy 2 (pytorch/pytorch#131668, fixed "
     "in 2.4.1)",
     lambda p, plat: plat.startswith("Windows") and machinery.release(p["torch"]) == (2, 4, 0)
     and machinery.release(p["numpy"]) >= (2,)),
    ("pandas < 2.2.2 is not compatible with numpy 2 (pandas 2.2.2 release)",
     lambda p, plat: machinery.release(p["pandas"]) < (2, 2, 2)
     and machinery.release(p["numpy"]) >= (2,)),
    ("matplotlib < 3.8.4 is not built for numpy 2 (matplotlib 3.8.4 release notes)",
     lambda p, plat: machinery.release(p["matplotlib"]) < (3, 8, 4)
     and machinery.release(p["numpy"]) >= (2,)),
]
# torchvision pins the torch it was built for in its own metadata, so the resolver pairs them.


def uv() -> list[str]:
    found = shutil.which("uv")
    if found:
        return [found]
    try:
        import uv as uv_module  # noqa: PLC0415
        return [uv_module.find_uv_bin()]
    except ImportError:
        raise SystemExit("platforms: error: needs uv (pip install uv)") from None


def resolve_one(platform: str, python: str) -> dict:
    """Pins for one platform and Python, or the resolver's reason it has none."""
    target, macos = PLATFORMS[platform]
    # Wheels only: a student has no compiler, so a set that needs one building does not count.
    cmd = uv() + ["pip", "compile", str(ROOT / "requirements.txt"), "--python-platform", target,
                  "--python-version", python, "--only-binary", ":all:", "--no-header",
                  "--no-annotate", "--quiet"]
    env = {**os.environ, **({"MACOSX_DEPLOYMENT_TARGET": macos} if macos else {})}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode:
        reason = next((line.strip() for line in proc.stderr.splitlines()
                       if "because" in line or "No solution" in line), proc.stderr.strip())
        return {"pins": None, "error": reason[:300]}
    pins = {}
    for line in proc.stdout.splitlines():
        name, sep, ver = line.strip().partition("==")
        if sep:
            pins[name.lower()] = ver
    return {"pins": pins, "error": None}


def verdict(platform: str, python: str, result: dict) -> tuple[bool, str]:
    expected_gap = gap(platform, python)
    if result["pins"] is None:
        return (True, f"no set, as expected: {expected_gap}") if expected_gap else \
            (False, f"does not resolve: {result['error']}")
    if expected_gap:
        return False, (f"resolves, but we say it cannot ({expected_gap}): update NEWEST, then "
                       f"the docs")
    bad = [why for why, test in BAD_PAIRS if test(result["pins"], platform)]
    return (not bad), ("; ".join(bad) if bad else "ok")


def resolve_all() -> list[dict]:
    rows = []
    for platform in PLATFORMS:
        for python in PYTHONS:
            result = resolve_one(platform, python)
            ok, text = verdict(platform, python, result)
            pins = result["pins"] or {}
            rows.append({"platform": platform, "python": python, "ok": ok, "verdict": text,
                         **{k: pins.get(k) for k in ("torch", "torchvision", "numpy", "pandas",
                                                     "matplotlib")},
                         "cuda_libraries": any(k.startswith("nvidia-") for k in pins)
                         if pins else None,
                         "no_torch": {lang: gap(platform, python, lang) for lang in ("en", "zh")}
                         if gap(platform, python) else None})
    return rows


def floor(python: str, venv: Path, keep: bool) -> int:
    """Install the oldest declared set (the Intel-Mac resolution, for this Python) here and run
    the test suite and the smoke reproduction in it."""
    if not (shutil.which(python) or Path(python).is_file()):
        raise SystemExit(f"platforms: error: no Python interpreter at {python}")
    py_version = subprocess.run([python, "-c", "import sys; print('%d.%d' % sys.version_info"
                                 "[:2])"], capture_output=True, text=True, check=True).stdout
    pins = resolve_one(FLOOR_PLATFORM, py_version.strip())
    if pins["pins"] is None:
        raise SystemExit(f"platforms: error: no floor set for Python {py_version}: "
                         f"{pins['error']}")
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write("\n".join(f"{k}=={v}" for k, v in pins["pins"].items()) + "\n")
        pin_file = f.name
    print(f"floor set ({FLOOR_PLATFORM} resolution, Python {py_version.strip()}): torch "
          f"{pins['pins']['torch']}, torchvision {pins['pins']['torchvision']}, numpy "
          f"{pins['pins']['numpy']}, pandas {pins['pins']['pandas']}, matplotlib "
          f"{pins['pins']['matplotlib']}", flush=True)
    if not (venv / "bin" / "python").exists() and not (venv / "Scripts" / "python.exe").exists():
        subprocess.run([python, "-m", "venv", str(venv)], check=True)
    vpy = str(venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python"))
    start = time.perf_counter()
    subprocess.run([vpy, "-m", "pip", "install", "--quiet", "-r", pin_file, "-r",
                    str(ROOT / "requirements-test.txt")], check=True)
    print(f"installed in {time.perf_counter() - start:.0f} s", flush=True)
    subprocess.run([vpy, "-c", "import torch, numpy, pandas, matplotlib, torchvision; "
                    "print('imports:', torch.__version__, numpy.__version__, pandas.__version__,"
                    " matplotlib.__version__, torchvision.__version__)"], check=True)
    status = 0
    for cmd in ([vpy, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                [vpy, "run_all.py", "--smoke", "--out-dir", tempfile.mkdtemp()]):
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        tail = (proc.stdout + proc.stderr).strip().splitlines()[-3:]
        print(f"$ {' '.join(Path(c).name if i == 0 else c for i, c in enumerate(cmd))}: "
              f"exit {proc.returncode} in {time.perf_counter() - start:.0f} s", flush=True)
        print("\n".join("    " + line for line in tail), flush=True)
        status = status or proc.returncode
    if not keep:
        shutil.rmtree(venv, ignore_errors=True)
    return status


# torch releases that --compile is run on (`torches`), each with its torchvision: the floor,
# two between (2.5; 2.7, the last without inductor's alignment_asserts), and the newest pip
# gives.
TORCHES = {"2.2.2": "0.17.2", "2.5.1": "0.20.1", "2.7.1": "0.22.1", "2.14.1": "0.29.1"}


def torches(versions: list[str], python: str, data_dir: Path, keep: bool) -> int:
    """lab3 --compile at tiny settings (--smoke) on each torch release, each in a venv of its
    own: what its --compile line says, and whether its numbers are eager's. Saves
    results/torch_versions.json (the table in docs/devices.md)."""
    py = subprocess.run([python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                        capture_output=True, text=True, check=True).stdout.strip()
    path = REFERENCE_DIR / "torch_versions.json"
    rows = json.loads(path.read_text(encoding="utf-8"))["rows"] if path.exists() else []
    for version in versions:
        venv = Path(tempfile.gettempdir()) / f"labs-torch-{version}-py{py}"  # outside the repo
        done = venv / "labs-installed"  # written last: a venv without it was cut off mid-install
        if not done.exists():
            shutil.rmtree(venv, ignore_errors=True)
            subprocess.run([python, "-m", "venv", str(venv)], check=True)
        vpy = str(venv / "bin" / "python")
        numpy = "numpy<2" if version < "2.3" else "numpy"
        subprocess.run([vpy, "-m", "pip", "install", "--quiet", f"torch=={version}",
                        f"torchvision=={TORCHES[version]}", numpy, "pandas<3", "matplotlib",
                        "tqdm"], check=True, env={**os.environ, "PIP_CONSTRAINT": ""})
        done.touch()
        row = {"torch": version, "python": py}
        with tempfile.TemporaryDirectory() as out:
            metrics = {}
            for flags in ([], ["--compile"]):
                proc = subprocess.run([vpy, "lab3_lenet.py", "--smoke", "--data-dir",
                                       str(data_dir), "--out-dir", out, *flags], cwd=ROOT,
                                      capture_output=True, text=True,
                                      env={**os.environ, "LABS_PROGRESS": "0"})
                said = [line for line in proc.stdout.splitlines() if line.startswith("--compile")]
                if proc.returncode:
                    row.update(exit=proc.returncode, error=(proc.stderr.strip().splitlines()
                                                            or [""])[-1][:300])
                    break
                result = json.loads(Path(out, "lab3_d2l_bs4.json").read_text())["metrics"]
                metrics["compile" if flags else "eager"] = result
                if flags:
                    row["said"] = said[0] if said else ""
            if len(metrics) == 2:
                keys = ("train_loss", "train_acc", "test_loss", "test_acc")
                row["compiled"] = "compiled the whole training step" in row["said"]
                row["same_numbers"] = all(abs(metrics["compile"][k] - metrics["eager"][k]) <=
                                          1e-4 * abs(metrics["eager"][k]) + 1e-6 for k in keys)
                row["exit"] = 0
        print(f"torch {version} (Python {py}): {row.get('said') or row.get('error')}; "
              f"same numbers as eager: {row.get('same_numbers')}", flush=True)
        rows = [r for r in rows if (r["torch"], r["python"]) != (version, py)] + [row]
        if not keep:
            shutil.rmtree(venv, ignore_errors=True)
    rows.sort(key=lambda r: (tuple(int(p) for p in r["torch"].split(".")), r["python"]))
    with machinery.atomic_write(path) as f:
        f.write(json.dumps({"rows": rows, "run_on": time.strftime("%Y-%m-%d")}, indent=2) + "\n")
    return 0 if all(r.get("exit") == 0 and r.get("same_numbers") for r in rows) else 1


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    res = sub.add_parser("resolve", help="resolve every platform x Python and check the sets")
    res.add_argument("--write", action="store_true",
                     help="save results/platforms.json and update the tables in docs/")
    flo = sub.add_parser("floor", help="test the oldest declared set in a venv of its own")
    flo.add_argument("--python", default=sys.executable, help="interpreter for the venv")
    flo.add_argument("--venv", type=Path, default=ROOT / ".venv-floor",
                     help="where the venv goes (git-ignored)")
    flo.add_argument("--keep", action="store_true", help="keep the venv afterwards")
    tor = sub.add_parser("torches", help="lab3 --compile at tiny settings on each torch "
                                          "release, each in a venv of its own")
    tor.add_argument("versions", nargs="*", default=list(TORCHES), choices=list(TORCHES))
    tor.add_argument("--python", default=sys.executable, help="interpreter for the venvs")
    tor.add_argument("--data-dir", type=Path, default=None, help="the datasets (as the labs)")
    tor.add_argument("--keep", action="store_true", help="keep the venvs afterwards")
    args = parser.parse_args(argv)
    report.console_safe()
    if args.command == "floor":
        return floor(args.python, args.venv, args.keep)
    if args.command == "torches":
        import datafiles  # noqa: PLC0415

        return torches(args.versions, args.python, datafiles.resolve_data_dir(args.data_dir),
                       args.keep)

    rows = resolve_all()
    width = max(len(p) for p in PLATFORMS)
    for row in rows:
        pins = " ".join(f"{k} {row[k]}" for k in ("torch", "torchvision", "numpy", "pandas",
                                                   "matplotlib") if row[k])
        cuda = {True: "CUDA", False: "CPU-only", None: "-"}[row["cuda_libraries"]]
        print(f"{row['platform']:<{width}} {row['python']:<5} {'ok ' if row['ok'] else 'BAD'} "
              f"{pins or '-'} [{cuda}] {'' if row['verdict'] == 'ok' else row['verdict']}")
    bad = [r for r in rows if not r["ok"]]
    print(f"\n{len(rows) - len(bad)} of {len(rows)} platform x Python sets as expected")
    if args.write:
        version_text = subprocess.run(uv() + ["--version"], capture_output=True,
                                      text=True).stdout.split()[1]
        data = {"rows": rows, "resolved_on": time.strftime("%Y-%m-%d"), "uv": version_text}
        with machinery.atomic_write(REFERENCE_DIR / "platforms.json") as f:
            f.write(json.dumps(data, indent=2) + "\n")
        for path in report.write_all():
            print(f"updated {path}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
