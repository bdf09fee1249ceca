"""A module of this repository as it was at an earlier commit, for the benchmarks that compare old and new."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def legacy_module(commit: str, path: str, name: str) -> types.ModuleType:
    """The file ``path`` (from the repository root) as it was at ``commit``, run as module ``name`` and registered
    under that name (its imports resolve against today's package, or against modules registered before it)."""
    source = subprocess.run(["git", "-C", str(ROOT), "show", f"{commit}:{path}"], check=True,
                            capture_output=True, text=True).stdout
    spec = importlib.util.spec_from_loader(name, loader=None)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    exec(compile(source, path, "exec"), module.__dict__)  # our own repository's code, as committed
    return module
