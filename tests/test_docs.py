"""The examples in module docstrings run as written (those not marked ``+SKIP``)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import searcher
from tests.conftest import ROOT

MODULES = [searcher] + [importlib.import_module(m.name) for m in
                        pkgutil.walk_packages(searcher.__path__, "searcher.")
                        if not m.name.endswith("__main__")]
WITH_EXAMPLES = [m for m in MODULES  # those with an example that is not skipped
                 if any(not e.options.get(doctest.SKIP)
                        for t in doctest.DocTestFinder().find(m) for e in t.examples)]


def test_the_examples_are_found():
    assert len(WITH_EXAMPLES) > 15


@pytest.mark.parametrize("module", WITH_EXAMPLES, ids=lambda m: m.__name__)
def test_docstring_examples_run(module, monkeypatch):
    monkeypatch.chdir(ROOT)  # the package example indexes ./corpus
    results = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert results.attempted > 0 and results.failed == 0
