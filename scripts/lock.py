"""Write requirements.lock: the exact versions of the server's dependencies as installed in .venv.

Regenerate after changing the dependencies in pyproject.toml and running the tests on the new versions:

    scripts/test            # installs pyproject's dependencies into .venv and tests them
    .venv/bin/python scripts/lock.py

It walks healthqa's requirements (without the dev extra) through the installed packages' metadata, so the
lock holds what was tested, nothing more; ``scripts/start`` installs from it. Local version labels are
dropped (``torch==2.13.0`` rather than ``2.13.0+cpu``): ``scripts/_venv.sh`` installs the CPU build of torch
first, and the pin then matches it.
"""

from __future__ import annotations

import sys
from importlib import metadata
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent


def closure(package: str) -> dict[str, str]:
    """{name: installed version} of every package that ``package`` needs, transitively, on this Python."""
    environment: dict[str, str] = dict(default_environment())
    found: dict[str, str] = {}
    todo = [(package, frozenset[str]())]
    while todo:
        name, extras = todo.pop()
        dist = metadata.distribution(name)
        for line in dist.requires or []:
            requirement = Requirement(line)
            marker = requirement.marker
            if marker is not None and not any(
                marker.evaluate({**environment, "extra": extra}) for extra in (extras or {""})
            ):
                continue
            key = canonicalize_name(requirement.name)
            if key in found:
                continue
            found[key] = metadata.version(requirement.name).split("+", 1)[0]
            todo.append((requirement.name, frozenset(requirement.extras)))
    return found


def main() -> None:
    pins = closure("healthqa")
    header = [
        "# The server's dependencies, pinned to the versions tested (scripts/lock.py writes this file:",
        "# see there how to regenerate it). scripts/start installs it, then healthqa with --no-deps.",
        f"# Python {sys.version_info.major}.{sys.version_info.minor}, {sys.platform}.",
    ]
    lines = [f"{name}=={version}" for name, version in sorted(pins.items())]
    (ROOT / "requirements.lock").write_text("\n".join(header + lines) + "\n")
    print(f"requirements.lock: {len(lines)} packages")


if __name__ == "__main__":
    main()
