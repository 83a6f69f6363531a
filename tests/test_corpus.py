"""The training corpus: valid, as large and varied as the default model needs, and its README current."""

from __future__ import annotations

import importlib.util

import pytest

import topicslib
from topicslib.examples import topic_counts

from .conftest import ROOT


@pytest.fixture(scope="module")
def corpus():
    return topicslib.read_examples(ROOT / "examples", taxonomy=topicslib.load_taxonomy(ROOT / "seeds" / "topics.toml"))


def test_corpus_is_large_enough_for_every_topic(corpus):
    counts = topic_counts(corpus)
    assert len(corpus) >= 2000
    assert min(counts.values()) >= 120 and len(counts) == 10
    assert sum(1 for e in corpus if not e.topics) >= 250
    assert sum(1 for e in corpus if len(e.topics) >= 2) >= len(corpus) / 4


def test_corpus_spans_headlines_to_long_paragraphs(corpus):
    words = [len(e.text.split()) for e in corpus]
    assert min(words) <= 6 and max(words) >= 120
    assert sum(w >= 60 for w in words) >= 300


def test_examples_readme_counts_are_current():
    spec = importlib.util.spec_from_file_location("update_readme", ROOT / "examples" / "update_readme.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    readme = (ROOT / "examples" / "README.md").read_text(encoding="utf-8")
    assert module.counts_section() in readme, "examples/README.md counts are stale: run python examples/update_readme.py"
