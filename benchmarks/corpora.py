"""The benchmark data sets and their splits.

The data live outside the repository, in ``../shared/data`` (research-use only,
never shipped; the environment variable ``TOPICSLIB_BENCH_DATA`` points
elsewhere). A data set whose file is missing is reported as skipped, not as an
error, so the harness runs from any checkout.

>>> sorted(DATASETS)
['20ng', 'cap_bills', 'cap_nyt', 'dev_news_en', 'dev_news_es', 'dev_real', 'dev_real_es', 'reuters']
"""

from __future__ import annotations

import gzip
import json
import os
import random
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("TOPICSLIB_BENCH_DATA") or ROOT.parent / "shared" / "data")
EXAMPLES = ROOT / "examples"
CV_FOLDS = 5
SEED = 0


@dataclass(frozen=True)
class Split:
    """One train/test split; ``labels`` are lists of label ids (one id for single-label sets)."""

    train_texts: list[str]
    train_labels: list[list[str]]
    test_texts: list[str]
    test_labels: list[list[str]]
    test_index: np.ndarray | None = None  # rows of the whole set this split tests (cross-validation)


@dataclass(frozen=True)
class Dataset:
    """A benchmark set: its splits, its label set and how it is scored."""

    name: str
    title: str
    multi_label: bool
    classes: list[str]
    splits: list[Split]
    protocol: str  # "train/test split", "5-fold stratified cross-validation", ...
    n_docs: int


class Missing(Exception):
    """A data file is not here (no ../shared/data); the data set is skipped."""


def _read_jsonl_gz(path: Path) -> list[dict]:
    if not path.is_file():
        raise Missing(f"{path} not found")
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def read_rows(path: Path) -> list[dict]:
    """The records of a JSON Lines file (gzip-compressed when its name ends in .gz); :class:`Missing` when absent."""
    return _read_jsonl_gz(path)


def _sample(rows: list, limit: int | None) -> list:
    """The first ``limit`` rows of a seeded shuffle (files are often sorted by label), in file order."""
    if limit is None or len(rows) <= limit:
        return rows
    keep = sorted(random.Random(SEED).sample(range(len(rows)), limit))
    return [rows[i] for i in keep]


def _train_test(name: str, title: str, path: Path, multi_label: bool, limit: int | None) -> Dataset:
    rows = _read_jsonl_gz(path)
    train = _sample([r for r in rows if r["split"] == "train"], limit)
    test = _sample([r for r in rows if r["split"] == "test"], limit)
    # The label set is the training labels (ApteMod-90: categories with a train and a test document);
    # test labels outside it cannot be learned and are dropped.
    classes = sorted({lab for r in train for lab in r["labels"]})
    known = set(classes)
    split = Split(
        [r["text"] for r in train], [list(r["labels"]) for r in train],
        [r["text"] for r in test], [[lab for lab in r["labels"] if lab in known] for r in test],
    )
    return Dataset(name, title, multi_label, classes, [split], "train/test split", len(train) + len(test))


def _cross_validated(name: str, title: str, path: Path, limit: int | None) -> Dataset:
    from sklearn.model_selection import StratifiedKFold  # imported here: the speed workers time their own imports

    rows = _sample(_read_jsonl_gz(path), limit)
    texts = [r["text"] for r in rows]
    y = [r["labels"][0] for r in rows]
    classes = sorted(set(y))
    folds = StratifiedKFold(CV_FOLDS, shuffle=True, random_state=SEED)
    splits = [
        Split([texts[i] for i in tr], [[y[i]] for i in tr], [texts[i] for i in te], [[y[i]] for i in te], te)
        for tr, te in folds.split(texts, y)
    ]
    return Dataset(name, title, False, classes, splits, f"{CV_FOLDS}-fold stratified cross-validation", len(rows))


def _dev_set(name: str, title: str, path: str, limit: int | None) -> Dataset:
    """Peers train on the repository's examples/; topicslib uses its shipped default model."""
    from topicslib import default_taxonomy_path, load_taxonomy, read_examples

    rows = _sample(_read_jsonl_gz(SHARED_DATA / path), limit)
    taxonomy = load_taxonomy(default_taxonomy_path())
    examples = read_examples(EXAMPLES, taxonomy=taxonomy)
    split = Split(
        [e.text for e in examples], [list(e.topics) for e in examples],
        [r["text"] for r in rows], [list(r["topics"]) for r in rows],
    )
    return Dataset(name, title, True, list(taxonomy.ids), [split],
                   f"peers: train on examples/, test on {name}; topicslib: the shipped default model", len(rows))


# The labeled real paragraphs of the default topics, measured on and never trained on: name -> (title, file).
DEV_SETS = {
    "dev_real": ("dev_real (default topics)", "dev_real/dev.jsonl"),
    "dev_real_es": ("dev_real_es (Spanish)", "dev_real_es/dev.jsonl"),
    "dev_news_en": ("dev_news English", "dev_news/en.jsonl"),
    "dev_news_es": ("dev_news Spanish", "dev_news/es.jsonl"),
}

DATASETS = {
    "reuters": lambda limit: _train_test(
        "reuters", "Reuters-21578 ApteMod-90", SHARED_DATA / "reuters21578" / "reuters21578_aptemod90.jsonl.gz", True, limit),
    "20ng": lambda limit: _train_test(
        "20ng", "20 Newsgroups bydate", SHARED_DATA / "20newsgroups_bydate" / "20news_bydate.jsonl.gz", False, limit),
    "cap_bills": lambda limit: _cross_validated(
        "cap_bills", "Policy Agendas: US bills", SHARED_DATA / "cap_policy_agendas_us" / "us_congress_bills_107.jsonl.gz", limit),
    "cap_nyt": lambda limit: _cross_validated(
        "cap_nyt", "Policy Agendas: NYT headlines", SHARED_DATA / "cap_policy_agendas_us" / "nyt_front_page_headlines.jsonl.gz", limit),
    **{name: partial(_dev_set, name, title, path) for name, (title, path) in DEV_SETS.items()},
}


def load(name: str, limit: int | None = None) -> Dataset:
    """Load a data set by name; raises :class:`Missing` when its file is absent.

    >>> load("reuters", limit=50).multi_label  # doctest: +SKIP
    True
    """
    return DATASETS[name](limit)


def paragraph_stream(n: int, *, min_words: int = 15, max_words: int = 200) -> tuple[list[str], str]:
    """``n`` paragraph-length texts to time classifiers on, and where they came from.

    State Department press-release paragraphs (input only, never labels); without
    ../shared/data, the repository's own example paragraphs, repeated as needed.
    """
    try:
        rows = _read_jsonl_gz(SHARED_DATA / "us_state_dept_press_releases" / "state_press_releases_paragraphs.jsonl.gz")
        texts = [r["text"] for r in rows if min_words <= len(r["text"].split()) <= max_words]
        source = f"us_state_dept_press_releases, paragraphs of {min_words}-{max_words} words, file order"
    except Missing:
        from topicslib import read_examples

        texts = [e.text for e in read_examples(EXAMPLES)]
        source = "examples/ paragraphs (../shared/data absent)"
    return list(_cycle(texts, n)), source


def _cycle(texts: list[str], n: int) -> Iterator[str]:
    for i in range(n):
        yield texts[i % len(texts)]
