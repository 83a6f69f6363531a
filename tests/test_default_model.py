"""The shipped default model: current with examples/ and seeds/, and useful on real text."""

from __future__ import annotations

import ast
import json
import threading

import pytest

import topicslib
from topicslib import defaults
from topicslib.examples import examples_digest
from topicslib.storage import card_path

from .conftest import DEV_REAL, ROOT

RETRAIN = "python -m topicslib train examples/ --taxonomy seeds/topics.toml -o models/default.npz"


def test_shipped_model_is_current_with_examples_seeds_and_defaults(caplog):
    card = json.loads(card_path(topicslib.default_model_path()).read_text(encoding="utf-8"))
    taxonomy = topicslib.load_taxonomy(ROOT / "seeds" / "topics.toml")
    with caplog.at_level("WARNING", logger="topicslib"):
        examples = topicslib.read_examples(ROOT / "examples", taxonomy=taxonomy)
    assert caplog.text == ""  # its README.md and update_readme.py are no data left out: the retrain says nothing of them
    stale = f"models/default.npz is stale; retrain it with: {RETRAIN}"
    assert card["examples_sha256"] == examples_digest(examples), stale
    assert card["taxonomy_sha256"] == taxonomy.sha256(), stale
    defaults = {k: list(v) if isinstance(v, tuple) else v for k, v in topicslib.TopicModel().get_params().items()}
    assert card["options"] == defaults, stale


def test_card_inside_the_model_matches_the_card_file(default_model):
    card = json.loads(card_path(topicslib.default_model_path()).read_text(encoding="utf-8"))
    assert card["examples_sha256"] == default_model.card_["examples_sha256"]
    assert card["topic_counts"] == default_model.card_["topic_counts"]


def test_default_taxonomy_is_the_labeling_guides_ten_topics():
    ids = [t.id for t in topicslib.topics()]
    assert ids == ["migration", "climate", "narcotics", "peace_accord", "human_rights",
                   "health", "trade", "democracy", "security", "diplomacy"]
    assert all(t.name and t.description and len(t.seeds) >= 5 for t in topicslib.topics())


@pytest.mark.parametrize("text, topic", [
    ("Colombia hosts nearly three million Venezuelan migrants.", "migration"),
    ("Coca cultivation and cocaine production reached record levels.", "narcotics"),
    ("The two presidents met at the White House to strengthen their strategic partnership.", "diplomacy"),
    ("Deforestation in the Amazon fell as the government expanded protected areas.", "climate"),
    ("The United States donated two million COVID-19 vaccine doses to Paraguay.", "health"),
])
def test_default_model_tags_clear_paragraphs(text, topic):
    assert topic in [t.topic for t in topicslib.classify(text)]


def test_default_model_ignores_page_debris():
    assert topicslib.classify_many(["Share this page | Print", "Related posts", "Copyright 2025. All rights reserved."]) == [[], [], []]


def test_sample_document_is_classified():
    doc = topicslib.classify_document((ROOT / "docs" / "sample-document.md").read_text(encoding="utf-8"))
    found = {d.topic for d in doc.topics}
    assert {"migration", "narcotics", "peace_accord", "trade", "diplomacy"} <= found
    assert doc.paragraphs[-1].topics == []


def test_default_model_loads_once_under_concurrent_first_use(monkeypatch):
    calls = []
    real = defaults.load_model

    def counting(path):
        calls.append(path)
        return real(path)
    monkeypatch.setattr(defaults, "load_model", counting)
    monkeypatch.setattr(defaults, "_default", None)
    barrier = threading.Barrier(8)
    models = []

    def first_use():
        barrier.wait()
        models.append(topicslib.default_model())
    threads = [threading.Thread(target=first_use) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and all(m is models[0] for m in models)


@pytest.mark.skipif(not DEV_REAL.exists(), reason="../shared/data/dev_real is not here")
def test_default_model_on_dev_real_holds_its_level():
    ev = topicslib.default_model().evaluate(DEV_REAL)
    # A regression guard well under the measured figures (see models/README.md).
    assert ev.micro.f1 >= 0.70 and ev.macro.f1 >= 0.65


def _readme_tour() -> tuple[int, list[str]]:
    """The README's first Python block: where it starts (0-based line of the README) and its lines."""
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    start = lines.index("```python") + 1
    return start, lines[start: lines.index("```", start)]


def test_the_readmes_python_tour_gives_the_results_it_shows(monkeypatch, capsys):
    """Each expression of the tour whose comment (inline or on the next line) shows a list prints that list, its
    repr as the interpreter shows it (scores to two decimals: documents.TopicScore); the other statements run in
    order."""
    monkeypatch.chdir(ROOT)
    start, block = _readme_tour()
    namespace: dict = {}
    checked = 0
    for node in ast.parse("\n".join(block)).body:
        code = ast.get_source_segment("\n".join(block), node)
        end = node.end_lineno - 1
        inline = block[end].partition("  # ")[2].strip()
        below = block[end + 1].strip()[2:] if end + 1 < len(block) and block[end + 1].startswith("# ") else ""
        claim = inline if inline.startswith("[") else below if below.startswith("[") else None
        if not isinstance(node, ast.Expr) or claim is None:
            exec(compile(code, "README.md", "exec"), namespace)
            continue
        got = repr(eval(compile(code, "README.md", "eval"), namespace))  # as Python prints it
        if claim.endswith(", ...]"):  # the first items shown
            claim, got = claim[: -len(", ...]")], got[: len(claim) - len(", ...]")]
        assert got == claim, f"README.md:{start + end + 1}: {code} gives {got}"
        checked += 1
    capsys.readouterr()
    assert checked >= 5
