"""The shipped default model, loaded once per process and shared, and the rule "no model given: the default one"."""

from __future__ import annotations

import threading

from .errors import InputError
from .model import TopicModel, load_model
from .resources import default_model_path

_default: TopicModel | None = None
_default_lock = threading.Lock()


def default_model() -> TopicModel:
    """The shipped default model, loaded once and shared (thread-safe).

    >>> default_model().classes_[:2].tolist()
    ['migration', 'climate']
    """
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = load_model(default_model_path())
    return _default


def resolve(model: TopicModel | None) -> TopicModel:
    """``model``, or the default model for ``None``; anything else is an :class:`InputError`.

    >>> resolve("models/default.npz")
    Traceback (most recent call last):
    ...
    topicslib.errors.InputError: model must be a TopicModel (see load_model), got str
    """
    return default_model() if model is None else check_model(model)


def check_model(model: object) -> TopicModel:
    """``model`` if it is a :class:`TopicModel`; else an :class:`InputError` naming what it is.

    >>> check_model(None)
    Traceback (most recent call last):
    ...
    topicslib.errors.InputError: model must be a TopicModel (see load_model), got NoneType
    """
    if not isinstance(model, TopicModel):
        raise InputError(f"model must be a TopicModel (see load_model), got {type(model).__name__}")
    return model
