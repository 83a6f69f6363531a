"""The short examples in every module's docstrings run and give what they show (from the repository's top,
where the examples' relative paths, such as models/default.npz, lead)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import topicslib

from .conftest import ROOT

# topicslib.dask needs the optional dask extra, which the test extra carries.
MODULES = sorted(m.name for m in pkgutil.iter_modules(topicslib.__path__) if m.name != "__main__" and not m.name.startswith("_"))


def test_every_module_is_collected():
    assert {"model", "records", "files", "scoring", "options", "cli", "dask", "storage", "estimator"} <= set(MODULES)


@pytest.mark.parametrize("name", ["__init__", *MODULES])
def test_docstring_examples(name, monkeypatch):
    monkeypatch.chdir(ROOT)
    module = topicslib if name == "__init__" else importlib.import_module(f"topicslib.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
