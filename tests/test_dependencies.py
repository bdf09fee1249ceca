"""Dependencies: floors above known advisories, a lock file for the server, pip-audit when it can run (issue 21)."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.lock"
# The first release without the advisories known when this was written (CVE ids in pyproject.toml).
FIXED = {"jinja2": "3.1.6", "python-multipart": "0.0.18", "starlette": "0.49.1", "h11": "0.16.0"}


def _requirements() -> dict[str, Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    found = (Requirement(line) for line in project["dependencies"])
    return {canonicalize_name(r.name): r for r in found}


def _lock() -> dict[str, Version]:
    pins: dict[str, Version] = {}
    for line in LOCK.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[canonicalize_name(name)] = Version(version)
    return pins


@pytest.mark.parametrize("name", sorted(FIXED))
def test_floors_exclude_versions_with_advisories(name: str) -> None:
    requirement = _requirements().get(name)
    assert requirement is not None, f"{name} is used but not declared"
    assert not requirement.specifier.contains(_before(FIXED[name])), (
        f"{requirement} admits a version before {FIXED[name]}"
    )


def _before(version: str) -> Version:
    """A version just below ``version`` (its last part one lower, or the previous minor's .999)."""
    parts = [int(p) for p in version.split(".")]
    for i in range(len(parts) - 1, -1, -1):
        if parts[i] > 0:
            parts[i] -= 1
            parts[i + 1:] = [999] * (len(parts) - i - 1)
            break
    return Version(".".join(map(str, parts)))


def test_the_lock_pins_every_server_dependency_within_its_range() -> None:
    pins = _lock()
    for name, requirement in _requirements().items():
        assert name in pins, f"{name} is missing from requirements.lock (run scripts/lock.py)"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"requirements.lock pins {name}=={pins[name]}, outside {requirement}"
        )
    for name, fixed in FIXED.items():
        assert pins[name] >= Version(fixed), name


def test_pip_audit_finds_no_known_vulnerability_in_the_lock() -> None:
    """Runs only where pip-audit's vulnerability database (PyPI's advisories) answers; skipped with why not."""
    pytest.importorskip("pip_audit", reason="pip-audit is not installed (the dev extra has it)")
    command = [sys.executable, "-m", "pip_audit", "--no-deps", "--disable-pip", "-r", str(LOCK), "-f", "json",
               "--progress-spinner", "off", "--timeout", "10"]
    try:
        run = subprocess.run(command, capture_output=True, text=True, timeout=90, check=False)
    except subprocess.TimeoutExpired:
        pytest.skip("pip-audit's vulnerability database did not answer within 90 s")
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError:
        pytest.skip(f"pip-audit could not reach its vulnerability database: {run.stderr.strip()[-300:]}")
    dependencies = report["dependencies"]
    audited = [d for d in dependencies if "skip_reason" not in d]
    vulnerable = {f"{d['name']}=={d['version']}": [v["id"] for v in d["vulns"]] for d in audited if d["vulns"]}
    assert not vulnerable, f"known vulnerabilities in requirements.lock: {vulnerable}"
    if not audited:
        reason = dependencies[0]["skip_reason"] if dependencies else "no dependencies"
        pytest.skip(f"pip-audit's database knows none of the {len(dependencies)} locked versions here: {reason}")
