"""Finding wrong labels (audit) and choosing what to label next (suggest)."""

from __future__ import annotations

import csv
import json
import sys

import numpy as np
import pytest

import topicslib
from topicslib import InputError
from topicslib.bootstrap import seed_scores
from topicslib.examples import example_line
from topicslib.taxonomy import Taxonomy, Topic

from .conftest import TINY
from .test_cli import run, write_jsonl

TRADE = [f"Exports of coffee and flowers rose under the trade deal, report {i}." for i in range(10)]
PEOPLE = [f"Migrants and refugees crossed the border seeking asylum, report {i}." for i in range(10)]
WRONG = "Refugees and migrants crossed the border to seek asylum at dawn."


def _records() -> list[dict]:
    return ([{"text": t, "topics": ["econ"]} for t in TRADE] + [{"text": WRONG, "topics": ["econ"]}]
            + [{"text": t, "topics": ["people"]} for t in PEOPLE])


def test_audit_puts_a_wrong_label_first_with_where_it_is(tmp_path):
    path = tmp_path / "ex.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in _records()), encoding="utf-8")
    suspects = topicslib.audit(path, min_df=1, folds=3)
    top = suspects[0]
    assert (top.index, top.where, top.text, top.given, top.suggested) == (10, f"{path}:11", WRONG, ("econ",), ("people",))
    assert top.score > 0 and all(a.score >= b.score for a, b in zip(suspects, suspects[1:]))


def test_audit_says_when_its_examples_are_too_few_for_the_ranking_to_mean_much(caplog):
    # QA 4 item 14: on 40 correct labels audit flagged 13, up to 0.94, and nothing said the ranking was mostly noise
    with caplog.at_level("WARNING", logger="topicslib"):
        assert topicslib.audit(_records(), min_df=1, folds=3)
    assert "audit's ranking means little with 21 examples (fewer than 500)" in caplog.text
    caplog.clear()
    many = [{"text": f"{t} {w}", "topics": [topic]} for i, w in enumerate(f"w{i}" for i in range(260))
            for t, topic in ((TRADE[i % 10], "econ"), (PEOPLE[i % 10], "people"))]
    many.append({"text": WRONG, "topics": ["econ"]})
    with caplog.at_level("WARNING", logger="topicslib"):
        assert topicslib.audit(many, min_df=1, folds=3)[0].text == WRONG
    assert "means little" not in caplog.text


def test_a_suspects_score_is_its_most_doubtful_topics_distance_from_its_label():
    # a wrong topic is one label: the single largest disagreement ranks it, not a sum over every topic
    suspects = topicslib.audit(_records(), min_df=1, folds=3)
    model = topicslib.TopicModel(min_df=1, folds=3).fit([r["text"] for r in _records()], [r["topics"] for r in _records()])
    p = dict(zip(model.classes_.tolist(), model.oof_proba_[10]))
    assert suspects[0].index == 10 and suspects[0].score == max(1 - p["econ"], p["people"])
    assert all(0 < s.score <= 1 for s in suspects)


def test_a_topic_left_out_of_training_stays_in_given_and_suggested_and_out_of_the_score(tmp_path):
    """'rare' has one example, fewer than min_examples: the model cannot judge it, but it is part of the label."""
    records = _records()
    records[10] = {"text": WRONG, "topics": ["econ", "rare"]}
    path = tmp_path / "ex.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    top = topicslib.audit(path, min_df=1, folds=3)[0]
    assert (top.index, top.given, top.suggested) == (10, ("econ", "rare"), ("people", "rare"))
    assert top.score == topicslib.audit(_records(), min_df=1, folds=3)[0].score  # the same model judged it
    r = run("audit", str(path), "--options", '{"min_df": 1, "folds": 3}', "--top", "1")
    assert r.returncode == 0 and f"{path}:11  given: econ, rare  suggested: people, rare" in r.stdout, r.stdout


def test_audit_indices_point_at_the_examples_as_read_when_repeats_are_merged():
    records = [{"text": TRADE[0], "topics": ["econ"]}] + _records()  # a repeat first: positions shift by one
    assert topicslib.audit(records, min_df=1, folds=3)[0].index == 11


def test_a_repeated_suspect_names_every_copy_whose_topics_were_merged(tmp_path):
    """The doubtful topic may be written at a copy, not at the first place: audit names the copies too."""
    path = tmp_path / "ex.jsonl"
    records = _records() + [{"text": " ".join(WRONG.upper().split()), "topics": ["econ"]}]  # a copy, case aside
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    top = topicslib.audit(path, min_df=1, folds=3)[0]
    assert (top.index, top.where, top.copies) == (10, f"{path}:11", (f"{path}:22",))
    assert all(s.copies == () for s in topicslib.audit(_records(), min_df=1, folds=3))
    r = run("audit", str(path), "--options", '{"min_df": 1, "folds": 3}', "--top", "1")
    assert r.returncode == 0 and f"{path}:11 (copies, merged: {path}:22)" in r.stdout, r.stderr


def test_audit_on_the_command_line(tmp_path):
    path = tmp_path / "ex.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in _records()), encoding="utf-8")
    r = run("audit", str(path), "--options", '{"min_df": 1, "folds": 3}', "--json", "--top", "1")
    assert r.returncode == 0, r.stderr
    (top,) = json.loads(r.stdout)
    assert top["where"] == f"{path}:11" and top["suggested"] == ["people"]


def test_a_topic_with_one_example_does_not_take_over_a_single_label_model():
    # Active learning starts small: a topic found once must score about as rarely as it was seen, not
    # near 0.5 from its uncalibrated margin, which made it every title's most probable topic.
    texts = TRADE + PEOPLE + [f"Tariffs on coffee exports were cut, note {i}." for i in range(10)] + [
        "The dam on the river was opened to make power."]
    topics = [["econ"]] * 10 + [["people"]] * 10 + [["econ"]] * 10 + [["energy"]]
    model = topicslib.TopicModel(min_examples=1, min_df=1, folds=5).fit(texts, topics)
    proba = model.predict_proba(["Migrants waited for asylum at the border.", "Coffee exports rose again."])
    energy = model.classes_.tolist().index("energy")
    assert (proba[:, energy] < 0.2).all() and (proba.argmax(axis=1) != energy).all()


def test_a_topic_whose_slope_cannot_be_fitted_is_shifted_to_its_share_not_left_at_its_raw_margin():
    from topicslib.training import platt

    rng = np.random.default_rng(0)
    scores = rng.normal(-1.0, 0.1, 300)  # the margins of a topic that the folds' models could not learn
    y = np.zeros(300, dtype=int)
    y[np.argsort(scores)[:5]] = 1  # its 5 examples scored lowest: no positive slope fits
    a, b = platt(scores, y)
    proba = 1 / (1 + np.exp(-(a * scores + b)))
    assert a == 1.0 and abs(proba.mean() - 6 / 300) < 0.01  # about its smoothed share, not sigmoid(-1) = 0.27


def test_suggest_picks_the_unsure_first_and_no_near_copies(tiny_model):
    texts = ["Exports of coffee rose under the trade agreement.", "Migrants sought asylum at the border.",
             "Migrant workers send remittances that lift exports.", "Migrant workers send remittances that lift exports!",
             "zzzz qqqq", "Refugees found jobs with small businesses."]
    picked = topicslib.suggest(tiny_model, texts, n=4)
    assert len(picked) == len(set(picked)) <= 4
    assert not {2, 3} <= set(picked)  # a near copy is not picked twice
    assert 4 not in picked  # no known term: nothing to learn from the model's view
    proba = tiny_model.predict_proba(texts)
    sure = max(range(2), key=lambda i: abs(proba[i] - tiny_model.thresholds_).min())
    assert picked[0] != sure
    assert topicslib.suggest(tiny_model, texts, n=0) == []
    with pytest.raises(InputError, match="n must be a non-negative integer"):
        topicslib.suggest(tiny_model, texts, n=-1)


def test_suggest_on_the_command_line_writes_the_picked_records(tmp_path):
    src = tmp_path / "corpus.jsonl"
    src.write_text("".join(json.dumps({"id": i, "text": r["text"]}) + "\n" for i, r in enumerate(TINY)), encoding="utf-8")
    out = tmp_path / "to_label.jsonl"
    r = run("suggest", str(src), "-n", "5", "-o", str(out))
    assert r.returncode == 0, r.stderr
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 5 and len({row["id"] for row in rows}) == 5 and all("topics" in row for row in rows)
    # -o's suffix chooses CSV as classify's does, the same records in the same order
    r = run("suggest", str(src), "-n", "5", "-o", str(tmp_path / "to_label.csv"))
    assert r.returncode == 0, r.stderr
    with open(tmp_path / "to_label.csv", newline="", encoding="utf-8") as f:
        table = list(csv.DictReader(f))
    assert [int(row["id"]) for row in table] == [row["id"] for row in rows]
    assert [row["topics"].split(";") if row["topics"] else [] for row in table] == [
        [t["topic"] for t in row["topics"]] for row in rows]



def test_suggests_jsonl_picks_are_examples_as_they_stand(tmp_path):
    # QA 4 item 7: suggest writes {"topic", "score"} objects, as classify does, and train/audit/evaluate refused them
    src = tmp_path / "corpus.jsonl"
    src.write_text("".join(json.dumps({"id": i, "text": r["text"]}) + "\n" for i, r in enumerate(TINY)), encoding="utf-8")
    out = tmp_path / "to_label.jsonl"
    assert run("suggest", str(src), "-n", "8", "-o", str(out)).returncode == 0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert any(row["topics"] for row in rows) and all("score" in t for row in rows for t in row["topics"])
    assert [e.topics for e in topicslib.read_examples(out)] == [tuple(t["topic"] for t in row["topics"]) for row in rows]
    r = run("evaluate", str(out))
    assert r.returncode == 0, r.stderr



def test_suggest_never_picks_a_paragraph_already_labeled(tmp_path, tiny_model):
    # QA 4 item 8: the suggest -> correct -> train loop suggested paragraphs the examples already held
    texts = [r["text"] for r in TINY]
    first = topicslib.suggest(tiny_model, texts, n=3)
    labeled = ["  " + texts[first[0]].upper()]  # the same words, as examples repeat: case and spacing aside
    again = topicslib.suggest(tiny_model, texts, n=3, exclude=labeled)
    assert first[0] not in again and again[:2] == first[1:]
    src = tmp_path / "corpus.jsonl"
    src.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts), encoding="utf-8")
    first = [json.loads(line)["text"] for line in run("suggest", str(src), "-n", "3").stdout.splitlines()]
    mine = tmp_path / "mine.jsonl"
    mine.write_text(json.dumps({"text": first[0].upper(), "topics": []}) + "\n", encoding="utf-8")
    r = run("suggest", str(src), "-n", "3", "--examples", str(mine))
    assert r.returncode == 0, r.stderr
    again = [json.loads(line)["text"] for line in r.stdout.splitlines()]
    assert first[0] not in again and again[:2] == first[1:]



def test_suggest_document_chooses_among_the_paragraphs_of_text_files(tmp_path):
    # QA 4 item 11: a folder of .txt articles was read one article per paragraph, and whole articles were suggested
    folder = tmp_path / "articles"
    folder.mkdir()
    for d in range(3):
        (folder / f"a{d}.txt").write_text("\n\n".join(r["text"] for r in TINY[d * 4:(d + 1) * 4]), encoding="utf-8")
    r = run("suggest", str(folder), "-n", "5", "--document")
    assert r.returncode == 0, r.stderr
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert len(rows) == 5 and all("\n\n" not in row["text"] and row["text"] in {t["text"] for t in TINY} for row in rows)
    assert all(row["source"].endswith(".txt") and isinstance(row["paragraph"], int) for row in rows)


def test_bootstrap_document_reads_the_paragraphs_of_text_files(tmp_path):
    # QA 4 item 11: a folder of .txt articles was one paragraph a file, so a topic whose seeds met no whole article's
    # words apart was left out and the rounds trained on three texts
    folder = tmp_path / "articles"
    folder.mkdir()
    for d in range(3):
        (folder / f"a{d}.txt").write_text("\n\n".join(r["text"] for r in TINY[d * 4:(d + 1) * 4]), encoding="utf-8")
    tax = tmp_path / "t.toml"
    tax.write_text(SEEDED, encoding="utf-8")
    counts = {}
    for flags in ((), ("--document",)):
        r = run("bootstrap", str(folder), "--taxonomy", str(tax), "-o", str(tmp_path / "m.npz"), *flags)
        assert r.returncode == 0, r.stderr
        counts[flags] = r.stdout.split(" paragraphs")[0].rsplit(" ", 1)[1]
    assert counts == {(): "3", ("--document",): "12"}


SEEDED = """
[[topic]]
id = "econ"
seeds = ["exports", "tariffs", "trade deal"]

[[topic]]
id = "people"
seeds = ["migrants", "asylum", "refugees"]
"""


def _seeded(tmp_path, third: str) -> tuple:
    """The SEEDED taxonomy as a file, and a corpus: 8 paragraphs for each seed group, then 4 of ``third``."""
    tax = tmp_path / "t.toml"
    tax.write_text(SEEDED, encoding="utf-8")
    return tax, ([f"Exports of coffee and flowers rose, report {i}." for i in range(8)]
                 + [f"Migrants crossed the border at the river crossing, report {i}." for i in range(8)]
                 + [f"{third}, report {i}." for i in range(4)])


def test_bootstrap_learns_from_seed_terms_beyond_them(tmp_path):
    # The third paragraphs hold no seed: multi-label, they are the model's examples of no topic
    tax, corpus = _seeded(tmp_path, "The weather was mild and the sky clear")
    model = topicslib.bootstrap(corpus, taxonomy=tax, min_df=1, folds=2)
    assert model.classes_.tolist() == ["econ", "people"]
    # "coffee" and "river crossing" are no seeds: the model learned them from the paragraphs the seeds found
    assert [t for t, _ in model.classify("Coffee and flowers left.")] == ["econ"]
    assert model.classify("The weather was mild.") == []
    assert [t for t, _ in model.classify("They waited at the river crossing.")] == ["people"]


def test_bootstrap_single_label_gives_each_paragraph_one_topic(tmp_path):
    tax, corpus = _seeded(tmp_path, "Migrants sent money home and exports of coffee grew")
    both = "Migrants sent money home and exports of coffee grew."
    multi = topicslib.bootstrap(corpus, taxonomy=tax, min_df=1, folds=2)
    single = topicslib.bootstrap(corpus, taxonomy=tax, min_df=1, folds=2, multi_label=False)
    assert multi.multi_label_ and not single.multi_label_
    assert len(single.classify(both)) == 1 and single.predict(corpus).sum(axis=1).tolist() == [1] * len(corpus)
    with pytest.raises(InputError, match="rounds must be a non-negative integer"):
        topicslib.bootstrap(corpus, taxonomy=tax, rounds=-1)


def test_bootstrap_matches_the_seeds_of_every_language_the_taxonomy_gives(tmp_path):
    """Seeds under [topic.es] (the form seeds/topics.toml uses) are matched too: only the English ones were, and the
    Spanish paragraphs, which hold no English seed, were left without a topic."""
    tax = tmp_path / "t.toml"
    tax.write_text(SEEDED.replace('"refugees"]', '"refugees"]\n[topic.es]\nseeds = ["migrantes", "asilo"]')
                   .replace('"trade deal"]', '"trade deal"]\n[topic.es]\nseeds = ["exportaciones", "aranceles", "Exports"]'),
                   encoding="utf-8")
    spanish = ([f"Las exportaciones de café crecieron, informe {i}." for i in range(6)]
               + [f"Los migrantes pidieron asilo en la frontera, informe {i}." for i in range(6)])
    taxonomy = topicslib.load_taxonomy(tax)
    scores = seed_scores(spanish + ["Exports rose."], taxonomy)
    assert (scores[:6, 0] > 0).all() and (scores[6:12, 1] > 0).all()
    # "Exports" in both languages is one term, weighed once, not twice
    assert scores[-1, 0] == pytest.approx(np.log(14 / 2))
    model = topicslib.bootstrap(spanish, taxonomy=tax, min_df=1, folds=2)
    assert [t for t, _ in model.classify("Los migrantes esperan asilo.")] == ["people"]


# A mostly off-topic corpus, as a real one is: press briefings whose few paragraphs the seeds find share their
# boilerplate ("the spokesman told reporters") with many that are about none of the topics.
OFF_TOPIC_SEEDS = Taxonomy((Topic("econ", seeds=("exports", "tariffs")), Topic("people", seeds=("migrants", "asylum"))))
ON_TOPIC = ([f"Exports of coffee rose, the spokesman told reporters on day {i}." for i in range(10)]
            + [f"Migrants sought asylum at the border, the minister said on day {i}." for i in range(4)])
OFF_TOPIC = [f"The spokesman told reporters the minister would travel on day {i}." for i in range(40)]


def test_bootstrap_learns_to_give_no_topic_on_a_mostly_off_topic_corpus():
    """The model saw only paragraphs some topic labels, so it gave every off-topic one a topic (40 of 40 here; 97%
    of the State Department's press releases): paragraphs no seed matches are now its topic-less examples."""
    model = topicslib.bootstrap(ON_TOPIC + OFF_TOPIC, taxonomy=OFF_TOPIC_SEEDS, min_df=1, folds=2)
    assert sum(bool(topics) for topics in model.classify_many(OFF_TOPIC)) <= 2
    assert [[t for t, _ in topics] for topics in model.classify_many(ON_TOPIC)] == [["econ"]] * 10 + [["people"]] * 4
    assert model.card_["n_without_topic"] > 0


def test_bootstrap_warns_when_the_rounds_label_many_times_what_the_seeds_found(caplog):
    """Single-label (a codebook: every text has a code) keeps no topic-less examples, so the rounds give every
    off-topic paragraph a code: bootstrap says so, and names the topic that took most of the corpus."""
    with caplog.at_level("WARNING", logger="topicslib"):
        topicslib.bootstrap(ON_TOPIC + OFF_TOPIC, taxonomy=OFF_TOPIC_SEEDS, min_df=1, folds=2, multi_label=False)
    messages = [r.getMessage() for r in caplog.records]
    assert any(m.startswith("the rounds pseudo-labeled 54 paragraphs, 4 times the 14 the seeds found") for m in messages), messages
    assert any(m.startswith("'econ' is on ") and "of the 54 paragraphs" in m for m in messages), messages


def test_a_bootstrapped_models_card_says_how_it_was_made_and_what_its_cross_validation_measures(tmp_path):
    """The card read as a trained model's: no word of bootstrap, and a cross-validation (micro-F1 0.995 for a model
    tagging 97% of a corpus wrongly) that only measures agreement with the pseudo-labels."""
    rounds_seen = []
    model = topicslib.bootstrap(ON_TOPIC + OFF_TOPIC, taxonomy=OFF_TOPIC_SEEDS, min_df=1, folds=2, rounds=2,
                                on_round=lambda *a: rounds_seen.append(a))
    model.save(tmp_path / "m.npz")
    card = json.loads((tmp_path / "m.card.json").read_text(encoding="utf-8"))
    made = card["bootstrap"]
    assert (made["rounds"], made["multi_label"], made["paragraphs"]) == (2, True, 54)
    assert made["seed_matched"] == {"econ": 10, "people": 4}
    assert len(made["trained_on"]) == 3 and made["trained_on"][0]["pseudo_labeled"] == 14
    assert card["cross_validation"]["note"].startswith("bootstrapped: these figures measure agreement with the "
                                                        "pseudo-labels")
    # the progress line's source: each round as it starts, and on how many pseudo-labeled paragraphs
    assert rounds_seen == [(r, 2, t["pseudo_labeled"]) for r, t in enumerate(made["trained_on"])]
    # and the command's summary counts the pseudo-labeled paragraphs, not the examples of no topic beside them
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join(json.dumps({"text": t}) + "\n" for t in ON_TOPIC + OFF_TOPIC), encoding="utf-8")
    (tmp_path / "t.toml").write_text('[[topic]]\nid = "econ"\nseeds = ["exports", "tariffs"]\n\n[[topic]]\nid = '
                                     '"people"\nseeds = ["migrants", "asylum"]\n', encoding="utf-8")
    r = run("bootstrap", str(corpus), "--taxonomy", str(tmp_path / "t.toml"), "-o", str(tmp_path / "c.npz"),
            "--options", '{"min_df": 1, "folds": 2}')
    assert "and 54 paragraphs (14 pseudo-labeled in the last round)" in r.stdout, r.stdout + r.stderr


def test_bootstrap_needs_seeds_the_corpus_uses(tmp_path):
    tax = tmp_path / "t.toml"
    tax.write_text(SEEDED, encoding="utf-8")
    with pytest.raises(topicslib.TrainingError, match="no paragraph of the corpus holds a seed term"):
        topicslib.bootstrap(["Nothing to see here.", "Still nothing."], taxonomy=tax)


def test_bootstrap_on_the_command_line_saves_a_model(tmp_path):
    tax = tmp_path / "t.toml"
    tax.write_text(SEEDED, encoding="utf-8")
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join(json.dumps({"text": r["text"]}) + "\n" for r in TINY * 2), encoding="utf-8")
    r = run("bootstrap", str(corpus), "--taxonomy", str(tax), "-o", str(tmp_path / "m.npz"), "--single-label",
            "--options", '{"min_df": 1, "folds": 2}')
    assert r.returncode == 0 and "bootstrapped 2 topics" in r.stdout, r.stderr
    model = topicslib.load_model(tmp_path / "m.npz")
    assert model.classes_.tolist() == ["econ", "people"] and not model.multi_label_



# OFF_TOPIC_SEEDS with seeds that match nothing, one in a second language: the taxonomy a researcher tunes
TUNED = Taxonomy((Topic("econ", seeds=("exports", "tariffs", "quotas")),
                  Topic("people", seeds=("migrants", "asylum"), translations=(("es", Topic("people", seeds=("asilo",))),))))


def test_a_bootstrapped_models_card_counts_each_seeds_paragraphs_and_names_the_seeds_that_matched_none():
    """Only each topic's total was kept: which seed matched which paragraphs, and which matched none, was unsaid
    (QA4 item 9: six seeds of Setup S and its Spanish ones matched nothing)."""
    model = topicslib.bootstrap(ON_TOPIC + OFF_TOPIC, taxonomy=TUNED, min_df=1, folds=2)
    made = model.card_["bootstrap"]
    assert made["per_seed"] == {"econ": {"exports": 10, "tariffs": 0, "quotas": 0},
                                "people": {"migrants": 4, "asylum": 4, "asilo": 0}}
    assert made["unmatched_seeds"] == {"econ": ["tariffs", "quotas"], "people": ["asilo"]}


def _tuned_files(tmp_path) -> tuple:
    """TUNED as a file, and ON_TOPIC + OFF_TOPIC as a corpus with ids (ON_TOPIC's first paragraph twice)."""
    tax = tmp_path / "t.toml"
    tax.write_text('[[topic]]\nid = "econ"\nseeds = ["exports", "tariffs", "quotas"]\n\n[[topic]]\nid = "people"\n'
                   'seeds = ["migrants", "asylum"]\n[topic.es]\nseeds = ["asilo"]\n', encoding="utf-8")
    texts = ON_TOPIC + OFF_TOPIC + [ON_TOPIC[0].upper()]
    corpus = write_jsonl(tmp_path / "corpus.jsonl", [{"id": i, "text": t, "outlet": "wire"} for i, t in enumerate(texts)])
    return tax, corpus


def test_bootstrap_command_names_the_seeds_that_matched_nothing_and_verbose_counts_every_seed(tmp_path):
    tax, corpus = _tuned_files(tmp_path)
    options = ("--options", '{"min_df": 1, "folds": 2}')
    r = run("bootstrap", str(corpus), "--taxonomy", str(tax), "-o", str(tmp_path / "m.npz"), *options)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[1:] == ["3 of 6 seeds matched no paragraph: tariffs (econ), quotas (econ), asilo (people)"]
    r = run("bootstrap", str(corpus), "--taxonomy", str(tax), "-o", str(tmp_path / "m.npz"), "--verbose", *options)
    assert r.stdout.splitlines()[1:] == ["paragraphs each seed matched:", "  econ: exports 10, tariffs 0, quotas 0",
                                         "  people: migrants 4, asylum 4, asilo 0",
                                         "3 of 6 seeds matched no paragraph: tariffs (econ), quotas (econ), asilo (people)"]
    # past ten, the rest are counted, not named: a bilingual taxonomy's unused language can leave dozens
    many = tmp_path / "many.toml"
    many.write_text(tax.read_text(encoding="utf-8").replace('"quotas"', ", ".join(f'"nothing{i}"' for i in range(12))),
                    encoding="utf-8")
    r = run("bootstrap", str(corpus), "--taxonomy", str(many), "-o", str(tmp_path / "m.npz"), *options)
    assert r.stdout.splitlines()[1].startswith("14 of 17 seeds matched no paragraph: tariffs (econ), nothing0 (econ)")
    assert r.stdout.splitlines()[1].endswith("nothing8 (econ) and 4 more (--verbose lists every seed; so does the "
                                             "model card)"), r.stdout


def test_pseudo_labels_are_the_last_rounds_written_as_examples_that_train_audit_and_evaluate_read(tmp_path):
    """They were nowhere to be read, audited or corrected (QA4 item 9)."""
    tax, corpus = _tuned_files(tmp_path)
    out = tmp_path / "labels" / "pseudo.jsonl"
    r = run("bootstrap", str(corpus), "--taxonomy", str(tax), "-o", str(tmp_path / "m.npz"), "--pseudo-labels",
            str(out), "--options", '{"min_df": 1, "folds": 2}')
    assert r.returncode == 0, r.stderr
    assert f"(14 pseudo-labeled in the last round, written to {out})" in r.stdout, r.stdout
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    # the pseudo-labeled ones, each duplicate once, in corpus order, with their record's fields; none of no topic
    assert [row["text"] for row in rows] == ON_TOPIC
    assert rows[0] == {"text": ON_TOPIC[0], "topics": ["econ"], "id": 0, "outlet": "wire", "source": str(corpus),
                       "line": 1}
    assert [row["topics"] for row in rows] == [["econ"]] * 10 + [["people"]] * 4
    assert [e.topics for e in topicslib.read_examples(out)] == [tuple(row["topics"]) for row in rows]
    for command in (("train", str(out), "-o", str(tmp_path / "again.npz"), "--options", '{"min_df": 1, "folds": 2}'),
                    ("audit", str(out), "--options", '{"min_df": 1, "folds": 2}'),
                    ("evaluate", str(out), "--model", str(tmp_path / "m.npz"), "--by", "outlet")):
        r = run(*command)
        assert r.returncode == 0, (command, r.stderr)


def test_pseudo_labels_are_written_whole_or_not_at_all(tmp_path, monkeypatch):
    out = tmp_path / "pseudo.jsonl"
    out.write_text("earlier\n", encoding="utf-8")
    written = []

    def failing(*args):
        if len(written) == 3:
            raise KeyboardInterrupt  # a Ctrl-C in the middle of the file
        written.append(args)
        return example_line(*args)

    monkeypatch.setattr(sys.modules["topicslib.bootstrap"], "example_line", failing)  # the module, not the function
    with pytest.raises(KeyboardInterrupt):
        topicslib.bootstrap(ON_TOPIC + OFF_TOPIC, taxonomy=TUNED, min_df=1, folds=2, pseudo_labels=out)
    assert out.read_text(encoding="utf-8") == "earlier\n" and [p.name for p in tmp_path.iterdir()] == ["pseudo.jsonl"]
    with pytest.raises(InputError, match="fields must give one mapping a text: 1 for 54 texts"):
        topicslib.bootstrap(ON_TOPIC + OFF_TOPIC, taxonomy=TUNED, pseudo_labels=out, fields=[{}])
    # on the command line, a file that is an input, or cannot be written, is refused before the training
    tax, corpus = _tuned_files(tmp_path)
    for where, says in ((corpus, "is also an input"), (tmp_path / "corpus.jsonl" / "p.jsonl", "cannot write")):
        r = run("bootstrap", str(corpus), "--taxonomy", str(tax), "-o", str(tmp_path / "m.npz"), "--pseudo-labels",
                str(where))
        assert r.returncode != 0 and says in r.stderr and "bootstrapped" not in r.stdout, r.stderr
        assert not (tmp_path / "m.npz").exists()


def test_quiet_drops_every_closing_summary_and_keeps_results_and_warnings(tmp_path):
    """-q: train and bootstrap print no summary on stdout, audit no count on stderr, as classify, report and trends
    print none; a warning about the data (a topic with too few examples) and a command's results still print."""
    examples, rare = tmp_path / "ex.jsonl", tmp_path / "rare.jsonl"
    examples.write_text("".join(json.dumps(r) + "\n" for r in _records()), encoding="utf-8")
    rare.write_text(examples.read_text(encoding="utf-8") + json.dumps({"text": "Floods hit the coast.",
                                                                       "topics": ["climate"]}) + "\n", encoding="utf-8")
    options = ("--options", '{"min_df": 1, "folds": 3}')
    tax = tmp_path / "t.toml"
    tax.write_text(SEEDED, encoding="utf-8")
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join(json.dumps({"text": r["text"]}) + "\n" for r in TINY * 2), encoding="utf-8")
    commands = {"train": ["train", str(rare), "-o", str(tmp_path / "m.npz"), *options],
                "bootstrap": ["bootstrap", str(corpus), "--taxonomy", str(tax), "-o", str(tmp_path / "b.npz"),
                              "--single-label", "--options", '{"min_df": 1, "folds": 2}'],
                "audit": ["audit", str(examples), *options, "--top", "1"]}
    for name, command in commands.items():
        loud, quiet = run(*command), run(*command, "-q")
        assert loud.returncode == quiet.returncode == 0, (loud.stderr, quiet.stderr)
        if name == "audit":
            assert "suspect examples" in loud.stderr and "suspect examples" not in quiet.stderr
            assert quiet.stdout == loud.stdout and f"{examples}:11" in quiet.stdout  # the result stays
        else:
            assert loud.stdout.startswith(("trained on", "bootstrapped")) and quiet.stdout == "", quiet.stdout
        if name == "train":
            assert "left out 1 topic" in quiet.stderr and quiet.stderr == loud.stderr  # the warning stays
    assert topicslib.load_model(tmp_path / "m.npz").classes_.tolist() == ["econ", "people"]


# -- self-training on unlabeled paragraphs ------------------------------------------------------------------
# "customs" and "shelters" appear in no example: only the unlabeled paragraphs, beside words the examples
# taught, can tie them to a topic.
UNLABELED = ([f"Coffee exports and flowers paid customs at the ports, note {i}." for i in range(8)]
             + [f"Migrants seeking asylum slept in shelters near the border, note {i}." for i in range(8)])


def test_self_training_learns_the_words_unlabeled_paragraphs_bring():
    records = [{"text": t, "topics": ["econ"]} for t in TRADE] + [{"text": t, "topics": ["people"]} for t in PEOPLE]
    plain = topicslib.train(records, min_df=1, folds=3)
    model = topicslib.train(records, unlabeled=UNLABELED + [TRADE[0]], min_df=1, folds=3)
    assert plain.classify("Customs.") == [] and [t for t, _ in model.classify("Customs.")] == ["econ"]
    shelters = "They slept in shelters."
    assert [t for t, _ in model.classify(shelters)] == ["people"]
    assert model.predict_proba([shelters])[0, 1] > plain.predict_proba([shelters])[0, 1] + 0.1
    # a paragraph that repeats an example is not judged; the card keeps the examples' own figures
    assert model.card_["self_training"] == {"unlabeled": 16, "pseudo_labeled": 16, "sure": 0.5}
    assert model.card_["n_examples"] == 20 and model.oof_proba_.shape == (20, 2)
    assert "self_training" not in plain.card_
    # those of the model of the examples alone: the pseudo-labels, made by it, carry the examples' own labels into
    # the folds that leave them out, so the self-trained model's out-of-fold figures flattered it
    card, plain_card = model.card_["cross_validation"], plain.card_["cross_validation"]
    assert card["micro"] == plain_card["micro"] and card["topics"] == plain_card["topics"]
    assert np.array_equal(model.oof_proba_, plain.oof_proba_) and card["note"].endswith("alone, before self-training")


def test_self_training_leaves_out_what_the_first_model_is_unsure_of():
    # multi-label (some paragraphs have no topic): a paragraph the model gives no topic is not learned from
    records = ([{"text": t, "topics": ["econ"]} for t in TRADE] + [{"text": t, "topics": ["people"]} for t in PEOPLE]
               + [{"text": f"The weather was mild and sunny on day {i}.", "topics": []} for i in range(10)])
    model = topicslib.train(records, unlabeled=["Sunny and mild weather.", "Mild weather, sunny skies."], min_df=1, folds=3)
    assert model.multi_label_ and model.card_["self_training"] == {"unlabeled": 2, "pseudo_labeled": 0, "sure": 0.5}
    again = topicslib.train(records, min_df=1, folds=3)
    assert np.array_equal(model.coef_, again.coef_)  # nothing sure: the model of the examples alone


def test_train_on_the_command_line_self_trains_on_an_unlabeled_corpus(tmp_path):
    examples = tmp_path / "ex.jsonl"
    examples.write_text("".join(json.dumps(r) + "\n" for r in _records()), encoding="utf-8")
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join(json.dumps({"text": t}) + "\n" for t in UNLABELED), encoding="utf-8")
    out = tmp_path / "m.npz"
    r = run("train", str(examples), "-o", str(out), "--unlabeled", str(corpus), "--options", '{"min_df": 1, "folds": 3}')
    assert r.returncode == 0, r.stderr
    assert "self-trained on 16 of 16 unlabeled paragraphs" in r.stdout
    model = topicslib.load_model(out)
    assert [t for t, _ in model.classify("Customs.")] == ["econ"]
    # the library reads a file of them the same way
    from_file = topicslib.train(examples, unlabeled=corpus, min_df=1, folds=3)
    assert np.array_equal(from_file.coef_, model.coef_) and from_file.card_["self_training"]["pseudo_labeled"] == 16
    r = run("train", str(examples), "-o", str(out), "--unlabeled", str(tmp_path / "missing.txt"))
    assert r.returncode != 0 and "missing.txt" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize("corpus", [[], ["", "  \n "]])
def test_bootstrap_on_an_empty_corpus_says_so_not_that_no_seed_matched(tmp_path, corpus):
    """An empty corpus (an empty file on the command line) was told "no paragraph of the corpus holds a seed term;
    add seeds the corpus uses", sending its user to rewrite a taxonomy that was fine (QA pass 6)."""
    tax = tmp_path / "t.toml"
    tax.write_text(SEEDED, encoding="utf-8")
    with pytest.raises(topicslib.TrainingError, match="the corpus holds no paragraph to find the seeds in") as e:
        topicslib.bootstrap(corpus, taxonomy=tax)
    assert "add seeds" not in str(e.value)
    (tmp_path / "empty.jsonl").write_text("", encoding="utf-8")
    r = run("bootstrap", str(tmp_path / "empty.jsonl"), "--taxonomy", str(tax), "-o", str(tmp_path / "m.npz"))
    assert r.returncode == 1 and "the corpus holds no paragraph to find the seeds in" in r.stderr, r.stderr
    assert not (tmp_path / "m.npz").exists()


def test_suggest_never_writes_its_picks_over_the_examples_it_was_given(tmp_path):
    """`suggest corpus --examples mine.jsonl -o mine.jsonl` replaced the labels with the picks, and so did an -o naming
    a file of an --examples folder: hand labels lost (QA pass 6). Either is refused before any work."""
    src = tmp_path / "corpus.jsonl"
    src.write_text("".join(json.dumps({"text": r["text"]}) + "\n" for r in TINY), encoding="utf-8")
    labels = tmp_path / "labels"
    labels.mkdir()
    mine = labels / "mine.jsonl"
    mine.write_text(json.dumps({"text": TINY[0]["text"], "topics": TINY[0]["topics"]}) + "\n", encoding="utf-8")
    before = mine.read_bytes()
    for examples in (mine, labels):
        r = run("suggest", str(src), "-n", "3", "--examples", str(examples), "-o", str(mine))
        assert r.returncode == 1 and f"{mine}: is also an input ({mine})" in r.stderr, r.stderr
        assert mine.read_bytes() == before
    # a new file in the examples' folder is no input
    r = run("suggest", str(src), "-n", "3", "--examples", str(labels), "-o", str(labels / "next.jsonl"))
    assert r.returncode == 0 and len((labels / "next.jsonl").read_text(encoding="utf-8").splitlines()) == 3, r.stderr


def test_suggest_with_nothing_to_pick_says_why_on_stderr(tmp_path):
    """An empty corpus, or one every paragraph of which is labeled, gave an empty output and exit 0, unsaid: it read
    as suggest having failed, or found nothing worth labeling (QA pass 6)."""
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    r = run("suggest", str(empty), "-n", "3")
    assert (r.returncode, r.stdout) == (0, "") and r.stderr == "topicslib: note: nothing to suggest: the corpus holds no paragraph\n"
    src = tmp_path / "corpus.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in TINY[:3]), encoding="utf-8")
    r = run("suggest", str(src), "-n", "3", "--examples", str(src))
    assert (r.returncode, r.stdout) == (0, "") and "nothing to suggest: every paragraph of the corpus is labeled" in r.stderr
    assert run("suggest", str(src), "-n", "0").stderr == ""  # none asked for: nothing to explain


@pytest.mark.parametrize("command", ["suggest", "bootstrap"])
def test_texts_of_several_paragraphs_taken_whole_are_warned_of_naming_document(tmp_path, command):
    """A folder of .txt articles without --document was ten "paragraphs" to bootstrap, each pseudo-labeled with nearly
    every topic, unsaid (QA pass 6): a warning says how many texts hold several paragraphs, where the first is,
    and that --document takes them apart."""
    corpus = tmp_path / "articles"
    corpus.mkdir()
    for k in range(2):
        (corpus / f"a{k}.txt").write_text("\n\n".join(r["text"] for r in TINY[k::2]), encoding="utf-8")
    (corpus / "one.jsonl").write_text(json.dumps({"text": "Migrants crossed the border."}) + "\n", encoding="utf-8")
    tax = tmp_path / "t.toml"
    tax.write_text(SEEDED, encoding="utf-8")
    out = ["-o", str(tmp_path / "m.npz"), "--taxonomy", str(tax), "--options", '{"min_df": 1, "folds": 2}'] \
        if command == "bootstrap" else ["-n", "1"]
    r = run(command, str(corpus), *out)
    said = (f"topicslib: warning: 2 of the 3 texts hold several paragraphs (a blank line between them; the first at "
            f"{corpus / 'a0.txt'}), each taken whole as one paragraph: --document takes their paragraphs one by one")
    assert said in r.stderr.splitlines(), r.stderr
    r = run(command, str(corpus), "--document", *out)
    assert "several paragraphs" not in r.stderr


def test_bootstrap_warns_of_seeds_with_words_the_model_does_not_read(tmp_path, caplog):
    """"U.S. sanctions" was matched as every "sanctions", and "U.S." as nothing (listed among the seeds that matched no
    paragraph, with no word of why): words of one letter are not read (QA pass 6)."""
    tax = Taxonomy((Topic("econ", seeds=("U.S. sanctions", "tariffs")), Topic("people", seeds=("migrants", "U.S."))))
    texts = [f"Tariffs on coffee {i}." for i in range(6)] + [f"Migrants crossed {i}." for i in range(6)] + [
        "New sanctions on oil.", "U.S. officials met."]
    topicslib.bootstrap(texts, taxonomy=tax, min_df=1, folds=2, rounds=0)
    assert ("2 seeds with words the model does not read (letters one by one, as in \"U.S.\"; write \"US\"): 'U.S. "
            "sanctions' (econ) matches as 'sanctions', 'U.S.' (people) matches nothing") in caplog.text
    caplog.clear()
    topicslib.bootstrap(texts, taxonomy=Taxonomy((Topic("econ", seeds=("tariffs",)),
                                                  Topic("people", seeds=("migrants", "EE. UU.", "Franja y la Ruta")))),
                        min_df=1, folds=2)
    assert "does not read" not in caplog.text  # a lone letter ("y") is dropped from the paragraphs too: it matches


def test_suggest_excludes_the_examples_read_examples_gives_and_a_path_is_told_how(tmp_path, tiny_model):
    """`exclude=read_examples("mine.jsonl")` failed with "text 0 must be str, got Example", and `exclude="mine.jsonl"`
    was told only to give "a list of the labeled paragraphs" (QA pass 6)."""
    texts = [r["text"] for r in TINY]
    first = topicslib.suggest(tiny_model, texts, n=3)
    mine = tmp_path / "mine.jsonl"
    mine.write_text(json.dumps({"text": texts[first[0]], "topics": []}) + "\n", encoding="utf-8")
    examples = topicslib.read_examples(mine)
    assert topicslib.suggest(tiny_model, texts, n=3, exclude=examples) == topicslib.suggest(
        tiny_model, texts, n=3, exclude=[e.text for e in examples]) != first
    with pytest.raises(InputError, match=r"got a single text; give the labeled paragraphs, or the examples of a file: "
                                         r"exclude=read_examples\(path\)"):
        topicslib.suggest(tiny_model, texts, n=3, exclude=str(mine))
