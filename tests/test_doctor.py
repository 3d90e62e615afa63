"""doctor.py: the report a student pastes. It runs here end to end, and each problem it knows
is simulated (a CPU-only build, a missing DLL on a stand-in Windows, an unwritable folder, a
damaged file, torch that cannot be imported, two OpenMP runtimes, a kernel of another Python,
a check that breaks): each appears with its fix, and the report never stops."""
from __future__ import annotations

import builtins
import subprocess

import pytest
import torch

import doctor
import datafiles
import machinery
from conftest import run_script, write_uci_like


def findings(report, section):
    return [(f.status, f.what, f.fix) for f in report[section]]


def problems(report):
    return [f for fs in report.values() for f in fs if f.status == "problem"]


@pytest.fixture
def machine(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    return doctor.Machine(data_dir=data, out_dir=tmp_path / "runs", loaded_libraries="")


def test_the_report_runs_here_and_names_every_section():
    proc = run_script("doctor.py", timeout=180)
    assert proc.returncode == 0 and "Traceback" not in proc.stdout + proc.stderr
    for section in doctor.SECTIONS:
        assert f"== {section}" in proc.stdout
    assert "Paste all of this" in proc.stdout
    assert run_script("doctor.py", "--json").stdout.lstrip().startswith("{")


def test_a_cpu_only_build_beside_an_nvidia_gpu(machine, monkeypatch):
    monkeypatch.setattr(torch.backends.cuda, "is_built", lambda: False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(machinery.shutil, "which", lambda name: "/usr/bin/" + name)
    monkeypatch.setattr(doctor.Machine, "macos", False)
    [cuda] = [f for f in doctor.diagnose(machine)["PyTorch and devices"] if "CUDA:" in f.what]
    assert "CPU-only build" in cuda.what and "nvidia-smi is here" in cuda.what
    assert f"--index-url {machinery.CUDA_WHEELS}" in cuda.what


def test_a_missing_visual_cpp_runtime_on_windows(machine):
    machine.windows = True
    machine.find_library = lambda name: None if name == "vcruntime140_1" else name + ".dll"
    [dll] = [f for f in doctor.check_runtimes(machine) if "Visual C++" in f.what]
    assert dll.status == "problem" and "vcruntime140_1.dll" in dll.what
    assert doctor.VC_REDIST in dll.fix and "[WinError 126]" in dll.what
    machine.find_library = lambda name: name + ".dll"
    assert doctor.check_runtimes(machine)[0].status == "ok"


def test_two_openmp_runtimes_in_one_process(machine):
    machine.loaded_libraries = "7f00 r-xp /env/lib/libgomp.so.1\n7f01 r-xp /env/lib/libiomp5.so\n"
    [omp] = doctor.check_runtimes(machine)
    assert omp.status == "problem" and "GNU libgomp, Intel libiomp5" in omp.what
    assert "OMP: Error #15" in omp.what and "pip" in omp.fix


def test_an_unwritable_folder(machine, monkeypatch):
    def refuse(**kwargs):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr(doctor.tempfile, "TemporaryFile", refuse)
    out, cache = doctor.check_writable(machine)
    assert out.status == cache.status == "problem" and "Permission denied" in out.what
    assert "--out-dir" in out.fix and "LABS_CACHE_DIR" in cache.fix


def test_a_damaged_data_file_and_a_missing_one(machine, monkeypatch, tmp_path):
    monkeypatch.setenv("LABS_CACHE_DIR", str(tmp_path / "cache"))
    csv = write_uci_like(machine.data_dir / "wine" / "winequality-red.csv", n=400)
    size = datafiles.OFFICIAL["wine/winequality-red.csv"][1]
    csv.write_text(csv.read_text() + "\n" * (size - len(csv.read_text())))
    found = doctor.check_data(machine)
    damaged = [f for f in found if "winequality" in f.what]
    assert damaged[0].status == "problem" and "damaged" in damaged[0].what
    assert "fetch_data.py" in damaged[0].fix
    [missing] = [f for f in found if "not in" in f.what]
    assert missing.status == "note" and "8 of 9 data files" in missing.what
    assert missing.fix == "python fetch_data.py fetches them all up front"


def test_nine_missing_data_files_are_one_line_with_the_fix(machine):
    assert [(f.status, f.fix) for f in doctor.check_data(machine)] == [
        ("note", "python fetch_data.py fetches them all up front")]


def test_torch_that_cannot_be_imported_is_reported_not_raised(machine, monkeypatch):
    real = builtins.__import__

    def broken(name, *args, **kwargs):
        if name == "torch":
            raise OSError('[WinError 126] The specified module could not be found. Error '
                          'loading "...\\torch\\lib\\fbgemm.dll" or one of its dependencies.')
        return real(name, *args, **kwargs)
    monkeypatch.setattr(builtins, "__import__", broken)
    report = doctor.diagnose(machine)
    [torch_problem] = findings(report, "PyTorch and devices")
    assert torch_problem[0] == "problem" and "fbgemm.dll" in torch_problem[1]
    assert doctor.VC_REDIST in torch_problem[2]
    assert set(report) == set(doctor.SECTIONS)


def test_winerror_1114_on_c10_dll_gets_the_visual_cpp_runtime(machine, monkeypatch):
    real = builtins.__import__

    def broken(name, *args, **kwargs):
        if name == "torch":
            raise OSError('[WinError 1114] 动态链接库(DLL)初始化例程失败。 Error loading '
                          '"C:\\labs\\.venv\\Lib\\site-packages\\torch\\lib\\c10.dll" or one '
                          'of its dependencies.')
        return real(name, *args, **kwargs)
    monkeypatch.setattr(builtins, "__import__", broken)
    [found] = doctor.check_torch(machine)
    assert found.status == "problem" and "WinError 1114" in found.what
    assert doctor.VC_REDIST in found.fix


def test_old_torch_with_numpy_2_and_a_missing_package(machine, monkeypatch):
    fake = {"torch": "2.2.2", "numpy": "2.1.0", "pandas": None}
    monkeypatch.setattr(doctor, "version", lambda name: fake.get(name, "1.0"))
    found = doctor.check_packages(machine)
    assert any("not installed: pandas" in f.what for f in found)
    [pair] = [f for f in found if "Numpy is not available" in f.what]
    assert pair.fix == 'python -m pip install "numpy<2"'


def test_the_microsoft_store_python(machine):
    machine.windows = True
    machine.python = r"C:\Users\li\AppData\Local\Microsoft\WindowsApps\python.exe"
    assert any(f.status == "problem" and "Microsoft Store" in f.what
               for f in doctor.check_python(machine))


def test_a_kernel_of_another_python_gets_the_line_that_registers_this_one(machine,
                                                                           monkeypatch):
    from jupyter_client import kernelspec
    monkeypatch.setattr(kernelspec.KernelSpecManager, "get_all_specs", lambda self: {
        "python3": {"spec": {"argv": ["/usr/bin/python3.9", "-m", "ipykernel_launcher"]}}})
    [kernel] = doctor.check_kernel(machine)
    assert kernel.status == "problem" and "No module named 'torch'" in kernel.what
    assert doctor.KERNEL in kernel.fix


def test_a_check_that_breaks_does_not_stop_the_report(machine, monkeypatch):
    def broken(m):
        raise RuntimeError("something unexpected")
    monkeypatch.setitem(doctor.SECTIONS, "Network", broken)
    report = doctor.diagnose(machine)
    assert findings(report, "Network") == [("unknown", "could not check (RuntimeError: "
                                                       "something unexpected)", "")]
    assert "== Network" in doctor.render(report)


@pytest.mark.parametrize("windows, macos, arch, mac, python, status, says", [
    (False, True, "arm64", "13.6", (3, 15), "problem",
     "this Python (3.15) has no PyTorch for your platform (macOS 12-13 arm64) yet: install 3.14"),
    (False, True, "arm64", "13.6", (3, 14), "ok", "Python 3.14 on macOS 12-13 arm64"),
    (False, True, "arm64", "14.5", (3, 15), "ok", "Python 3.15 on macOS 14+ arm64"),
    (False, True, "x86_64", "13.6", (3, 13), "problem",
     "this Python (3.13) has no PyTorch for your platform (macOS x86-64) yet: install 3.12"),
    (True, False, "AMD64", "", (3, 15), "ok", "Python 3.15 on Windows x86-64"),
    (True, False, "AMD64", "", (3, 16), "note", "if pip finds no torch, install 3.15"),
    (False, False, "x86_64", "", (3, 9), "problem", "need Python 3.10 or newer"),
])
def test_a_python_torch_has_no_wheel_for_is_named_with_the_one_to_install(
        machine, windows, macos, arch, mac, python, status, says):
    """From results/platforms.json, the resolution of every platform and Python: a newer
    Python is a problem only where torch has no wheel for it there."""
    machine.windows, machine.macos, machine.arch = windows, macos, arch
    machine.macos_version, machine.python_version = mac, python
    machine.apple_silicon = lambda: False  # an Intel Mac is Intel to the bone
    [found] = doctor.python_has_torch(machine)
    assert (found.status, says in found.what) == (status, True), found
    if status == "problem":
        assert ("py -3." if windows else "python3.") in found.fix


def test_an_intel_python_on_an_apple_chip_is_told_to_install_the_arm64_one(machine):
    """An x86-64 Python (an old Anaconda, a Python under Rosetta) on an Apple-silicon Mac
    looks like an Intel Mac: pip would give it torch 2.2.2 without MPS, and the Intel Mac's
    advice (Python 3.12) is wrong there. The hardware tells them apart."""
    machine.macos, machine.windows, machine.arch = True, False, "x86_64"
    machine.macos_version, machine.python_version = "14.5", (3, 12)
    machine.apple_silicon = lambda: True
    [found] = doctor.python_has_torch(machine)
    assert found.status == "problem" and "Rosetta" in found.what and "2.2.2" in found.what
    assert "python3.15 -m venv .venv" in found.fix and "arm64" in found.fix
    machine.apple_silicon = lambda: False  # a real Intel Mac: 3.12 is right there
    [found] = doctor.python_has_torch(machine)
    assert found.status == "ok" and "macOS x86-64" in found.what


@pytest.mark.parametrize("answer, apple", [("1\n", True), ("0\n", False), ("", False)])
def test_the_hardware_is_asked_with_sysctl(monkeypatch, answer, apple):
    asked = []

    def sysctl(argv, **kwargs):
        asked.append(argv)
        return subprocess.CompletedProcess(argv, 0 if answer else 1, stdout=answer, stderr="")
    monkeypatch.setattr(doctor.subprocess, "run", sysctl)
    assert doctor.apple_silicon() is apple
    assert asked == [["sysctl", "-n", "hw.optional.arm64"]]


def test_a_chinese_user_name_touches_only_the_compiler_cache(machine, monkeypatch):
    """A Windows user name in Chinese puts --compile's compiler cache (in the temporary folder,
    named after the user) on a path the C++ compiler can fail on; nothing else minds. The note
    says so, and the fix is TORCHINDUCTOR_CACHE_DIR, not moving the repository."""
    machine.windows, machine.prefix = True, r"C:\labs\.venv"
    machine.compile_cache = r"C:\Users\张三\AppData\Local\Temp\torchinductor_张三"
    [cache] = [f for f in doctor.check_paths(machine) if "compiler cache" in f.what]
    assert cache.status == "note" and "torchinductor_张三" in cache.what
    assert "setx TORCHINDUCTOR_CACHE_DIR C:\\torchcache" in cache.fix
    assert "repository" not in cache.fix
    machine.prefix = r"C:\Users\张三\anaconda3\envs\labs"  # a conda environment in the home
    assert [f.status for f in doctor.check_paths(machine)
            if "environment's path" in f.what] == ["note"]
    machine.compile_cache, machine.prefix = None, r"C:\labs\.venv"
    monkeypatch.setenv("TORCHINDUCTOR_CACHE_DIR", "C:\\torchcache")  # the fix, taken
    assert not any("compiler cache" in f.what for f in doctor.check_paths(machine))


def test_the_compiler_cache_is_where_torch_puts_it(monkeypatch):
    cache_dir_utils = pytest.importorskip("torch._inductor.runtime.cache_dir_utils")
    monkeypatch.delenv("TORCHINDUCTOR_CACHE_DIR", raising=False)
    assert doctor.inductor_cache() == cache_dir_utils.default_cache_dir()
    monkeypatch.setenv("TORCHINDUCTOR_CACHE_DIR", "/srv/plain")
    assert doctor.inductor_cache() == "/srv/plain"


def test_a_windows_system_proxy_left_on_by_a_vpn_client(machine):
    import socket
    machine.windows = True
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        port = listening.getsockname()[1]
        machine.system_proxy = lambda: (True, f"http=127.0.0.1:{port};https=127.0.0.1:{port}")
        [on] = doctor.check_system_proxy(machine)
    assert on.status == "note" and f"127.0.0.1:{port}" in on.what and "Proxy" in on.fix
    machine.system_proxy = lambda: (True, f"127.0.0.1:{port}")  # closed now: nothing answers
    [dead] = doctor.check_system_proxy(machine)
    assert dead.status == "problem" and "nothing answers" in dead.what
    assert any(f.what == dead.what for f in doctor.diagnose(machine)["Network"])
    machine.system_proxy = lambda: (False, f"127.0.0.1:{port}")
    assert doctor.check_system_proxy(machine)[0].status == "ok"
    machine.windows = False
    assert doctor.check_system_proxy(machine) == []
