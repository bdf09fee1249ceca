"""The layout's rules: no import circle, and no step imports a later one (see healthqa/__init__.py).

Read from the source with ``ast``, so every import counts: at module level, inside functions, and under
``TYPE_CHECKING``. ``from package import name`` counts as an import of ``package.name`` where that is a module.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SOURCE / "healthqa"

# Each top-level part and its place in the pipeline: a module may import its own part and earlier ones only.
STEPS = {
    "errors": 0, "config": 0, "records": 0, "learned": 0, "mapped": 0,
    "store": 1,
    "ingest": 2,
    "understand": 3,
    "retrieve": 4,
    "answer": 5, "symptoms": 5,
    "conditions": 6, "mediqa": 6,
    "community": 7,
    "app": 8,
    "cli": 9, "cli_common": 9, "cli_admin": 9, "__main__": 9,
}
# The package itself re-exports the public API (lazily): it may import anything, and nothing imports it back.
ROOT = "healthqa"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SOURCE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in PACKAGE.rglob("*.py")}


def imports_of(path: Path, known: set[str]) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                child = f"{node.module}.{alias.name}"
                found.add(child if child in known else node.module)
    return {name for name in found if name in known}


def graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    return {name: imports_of(path, known) for name, path in found.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in edges.get(node, ()):
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def step(module: str) -> int:
    part = module.split(".")[1]
    return STEPS[part]


def test_every_part_has_a_place_in_the_pipeline() -> None:
    parts = {name.split(".")[1] for name in modules() if name != ROOT}
    assert parts <= set(STEPS), f"add {sorted(parts - set(STEPS))} to STEPS"


def test_there_is_no_import_circle() -> None:
    assert cycles(graph()) == []


def test_no_step_imports_a_later_one() -> None:
    wrong = [
        f"{module} imports {target}"
        for module, targets in graph().items() if module != ROOT
        for target in sorted(targets)
        if target == ROOT or step(target) > step(module)
    ]
    assert wrong == []


def test_the_checks_catch_what_they_forbid() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []
    with pytest.raises(KeyError):
        step("healthqa.somewhere_new")


def test_each_folder_says_what_it_owns() -> None:
    for init in PACKAGE.rglob("__init__.py"):
        docstring = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert docstring, f"{init.relative_to(SOURCE)} has no docstring saying what the folder owns"
