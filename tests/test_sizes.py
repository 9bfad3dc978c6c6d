"""A newcomer reads a module whole and a function at a glance: no module of searcher over 600
lines, no function over 60 (its ``def`` line to its last, docstring included; decorators
not)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "searcher"
MODULES = sorted(PACKAGE.rglob("*.py"))
MOST_MODULE_LINES = 600
MOST_FUNCTION_LINES = 60


@pytest.mark.parametrize("path", MODULES, ids=lambda path: str(path.relative_to(PACKAGE)))
def test_modules_and_functions_stay_short(path):
    source = path.read_text(encoding="utf-8")
    assert len(source.splitlines()) <= MOST_MODULE_LINES
    long = [f"{node.name} (line {node.lineno}): {node.end_lineno - node.lineno + 1} lines"
            for node in ast.walk(ast.parse(source))
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and node.end_lineno - node.lineno + 1 > MOST_FUNCTION_LINES]
    assert long == []


def test_every_package_is_read():  # a moved package would leave the test above nothing to check
    packages = {path.parent.name for path in PACKAGE.rglob("__init__.py")}
    assert {path.parent.name for path in MODULES} >= packages >= {"search", "cli", "whoosh"}
