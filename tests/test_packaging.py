"""A built wheel carries the default model and taxonomy, and works outside the checkout."""

from __future__ import annotations

import inspect
import subprocess
import sys
import zipfile

import pytest

import topicslib

from .conftest import ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(ROOT)],
                       capture_output=True, text=True, timeout=600)
    if r.returncode != 0 and "No module named" in r.stderr:
        pytest.skip(f"cannot build a wheel offline here: {r.stderr.strip()[-200:]}")
    assert r.returncode == 0, r.stderr
    [whl] = out.glob("topicslib-*.whl")
    return whl


def test_wheel_holds_model_and_taxonomy(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "topicslib/models/default.npz" in names
    assert "topicslib/models/default.card.json" in names
    assert "topicslib/seeds/topics.toml" in names


def test_wheel_is_marked_typed(wheel):
    """Without PEP 561's marker mypy and pyright ignore every annotation of an installed topicslib (mypy: "module is
    installed, but missing library stubs or py.typed marker"), and a service's checks saw each call as Any."""
    assert "topicslib/py.typed" in zipfile.ZipFile(wheel).namelist()


def _public_callables():
    for name in topicslib.__all__:
        obj = getattr(topicslib, name)
        if inspect.isfunction(obj):
            yield name, obj
        elif inspect.isclass(obj):
            yield from ((f"{name}.{a}", getattr(obj, a)) for a, v in vars(obj).items()
                        if not a.startswith("_") and (inspect.isfunction(v) or isinstance(v, classmethod)))


def test_every_public_function_says_what_it_returns():
    """A typed package's unannotated return is Any to a type checker: trends' rows (or DataFrame) were."""
    unannotated = [name for name, f in _public_callables()
                   if inspect.signature(f).return_annotation is inspect.Signature.empty]
    assert unannotated == []


def test_installed_wheel_classifies_from_another_directory(wheel, tmp_path):
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)],
                   check=True, timeout=300)
    code = ("import topicslib, pathlib; print(topicslib.classify('Colombia hosts nearly three million Venezuelan migrants.'));"
            "print(pathlib.Path(topicslib.__file__).parent)")
    env = {"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"}
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "migration" in r.stdout and str(site) in r.stdout
