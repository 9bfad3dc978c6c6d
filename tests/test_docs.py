"""The examples in module docstrings run as written (those not marked ``+SKIP``)."""

from __future__ import annotations

import doctest

import pytest

import searcher
import searcher.dates
from tests.conftest import ROOT


@pytest.mark.parametrize("module", [searcher, searcher.dates], ids=lambda m: m.__name__)
def test_docstring_examples_run(module, monkeypatch):
    monkeypatch.chdir(ROOT)  # the package example indexes ./corpus
    results = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert results.attempted > 0 and results.failed == 0
