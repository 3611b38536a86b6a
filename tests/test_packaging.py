"""pyproject.toml lists every package of the tree (the top-level names are generic, so
they are listed explicitly rather than discovered) and pins what CASES.md case 30 needs."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_every_package_is_listed():
    listed = set(_pyproject()["tool"]["setuptools"]["packages"])
    found = {
        ".".join(p.parent.relative_to(ROOT).parts)
        for top in ("analysis", "gui", "retrain")
        for p in (ROOT / top).rglob("__init__.py")
    }
    assert listed == found


def test_pyside6_is_pinned_below_6_12():
    deps = _pyproject()["project"]["dependencies"]
    pyside = [d for d in deps if d.lower().startswith("pyside6")]
    assert pyside and "<6.12" in pyside[0]


def test_console_script_points_at_main():
    assert _pyproject()["project"]["scripts"]["fitlens"] == "main:main"
