"""Say what this Python environment is and what is wrong with it. Run it when something fails,
and paste everything it prints when you ask for help.

    python doctor.py             # the report, in plain text
    python doctor.py --json      # the same, as JSON

It reports the Python that runs and where it lives, whether a Jupyter kernel will use it (and
the line that registers it), the versions and builds of torch, torchvision, numpy, pandas and
matplotlib, why CUDA or MPS is or is not available, each data file and its verdict, whether the
output folder and the cache can be written, and the known bad pairs (torch before 2.3 with
numpy 2, two OpenMP runtimes in one process, a missing Visual C++ runtime on Windows, an Intel
Python under Rosetta on an Apple chip, --compile's compiler cache on a path the C++ compiler can
fail on), each problem with the exact fix. It never stops with a traceback: a check that cannot run says why.
docs/troubleshooting.md explains every problem it names.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import datafiles
import machinery

ROOT = Path(__file__).resolve().parent
PLATFORMS_FILE = ROOT / "results" / "platforms.json"  # which Python has torch where (resolved)
INTERNET_SETTINGS = r"Software\Microsoft\Windows\CurrentVersion\Internet Settings"
PACKAGES = ("torch", "torchvision", "numpy", "pandas", "matplotlib", "tqdm")
KERNEL = 'python -m ipykernel install --user --name pytorch-labs --display-name "Python (pytorch-labs)"'
VC_REDIST = "https://aka.ms/vs/17/release/vc_redist.x64.exe"
TROUBLE = "docs/troubleshooting.md"


@dataclasses.dataclass
class Finding:
    status: str          # "ok", "problem", "note", or "unknown" (the check could not run)
    what: str
    fix: str = ""


@dataclasses.dataclass
class Machine:
    """What the checks look at, so that tests can stand in another machine."""
    python: str = sys.executable
    windows: bool = os.name == "nt"
    macos: bool = sys.platform == "darwin"
    data_dir: Path | None = None
    out_dir: Path = ROOT / "runs"
    find_library: object = None      # ctypes.util.find_library, or a stand-in
    loaded_libraries: object = None  # the shared libraries this process has loaded, or None
    python_version: tuple = sys.version_info[:2]
    arch: str = platform.machine()
    macos_version: str = platform.mac_ver()[0]
    platforms_file: Path = PLATFORMS_FILE
    system_proxy: object = None      # () -> (enabled, server) from the registry, or a stand-in
    apple_silicon: object = None     # () -> is this Mac's processor Apple's? (sysctl), or a stand-in
    prefix: str = sys.prefix         # the environment torch is installed into
    compile_cache: str | None = None  # --compile's compiler cache, or None: where torch puts it


def version(name: str) -> str | None:
    from importlib.metadata import PackageNotFoundError  # noqa: PLC0415
    from importlib.metadata import version as installed  # noqa: PLC0415
    try:
        return installed(name)
    except PackageNotFoundError:
        return None


# --------------------------------------------------------------------------- the checks

def check_python(m: Machine) -> list[Finding]:
    where = "a virtual environment" if sys.prefix != sys.base_prefix else \
        "a conda environment" if (Path(sys.prefix) / "conda-meta").exists() else \
        "not a virtual environment"
    found = [Finding("ok", f"Python {platform.python_version()} ({platform.system()} "
                           f"{platform.machine()}) at {m.python}, {where} ({sys.prefix})")]
    found += python_has_torch(m)
    if m.windows and "WindowsApps" in m.python:
        found.append(Finding("problem", "this is the Microsoft Store's Python: it keeps packages "
                                        "in a long hidden path and other programs do not see it",
                             "install Python from python.org (tick 'Add python.exe to PATH'), "
                             "then make the venv again"))
    if where == "not a virtual environment":
        found.append(Finding("note", "packages go into this Python for every project",
                             "python -m venv .venv, activate it, then pip install -r "
                             "requirements.txt"))
    if (Path(sys.prefix) / "conda-meta").exists():
        found.append(Finding("note", "a conda environment: install torch into it with pip (the "
                                     "PyTorch conda channel is no longer updated), not with "
                                     "conda install", "pip install -r requirements.txt"))
    return found


def platform_name(m: Machine) -> str | None:
    """This machine as results/platforms.json names it, or None where torch ships no wheel."""
    arch = m.arch.lower()
    if m.windows:
        return "Windows x86-64" if arch in ("amd64", "x86_64") else None
    if m.macos:
        if arch == "x86_64":
            return "macOS x86-64"
        major = int(m.macos_version.split(".")[0] or 0) if m.macos_version else 0
        return "macOS 14+ arm64" if major >= 14 else "macOS 12-13 arm64"
    if sys.platform.startswith("linux") or not (m.windows or m.macos):
        return {"x86_64": "Linux x86-64", "aarch64": "Linux aarch64",
                "arm64": "Linux aarch64"}.get(arch)
    return None


def apple_silicon() -> bool:
    """Is this Mac's processor Apple's (arm64), whatever this Python was built for? An Intel
    (x86-64) Python runs there under Rosetta and reports x86_64 as its machine; the hardware
    still answers hw.optional.arm64 = 1."""
    try:
        proc = subprocess.run(["sysctl", "-n", "hw.optional.arm64"], capture_output=True,
                              text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return False
    return proc.stdout.strip() == "1"


def python_has_torch(m: Machine) -> list[Finding]:
    """Does torch ship a wheel for this Python on this platform? From the resolution of
    requirements.txt for every platform and Python (tools/platforms.py), committed in
    results/platforms.json: said before pip install fails, with the Python to install."""
    import json  # noqa: PLC0415
    mine = "%d.%d" % m.python_version
    rosetta = m.macos and m.arch.lower() == "x86_64" and (m.apple_silicon or apple_silicon)()
    if rosetta:  # what the Mac needs, not what this Python looks like
        m = dataclasses.replace(m, arch="arm64")
    name = platform_name(m)
    try:
        rows = json.loads(m.platforms_file.read_text(encoding="utf-8"))["rows"]
    except (OSError, ValueError, KeyError) as err:
        return [Finding("unknown", f"cannot read {m.platforms_file.name} to check this Python "
                                   f"({err})")]
    if name is None:
        return [Finding("note", f"torch ships no wheels for this platform ({m.arch}); pip "
                                f"will not find one", "docs/install.md lists the platforms")]
    have = {row["python"]: row["torch"] for row in rows if row["platform"] == name}
    with_torch = sorted((v for v, torch in have.items() if torch), key=machinery.release)
    if not with_torch:
        return [Finding("unknown", f"{m.platforms_file.name} has no row for {name}")]
    newest, oldest = with_torch[-1], with_torch[0]
    install = f"install Python {newest} from python.org, then make the venv with it " \
              f"({'py -' + newest if m.windows else 'python' + newest} -m venv .venv)"
    if rosetta:
        return [Finding("problem", "this Python is an Intel (x86-64) build running under "
                                   "Rosetta on a Mac with an Apple chip: pip gives it the Intel "
                                   "Macs' torch 2.2.2, without MPS (and no torch at all after "
                                   "Python 3.12)",
                        f"{install}; python.org's macOS installer runs natively on Apple chips "
                        f"(an old Anaconda or a Homebrew under /usr/local is Intel: install "
                        f"the arm64 one); in the venv, python -c \"import platform; "
                        f"print(platform.machine())\" must print arm64")]
    if machinery.release(mine) < machinery.release(oldest):
        return [Finding("problem", f"the labs need Python {oldest} or newer, not {mine}", install)]
    if mine in have and not have[mine]:
        return [Finding("problem", f"this Python ({mine}) has no PyTorch for your platform "
                                   f"({name}) yet: install {newest}", install)]
    if mine not in have:
        return [Finding("note", f"Python {mine} is newer than any checked for {name} (up to "
                                f"{newest}): if pip finds no torch, install {newest}", install)]
    return [Finding("ok", f"torch ships wheels for Python {mine} on {name} (torch "
                          f"{have[mine]} when resolved)")]


def inductor_cache() -> str:
    """Where --compile's compiler (torch inductor) keeps what it builds, as torch decides it
    (torch/_inductor/runtime/cache_dir_utils.py), without importing torch: the
    TORCHINDUCTOR_CACHE_DIR variable, or torchinductor_<user name> in the temporary folder,
    which on Windows is under the home folder."""
    import getpass  # noqa: PLC0415
    if os.environ.get("TORCHINDUCTOR_CACHE_DIR"):
        return os.path.abspath(os.environ["TORCHINDUCTOR_CACHE_DIR"])
    try:
        user = getpass.getuser()
    except (KeyError, ModuleNotFoundError, OSError):
        user = "unknown_user"
    return os.path.join(tempfile.gettempdir(), "torchinductor_" + user)


def check_paths(m: Machine) -> list[Finding]:
    """Paths with characters other than ASCII (a Chinese user name): the labs read and write
    them fine; only --compile's C++ compiler can fail on them, in its cache and in torch's own
    headers, so that is what is said, with the fix for each."""
    found = []
    cache = m.compile_cache or inductor_cache()
    if not cache.isascii():
        setting = "setx TORCHINDUCTOR_CACHE_DIR C:\\torchcache, then open a new terminal" \
            if m.windows else "export TORCHINDUCTOR_CACHE_DIR=/tmp/torchcache (in your shell's " \
                              "profile to keep it)"
        found.append(Finding("note", f"--compile's compiler cache is in a path with characters "
                                     f"other than ASCII ({cache}), where the C++ compiler can "
                                     f"fail; nothing else uses it, and the labs run without "
                                     f"--compile", f"point it to a plain folder: {setting}"))
    if not str(m.prefix).isascii():
        found.append(Finding("note", f"this environment's path has characters other than ASCII "
                                     f"({m.prefix}): --compile's C++ compiler reads torch's "
                                     f"headers from there and can fail; the labs run without "
                                     f"--compile",
                             "for --compile, make the venv in a plain path such as "
                             "C:\\labs\\.venv"))
    if m.windows:
        try:
            import winreg  # noqa: PLC0415
            key = winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE,
                                 r"SYSTEM\CurrentControlSet\Control\FileSystem")
            if not winreg.QueryValueEx(key, "LongPathsEnabled")[0]:
                found.append(Finding("note", "long paths are off: a path over 260 characters "
                                             "fails (deep venvs, the Store's Python)",
                                     "keep the repository near the drive's root, or enable "
                                     "long paths (docs/troubleshooting.md)"))
        except (OSError, ImportError):  # ImportError: a stand-in Windows in the tests
            pass
    return found or [Finding("ok", f"plain paths for --compile's compiler: {m.prefix}, {cache}")]


def check_kernel(m: Machine) -> list[Finding]:
    if version("ipykernel") is None:
        return [Finding("note", "ipykernel is not installed here: no notebook can run this Python",
                        f"python -m pip install ipykernel, then {KERNEL}")]
    try:
        from jupyter_client.kernelspec import KernelSpecManager  # noqa: PLC0415
        specs = KernelSpecManager().get_all_specs()
    except Exception as err:  # noqa: BLE001
        return [Finding("unknown", f"cannot list the Jupyter kernels ({type(err).__name__}: "
                                   f"{err})")]
    ours = Path(m.python).resolve()
    users = [name for name, spec in specs.items()
             if spec["spec"]["argv"] and _runs(spec["spec"]["argv"][0], ours)]
    if users:
        return [Finding("ok", f"the Jupyter kernel(s) {', '.join(users)} run this Python")]
    others = ", ".join(f"{n} ({s['spec']['argv'][0]})" for n, s in specs.items())
    return [Finding("problem", f"no Jupyter kernel runs this Python (kernels: {others or 'none'}); "
                               f"a notebook would say \"No module named 'torch'\"",
                    f"{KERNEL}, then pick \"Python (pytorch-labs)\" as the notebook's kernel")]


def _runs(command: str, ours: Path) -> bool:
    """Does a kernel's command (a path, or a name found on PATH) start this Python?"""
    found = command if os.path.isabs(command) else shutil.which(command)
    try:
        return bool(found) and Path(found).resolve() == ours
    except OSError:
        return False


def check_packages(m: Machine) -> list[Finding]:
    have = {name: version(name) for name in PACKAGES}
    missing = [name for name, v in have.items() if v is None]
    found = [Finding("ok", ", ".join(f"{n} {v}" for n, v in have.items() if v))]
    if missing:
        found.append(Finding("problem", f"not installed: {', '.join(missing)}",
                             "python -m pip install -r requirements.txt"))
    clash = have["torch"] and have["numpy"] and machinery.numpy_clash(have["torch"],
                                                                       have["numpy"])
    if clash:
        found.append(Finding("problem", f'{clash} ("Numpy is not available")',
                             'python -m pip install "numpy<2"'))
    return found


def check_torch(m: Machine) -> list[Finding]:
    if version("torch") is None:
        return [Finding("unknown", "torch is not installed: nothing to check")]
    try:
        import torch  # noqa: PLC0415
    except Exception as err:  # noqa: BLE001 -- a DLL, an ABI clash: say exactly what it said
        text = f"{type(err).__name__}: {str(err).strip().splitlines()[0] if str(err) else ''}"
        fix = f"install the Visual C++ Redistributable (x64), {VC_REDIST}, then restart" \
            if ("WinError 126" in text or ".dll" in text) else \
            "python -m pip install --force-reinstall torch torchvision (docs/install.md)"
        return [Finding("problem", f"import torch fails: {text}", fix)]
    found = [Finding("ok", f"torch {torch.__version__}: CUDA build {torch.version.cuda or 'no'}, "
                           f"{torch.get_num_threads()} CPU threads")]
    if torch.cuda.is_available():
        found.append(Finding("ok", f"CUDA: {torch.cuda.get_device_name(0)} "
                                   f"({torch.cuda.device_count()} device(s))"))
    elif not m.macos:
        found.append(Finding("note", f"CUDA: {machinery.cuda_problem()}"))
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        found.append(Finding("ok", "MPS (Apple's GPU) is available: --device mps"))
    elif m.macos:
        found.append(Finding("note", f"MPS: {machinery.mps_problem()}"))
    return found


def check_runtimes(m: Machine) -> list[Finding]:
    found = []
    if m.windows:
        finder = m.find_library
        if finder is None:
            import ctypes.util  # noqa: PLC0415
            finder = ctypes.util.find_library
        gone = [dll for dll in ("vcruntime140", "vcruntime140_1", "msvcp140") if not finder(dll)]
        found.append(Finding("problem", f"the Visual C++ runtime torch needs is missing "
                                        f"({', '.join(d + '.dll' for d in gone)}): import torch "
                                        f"fails with [WinError 126] or [WinError 1114]",
                             f"install the Visual C++ Redistributable (x64), {VC_REDIST}")
                     if gone else Finding("ok", "the Visual C++ runtime DLLs are there"))
    libraries = m.loaded_libraries
    if libraries is None and Path("/proc/self/maps").exists():
        import numpy  # noqa: F401, PLC0415 -- load what a lab loads before looking
        try:
            import torch  # noqa: F401, PLC0415
        except Exception:  # noqa: BLE001 -- check_torch reports it
            pass
        libraries = Path("/proc/self/maps").read_text(errors="replace")
    if libraries is None:
        return found + [Finding("unknown", "which OpenMP runtimes this process loads cannot be "
                                           "seen on this system")]
    kinds = {kind for kind, names in (("GNU libgomp", ("libgomp",)),
                                      ("Intel libiomp5", ("libiomp5",)),
                                      ("LLVM libomp", ("libomp.", "libomp-")))
             if any(n in libraries for n in names)}
    if len(kinds) > 1:
        found.append(Finding("problem", f"two OpenMP runtimes in one process ({', '.join(sorted(kinds))}): "
                                        f"\"OMP: Error #15\" or wrong results",
                             "make a fresh environment and install everything with pip there "
                             "(pip install -r requirements.txt); with conda, make the "
                             "environment with conda and install the packages with pip"))
    else:
        found.append(Finding("ok", f"one OpenMP runtime ({', '.join(kinds) or 'none loaded'})"))
    return found


def check_data(m: Machine) -> list[Finding]:
    data_dir = m.data_dir or datafiles.resolve_data_dir(None)
    found, missing, official = [], [], 0
    for rel in datafiles.OFFICIAL:
        path = datafiles.local_file(data_dir, rel)
        if path is None:
            missing.append(rel)
            continue
        try:
            verdict, detail = datafiles.file_verdict(path, rel, datafiles.read_data_file(path))
        except machinery.LabError as err:
            verdict, detail = "damaged", str(err)
        if verdict == "official":
            official += 1
            continue
        found.append({"own": Finding("note", f"{path}: not the official file (used as your own "
                                             f"data)"),
                      "misplaced": Finding("problem", f"{path}: the official {detail}, in the "
                                                      f"wrong place", f"move it to {detail}"),
                      "damaged": Finding("problem", f"{path}: damaged ({detail[:80]})",
                                         f"delete {path}, then python fetch_data.py")}[verdict])
    total = len(datafiles.OFFICIAL)
    # One line each for the files that are there and those that are not, whatever their number.
    if official:
        found.insert(0, Finding("ok", f"{official} of {total} data files in {data_dir} are the "
                                      f"official ones"))
    if missing:
        shown = ", ".join(missing[:2]) + (f" and {len(missing) - 2} more" if len(missing) > 2
                                          else "")
        which = f"none of the {total} data files is" if len(missing) == total else \
            f"{len(missing)} of {total} data files are not"
        found.append(Finding("note", f"{which} in {data_dir} yet ({shown}): a lab downloads "
                                     f"what it needs",
                             "python fetch_data.py fetches them all up front"))
    return found


def check_writable(m: Machine) -> list[Finding]:
    found = []
    for label, folder in (("output folder", m.out_dir), ("cache", datafiles.cache_dir())):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=folder):
                pass
            found.append(Finding("ok", f"the {label} {folder} can be written"))
        except OSError as err:
            found.append(Finding("problem", f"the {label} {folder} cannot be written "
                                            f"({err.strerror or err})",
                                 "pass --out-dir to a folder you own" if label.startswith("out")
                                 else "set LABS_CACHE_DIR to a folder you own"))
    return found


def windows_proxy() -> tuple[bool, str]:
    """The Windows system proxy (Settings > Network & Internet > Proxy), as a VPN client leaves
    it: pip and Python's downloads use it when no proxy variable is set."""
    import winreg  # noqa: PLC0415 -- Windows only
    with winreg.OpenKey(winreg.HKEY_CURRENT_USER, INTERNET_SETTINGS) as key:
        def value(name, default):
            try:
                return winreg.QueryValueEx(key, name)[0]
            except OSError:
                return default
        return bool(value("ProxyEnable", 0)), str(value("ProxyServer", ""))


def proxy_address(server: str) -> tuple[str, int] | None:
    """(host, port) pip would use from a ProxyServer value: '127.0.0.1:7890', or per scheme
    'http=127.0.0.1:7890;https=127.0.0.1:7890'."""
    parts = dict(p.split("=", 1) if "=" in p else ("", p) for p in server.split(";") if p)
    chosen = parts.get("https") or parts.get("http") or parts.get("")
    if not chosen:
        return None
    host, _, port = chosen.split("://")[-1].rstrip("/").rpartition(":")
    return (host, int(port)) if host and port.isdigit() else None


def proxy_answers(host: str, port: int) -> bool:
    import socket  # noqa: PLC0415
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def check_system_proxy(m: Machine) -> list[Finding]:
    if not m.windows:
        return []
    try:
        enabled, server = (m.system_proxy or windows_proxy)()
    except OSError as err:
        return [Finding("unknown", f"cannot read the Windows proxy setting ({err})")]
    if not enabled or not server:
        return [Finding("ok", "no Windows system proxy")]
    off = ("turn it off: Settings > Network & Internet > Proxy > 'Use a proxy server' off (or "
           "the VPN client's 'system proxy' switch); netsh winhttp show proxy shows the other "
           "one (docs/troubleshooting.md)")
    address = proxy_address(server)
    if address and not proxy_answers(*address):
        return [Finding("problem", f"the Windows system proxy is on ({server}) but nothing "
                                   f"answers there, so pip and downloads fail (ProxyError): a "
                                   f"VPN client that was closed left it on", off)]
    return [Finding("note", f"the Windows system proxy is on ({server}): pip and downloads go "
                            f"through it; if they fail, a VPN client may have left it on", off)]


def check_network(m: Machine) -> list[Finding]:
    found = []
    proxies = {k: v for k, v in os.environ.items() if k.lower() in (
        "http_proxy", "https_proxy", "all_proxy", "no_proxy")}
    if proxies:
        found.append(Finding("note", f"proxy settings: {proxies}"))
    found += check_system_proxy(m)
    mirror = os.environ.get(datafiles.MIRROR_ENV)
    if mirror:
        found.append(Finding("note", f"datasets come from the mirror {mirror} first"))
    try:
        proc = subprocess.run([m.python, "-m", "pip", "config", "list"], capture_output=True,
                              text=True, timeout=30)
        index = [line for line in proc.stdout.splitlines() if "index-url" in line]
        found.append(Finding("note" if index else "ok",
                             f"pip uses {', '.join(index)}" if index else
                             "pip uses PyPI (no index-url configured)"))
    except (OSError, subprocess.SubprocessError) as err:
        found.append(Finding("unknown", f"cannot ask pip for its configuration ({err})"))
    import ssl  # noqa: PLC0415
    paths = ssl.get_default_verify_paths()
    if m.macos and not (paths.cafile and Path(paths.cafile).exists()) and \
            not (paths.capath and Path(paths.capath).is_dir() and any(Path(paths.capath).iterdir())):
        found.append(Finding("problem", "this Python has no root certificates: downloads stop "
                                        "with CERTIFICATE_VERIFY_FAILED",
                             'run "Install Certificates.command" in /Applications/Python 3.x/'))
    return found


SECTIONS = {"Python": check_python, "Paths": check_paths, "Jupyter": check_kernel,
            "Packages": check_packages, "PyTorch and devices": check_torch,
            "Runtimes": check_runtimes, "Data": check_data, "Folders": check_writable,
            "Network": check_network}


def diagnose(m: Machine) -> dict[str, list[Finding]]:
    """Every section's findings; a check that fails says so, it never stops the report."""
    report = {}
    for title, check in SECTIONS.items():
        try:
            report[title] = check(m)
        except Exception as err:  # noqa: BLE001 -- the report must go on
            report[title] = [Finding("unknown", f"could not check ({type(err).__name__}: "
                                                f"{str(err).splitlines()[0] if str(err) else ''})")]
    return report


def render(report: dict[str, list[Finding]]) -> str:
    lines = [f"doctor.py: {platform.platform()}, Python {platform.python_version()}"]
    for title, findings in report.items():
        lines.append(f"\n== {title}")
        for f in findings:
            lines.append(f"  {f.status:<8} {f.what}")
            if f.fix:
                lines.append(f"  {'':<8} fix: {f.fix}")
    problems = sum(f.status == "problem" for fs in report.values() for f in fs)
    lines.append(f"\n{problems} problem(s). Paste all of this when you ask for help; "
                 f"{TROUBLE} explains each problem.")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="doctor.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="the dataset folder to check (default: as the labs find it)")
    parser.add_argument("--out-dir", type=Path, default=ROOT / "runs",
                        help="the output folder to check (default: runs/)")
    args = parser.parse_args(argv)
    try:
        data_dir = datafiles.resolve_data_dir(args.data_dir)
    except machinery.LabError as err:
        print(f"doctor.py: note: {err}", file=sys.stderr)
        data_dir = None
    report = diagnose(Machine(data_dir=data_dir, out_dir=args.out_dir))
    if args.json:
        print(json.dumps({k: [dataclasses.asdict(f) for f in v] for k, v in report.items()},
                         indent=1, ensure_ascii=False))
    else:
        print(render(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
