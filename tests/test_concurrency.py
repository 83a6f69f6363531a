"""Threads: a model shared by 16 threads answers exactly as it does in one, on either engine.

The shared mutable state is the model's per-word subword scores (a table for
the vocabulary's words, filled as words are first seen, and a cache of other
words, emptied when it outgrows scoring.CACHE_LIMIT: a dict on the numpy path,
a table inside the compiled scorer) and the lazily loaded default model;
tests/test_default_model.py checks that default_model() loads once.
"""

from __future__ import annotations

import random
import sys
import threading

import pytest

import topicslib
from topicslib import features
from topicslib import defaults, scoring
from topicslib.documents import split_paragraphs

from .conftest import ENGINES, ROOT, TINY, is_numpy, on_engine

THREADS = 16
SAMPLE = (ROOT / "docs" / "sample-document.md").read_text(encoding="utf-8")


def _texts() -> list[str]:
    """Paragraphs with many distinct words (so the cache fills and churns), plus odd ones."""
    paragraphs = split_paragraphs(SAMPLE) + [r["text"] for r in TINY]
    words = " ".join(paragraphs).split()
    rng = random.Random(3)
    mixed = [" ".join(rng.sample(words, 25)) for _ in range(50)]
    # Words no model knows (last, too), so the cache of other words fills and churns whatever the model.
    unknown = [" ".join(f"{rng.choice(words)}qz{rng.randrange(10**6)}" for _ in range(20)) for _ in range(10)]
    odd = ["", "   ", "\ud800 coca \x00", "Migrantes 移民 😀 <b>coca</b>", "x" * 5000, "Coca cultivation fell in Putumayo."]
    return paragraphs + mixed + odd + unknown


TEXTS = _texts()


def _answers(model: topicslib.TopicModel, order: list[int]) -> dict:
    """classify, explain (per text, in the given order) and classify_many (all texts) on ``model``."""
    out = {}
    for i in order:
        out[i] = (topicslib.classify(TEXTS[i], model=model), topicslib.explain(TEXTS[i], model=model, top_n=5))
    out["many"] = topicslib.classify_many(TEXTS, model=model)
    return out


def _in_threads(work, n: int = THREADS) -> list:
    """Run ``work(i)`` in ``n`` threads released together, with frequent switches between them."""
    barrier = threading.Barrier(n)
    results: list = [None] * n
    errors: list = []

    def run(i):
        barrier.wait()
        try:
            results[i] = work(i)
        except BaseException as e:  # noqa: BLE001 - reported below, with the thread's number
            errors.append((i, e))
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    assert not errors, errors
    return results


def _fresh_model(engine: str = "compiled") -> topicslib.TopicModel:
    """The default model with its own, empty word caches, scoring through ``engine`` where it is built."""
    model = topicslib.load_model(topicslib.default_model_path())
    if engine == "numpy" or is_numpy(model):
        model = on_engine(model, engine)
    return model


def _shuffled(seed: int) -> list[int]:
    order = list(range(len(TEXTS)))
    random.Random(seed).shuffle(order)
    return order


@pytest.mark.parametrize("engine", ENGINES)
def test_16_threads_on_one_model_answer_as_one_thread(engine):
    serial = _answers(_fresh_model(engine), list(range(len(TEXTS))))
    shared = _fresh_model(engine)
    for result in _in_threads(lambda i: _answers(shared, _shuffled(i))):
        assert result == serial


class _CountingCache(dict):
    """The word cache, counting how often it is cleared."""

    clears = 0

    def clear(self):
        _CountingCache.clears += 1
        super().clear()


def test_the_word_cache_being_cleared_under_threads_changes_no_answer(monkeypatch):
    serial = _answers(_fresh_model("numpy"), list(range(len(TEXTS))))
    monkeypatch.setattr(scoring, "CACHE_LIMIT", 7)  # cleared every few words, while others read it
    shared = _fresh_model("numpy")
    shared._scorer.unknown_words = _CountingCache()
    _CountingCache.clears = 0
    for result in _in_threads(lambda i: _answers(shared, _shuffled(100 + i))):
        assert result == serial
    assert _CountingCache.clears > 10 and len(shared._scorer.unknown_words) <= 7


def test_the_compiled_scorers_cache_emptied_under_threads_changes_no_answer(monkeypatch):
    serial = _answers(_fresh_model(), list(range(len(TEXTS))))
    monkeypatch.setattr(scoring, "CACHE_LIMIT", 7)  # emptied before most texts, while other threads score
    shared = _fresh_model()
    if is_numpy(shared):
        pytest.skip("topicslib was built without its compiled scorer")
    for result in _in_threads(lambda i: _answers(shared, _shuffled(100 + i))):
        assert result == serial
    assert shared._scorer.cached() <= 7 + max(len(set(features.tokenize(t))) for t in TEXTS)


def test_threads_loading_one_file_get_equal_models(tmp_path, tiny_model):
    path = tiny_model.save(tmp_path / "m.npz")
    expected = topicslib.classify_many(TEXTS, model=tiny_model)
    results = _in_threads(lambda i: topicslib.classify_many(TEXTS, model=topicslib.load_model(path)))
    assert all(r == expected for r in results)


def test_first_use_of_the_default_model_from_16_threads(monkeypatch):
    # Extends tests/test_default_model.py (default_model() loads once): the public functions,
    # called from many threads before anything is loaded, load once and all answer correctly.
    text = "Coca cultivation fell in Putumayo as migrants crossed the border."
    expected = topicslib.classify(text, model=_fresh_model())
    loads = []
    real = defaults.load_model
    monkeypatch.setattr(defaults, "load_model", lambda path: loads.append(path) or real(path))
    monkeypatch.setattr(defaults, "_default", None)
    results = _in_threads(lambda i: (topicslib.classify(text), topicslib.classify_document(text).paragraphs[0].topics))
    assert len(loads) == 1
    assert all(a == expected and b == expected for a, b in results)


@pytest.mark.parametrize("limit", [scoring.CACHE_LIMIT, 1])
@pytest.mark.parametrize("engine", ENGINES)
def test_cache_limit_bounds_the_cache(monkeypatch, limit, engine):
    monkeypatch.setattr(scoring, "CACHE_LIMIT", limit)
    model = _fresh_model(engine)
    topicslib.classify_many(TEXTS, model=model)
    if engine == "numpy":
        assert 0 < len(model._scorer.unknown_words) <= limit
        # words too long for char n-grams are never kept (they would pin memory: URLs, hashes, a 50 MB token)
        assert all(len(w) <= features.MAX_CHAR_WORD for w in model._scorer.unknown_words)
    elif not is_numpy(model):
        # emptied before a text while over the limit: at most the limit plus one text's words remain
        assert 0 < model._scorer.cached() <= limit + max(len(set(features.tokenize(t))) for t in TEXTS)
