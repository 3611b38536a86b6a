"""The readers package stays readable: no import cycles between its modules, no private name
imported from another module, modules under 600 lines and functions under 100.

Read statically with :mod:`ast` (imports inside functions count too), so the test needs
nothing imported.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "analysis" / "readers"
PREFIX = "analysis.readers"


def _modules() -> dict[str, Path]:
    out = {}
    for p in sorted(PACKAGE.glob("*.py")):
        out[PREFIX if p.stem == "__init__" else f"{PREFIX}.{p.stem}"] = p
    return out


MODULES = _modules()


def _imports(path: Path) -> list[tuple[str, str | None]]:
    """``(module, imported name or None)`` of every absolute import in a file."""
    out: list[tuple[str, str | None]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.extend((node.module, a.name) for a in node.names)
        elif isinstance(node, ast.Import):
            out.extend((a.name, None) for a in node.names)
    return out


def _edges() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {m: set() for m in MODULES}
    for mod, path in MODULES.items():
        for target, name in _imports(path):
            full = f"{target}.{name}" if name else target
            hit = full if full in MODULES else target if target in MODULES else None
            if hit and hit != mod:
                edges[mod].add(hit)
    return edges


def _cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a list of modules, or None (depth-first search)."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        stack.append(m)
        for n in sorted(edges[m]):
            if state.get(n) == 1:
                return stack[stack.index(n) :] + [n]
            if n not in state:
                found = visit(n)
                if found:
                    return found
        stack.pop()
        state[m] = 2
        return None

    for m in sorted(edges):
        if m not in state:
            found = visit(m)
            if found:
                return found
    return None


def test_package_has_its_modules():
    assert {"analysis.readers.route", "analysis.readers.formats", "analysis.readers.folder"} <= set(
        MODULES
    )


def test_no_import_cycle_between_reader_modules():
    assert _cycle(_edges()) is None


def test_cycle_finder_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_no_private_name_or_module_imported_across_modules():
    private = []
    for mod, path in MODULES.items():
        for target, name in _imports(path):
            if not target.startswith("analysis"):
                continue
            parts = target.split(".") + ([name] if name else [])
            if any(p.startswith("_") and not p.startswith("__") for p in parts):
                private.append(f"{mod}: {target} {name or ''}".strip())
    assert private == []


@pytest.mark.parametrize("mod", list(MODULES))
def test_module_and_function_sizes(mod):
    text = MODULES[mod].read_text(encoding="utf-8")
    assert text.count("\n") <= 600
    long = [
        f"{node.name} {node.end_lineno - node.lineno + 1}"
        for node in ast.walk(ast.parse(text))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and node.end_lineno - node.lineno + 1 > 100
    ]
    assert long == []
