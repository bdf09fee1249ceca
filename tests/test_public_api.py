"""The README's library example runs as written, over a small knowledge base written by the test."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import healthqa
from kb_builders import DOCUMENTS, ORPHANET_DOCUMENTS, build_kb, ninds_lems

README = Path(__file__).resolve().parents[1] / "README.md"


def test_the_readme_example_runs(tmp_path: Path) -> None:
    kb = build_kb(tmp_path / "kb.db", [*DOCUMENTS, ninds_lems(), *ORPHANET_DOCUMENTS])
    example = re.search(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert example is not None
    code = example.group(1).replace('"healthqa.db"', repr(str(kb)))
    assert len(code.strip().splitlines()) <= 12
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, "README.md", "exec"), {})
    lines = printed.getvalue().splitlines()
    assert any("inherit" in line.lower() for line in lines)  # the LEMS passage was quoted
    assert any(line.startswith("Lambert-Eaton myasthenic syndrome") for line in lines)


def test_the_public_api_is_importable_from_the_package() -> None:
    for name in healthqa.__all__:
        assert getattr(healthqa, name) is not None, name
