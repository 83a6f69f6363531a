"""The public API on a small model: classify, classify_many, documents, explain, topics, evaluate, train."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest

import topicslib
from topicslib import InputError, TopicScore, TopicslibError, TrainingError, scoring

from .conftest import ENGINES, ROOT, TINY, on_engine


def test_train_without_taxonomy_uses_the_labels_found(tiny_model):
    assert tiny_model.classes_.tolist() == ["econ", "people"]
    assert [t.id for t in topicslib.topics(tiny_model)] == ["econ", "people"]


def test_classify_returns_sorted_topic_scores(tiny_model):
    result = topicslib.classify("Migrants and refugees crossed the border to seek asylum.", model=tiny_model)
    assert result and result[0].topic == "people"
    assert all(isinstance(t, TopicScore) and 0.0 <= t.score <= 1.0 for t in result)
    assert [t.score for t in result] == sorted((t.score for t in result), reverse=True)


def test_classify_applies_each_topics_threshold(tiny_model):
    proba = tiny_model.predict_proba(["Tariffs and exports rose with investment.", "Share this page | Print"])
    for row, got in zip(proba, topicslib.classify_many(["Tariffs and exports rose with investment.", "Share this page | Print"],
                                                       model=tiny_model)):
        expected = {t for t, p, thr in zip(tiny_model.classes_, row, tiny_model.thresholds_) if p >= thr}
        assert {t.topic for t in got} == expected


def test_classify_many_agrees_with_classify(tiny_model):
    texts = [e["text"] for e in TINY] + ["", "an unrelated sentence about cooking pasta"]
    many = topicslib.classify_many(texts, model=tiny_model)
    for text, batch in zip(texts, many):
        single = topicslib.classify(text, model=tiny_model)
        assert [t.topic for t in single] == [t.topic for t in batch]
        assert np.allclose([t.score for t in single], [t.score for t in batch])


def test_empty_and_navigation_text_get_no_topic(tiny_model, default_model):
    assert topicslib.classify("", model=tiny_model) == []
    assert topicslib.classify("   \n ", model=tiny_model) == []
    for text in ("Share this page | Print", "Home | Contact us | Subscribe", "Photo credit: Embassy staff"):
        assert topicslib.classify(text, model=default_model) == [], text


def test_predict_proba_shape_and_range(tiny_model):
    p = tiny_model.predict_proba(["exports", "asylum", ""])
    assert p.shape == (3, 2) and ((p >= 0) & (p <= 1)).all()
    assert tiny_model.predict(["exports"]).tolist() in ([[1, 0]], [[0, 0]], [[1, 1]])


def test_wrong_input_types_raise_input_error(tiny_model):
    with pytest.raises(InputError, match="got bytes"):
        topicslib.classify(b"bytes", model=tiny_model)
    with pytest.raises(InputError, match="got NoneType"):
        topicslib.classify(None, model=tiny_model)
    with pytest.raises(InputError, match="single text"):
        topicslib.classify_many("a string", model=tiny_model)
    with pytest.raises(InputError, match="got int"):
        topicslib.classify_many(["ok", 3], model=tiny_model)
    with pytest.raises(TypeError):
        topicslib.classify("x", model="not a model")


def test_classify_documents_scores_many_documents_in_one_call_as_one_by_one(tiny_model):
    texts = ["Migrants crossed the border.\n\nTariffs fell.", "", "Share this page", "Refugees found jobs.\n\n\n"]
    docs = tiny_model.classify_documents(iter(texts))
    assert [[p.text for p in d.paragraphs] for d in docs] == [["Migrants crossed the border.", "Tariffs fell."], [],
                                                               ["Share this page"], ["Refugees found jobs."]]
    assert [p.topics for d in docs for p in d.paragraphs] == tiny_model.classify_many(
        [p.text for d in docs for p in d.paragraphs])
    assert docs == [tiny_model.classify_document(t) for t in texts]
    with pytest.raises(topicslib.InputError):
        tiny_model.classify_documents(["fine", 5])


def test_classify_document_splits_paragraphs_and_aggregates(tiny_model):
    doc = topicslib.classify_document(
        "# Border news\n\nMigrants and refugees crossed the border\nto seek asylum.\n\n"
        "- Exports and investment grew.\n- Tariffs fell for small businesses.\nShare this page | Print",
        model=tiny_model,
    )
    assert [p.text for p in doc.paragraphs] == [
        "# Border news",
        "Migrants and refugees crossed the border to seek asylum.",
        "- Exports and investment grew.",
        "- Tariffs fell for small businesses.",
        "Share this page | Print",
    ]
    assert [p.index for p in doc.paragraphs] == [0, 1, 2, 3, 4]
    assert [p.topics for p in doc.paragraphs] == topicslib.classify_many([p.text for p in doc.paragraphs], model=tiny_model)
    counts = {d.topic: d.paragraphs for d in doc.topics}
    for d in doc.topics:
        tagged = [p for p in doc.paragraphs if d.topic in {t.topic for t in p.topics}]
        assert d.paragraphs == len(tagged) and math.isclose(d.share, len(tagged) / 5)
        assert d.score == max(s for p in tagged for t, s in p.topics if t == d.topic)
    assert counts.get("people", 0) >= 1 and counts.get("econ", 0) >= 1


def test_explain_contributions_add_up_to_the_log_odds(tiny_model):
    text = "Migrants and refugees found jobs and asylum at the border."
    logits = tiny_model.decision_function([text])[0]
    for topic in tiny_model.classes_:
        [ex] = topicslib.explain(text, topic=topic, model=tiny_model, top_n=1000)
        j = tiny_model.classes_.tolist().index(topic)
        assert math.isclose(ex.intercept + sum(c for _, c in ex.terms), logits[j], rel_tol=1e-6, abs_tol=1e-6)
        assert math.isclose(ex.score, tiny_model.predict_proba([text])[0, j], rel_tol=1e-9)
    top = topicslib.explain(text, topic="people", model=tiny_model, top_n=3)[0].terms
    assert len(top) == 3 and all(t.term in text.lower() for t in top)
    assert abs(top[0].contribution) >= abs(top[-1].contribution)


def test_explanations_and_suspects_print_their_numbers_to_two_decimals_as_topic_scores_do(tiny_model):
    """They printed every digit (score=0.999997876468245); the numbers themselves keep full precision."""
    text = "Migrants and refugees found jobs and asylum at the border."
    [ex] = topicslib.explain(text, topic="people", model=tiny_model, top_n=2)
    terms = ", ".join(f"TermContribution(term={t.term!r}, contribution={t.contribution:.2f})" for t in ex.terms)
    assert repr(ex) == (f"Explanation(topic='people', score={ex.score:.2f}, threshold={ex.threshold:.2f}, "
                        f"intercept={ex.intercept:.2f}, terms=[{terms}])")
    assert repr(ex.score) != f"{ex.score:.2f}" and len(ex.terms) == 2  # full precision kept, two terms shown
    top = topicslib.audit(TINY, min_df=1, folds=3)[0]
    assert repr(top) == (f"Suspect(index={top.index}, where={top.where!r}, text={top.text!r}, given={top.given!r}, "
                         f"suggested={top.suggested!r}, score={top.score:.2f}, copies=())")


def test_explain_defaults_to_predicted_topics_and_rejects_unknown(tiny_model):
    text = "Thousands of migrants sought asylum."
    assert [e.topic for e in topicslib.explain(text, model=tiny_model)] == [t.topic for t in topicslib.classify(text, model=tiny_model)]
    with pytest.raises(TopicslibError, match="unknown topic 'nope'"):
        topicslib.explain(text, topic="nope", model=tiny_model)


def test_explain_of_a_documents_paragraph_explains_the_text_its_topics_came_from():
    """classify_document scores a paragraph without its Markdown; explain(p.text) read the link's address as words
    (democracy 0.99 from ".../elections-fraud-vote", a topic p.topics does not have). explain(p) reads p as it was
    scored; a text is still explained as it is, as classify scores it."""
    text = "Migrants crossed into [Mexico](https://example.org/elections-fraud-vote) today."
    [p] = topicslib.classify_document(text).paragraphs
    assert [t.topic for t in p.topics] == ["migration"]
    explained = topicslib.explain(p, top_n=1000)
    assert [e.topic for e in explained] == ["migration"] and explained[0].score == p.topics[0].score
    assert not {"elections", "fraud", "vote", "https", "example"} & {w for e in explained for term, _ in e.terms
                                                                     for w in term.split()}
    assert explained == topicslib.explain("Migrants crossed into Mexico today.", top_n=1000)
    assert topicslib.default_model().explain(p, topic="democracy") == topicslib.explain(p, topic=["democracy"])
    as_text = topicslib.explain(text)
    assert [e.topic for e in as_text] == [t.topic for t in topicslib.classify(text)] == ["migration", "democracy"]


def test_explain_many_gives_what_explain_gives_one_by_one():
    model = topicslib.default_model()
    texts = ["Coca cultivation rose in Putumayo despite eradication.", "", "Share this page",
             "Los migrantes cruzaron la frontera y pidieron asilo.", "Tariffs on coffee and the peace talks stalled.",
             "The ministers met to discuss tariffs, migration and security. " * 30]
    assert model.explain_many(texts, top_n=5) == [model.explain(t, top_n=5) for t in texts]
    named = [["trade"], "narcotics", ["diplomacy", "trade"], [], ["security"], ["migration", "trade"]]
    assert model.explain_many(texts, topics=named) == [model.explain(t, topic=n) for t, n in zip(texts, named)]
    assert model.explain_many([]) == []


def test_explain_many_reads_many_texts_a_batch_at_a_time(monkeypatch):
    """explain_many analysed all its texts at once: 20,000 paragraphs held 265 MB (13 MB a thousand at a time).
    Now it reads them in the scorer's batches, with the explanations of one by one across the batches' seams."""
    model = topicslib.load_model(topicslib.default_model_path())
    texts = ["Coca cultivation rose in Putumayo.", "Tariffs on coffee fell.", "", "Los migrantes pidieron asilo.",
             "The ministers discussed tariffs, migration and security."] * 4
    named = [["trade"], "narcotics", [], ["migration", "trade"], "security"] * 4
    one_by_one = [model.explain(t, top_n=3) for t in texts], [model.explain(t, topic=n) for t, n in zip(texts, named)]
    monkeypatch.setattr(topicslib.scoring, "_BATCH_CHARS", 60)
    read = []
    analyse = topicslib.scoring.NumpyScorer.analyse
    monkeypatch.setattr(topicslib.scoring.NumpyScorer, "analyse", lambda self, ts: read.append(len(ts)) or analyse(self, ts))
    assert model.explain_many(texts, top_n=3) == one_by_one[0]
    assert model.explain_many(texts, topics=named) == one_by_one[1]
    assert sum(read) == 2 * len(texts) and max(read) <= 4  # a batch ends once it holds 60 characters


def test_explain_many_takes_the_topics_of_each_text_as_any_iterable():
    """A generator of topics failed on len() with Python's own TypeError; a string passed as 5 topic lists."""
    model = topicslib.default_model()
    texts = ["Coca crops grew.", "Tariffs rose."]
    assert (model.explain_many(iter(texts), topics=(t for t in ["trade", ["narcotics"]]))
            == [model.explain(texts[0], topic="trade"), model.explain(texts[1], topic="narcotics")])
    for topics, kind in (("trade", "str"), ({"trade": 1}, "dict"), (3, "int")):
        with pytest.raises(InputError, match=f"topics must be a list of each text's topics .*, got {kind}$"):
            model.explain_many(texts, topics=topics)


def test_explain_many_of_a_documents_paragraphs_explains_each_as_explain_does():
    """explain(p) read a Paragraph as classify_document scored it (stop 39); explain_many took strings only, so
    a document's paragraphs had to be given as plain_text(p.text), which is not public."""
    model = topicslib.default_model()
    linked = "Migrants crossed into [Mexico](https://example.org/elections-fraud-vote) today."
    doc = model.classify_document(f"# Coca crops\n\n{linked}\n\n- **Tariffs** on coffee fell.\n\nShare this page")
    mixed = [*doc.paragraphs, linked]
    explained = model.explain_many(mixed, top_n=1000)
    assert explained == [model.explain(p, top_n=1000) for p in mixed]
    assert [[e.topic for e in es] for es in explained[:-1]] == [[t for t, _ in p.topics] for p in doc.paragraphs]
    assert [e.topic for e in explained[1]] == ["migration"] and "democracy" in [e.topic for e in explained[-1]]
    assert not {"elections", "fraud", "https"} & {w for e in explained[1] for term, _ in e.terms for w in term.split()}
    trade = model.explain_many(doc.paragraphs, topics=[["trade"]] * 4)
    assert trade == [model.explain(p, topic="trade") for p in doc.paragraphs]
    with pytest.raises(topicslib.InputError, match="text 1 must be str, got NoneType"):
        model.explain_many([doc.paragraphs[0], None])
    with pytest.raises(topicslib.InputError, match="text 0 must be str, got int"):
        model.explain_many([topicslib.Paragraph(0, 5, [])])  # a Paragraph holding no text
    with pytest.raises(InputError, match="explain_many takes a list of texts, got a single text"):
        model.explain_many("Tariffs rose.")
    with pytest.raises(InputError, match="topics must name the topics of each text: 1 for 2 texts"):
        model.explain_many(["a", "b"], topics=[["trade"]])
    with pytest.raises(topicslib.TaxonomyError, match="unknown topic 'nope'"):
        model.explain_many(["a"], topics=[["nope"]])


def test_evaluate_reports_per_topic_and_averages(tiny_model):
    ev = tiny_model.evaluate(TINY)
    assert ev.n_examples == len(TINY)
    assert ev["people"].support == 7 and ev["econ"].support == 7
    f1s = [ev[t].f1 for t in ("econ", "people")]
    assert math.isclose(ev.macro.f1, sum(f1s) / 2)
    assert 0.8 <= ev.micro.f1 <= 1.0
    assert "micro avg" in ev.table() and set(ev.to_dict()["topics"]) == {"econ", "people"}


def test_evaluate_by_a_field_scores_each_value_apart_as_evaluating_it_alone(tiny_model):
    sites = ["a.org", "b.org", None]
    gold = [{**r, "site": sites[i % 3]} for i, r in enumerate(TINY)]
    ev = tiny_model.evaluate(gold, by="site")
    assert ev.by == "site" and list(ev.groups) == ["a.org", "b.org", "(none)"]  # no value: its own group, last
    assert sum(g.n_examples for g in ev.groups.values()) == ev.n_examples == len(TINY)
    for value, site in [("a.org", "a.org"), ("b.org", "b.org"), ("(none)", None)]:
        alone = tiny_model.evaluate([r for r in gold if r["site"] == site])
        assert ev.groups[value].micro == alone.micro and ev.groups[value].macro == alone.macro
    assert ev.micro == tiny_model.evaluate(TINY).micro  # the whole set scores as before
    assert "by site  examples  micro P" in ev.table() and set(ev.to_dict()["groups"]) == set(ev.groups)


def test_evaluate_lists_the_mistakes_most_confident_first_and_they_add_up_to_the_errors(tiny_model):
    gold = [*TINY, {"text": "Refugees crossed the border seeking asylum.", "topics": ["econ"]},
            {"text": "Rye harvests fell in the north.", "topics": ["rye"]}]
    ev = tiny_model.evaluate(gold, mistakes=True)
    assert tiny_model.evaluate(gold).mistakes is None  # only when asked for
    scores = [m.score for m in ev.mistakes]
    assert scores == sorted(scores, reverse=True) and all(0 <= x <= 1 for x in scores)
    for topic in ("econ", "people", "rye"):  # each missed topic is a false negative, each extra one a false positive
        t = ev[topic]
        fn = round(t.support - t.recall * t.support)
        fp = round(t.recall * t.support / t.precision - t.recall * t.support) if t.precision else 0
        assert sum(topic in m.missed for m in ev.mistakes) == fn
        assert sum(topic in m.extra for m in ev.mistakes) == fp
    wrong = next(m for m in ev.mistakes if m.text.startswith("Refugees"))
    assert wrong.gold == ("econ",) and wrong.missed == ("econ",) and "people" in wrong.extra
    assert wrong.where == f"example {len(TINY)}" and wrong.index == len(TINY)  # its position, as its index
    rye = next(m for m in ev.mistakes if m.gold == ("rye",))
    assert rye.missed == ("rye",) and rye.score == 1.0  # a topic the model lacks: probability 0
    assert ev.to_dict()["mistakes"][0]["where"] == ev.mistakes[0].where


def test_evaluate_by_lang_detects_the_language_of_examples_without_one(tmp_path):
    rows = [("Tariffs on coffee exports fell.", "trade", "en"), ("Migrants crossed the border.", "migration", ""),
            ("Los aranceles al café bajaron.", "trade", "")]
    csv = tmp_path / "gold.csv"
    csv.write_text("text,topics,lang\n" + "".join(f'"{t}",{k},{lang}\n' for t, k, lang in rows), encoding="utf-8")
    ev = topicslib.default_model().evaluate(csv, by="lang")
    assert {v: g.n_examples for v, g in ev.groups.items()} == {"en": 2, "es": 1}  # a CSV column too


def test_a_gold_topic_the_model_lacks_counts_as_missed_not_as_an_error(tiny_model):
    # Reuters' test split holds topics its train split has too few examples of: the model leaves them out.
    gold = [*TINY, {"text": "Rye harvests fell in the north.", "topics": ["rye"]},
            {"text": "Rye and coffee exports rose.", "topics": ["econ", "rye"]}]
    ev, known = tiny_model.evaluate(gold), tiny_model.evaluate(TINY)
    assert ev.unknown == ("rye",) and ev["rye"].support == 2 and ev["rye"].f1 == 0.0
    assert ev.micro.support == known.micro.support + 3
    assert ev.macro.f1 == pytest.approx((ev["econ"].f1 + ev["people"].f1 + 0.0) / 3)
    assert "not in the model (each of their labels is a miss): rye" in ev.table()
    assert ev.to_dict()["not_in_model"] == ["rye"]


def test_averages_over_gold_labels_without_any_topic_are_undefined_not_zero(tiny_model):
    # a model right everywhere (it tags none of these) used to get macro and micro F1 0.000
    none = [r for r in TINY if not r["topics"]]
    ev = tiny_model.evaluate(none)
    assert ev.macro.precision is ev.macro.recall is ev.macro.f1 is None
    assert ev.micro.precision is ev.micro.recall is ev.micro.f1 is None and ev.micro.support == 0
    table = ev.table().splitlines()
    assert [line.split() for line in table if line.startswith(("micro avg", "macro avg"))] == \
        [["micro", "avg", "-", "-", "-", "0"], ["macro", "avg", "-", "-", "-", "0"]]
    assert "no example's gold labels hold a topic" in ev.table()
    assert ev.to_dict()["macro"] == {"precision": None, "recall": None, "f1": None, "support": 0}
    # a tag given where no topic is is wrong: micro precision and F1 are 0 then, recall and macro still undefined
    wrong = tiny_model.evaluate([{"text": "Migrants crossed the border seeking asylum.", "topics": []}])
    assert (wrong.micro.precision, wrong.micro.recall, wrong.micro.f1, wrong.macro.f1) == (0.0, None, 0.0, None)
    # by groups: the group without a gold topic shows "-", the others their figures
    ev = tiny_model.evaluate([{**r, "part": "labels" if r["topics"] else "none"} for r in TINY], by="part")
    assert ev.groups["none"].macro.f1 is None and ev.groups["labels"].macro.f1 == pytest.approx(ev.macro.f1)
    assert ev.groups_table().splitlines()[2].split() == ["none", "3", "-", "-", "-", "-"]
    assert ev.compared(tiny_model.evaluate(none)).splitlines()[-1].split() == ["macro", "avg", f"{ev.macro.f1:.3f}",
                                                                                "-", "-"]


def test_training_is_deterministic(tmp_path, tiny_model):
    a = topicslib.train(TINY, min_df=1, folds=3).save(tmp_path / "a.npz")
    b = topicslib.train(TINY, min_df=1, folds=3).save(tmp_path / "b.npz")
    assert a.read_bytes() == b.read_bytes()
    assert (tmp_path / "a.card.json").read_text() == (tmp_path / "b.card.json").read_text()


def test_calibration_does_not_depend_on_the_machines_blas_threads():
    # OpenBLAS splits a dot product of more than 10,000 values between its threads, so a sum through BLAS
    # would give other last bits (and another model file) on a machine with another number of cores.
    import subprocess
    import sys

    code = ("import numpy as np; from topicslib.training import platt; r = np.random.default_rng(0); "
            "s = np.clip(r.normal(-1, 0.7, 30000), -3, None); print(platt(s, (s + r.normal(0, 0.5, 30000) > 0) * 1))")
    runs = {threads: subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                                    env={**os.environ, "OPENBLAS_NUM_THREADS": threads}).stdout for threads in ("1", "2")}
    assert runs["1"] == runs["2"] != ""


def test_save_and_load_give_identical_predictions(tmp_path, tiny_model):
    path = tiny_model.save(tmp_path / "m.npz")
    loaded = topicslib.load_model(path)
    texts = [e["text"] for e in TINY]
    assert np.array_equal(loaded.predict_proba(texts), tiny_model.predict_proba(texts))
    assert loaded.get_params() == tiny_model.get_params()
    assert loaded.card_["examples_sha256"] == tiny_model.card_["examples_sha256"]


def test_single_label_examples_give_a_single_label_model():
    records = [r for r in TINY if len(r["topics"]) == 1]
    model = topicslib.train(records, min_df=1, folds=3)
    assert not model.multi_label_
    p = model.predict_proba(["exports rose", "asylum seekers"])
    assert np.allclose(p.sum(1), 1.0)
    assert all(len(r) == 1 for r in model.classify_many(["exports rose", "asylum seekers"]))


def test_a_single_label_data_set_stays_single_label_when_a_rare_topic_is_left_out(caplog):
    """A codebook with one example of a rare code: that code is left out, and its example, now of no topic, once
    made the whole model multi-label (thresholds instead of the most probable topic), with no word of it."""
    records = [r for r in TINY if len(r["topics"]) == 1] + [{"text": "Coca crops spread in the valley.", "topics": ["drugs"]}]
    model = topicslib.train(records, min_df=1, folds=3)
    assert model.card_["left_out"] == {"drugs": 1}
    assert not model.multi_label_ and model.card_["multi_label"] is False
    assert all(len(r) == 1 for r in model.classify_many(["exports rose", "asylum seekers"]))
    # but with one topic left to train, a model must be able to say no
    one = topicslib.train([r for r in records if r["topics"] != ["people"]], min_df=1, folds=3)
    assert one.classes_.tolist() == ["econ"] and one.multi_label_


def test_a_single_label_models_evaluation_shows_no_thresholds_that_decide_nothing(tiny_model):
    """A single-label model gives the most probable topic; its evaluation listed a threshold of 0.000 a topic."""
    records = [r for r in TINY if len(r["topics"]) == 1]
    single = topicslib.train(records, min_df=1, folds=3)
    assert all(s.threshold is None for s in single.evaluate(records).topics)
    assert "threshold" not in single.evaluate(records).table().splitlines()[0]
    assert all(s.threshold is not None for s in tiny_model.evaluate(records).topics)  # multi-label: they decide


def test_a_single_label_models_explanation_has_no_threshold_that_decides_nothing(tmp_path):
    """explain said "(threshold 0.000)" of a single-label model's topic, which reads as every topic being given;
    such a model gives the most probable topic. Its explanations' threshold is None, in Python, JSON and the text."""
    records = [r for r in TINY if len(r["topics"]) == 1]
    single = topicslib.train(records, min_df=1, folds=3)
    path = tmp_path / "single.npz"
    single.save(path)
    text = records[0]["text"]
    [e] = single.explain(text)
    assert e.threshold is None and e.topic == single.classify(text)[0].topic and "threshold=None" in repr(e)
    run = [sys.executable, "-m", "topicslib", "explain", text, "--model", str(path)]
    shown = subprocess.run(run, capture_output=True, text=True, cwd=ROOT, timeout=120).stdout
    assert shown.splitlines()[0] == f"{e.topic}  score {e.score:.3f} (the most probable topic)"
    as_json = json.loads(subprocess.run([*run, "--json"], capture_output=True, text=True, cwd=ROOT, timeout=120).stdout)
    assert as_json[0]["threshold"] is None
    multi = topicslib.train(TINY, min_df=1, folds=3)
    assert all(e.threshold is not None for e in multi.explain(text))


def test_a_single_label_models_card_lists_no_thresholds_and_the_commands_read_it(tmp_path):
    """A single-label model's card listed a threshold of 0.0 a topic (top level and in its cross-validation), which
    reads as every topic being given; its file keeps the zeros it scores with. The card says single-label, thresholds
    null, and the model loads, evaluates, explains and lists its topics from the file as before."""
    records = [r for r in TINY if len(r["topics"]) == 1]
    single = topicslib.train(records, min_df=1, folds=3)
    path = single.save(tmp_path / "single.npz")
    card = json.loads((tmp_path / "single.card.json").read_text(encoding="utf-8"))
    assert card["multi_label"] is False and card["thresholds"] is None
    assert all(t["threshold"] is None for t in card["cross_validation"]["topics"].values())
    loaded = topicslib.load_model(path)
    assert loaded.card() == single.card() and not loaded.multi_label_
    texts = [r["text"] for r in records]
    assert [r[0].topic for r in loaded.classify_many(texts)] == [r[0].topic for r in single.classify_many(texts)]
    examples = tmp_path / "ex.jsonl"
    examples.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    for command in (["evaluate", str(examples)], ["explain", texts[0]], ["topics"]):
        r = subprocess.run([sys.executable, "-m", "topicslib", *command, "--model", str(path)], capture_output=True,
                           text=True, cwd=ROOT, timeout=120)
        assert r.returncode == 0 and r.stdout and "threshold 0" not in r.stdout, (command, r.stderr)
    multi = topicslib.train(TINY, min_df=1, folds=3)  # multi-label: its thresholds decide, and the card lists them
    assert multi.card()["thresholds"] == dict(zip(multi.classes_, multi.thresholds_.tolist()))
    assert all(t["threshold"] is not None for t in multi.card()["cross_validation"]["topics"].values())


def test_fit_reads_a_taxonomy_file_and_refuses_a_topic_it_lacks(tmp_path):
    """fit(taxonomy=PATH) was an AttributeError from inside, and a topic the taxonomy lacks was dropped unsaid,
    where train (a file, or records) refuses it."""
    texts, topics = [r["text"] for r in TINY], [r["topics"] for r in TINY]
    path = tmp_path / "t.toml"
    path.write_text('[[topic]]\nid = "econ"\nname = "Economy"\n[[topic]]\nid = "people"\nname = "People"\n',
                    encoding="utf-8")
    model = topicslib.TopicModel(min_df=1, folds=3).fit(texts, topics, taxonomy=str(path))
    assert [t.name for t in model.topics()] == ["Economy", "People"]
    position = next(i for i, ts in enumerate(topics) if "people" in ts)
    n_people = sum("people" in ts for ts in topics)
    with pytest.raises(topicslib.ExampleError, match=rf"^example {position}: unknown topic 'people' \({n_people} examples, first here\); "
                                                       "the taxonomy has econ$"):
        topicslib.TopicModel(min_df=1, folds=3).fit(texts, topics, taxonomy=topicslib.Taxonomy.from_ids(["econ"]))


def test_copies_coded_differently_do_not_make_a_single_label_data_set_multi_label():
    """Two coders gave one paragraph two codes: the copies merge into an example of both, which made the whole
    model multi-label (CAP bills: 2 such copies in 4,449 cost 2 points of cross-validated micro-F1)."""
    records = [r for r in TINY if len(r["topics"]) == 1]
    copy = {"text": records[0]["text"].upper(), "topics": ["people" if records[0]["topics"] == ["econ"] else "econ"]}
    model = topicslib.train(records + [copy], min_df=1, folds=3)
    assert model.card_["duplicates"]["conflicting"] == 1 and not model.multi_label_
    assert topicslib.cross_validate(records + [copy], folds=3, min_df=1).micro.support == len(records) + 1
    # a copy given several topics itself says the data is multi-label
    assert topicslib.train(records + [{**copy, "topics": ["econ", "people"]}], min_df=1, folds=3).multi_label_


def test_model_selection_of_scikit_learn_scores_a_model_by_its_micro_f1():
    """GridSearchCV and cross_val_score call the estimator's score when no scoring is named: without one they
    refused the model, and with scoring="f1_micro" every fold scored NaN (predict's 0/1 columns are no labels)."""
    from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    records = [r for r in TINY if len(r["topics"]) == 1]
    texts, labels = [r["text"] for r in records], [r["topics"][0] for r in records]
    halves = KFold(2, shuffle=True, random_state=0)  # TINY lists a topic's examples together
    model = topicslib.TopicModel(min_df=1, folds=2).fit(texts, labels)
    assert model.score(texts, labels) == model.evaluate(records).micro.f1
    assert model.score(texts[:2], [["people"], ["people"]]) == model.evaluate(
        [{"text": t, "topics": ["people"]} for t in texts[:2]]).micro.f1
    search = GridSearchCV(topicslib.TopicModel(min_df=1, folds=2), {"C": [0.1, 1.0]}, cv=halves).fit(texts, labels)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all() and search.best_estimator_.C in (0.1, 1.0)
    folds = cross_val_score(make_pipeline(FunctionTransformer(lambda xs: [x.lower() for x in xs]),
                                          topicslib.TopicModel(min_df=1, folds=2)), texts, labels, cv=halves)
    assert len(folds) == 2 and all(0.0 <= f <= 1.0 for f in folds)


def test_an_unknown_parameter_is_the_librarys_option_error_and_still_a_value_error():
    """set_params raised a bare ValueError, outside topicslib's hierarchy; scikit-learn's handlers catch ValueError."""
    from sklearn.base import clone

    for set_bad in (lambda: topicslib.TopicModel().set_params(Cee=1.0),
                    lambda: clone(topicslib.TopicModel()).set_params(bogus=1)):
        with pytest.raises(topicslib.OptionError, match="option 'Cee': no such parameter of TopicModel; the parameters "
                           "are C, char_ngrams, |option 'bogus'") as e:
            set_bad()
        assert isinstance(e.value, ValueError)


def test_untrained_model_says_so():
    with pytest.raises(TopicslibError, match="not trained yet"):
        topicslib.TopicModel().classify("x")


def test_cross_validate_scores_every_example_once():
    ev = topicslib.cross_validate(TINY, folds=3, min_df=1)
    assert ev.n_examples == len(TINY)
    assert ev["econ"].support == 7 and ev["people"].support == 7
    assert 0.0 <= ev.macro.f1 <= 1.0


def test_cross_validate_scores_a_topic_too_rare_for_the_folds_as_missed_and_says_so(caplog):
    """A topic the folds cannot train is left out as train leaves it out, with a warning, and its gold labels
    still count, as misses (as evaluate counts a topic the model lacks): the estimate is not of the easy topics."""
    records = TINY + [{"text": f"Coca crops spread in the valley, report {i}.", "topics": ["drugs"]} for i in range(2)]
    ev = topicslib.cross_validate(records, folds=3, min_df=1)
    assert ev.unknown == ("drugs",) and ev["drugs"].support == 2 and ev["drugs"].recall == 0.0
    assert ev.micro.support == 7 + 7 + 2 and ev.micro.recall < topicslib.cross_validate(TINY, folds=3, min_df=1).micro.recall
    assert "left out 1 topic with fewer than 3 examples (the number of folds): drugs (2)" in caplog.text


@pytest.mark.parametrize("call", [topicslib.train, topicslib.cross_validate, topicslib.audit])
def test_examples_without_a_topic_are_said_to_be_unlabeled(call):
    """Not "a taxonomy needs at least one topic": the user gave no taxonomy; the examples carry no label."""
    with pytest.raises(TrainingError, match="no example carries a topic; label some"):
        call([{"text": "Share this page", "topics": []}, {"text": "Print", "topics": []}])


def test_more_jobs_than_blocks_of_topics_train_the_same_model_without_the_threads(monkeypatch):
    """n_jobs beyond the blocks of topics the solver fits would only start idle threads (5,000 took a 0.2 s training
    to 26 s): as many as there are blocks run, and the model is the same."""
    from joblib import parallel
    asked = []
    real = parallel.Parallel.__init__
    monkeypatch.setattr(parallel.Parallel, "__init__", lambda self, *a, **k: asked.append(k.get("n_jobs")) or real(self, *a, **k))
    many = topicslib.train(TINY, min_df=1, folds=3, n_jobs=1000)
    assert asked == []  # two topics make one block: it runs in this thread
    assert np.array_equal(many.coef_, topicslib.train(TINY, min_df=1, folds=3).coef_)


def test_options_that_leave_no_feature_are_an_error_not_a_model_that_answers_nothing():
    with pytest.raises(TrainingError, match=r"no term is in at least 1000 of the 15 examples \(min_df\)"):
        topicslib.train(TINY, min_df=1000)


def test_cross_validate_names_a_topic_too_rare_for_the_folds():
    with pytest.raises(TrainingError, match="topic 'econ' has 7 examples; at least 8"):
        topicslib.cross_validate(TINY, folds=8, min_df=1, rare_topics="error")


def _cached_words(model) -> int:
    """How many words outside the vocabulary the engine scoring ``model`` keeps."""
    return model._scorer.cached()


@pytest.mark.parametrize("engine", ENGINES)
def test_a_pickled_model_leaves_its_word_caches_behind(engine):
    # Dask ships models to workers by pickling; the caches grow with use and are rebuilt on demand.
    import pickle

    model = on_engine(topicslib.load_model(topicslib.default_model_path()), engine)
    fresh = len(pickle.dumps(model))
    texts = [f"Word{i} migrants crossed the border near Cucuta{i}" for i in range(3000)]
    expected = model.predict_proba(texts)
    assert _cached_words(model) > 3000
    copy = pickle.loads(pickle.dumps(model))
    assert len(pickle.dumps(model)) == fresh
    if engine == "numpy":
        copy = on_engine(copy, "numpy")  # unpickling rebuilds the compiled scorer, where it is built
    assert _cached_words(copy) == 0
    assert not (isinstance(copy._scorer, scoring.NumpyScorer) and copy._scorer.word_scored.any())
    assert np.array_equal(copy.predict_proba(texts), expected)


def test_explain_several_topics_in_one_call_matches_one_by_one(tiny_model):
    text = "Migrants crossed the border as coca cultivation rose."
    ids = list(tiny_model.classes_)
    together = topicslib.explain(text, topic=ids, model=tiny_model, top_n=5)
    alone = [topicslib.explain(text, topic=t, model=tiny_model, top_n=5)[0] for t in ids]
    assert [e.topic for e in together] == ids and together == alone
    with pytest.raises(topicslib.TaxonomyError, match="unknown topic 'nope'"):
        topicslib.explain(text, topic=[ids[0], "nope"], model=tiny_model)


def test_navigation_lines_score_nothing_on_every_path(default_model):
    """A link to another story gets no topic whatever headline it carries (the guide's "Links to other
    articles"); the same line without its lead-in is the headline, scored as such."""
    headline = "Ecuador asks Washington for more help against cocaine smuggling in its ports"
    link = f"READ: {headline}"
    spanish = "(Lea también: Petro anuncia nuevos aranceles al café)"
    assert "narcotics" in [t for t, _ in default_model.classify(headline)]
    assert default_model.classify(link) == [] and default_model.classify_many([headline, link, spanish])[1:] == [[], []]
    proba = default_model.predict_proba([headline, link, spanish])
    assert proba[0].max() > 0.5 and not proba[1:].any() and not default_model.predict([link]).any()
    assert default_model.explain(link) == [] and default_model.classify_document(f"{headline}\n\n{link}").topics[0].paragraphs == 1


def test_an_office_named_alone_scores_nothing_but_the_same_name_in_a_sentence_counts(default_model):
    """Menus, sidebars and signature blocks name offices whose words are topic words ("Human Rights",
    "Antinarcóticos"); standing alone they get no topic, as the guide's names and navigation do."""
    names = ["Guatemala Human Rights Commission", "Oficina de Control de Drogas y Prevención del Delito (OCD)",
             "Ministerio de Salud y Protección Social", "Bureau of Population, Refugees, and Migration — U.S. Department of State"]
    sentences = ["The Guatemala Human Rights Commission documented killings of Indigenous leaders in Alta Verapaz.",
                 "La Oficina de Control de Drogas decomisó dos toneladas de cocaína en el puerto de Manta.",
                 "Department of State Announces Sanctions on Drug Traffickers"]
    proba = default_model.predict_proba(names + sentences)
    assert not proba[: len(names)].any() and all(default_model.classify(n) == [] for n in names)
    assert all(default_model.classify(s) for s in sentences) and proba[len(names):].max(axis=1).min() > 0.5
    assert default_model.explain(names[0]) == [] and default_model.classify_many(names) == [[]] * len(names)


def test_an_embedded_posts_attribution_and_a_bare_link_score_nothing(default_model):
    """Embedded posts end in an attribution line and pages hold wordless images and bare addresses: their words
    are a name's or an address's ("migrantes", "Justice Department"), not the page's topic."""
    lines = ["— Department of Justice (@TheJusticeDept) March 3, 2024", "— Cancillería de Colombia (@CancilleriaCol) 4 de marzo de 2025",
             "![](https://example.org/uploads/migrantes-venezolanos-frontera.jpg)", "https://example.org/sanciones-narcotrafico-venezuela"]
    assert not default_model.predict_proba(lines).any() and default_model.classify_many(lines) == [[]] * len(lines)
    # a post's own text, or a line that goes on after an address, is read as it is
    assert default_model.classify("Department of Justice charges cartel leaders with fentanyl trafficking (@TheJusticeDept)")
    assert default_model.classify("https://example.org/x shows coca cultivation at a record high in Colombia")


def test_every_example_the_navigation_rules_catch_is_labeled_with_no_topic():
    """The rules agree with the team's labels: no labeled paragraph with a topic is a navigation line."""
    from topicslib.navigation import navigation_rows

    examples = topicslib.read_examples(ROOT / "examples")
    caught = [examples[i] for i in navigation_rows([e.text for e in examples])]
    assert len(caught) >= 50 and [e.where for e in caught if e.topics] == []


def _f1_at(threshold: float, proba: np.ndarray, y: np.ndarray) -> float:
    chosen = proba >= threshold
    return 2 * (chosen & (y == 1)).sum() / (chosen.sum() + y.sum())


def test_a_topic_no_cut_separates_gets_the_declared_threshold_a_warning_and_a_card_entry_not_every_paragraph(caplog):
    # QA 4 item 5: on a user's first labels the F1-best cut of a topic on half of them was "accept everything"
    # (threshold 0.000756), and every paragraph got the topic. Here 'politics' is on every other paragraph,
    # whatever it says.
    texts = [f"tariffs and exports of {w}" for w in ("coffee", "steel", "grain", "cars", "wine", "copper", "sugar", "rice")]
    texts += [f"migrants and asylum seekers at the {w}" for w in ("border", "coast", "port", "camp", "river", "bridge",
                                                                  "station", "airport")]
    labels = [["trade"] if i < 8 else ["migration"] for i in range(16)]
    for i in range(0, 16, 2):
        labels[i] = labels[i] + ["politics"]
    with caplog.at_level("WARNING", logger="topicslib"):
        model = topicslib.TopicModel(min_df=1).fit(texts, labels)
    thresholds = dict(zip(model.classes_.tolist(), model.thresholds_.tolist()))
    assert thresholds["politics"] == 0.5
    assert 0.3 < thresholds["trade"] < 0.7  # the separated topics keep their F1 cut
    assert model.card()["unseparated"] == {"politics": {"cut": 0.000921, "negatives": 8}}
    assert "'politics'" in caplog.text and "all 8 examples without it, and so to every paragraph" in caplog.text
    assert "politics" not in [t.topic for t in model.classify("The weather was nice today.")]


def test_a_threshold_is_the_middle_of_the_near_best_cuts_not_the_edge_where_the_single_best_one_sits():
    from topicslib.training import best_threshold

    # 200 positives on top; then a band of 600 scored from 0.8 down to 0.2 where one in three is a
    # positive, which keeps F1 at about 2/3 all along it (highest at its top edge by a hair); then negatives
    band = np.linspace(0.8, 0.2, 600)
    proba = np.r_[np.linspace(0.95, 0.9, 200), band, np.linspace(0.1, 0.01, 2000)]
    y = np.r_[np.ones(200), np.tile([1, 0, 0], 200), np.zeros(2000)].astype(int)
    best = max(_f1_at(t, proba, y) for t in np.unique(proba))
    assert _f1_at(0.8, proba, y) == best  # the single best cut: the band's top edge
    threshold = best_threshold(proba, y)
    assert 0.4 < threshold < 0.6  # the middle of the band, which other folds would not move much
    assert best - _f1_at(threshold, proba, y) <= math.sqrt(best * (1 - best) / y.sum())
    # the same shape with 10 positives: too few for a band to mean anything, so the single best cut
    small = np.r_[np.linspace(0.95, 0.9, 5), np.linspace(0.8, 0.2, 15), np.linspace(0.1, 0.01, 100)]
    few = np.r_[np.ones(5), np.tile([1, 0, 0], 5), np.zeros(100)].astype(int)
    assert _f1_at(0.8, small, few) == max(_f1_at(t, small, few) for t in small)
    assert small[6] < best_threshold(small, few) < 0.8  # between the best cut and the next score


def test_leer_mas_is_a_link_to_another_story_as_lea_mas_is(default_model):
    """"Leer más:", Spanish news sites' "Read more:", gave its headline's topic (democracy 0.60) where "Lea más:" and
    "Read more:" give none."""
    headline = "Elecciones en Honduras: el tribunal electoral anuncia el conteo final de votos"
    assert "democracy" in [t for t, _ in default_model.classify(headline)]
    for lead in ("Leer más:", "LEER MÁS |", "Leer también:", "Lea más:"):
        assert default_model.classify(f"{lead} {headline}") == [], lead
    assert default_model.classify("Leer más libros ayuda a los estudiantes a votar informados en las elecciones") != []


def test_a_pages_list_of_its_tags_or_sections_is_navigation_as_the_examples_label_it(default_model):
    """A page's tag line ("Tags: Guatemala, Migration") got migration 0.76 from its words; the guide gives navigation
    text no topic and the examples label 40 such lines []. A sentence that starts with the same word keeps its topics."""
    for line in ("Tags: Guatemala, Migration, deportation flights", "Filed under: Cocaine · Ecuador · Ports",
                 "Temas: Migración · Deportaciones · Guatemala", "Keywords: tariffs, coffee exports, trade deal"):
        assert default_model.classify(line) == [], line
        assert default_model.classify_many([line]) == [[]], line
    assert default_model.classify("Topics of the talks included deportation flights and asylum claims.") != []
    assert default_model.classify("Temas como las deportaciones y el asilo dominaron la reunión.") != []


def test_each_heading_of_a_list_of_stories_is_a_lead_in_too_and_each_lead_in_a_heading_alone(default_model):
    """The words of a list's heading were written twice, in the lead-ins and in the list headings, and the two
    lists differed: "Most read: <headline>" or "Más noticias: <headline>" kept the headline's topic (the examples
    label such lines []), and "You might like" alone headed no list. One list of such headings now serves both:
    alone on its line a heading of the list under it, before a headline a lead-in."""
    from topicslib.documents import split_paragraphs
    from topicslib.navigation import is_list_heading

    headline = "Fiscalía allana la sede del tribunal electoral antes de la segunda vuelta"
    assert "democracy" in [t for t, _ in default_model.classify(headline)]
    for heading in ("Most read", "Trending now", "Más noticias", "Lo más leído", "Otras noticias", "Related stories",
                    "You might like", "Últimas noticias", "Articulos relacionados", "También le puede interesar"):
        assert is_list_heading(heading) and is_list_heading(heading + ":"), heading
        assert default_model.classify(f"{heading}: {headline}") == [], heading
        assert default_model.classify_many([f"{heading} | {headline}"]) == [[]], heading
        listed = f"{heading}\n{headline}\nEl Congreso aprueba la reforma electoral"
        assert split_paragraphs(listed) == [listed], heading
        assert default_model.classify_document(listed).paragraphs[0].topics == [], heading
    assert default_model.classify(f"Most read stories of the year were about {headline}") != []


def test_the_change_evaluate_against_prints_agrees_with_the_figures_it_prints_beside_it():
    """0.827 against 0.826 showed a change of +0.000 (the difference of the unrounded F1s, 0.0002)."""
    from dataclasses import replace

    from topicslib.evaluation import score
    base = score(np.array([[1, 0], [0, 1]]), np.array([[1, 0], [1, 1]]), ["x", "y"])

    def with_f1(x: float, y: float, micro: float) -> object:
        return replace(base, topics=(replace(base.topics[0], f1=x), replace(base.topics[1], f1=y)),
                       micro=replace(base.micro, f1=micro))
    table = with_f1(0.8266, 0.5, 0.70049).compared(with_f1(0.8264, 0.5004, 0.70051))
    rows = {" ".join(line.split()[:-3]): line.split()[-3:] for line in table.splitlines()[1:]}
    assert rows["x"] == ["0.827", "0.826", "+0.001"] and rows["y"] == ["0.500", "0.500", "+0.000"]
    assert rows["micro avg"] == ["0.700", "0.701", "-0.001"]
    for mine, theirs, change in rows.values():
        assert float(change) == pytest.approx(float(mine) - float(theirs))


def test_the_cards_count_of_examples_without_a_topic_counts_those_whose_topics_were_all_left_out():
    """An example whose only topic is left out as rare is trained on as one of no topic, but the card's
    n_without_topic counted only the examples given none."""
    given_none = sum(1 for r in TINY if not r["topics"])
    rare = [{"text": "Coca crops spread in the valley.", "topics": ["drugs"]},
            {"text": "Exports of coca paste rose.", "topics": ["econ", "coca"]}]  # keeps econ, a topic trained
    model = topicslib.train([*TINY, *rare], min_df=1, folds=3)
    assert model.card_["left_out"] == {"coca": 1, "drugs": 1}
    assert model.card_["n_without_topic"] == given_none + 1
    assert model.card_["n_without_topic_note"] == (
        f"{given_none + 1} examples of none of the topics trained, trained on as paragraphs of no topic: {given_none} "
        "given none, 1 whose every topic is left out (left_out)")
    plain = topicslib.train(TINY, min_df=1, folds=3)
    assert plain.card_["n_without_topic"] == given_none and "n_without_topic_note" not in plain.card_
