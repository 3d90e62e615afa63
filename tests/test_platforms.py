"""The install rules that keep every platform on a working set (requirements.txt's markers) and
the start-up check for the one bad pair pip cannot rule out by itself. The full resolution of
every platform x Python is tools/platforms.py (developers run it: it needs uv and the network)."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

import machinery
from conftest import ROOT

ENVIRONMENTS = {  # what pip sees on each platform (the keys requirements.txt's markers use)
    "Windows x86-64": {"sys_platform": "win32", "platform_machine": "AMD64"},
    "macOS arm64": {"sys_platform": "darwin", "platform_machine": "arm64"},
    "macOS x86-64": {"sys_platform": "darwin", "platform_machine": "x86_64"},
    "Linux x86-64": {"sys_platform": "linux", "platform_machine": "x86_64"},
    "Linux aarch64": {"sys_platform": "linux", "platform_machine": "aarch64"},
}


def requirements_for(platform: str) -> dict[str, SpecifierSet]:
    env = {**default_environment(), **ENVIRONMENTS[platform]}
    found: dict[str, SpecifierSet] = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        req = Requirement(line)
        if req.marker is None or req.marker.evaluate(env):
            assert req.name not in found, f"{req.name} applies twice on {platform}"
            found[req.name] = req.specifier
    return found


@pytest.mark.parametrize("platform", ENVIRONMENTS)
def test_each_platform_gets_each_package_once_with_a_set_that_works(platform):
    reqs = requirements_for(platform)
    assert set(reqs) == {"torch", "torchvision", "numpy", "pandas", "matplotlib", "tqdm"}
    assert reqs["torch"].contains("2.2.2") and reqs["numpy"].contains("1.26.4")
    intel_mac = platform == "macOS x86-64"
    # Intel Macs can only get torch 2.2.2, built against numpy 1: numpy 2 must be excluded there,
    # and must stay allowed everywhere else (the newest torch wants it).
    assert reqs["numpy"].contains("2.2.6") is not intel_mac
    assert reqs["pandas"].contains("3.0.6") is not intel_mac
    assert reqs["pandas"].contains("2.3.3")


def test_old_torch_with_numpy_2_stops_at_start_up(monkeypatch):
    monkeypatch.setattr(torch, "__version__", "2.2.2+cpu")
    monkeypatch.setattr(np, "__version__", "2.2.6")
    with pytest.raises(machinery.LabError, match=r'torch 2.2.2\+cpu was built against numpy 1 and '
                                              r'cannot use numpy 2.2.6: pip install "numpy<2"'):
        machinery.check_versions()
    monkeypatch.setattr(np, "__version__", "1.26.4")
    machinery.check_versions()
    monkeypatch.setattr(torch, "__version__", "2.15.0")
    monkeypatch.setattr(np, "__version__", "2.5.5")
    machinery.check_versions()


def test_the_platform_table_names_the_bad_pairs():
    from tools import platforms
    intel = {"torch": "2.2.2", "torchvision": "0.17.2", "numpy": "2.2.6", "pandas": "2.3.3",
             "matplotlib": "3.10.9"}
    bad = [why for why, test in platforms.BAD_PAIRS if test(intel, "macOS x86-64")]
    assert len(bad) == 1 and "Numpy is not available" in bad[0]
    fine = {**intel, "numpy": "1.26.4"}
    assert platforms.verdict("macOS x86-64", "3.12", {"pins": fine, "error": None}) == (True, "ok")
    assert platforms.verdict("macOS x86-64", "3.13", {"pins": None, "error": "x"})[0]
    assert not platforms.verdict("Linux x86-64", "3.13", {"pins": None, "error": "x"})[0]


@pytest.mark.parametrize("platform, change, found", [
    ("Windows x86-64", {"torch": "2.4.0+cpu"}, "2.4.0's Windows wheels"),
    ("Windows x86-64", {"torch": "2.4.1+cpu"}, None),
    ("Linux x86-64", {"torch": "2.4.0"}, None),
    ("Linux x86-64", {"pandas": "2.2.1"}, "pandas < 2.2.2"),
    ("Linux x86-64", {"pandas": "2.2.2"}, None),
    ("Linux x86-64", {"matplotlib": "3.8.3"}, "matplotlib < 3.8.4"),
    ("Linux x86-64", {"matplotlib": "3.8.4"}, None),
    ("Linux x86-64", {"torch": "2.3.0rc1"}, None),
])
def test_each_bad_pair_is_found_at_its_boundary(platform, change, found):
    from tools import platforms
    pins = {"torch": "2.9.0", "torchvision": "0.24.0", "numpy": "2.1.0", "pandas": "2.3.3",
            "matplotlib": "3.10.9", **change}
    bad = [why for why, test in platforms.BAD_PAIRS if test(pins, platform)]
    assert bad == ([] if found is None else [next(w for w, _ in platforms.BAD_PAIRS
                                                    if found in w)])


def test_the_committed_resolution_covers_every_platform_and_python_and_holds_the_gaps():
    """results/platforms.json is the evidence doctor.py and the docs use: every platform x
    Python resolved, torch exactly where NEWEST says, and the CI workflow runs the newest
    Python on Windows and Linux."""
    import json
    import re

    import doctor
    from tools import platforms
    rows = json.loads((ROOT / "results" / "platforms.json").read_text(encoding="utf-8"))["rows"]
    assert {(r["platform"], r["python"]) for r in rows} == {
        (p, v) for p in platforms.PLATFORMS for v in platforms.PYTHONS}
    for r in rows:
        has_torch = r["torch"] is not None
        assert has_torch is (platforms.gap(r["platform"], r["python"]) is None), r
        assert r["ok"], r
    newest = max((platforms.NEWEST[p] for p in ("Windows x86-64", "Linux x86-64")),
                 key=machinery.release)
    workflow = (ROOT / ".github" / "workflows" / "tests.yml").read_text(encoding="utf-8")
    assert re.search(rf'python: \[[^\]]*"{re.escape(newest)}"', workflow)
    assert f'"{platforms.PYTHONS[0]}"' in workflow
    # doctor.py names this machine as the table does, for each platform torch has wheels for
    seen = set()
    for windows, macos, arch, mac in ((True, False, "AMD64", ""), (False, True, "arm64", "13.6"),
                                      (False, True, "arm64", "15.1"),
                                      (False, True, "x86_64", "13.6"),
                                      (False, False, "x86_64", ""), (False, False, "aarch64", "")):
        seen.add(doctor.platform_name(doctor.Machine(windows=windows, macos=macos, arch=arch,
                                                     macos_version=mac)))
    assert seen == set(platforms.PLATFORMS)


def test_a_python_past_the_newest_that_resolves_is_flagged():
    from tools import platforms
    pins = {"torch": "2.15.0", "torchvision": "0.29.2", "numpy": "2.5.5", "pandas": "3.1.1",
            "matplotlib": "3.11.2"}
    assert platforms.verdict("macOS 12-13 arm64", "3.14", {"pins": pins, "error": None})[0]
    ok, why = platforms.verdict("macOS 12-13 arm64", "3.15", {"pins": pins, "error": None})
    assert not ok and "update NEWEST" in why
    assert platforms.verdict("macOS 12-13 arm64", "3.15", {"pins": None, "error": "x"})[0]
