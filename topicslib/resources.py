"""Where the shipped default model and taxonomy live.

Installed, ``models/`` and ``seeds/`` are package data inside ``topicslib/``;
in a source checkout they sit beside the package at the top of the repository.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _find(folder: str, name: str) -> Path:
    for base in (_PACKAGE / folder, _PACKAGE.parent / folder):
        if (base / name).is_file():
            return base / name
    return _PACKAGE.parent / folder / name  # the checkout location, for a clear "not found" message


def default_model_path() -> Path:
    """Path of the shipped default model file.

    >>> default_model_path().name
    'default.npz'
    """
    return _find("models", "default.npz")


def default_taxonomy_path() -> Path:
    """Path of the shipped default taxonomy (the ten topics of the labeling guide).

    >>> default_taxonomy_path().name
    'topics.toml'
    """
    return _find("seeds", "topics.toml")
