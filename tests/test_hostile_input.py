"""Hostile input: whatever text (or non-text) arrives, topicslib answers or raises its own clear error.

Covers the public text surface (classify, classify_many, classify_document,
explain) on wrong types and on strange but valid strings, property-based tests
over arbitrary text, memory on a 50 MB input, and the gaps tests/test_examples.py
leaves in hostile training data.
"""

from __future__ import annotations

import io
import json
import math
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import topicslib
from topicslib import (ExampleError, InputError, Taxonomy, TaxonomyError, Topic, TopicScore, TrainingError, features,
                       load_model)
from topicslib.documents import split_paragraphs
from topicslib.features import pieces, tokenize
from topicslib.report import render_report

from .conftest import PEAK_KIB, ROOT, TINY, needs_proc, on_engine
from .test_cli import run

SAMPLE = (ROOT / "docs" / "sample-document.md").read_text(encoding="utf-8")

NOT_TEXT = [None, b"Migrants crossed the border.", bytearray(b"x"), 42, 3.5, True, ["a list"], ("a", "tuple"),
            {"text": "a dict"}, object()]

STRANGE_TEXT = {
    "empty": "",
    "spaces": "   ",
    "whitespace": "\n\n\t\r\n  \x0b\x0c\x1c\x85\u2028\u2029\u00a0\u3000",
    "control": "\x00\x01\x02 migrants \x1b[31mcrossed\x1b[0m the border\x7f\x08",
    "nul_only": "\x00" * 1000,
    "lone_surrogates": "\ud800 Venezuelan migrants \udfff crossed \udc80 the border\ud83d",
    "arabic": "عبر المهاجرون الفنزويليون الحدود إلى كولومبيا",
    "hebrew": "מהגרים חצו את הגבול",
    "rtl_override": "\u202emigrants\u202c crossed \u200fthe\u200e border \u2067coca\u2069",
    "mixed_scripts": "Migrantes venezolanos 移民 мигранты cruzaron la frontera; Ελλάδα ΟΔΟΣ",
    "emoji": "🇨🇴🤝🇺🇸 Migrants 😀👨‍👩‍👧 crossed the border 🏳️‍🌈 coca 🌿",
    "html": "<p>Migrants <b>crossed</b> the border</p><script>alert('x')</script><!-- c -->&amp;&#x27;&nbsp;",
    "zalgo": "m̸̢̛i̴g̷r̶a̵n̷t̸s̴ " + "a" + "\u0301" * 5000,
    "nfkd_expanding": "\ufdfa" * 2000 + " ﬃ ㍿ ①②",
    "zero_width": "mi\u200bgrants cro\u200dssed\ufeff the bor\u2060der",
    "long_token": "x" * 1_000_000,
    "punctuation": "!?.,;:-—" * 20_000,
    "many_lines": "migrants crossed\n" * 20_000,
    "unicode_breaks": "Migrants crossed.\u2028Trade grew.\u2029Coca fell.\x1cTariffs rose.\x85Vaccines arrived.",
    "long_document": SAMPLE * 60,  # over features.PIECE characters: read in pieces
}


def well_formed(result: list, model: topicslib.TopicModel) -> None:
    """A classify result: TopicScores of known, distinct topics, scores in [0, 1], highest first."""
    assert isinstance(result, list) and all(isinstance(t, TopicScore) for t in result)
    topics = [t.topic for t in result]
    assert len(set(topics)) == len(topics) and set(topics) <= set(model.classes_)
    scores = [t.score for t in result]
    assert all(isinstance(s, float) and math.isfinite(s) and 0.0 <= s <= 1.0 for s in scores)
    assert scores == sorted(scores, reverse=True)


def same(a: list[TopicScore], b: list[TopicScore]) -> bool:
    return [t.topic for t in a] == [t.topic for t in b] and np.allclose([t.score for t in a], [t.score for t in b])


# -- wrong types ---------------------------------------------------------------------

@pytest.mark.parametrize("value", NOT_TEXT, ids=lambda v: type(v).__name__)
@pytest.mark.parametrize("call, which", [
    (lambda v, m: topicslib.classify(v, model=m), "text"),
    (lambda v, m: topicslib.classify_document(v, model=m), "text"),
    (lambda v, m: topicslib.explain(v, model=m), "text"),
    (lambda v, m: topicslib.classify_many([v], model=m), "text 0"),  # in a list: named by its position
    (lambda v, m: topicslib.classify_many(["fine", v], model=m), "text 1"),
], ids=["classify", "classify_document", "explain", "classify_many", "classify_many_second"])
def test_non_text_is_a_clear_type_error(default_model, call, which, value):
    with pytest.raises(InputError, match=f"^{which} must be str, got {type(value).__name__}") as err:
        call(value, default_model)
    assert isinstance(err.value, TypeError) and isinstance(err.value, topicslib.TopicslibError)
    if isinstance(value, (bytes, bytearray)):
        assert "decode it first" in str(err.value)


# A taxonomy to bootstrap from, and paragraphs its seeds find (or not).
SEEDED = Taxonomy((Topic("econ", seeds=("exports", "tariffs")), Topic("people", seeds=("migrants", "asylum"))))
ECON = [f"Exports of coffee rose and tariffs on steel fell, report {i}." for i in range(8)]
PEOPLE = [f"Migrants sought asylum at the border, report {i}." for i in range(8)]
WEATHER = [f"The weather was mild and dry, report {i}." for i in range(4)]

# The calls that take many texts, by the name their errors give; each checks its texts as classify_many does.
MANY_TEXTS = {
    "classify_many": lambda v, m: topicslib.classify_many(v, model=m),
    "predict_proba": lambda v, m: m.predict_proba(v),
    "predict": lambda v, m: m.predict(v),
    "decision_function": lambda v, m: m.decision_function(v),
    "classify_documents": lambda v, m: m.classify_documents(v),
    "explain_many": lambda v, m: m.explain_many(v),
    "suggest": lambda v, m: topicslib.suggest(m, v),
    "fit": lambda v, m: topicslib.TopicModel().fit(v, [["trade"]]),
    "bootstrap": lambda v, m: topicslib.bootstrap(v, taxonomy=SEEDED),
}


@pytest.mark.parametrize("call", MANY_TEXTS)
@pytest.mark.parametrize("value, message", [
    (None, "iterable of str, got NoneType"), (42, "iterable of str, got int"), (3.5, "iterable of str, got float"),
    ("one text", "{call} takes a list of texts, got a single text"),
    (b"one text", "{call} takes a list of texts, got a single text"), (object(), "iterable of str, got object"),
    (["fine", None], "text 1 must be str, got NoneType"), (("fine", 7), "text 1 must be str, got int"),
])
def test_calls_on_many_texts_need_an_iterable_of_texts(default_model, call, value, message):
    with pytest.raises(InputError, match=message.format(call=call)):
        MANY_TEXTS[call](value, default_model)


def test_positions_count_from_0_in_python_and_from_1_in_files_and_arguments_as_the_readme_says(tmp_path, default_model):
    """The README states the rule in one place, and the code counts so: a message about a list's item names its
    index, as Python's own do; lines, --text arguments and the report's documents are counted from 1."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    [rule] = [p for p in readme.split("\n\n") if p.startswith("**Positions**")]
    for shown in ("`text 3 must be str`", "`example 3: 'text' is empty`", "`record 3: …`", "`<text 1>` is the first",
                  "`[  0]`", "the header being line 1"):
        assert shown in rule
    with pytest.raises(InputError, match="^text 3 must be str"):
        topicslib.classify_many(["a", "b", "c", None], model=default_model)
    with pytest.raises(ExampleError, match="^example 3: 'text' is empty$"):
        topicslib.read_examples([*TINY[:3], {"text": " ", "topics": []}])
    dated = [{"text": "Tariffs fell.", "date": "2024-01-05"}] * 3
    with pytest.raises(topicslib.DataError, match="^record 3: "):
        topicslib.trends([*dated, {"text": "Coca.", "date": "2024-01-05", "topics": 5}], date="date", model=default_model)
    f = tmp_path / "a.csv"
    f.write_text("text,topics\nfine,trade\nok,trade\n   ,trade\n", encoding="utf-8")
    with pytest.raises(ExampleError, match=f"^{re.escape(str(f))}:4: 'text' is empty$"):  # the fourth line
        topicslib.read_examples(f)
    two = "Tariffs fell.\n\nMigrants crossed."
    assert [p.index for p in topicslib.classify_document(two, model=default_model).paragraphs] == [0, 1]
    r = run("classify", "--text", two, "--text", "Coca.", "--document", "--format", "table")
    assert r.returncode == 0 and re.findall(r"^(== <text \d>|\[  \d\])", r.stdout, re.M) == [
        "== <text 1>", "[  0]", "[  1]", "== <text 2>", "[  0]"], r.stdout


@pytest.mark.parametrize("engine", ["compiled", "numpy"])
@pytest.mark.parametrize("call", ["classify_many", "predict_proba", "fit"])
def test_a_text_that_is_no_str_is_named_by_its_position_in_the_list(default_model, engine, call):
    texts = ["Coca cultivation fell."] * 5000
    texts[3721] = None
    model = on_engine(default_model, engine)
    for given in (texts, tuple(texts), iter(texts)):  # the lean path (a list), and the checked one
        with pytest.raises(InputError, match="^text 3721 must be str, got NoneType$"):
            MANY_TEXTS[call](given, model)


class Frame:
    """A stand-in for a DataFrame (pandas need not be installed): it has columns and iterates as their names."""

    columns = ["text"]

    def __iter__(self):
        return iter(self.columns)


@pytest.mark.parametrize("call", MANY_TEXTS)
def test_calls_on_many_texts_refuse_a_dataframe_naming_the_column_to_give(default_model, call):
    with pytest.raises(InputError, match=f"^{call} takes a list of texts, got a Frame, which reads as its columns; "
                                         r"give one column, such as df\['text'\]$"):
        MANY_TEXTS[call](Frame(), default_model)  # not one text, "text"


@pytest.mark.parametrize("call", MANY_TEXTS)
def test_calls_on_many_texts_refuse_a_dict_of_texts_by_id(default_model, call):
    """A dict iterates as its keys: {"doc-1": "Tariffs rose."} was scored as the text "doc-1", unsaid."""
    with pytest.raises(InputError, match=f"^{call} takes a list of texts, got a dict, which reads as its keys; "
                                         r"give its values, such as list\(d.values\(\)\)$"):
        MANY_TEXTS[call]({"doc-1": "Tariffs on coffee fell."}, default_model)


@pytest.mark.parametrize("field", ["by", "text_field", "topics_field"])
@pytest.mark.parametrize("value", [["lang", "site"], 3], ids=["list", "int"])
def test_a_field_of_the_examples_is_named_by_one_string(default_model, field, value):
    """by=["lang", "site"] failed deep inside with "unhashable type: 'list'"; by=3 grouped every example under
    "(none)" after a warning about a field named 3."""
    records = [{"text": "Tariffs rose.", "topics": ["trade"], "lang": "en", "site": "a.com"}]
    message = "must name one field of the examples \\(a string\\), got "
    with pytest.raises(InputError, match=f"^{field} {message}"):
        topicslib.read_examples(records, **{field: value})
    with pytest.raises(InputError, match=f"^by {message}"):
        default_model.evaluate(records, by=value)


def test_a_missing_value_of_a_pandas_column_is_named_as_one(default_model):
    """A column with a gap gave "text 1 must be str, got float": NaN, pandas' missing value, was not named."""
    pd = pytest.importorskip("pandas")
    for column, shown in ((pd.Series(["Tariffs rose.", float("nan")]), "float nan"),
                          (pd.Series(["Tariffs rose.", None], dtype="string"), "NAType <NA>")):
        for call in (topicslib.classify_many, default_model.predict_proba, default_model.classify_documents):
            with pytest.raises(InputError, match=f"^text 1 must be str, got {shown}, a missing value; drop or fill"):
                call(column)
        assert len(topicslib.classify_many(column.dropna(), model=default_model)) == 1


def test_a_gap_in_a_dataframes_records_is_named_as_a_missing_value(default_model):
    """df.to_dict("records") gives NaN for an empty cell: its topics were told to map numbers to ids, its text was
    "no string, got float"; trends read a NaN text as an error where it reads null as a paragraph of no text."""
    pd = pytest.importorskip("pandas")
    df = pd.read_csv(io.StringIO("text,topics,date\nTariffs rose.,trade,2024-01-05\n,trade,2024-01-05\n"
                                 "Migrants crossed.,,2024-01-05\n"))
    records = df.to_dict("records")
    with pytest.raises(ExampleError, match="^example 0: 'text' must be a string, got float nan, a missing value$"):
        topicslib.read_examples(records[1:2])
    with pytest.raises(ExampleError, match=r"^example 0: 'topics' must be a list of topic ids, got nan, a missing value; "
                                           r"give \[\] for a paragraph of no topic$"):
        topicslib.read_examples(records[2:])
    untagged = [{k: v for k, v in r.items() if k != "topics"} for r in records]
    counts = {r.topic: r.paragraphs for r in topicslib.trends(untagged, date="date", model=default_model)}
    assert counts["trade"] == counts["migration"] == 1
    with pytest.raises(topicslib.DataError, match="^record 1: the 'text' field must be text, got int$"):
        topicslib.trends([untagged[0], {**untagged[0], "text": 3}], date="date", model=default_model)


def test_a_pandas_dataframe_is_refused_and_its_column_is_read(default_model):
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"text": ["Coca cultivation rose.", "Tariffs on coffee fell.", "Migrants crossed the border."],
                       "date": ["2024-01-05", "2024-02-01", "2024-02-09"]})
    for call in (topicslib.classify_many, default_model.predict_proba, default_model.classify_documents):
        with pytest.raises(InputError, match=r"got a DataFrame, which reads as its columns; give one column, such as "
                                             r"df\['text'\]"):
            call(df)
    with pytest.raises(InputError, match=r"^records must be an iterable of mappings \(such as dicts\), got a DataFrame; "
                                         r"give its rows as mappings, such as df.to_dict\('records'\)$"):
        topicslib.trends(df, date="date", model=default_model)
    assert [[t.topic for t in ts] for ts in topicslib.classify_many(df["text"], model=default_model)] == \
        [["narcotics"], ["trade"], ["migration"]]
    assert default_model.predict_proba(df["text"]).shape == (3, len(default_model.classes_))
    assert {(r.period, r.topic) for r in topicslib.trends(df.to_dict("records"), date="date", model=default_model)
            if r.paragraphs} == {("2024-01", "narcotics"), ("2024-02", "trade"), ("2024-02", "migration")}


def test_examples_given_as_a_dataframe_are_refused_naming_the_fix_as_trends_does(default_model):
    """A DataFrame read as a list gives its column names ("text", "topics"): each was called an example that is no
    record, "example 0: expected an object with 'text' and 'topics', got str", which did not say what to do."""
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame(TINY)
    fix = (r"^examples must be a path or an iterable of records, got a DataFrame; give its rows as mappings, such as "
           r"df.to_dict\('records'\)$")
    for call in (topicslib.train, topicslib.read_examples, default_model.evaluate):
        with pytest.raises(InputError, match=fix):
            call(df)
    assert [e.topics for e in topicslib.read_examples(df.to_dict("records"))] == [tuple(r["topics"]) for r in TINY]
    assert topicslib.train(df.to_dict("records"), min_df=1, folds=3).classes_.tolist() == sorted({t for r in TINY for t in r["topics"]})


@pytest.mark.parametrize("value, message", [(5, "iterable of str, got int"), (["fine", None], "text 1 must be str, got NoneType"),
                                            ([b"bytes"], "text 0 must be str, got bytes; decode it first")])
def test_unlabeled_paragraphs_are_checked_before_training(value, message):
    with pytest.raises(InputError, match=message):
        topicslib.train(TINY, min_df=1, unlabeled=value)


def test_explain_arguments_are_checked(default_model):
    text = "Coca cultivation fell in Putumayo."
    for bad in ("3", 2.5, -1, None):
        with pytest.raises(InputError, match="top_n must be a non-negative integer"):
            topicslib.explain(text, model=default_model, top_n=bad)
    with pytest.raises(TaxonomyError, match="unknown topic 'econ'; this model has migration, climate") as err:
        topicslib.explain(text, topic="econ", model=default_model)
    assert isinstance(err.value, ValueError)
    assert topicslib.explain(text, topic="narcotics", model=default_model, top_n=0)[0].terms == []


def test_a_single_text_gets_advice_where_there_is_a_call_for_one(default_model, tmp_path):
    with pytest.raises(InputError, match=r"got a single text; use classify_document\(text\)"):
        default_model.classify_documents("abc")  # not three one-letter documents
    with pytest.raises(InputError, match=r"^classify_many takes a list of texts, got a single text; use classify\(text\)$"):
        default_model.classify_many("abc")
    for call in ("predict_proba", "predict", "decision_function"):  # no call for one text: a list of one
        with pytest.raises(InputError, match=f"^{call} takes a list of texts, got a single text; give a list of one text$"):
            getattr(default_model, call)("abc")
    corpus = tmp_path / "corpus.txt"  # a file's path given for its paragraphs
    with pytest.raises(InputError, match="bootstrap takes a list of texts, got a single text; give the corpus as a list "
                                         "of paragraphs"):
        topicslib.bootstrap(str(corpus), taxonomy=SEEDED)


def test_bootstrap_needs_two_topics_found_and_names_the_others():
    with pytest.raises(TrainingError, match=r"^bootstrap needs at least two topics found in the corpus, and the seeds "
                                            r"found only 'econ' \(the seeds of 'people' matched no paragraph\)"):
        topicslib.bootstrap(ECON + WEATHER, taxonomy=SEEDED, min_df=1, folds=2)
    unseeded = Taxonomy((SEEDED.topics[0], Topic("people")))
    with pytest.raises(TrainingError, match=r"found only 'econ' \('people' has no seeds\)"):
        topicslib.bootstrap(ECON + PEOPLE, taxonomy=unseeded, min_df=1, folds=2)


def test_bootstrap_leaves_out_the_topics_its_seeds_did_not_find_saying_why(caplog):
    tax = Taxonomy((*SEEDED.topics, Topic("climate", seeds=("glaciers",)), Topic("energy"),
                    Topic("trade", seeds=("exports",))))  # on econ's paragraphs, whose two seeds weigh more
    with caplog.at_level("WARNING", logger="topicslib"):
        model = topicslib.bootstrap(ECON + PEOPLE + WEATHER, taxonomy=tax, min_df=1, folds=2)
    assert model.classes_.tolist() == ["econ", "people"]
    assert model.card_["left_out"] == {"climate": 0, "energy": 0, "trade": 0}
    assert ("left out 3 topics of the taxonomy: the seeds of 'climate' matched no paragraph; 'energy' has no seeds; "
            "the seeds of 'trade' matched only paragraphs where another topic's seeds weigh more") in caplog.text
    assert "min_examples" not in caplog.text  # an option the user never set


def test_bootstrap_counts_many_topics_left_out_by_reason_and_names_a_few(caplog):
    # A taxonomy of thousands of topics once gave a warning of 100 KB on one line, naming every one.
    extra = [Topic(f"none{i}") for i in range(40)] + [Topic(f"far{i}", seeds=("glaciers",)) for i in range(3)]
    with caplog.at_level("WARNING", logger="topicslib"):
        model = topicslib.bootstrap(ECON + PEOPLE + WEATHER, taxonomy=Taxonomy((*SEEDED.topics, *extra)), min_df=1,
                                    folds=2)
    assert len(model.card_["left_out"]) == 43  # the card still names every one
    [message] = [r.getMessage() for r in caplog.records if "left out" in r.getMessage()]
    assert message == ("left out 43 topics of the taxonomy: 40 with no seeds: 'none0', 'none1', 'none2', 'none3', "
                       "'none4' and 35 more; 3 whose seeds matched no paragraph: 'far0', 'far1', 'far2'; "
                       "the model card's left_out names them all")


def _bootstrap_command(folder: Path, taxonomy: str, texts: list[str]):
    """``topicslib bootstrap`` on ``texts`` with the taxonomy file ``taxonomy`` (TOML), writing folder/m.npz."""
    (folder / "t.toml").write_text(taxonomy, encoding="utf-8")
    corpus = folder / "corpus.jsonl"
    corpus.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts), encoding="utf-8")
    return run("bootstrap", str(corpus), "--taxonomy", str(folder / "t.toml"), "-o", str(folder / "m.npz"),
               "--options", '{"min_df": 1, "folds": 2}')


def test_bootstrap_on_the_command_line_names_the_topic_its_seeds_did_not_find(tmp_path):
    r = _bootstrap_command(tmp_path, '[[topic]]\nid = "econ"\nseeds = ["exports"]\n\n[[topic]]\nid = "people"\n'
                                     'seeds = ["migrants"]\n', ECON + WEATHER)
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert ("bootstrap needs at least two topics found in the corpus, and the seeds found only 'econ' (the seeds of "
            "'people' matched no paragraph)") in r.stderr
    assert not (tmp_path / "m.npz").exists()


def test_bootstrap_names_two_topics_whose_seeds_match_the_very_same_paragraphs(tmp_path):
    # 'exports' and 'tariffs' are in every ECON paragraph, once: as econ and trade's seeds they tie everywhere they
    # match, so both were on every pseudo-labeled paragraph, and training said "topic 'econ' is on every example"
    tax = Taxonomy((Topic("econ", seeds=("exports",)), Topic("trade", seeds=("tariffs",)),
                    Topic("people", seeds=("visas",))))
    with pytest.raises(TrainingError) as err:
        topicslib.bootstrap(ECON + WEATHER, taxonomy=tax, min_df=1, folds=2)
    assert str(err.value) == ("the seeds of 'econ' and 'trade' match the very same paragraphs, equally, and no other "
                              "topic's seeds label any: bootstrap has no paragraph to learn them against; give them seeds "
                              "that tell them apart, or give other topics seeds the corpus uses (and the seeds of "
                              "'people' matched no paragraph)")
    r = _bootstrap_command(tmp_path, '[[topic]]\nid = "econ"\nseeds = ["exports"]\n\n[[topic]]\nid = "trade"\n'
                                     'seeds = ["tariffs"]\n', ECON + WEATHER)
    assert r.returncode == 1 and "Traceback" not in r.stderr and "on every example" not in r.stderr, r.stderr
    assert "error: the seeds of 'econ' and 'trade' match the very same paragraphs, equally" in r.stderr
    # a topic whose seeds label other paragraphs too gives them something to be learned against: they train
    tax = Taxonomy((*tax.topics[:2], Topic("people", seeds=("migrants",))))
    model = topicslib.bootstrap(ECON + PEOPLE, taxonomy=tax, min_df=1, folds=2)
    assert model.classes_.tolist() == ["econ", "trade", "people"]


def test_bootstrap_names_a_topic_whose_seeds_weigh_most_on_every_paragraph_the_seeds_label():
    # econ shares its seed 'exports' with trade and has 'asylum' too: it ties with trade on ECON and with people
    # on PEOPLE, so it is on every pseudo-labeled paragraph
    tax = Taxonomy((Topic("econ", seeds=("exports", "asylum")), Topic("trade", seeds=("exports",)),
                    Topic("people", seeds=("asylum",))))
    with pytest.raises(TrainingError, match=r"^the seeds of 'econ' match every paragraph the seeds label, weighing there "
                                            r"at least as much as any other topic's: bootstrap has no paragraph to learn "
                                            r"it against; give 'trade' and 'people' seeds that weigh more than those of "
                                            r"'econ' in some paragraphs$"):
        topicslib.bootstrap(ECON + PEOPLE, taxonomy=tax, min_df=1, folds=2)


def test_bootstrap_on_a_one_topic_taxonomy_says_the_taxonomy_has_one(tmp_path):
    """A one-topic taxonomy used to get "the seeds found only 'econ' ()": an empty list of the topics missed."""
    one = Taxonomy(SEEDED.topics[:1])
    with pytest.raises(TaxonomyError, match=r"^bootstrap needs at least two topics, and the taxonomy has only one "
                                            r"\('econ'\); add the topics it is to be told apart from$"):
        topicslib.bootstrap(ECON + WEATHER, taxonomy=one, min_df=1, folds=2)
    tax = tmp_path / "t.toml"
    tax.write_text('[[topic]]\nid = "econ"\nseeds = ["exports"]\n', encoding="utf-8")
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join(json.dumps({"text": t}) + "\n" for t in ECON + WEATHER), encoding="utf-8")
    r = run("bootstrap", str(corpus), "--taxonomy", str(tax), "-o", str(tmp_path / "m.npz"))
    assert r.returncode == 1 and "the taxonomy has only one ('econ')" in r.stderr and "()" not in r.stderr, r.stderr
    assert not (tmp_path / "m.npz").exists()


@pytest.mark.parametrize("model", [None, "models/default.npz"], ids=["None", "path"])
def test_suggest_needs_a_model(model):
    with pytest.raises(InputError, match=f"model must be a TopicModel \\(see load_model\\), got {type(model).__name__}"):
        topicslib.suggest(model, ECON)


def test_suggest_takes_any_iterable_of_texts_and_indexes_it_in_order(tiny_model):
    texts = [r["text"] for r in TINY]
    assert topicslib.suggest(tiny_model, (t for t in texts), n=5) == topicslib.suggest(tiny_model, texts, n=5)


def test_fit_checks_that_topics_are_one_list_per_text():
    with pytest.raises(ExampleError, match=r"fit got 2 texts and 1 topic list; give one list of topic ids \(or one id\) "
                                           "per text") as err:
        topicslib.TopicModel().fit(["a", "b"], [["x"]])
    assert isinstance(err.value, ValueError)  # as zip's error was
    for bad in (None, 3, "econ", {"econ": ["a"]}):
        with pytest.raises(InputError, match=r"topics must be a list of each text's topics \(a topic id or a list of "
                                             rf"them\), got {type(bad).__name__}"):
            topicslib.TopicModel().fit(["a"], bad)
    with pytest.raises(InputError, match=r"got Frame; give one column, such as df\['topics'\]$"):
        topicslib.TopicModel().fit(["a"], Frame())  # not the topic list "text"


@pytest.mark.parametrize("documents, message", [
    ([(5, "Tariffs rose.")], "a document's name must be a string, got int"),
    ([("a.md", b"Tariffs rose.")], "a.md: the document's text must be a string, got bytes"),
    (["Tariffs rose."], r"each document must be a \(name, text\) pair, got str"),
    ([("a.md", "Tariffs rose.", "2024")], r"each document must be a \(name, text\) pair, got tuple of 3"),
])
def test_report_documents_must_be_name_and_text_pairs(default_model, documents, message):
    with pytest.raises(InputError, match=message):
        render_report(documents, model=default_model)


@pytest.mark.parametrize("stream", ["dates", "by", "groups"])
def test_report_streams_must_give_one_value_per_document(default_model, stream):
    docs = [("a.md", "Tariffs rose."), ("b.md", "Migrants crossed.")]
    extra = {"dates": {}, "by": {"dates": ["2024-01", "2024-02"], "by_name": "site"}, "groups": {}}[stream]
    with pytest.raises(InputError, match=f"'{stream}' has fewer values than there are documents \\(it ended after 1\\)"):
        render_report(docs, model=default_model, **extra, **{stream: ["x"]})
    with pytest.raises(InputError, match=f"'{stream}' has more values than the 2 documents"):
        render_report(iter(docs), model=default_model, **extra, **{stream: iter(["x", "y", "z"])})


@pytest.mark.parametrize("path", [None, 42, ["models/default.npz"]], ids=lambda p: type(p).__name__)
def test_load_model_needs_a_path(path):
    with pytest.raises(InputError, match=f"load_model takes a model file's path \\(str or Path\\), got {type(path).__name__}"):
        load_model(path)


@pytest.mark.parametrize("lang", [["es"], 3, b"es"], ids=lambda v: type(v).__name__)
def test_topics_takes_a_language_code(default_model, lang):
    """topics(lang=["es"]) gave the English names, as for a language the taxonomy lacks, unsaid."""
    with pytest.raises(InputError, match=f"^lang: {re.escape(repr(lang))} is no language code; give a two-letter"):
        topicslib.topics(default_model, lang=lang)
    assert topicslib.topics(default_model, lang="es")[0].name == "Migración"


@pytest.mark.parametrize("path", [None, 42, ["x.npz"]], ids=lambda p: type(p).__name__)
def test_save_and_load_taxonomy_need_a_path(default_model, path):
    """Both failed inside pathlib with its TypeError ("expected str, bytes or os.PathLike object"), no topicslib error."""
    with pytest.raises(InputError, match=f"save takes the path of the model file to write \\(str or Path\\), got {type(path).__name__}"):
        default_model.save(path)
    with pytest.raises(InputError, match=f"load_taxonomy takes a taxonomy file's path \\(str or Path\\), got {type(path).__name__}"):
        topicslib.load_taxonomy(path)


@pytest.mark.parametrize("records, message", [
    (["Tariffs rose."], "record 0 must be a mapping \\(such as a dict\\) with a 'text' field, got str"),
    (iter([{"text": "Tariffs rose."}, None]), "record 1 must be a mapping .* got NoneType"),
    ("Tariffs rose.", "records must be an iterable of mappings \\(such as dicts\\), got str"),
    ({"text": "Tariffs rose."}, "records must be an iterable of mappings .* got dict"),
    (None, "records must be an iterable of mappings .* got NoneType"),
])
def test_trends_records_must_be_mappings(default_model, records, message):
    with pytest.raises(InputError, match=message):
        topicslib.trends(records, date="date", model=default_model)


# -- strange but valid text ----------------------------------------------------------------

@pytest.mark.parametrize("name", list(STRANGE_TEXT))
def test_strange_text_gets_consistent_answers(default_model, name):
    text = STRANGE_TEXT[name]
    m = default_model
    single = topicslib.classify(text, model=m)
    well_formed(single, m)
    many = topicslib.classify_many([text, "", text], model=m)
    assert same(many[0], single) and same(many[2], single) and many[1] == []
    explained = topicslib.explain(text, model=m, top_n=10**6)
    assert [e.topic for e in explained] == [t.topic for t in single]
    logits = m.decision_function([text])[0]
    for e in explained:  # intercept + every term's contribution = the topic's log-odds
        j = m.classes_.tolist().index(e.topic)
        assert math.isclose(e.intercept + sum(c for _, c in e.terms), logits[j], rel_tol=1e-6, abs_tol=1e-6)
    doc = topicslib.classify_document(text, model=m)
    assert [p.text for p in doc.paragraphs] == split_paragraphs(text)
    for p in doc.paragraphs[:50]:
        assert same(p.topics, topicslib.classify(p.text, model=m))
    assert {d.topic for d in doc.topics} == {t.topic for p in doc.paragraphs for t in p.topics}


def test_text_without_known_terms_gets_no_topic_anywhere(tiny_model):
    # A single-label model normalises its scores over topics; with no evidence at all
    # explain must still agree with classify and predict_proba (it used to name a topic).
    single_label = topicslib.train([r for r in TINY if len(r["topics"]) == 1], min_df=1, folds=3)
    assert not single_label.multi_label_
    for model in (tiny_model, single_label):
        for text in ("", "zzzz qqqq", "\x00\ud800"):
            assert topicslib.classify(text, model=model) == []
            assert topicslib.explain(text, model=model) == []
            assert topicslib.explain(text, topic=model.classes_[0], model=model)[0].score == 0.0


def _analysed(f, text: str) -> tuple[list, ...]:
    """Both feature blocks of one text: word-block columns and values, then words and subword weights."""
    a = f.analyse([text])
    return (a.word_block.col.tolist(), a.word_block.val.tolist(),
            [a.words[i] for i in a.subwords.col.tolist()], a.subwords.val.tolist())


def test_a_long_text_read_in_pieces_has_the_features_of_the_whole(default_model):
    f = default_model.features_
    text = "\n".join(e["text"] for e in TINY) * 2000
    assert len(text) > features.PIECE
    with mock.patch.object(features, "PIECE", len(text)):  # every token at once
        whole = _analysed(f, text)
    assert _analysed(f, text) == whole and len(whole[0]) > 50


# -- property-based --------------------------------------------------------------------------

WORDS = ["migrants", "coca", "tariffs", "vaccines", "elections", "peace", "accord", "Amazon", "deforestation",
         "asylum", "cocaine", "exports", "Colombia", "embajada", "migración", "Bogotá", "COVID-19", "police"]
SEPARATORS = [" ", "  ", "\n", "\n\n", "\r\n", "\t", "- ", "# ", "1. ", ". ", ", ", "\u2028", "<br>"]
any_char = st.one_of(st.characters(exclude_categories=[]), st.characters(categories=["Cs"]))
ANY_TEXT = st.one_of(
    st.text(any_char, max_size=300),
    st.lists(st.one_of(st.sampled_from(WORDS), st.sampled_from(SEPARATORS), st.text(any_char, max_size=8)),
             max_size=60).map("".join),
)
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(texts=st.lists(ANY_TEXT, min_size=1, max_size=4))
def test_any_text_classify_is_well_formed_and_agrees_with_classify_many(default_model, texts):
    many = topicslib.classify_many(texts, model=default_model)
    assert len(many) == len(texts)
    for text, batch in zip(texts, many):
        single = topicslib.classify(text, model=default_model)
        well_formed(single, default_model)
        assert single == batch  # the same bits: a text scores alike alone or in any batch


@PROPERTY
@given(text=ANY_TEXT)
def test_any_text_explain_agrees_with_classify(default_model, text):
    single = topicslib.classify(text, model=default_model)
    explained = topicslib.explain(text, model=default_model)
    assert [e.topic for e in explained] == [t.topic for t in single]
    assert [e.score for e in explained] == pytest.approx([t.score for t in single])
    assert all(len(e.terms) <= 10 and 0.0 <= e.threshold <= 1.0 for e in explained)


@PROPERTY
@given(text=ANY_TEXT)
def test_any_document_is_its_paragraphs_classified(default_model, text):
    doc = topicslib.classify_document(text, model=default_model)
    assert [p.text for p in doc.paragraphs] == split_paragraphs(text)
    assert [p.index for p in doc.paragraphs] == list(range(len(doc.paragraphs)))
    assert all(p.text and p.text == p.text.strip() for p in doc.paragraphs)
    for p in doc.paragraphs:
        well_formed(p.topics, default_model)
    for d in doc.topics:
        assert 0.0 <= d.score <= 1.0 and 1 <= d.paragraphs <= len(doc.paragraphs)


@PROPERTY
@given(text=ANY_TEXT, size=st.integers(1, 40))
def test_any_text_in_pieces_gives_the_same_tokens_and_features(default_model, text, size):
    parts = list(pieces(text, size))
    assert "".join(parts) == text and all(parts)
    assert [w for p in parts for w in tokenize(p)] == tokenize(text)
    f = default_model.features_
    whole = _analysed(f, text)
    with mock.patch.object(features, "PIECE", size):  # force the piecewise path on short texts
        assert _analysed(f, text) == whole


# -- 50 MB -------------------------------------------------------------------------------------

# One unit of each 50 MB text; the child process repeats it.
UNITS = {
    "prose": SAMPLE,
    # 1.6 million lines that each continue the one before: joined in linear time, into paragraphs under the limit
    "hard_wrapped": "the migrants crossed the river\n",
    "scripts": "Bogotá migración 東京 مرحبا שלום 😀 \u202e<b>coca</b>\x00\ud800 ",
    "one_token": "a",
}
_MEASURE = f"UNITS = {UNITS!r}\ndef peak(): return {PEAK_KIB}\n" + textwrap.dedent("""
    import json, sys, time
    import topicslib
    call, kind = sys.argv[1], sys.argv[2]
    topicslib.default_model()
    text = UNITS[kind] * (50_000_000 // len(UNITS[kind]) + 1)
    before = peak()
    started = time.perf_counter()
    if call == "classify":
        out = sorted(t.topic for t in topicslib.classify(text))
    elif call == "classify_many":
        out = [sorted(t.topic for t in r) for r in topicslib.classify_many([text, "coca"])]
    elif call == "explain":
        out = sorted(e.topic for e in topicslib.explain(text))
    else:
        from topicslib.documents import LONGEST_PARAGRAPH
        doc = topicslib.classify_document(text)
        kept = sum(len(p.text) + 1 for p in doc.paragraphs) == len(text)  # every line, in paragraphs under the limit
        out = [kept and max(len(p.text) for p in doc.paragraphs) < LONGEST_PARAGRAPH, sorted(d.topic for d in doc.topics)]
    grown = peak() - before
    print(json.dumps({"chars": len(text), "extra_bytes": grown * 1024,
                      "seconds": time.perf_counter() - started, "out": out}))
""")
HUGE = [("classify", "prose"), ("explain", "scripts"), ("classify_document", "hard_wrapped"), ("classify_many", "one_token")]


@pytest.fixture(scope="module")
def huge_runs():
    """Each 50 MB case in its own process (peak memory is per process); all started at once."""
    procs = {case: subprocess.Popen([sys.executable, "-c", _MEASURE, *case], stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True) for case in HUGE}
    results = {}
    for case, proc in procs.items():
        try:
            out, err = proc.communicate(timeout=900)  # a hang fails here
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
        results[case] = (proc.returncode, out, err)
    return results


@needs_proc
@pytest.mark.parametrize("case", HUGE, ids=lambda c: "-".join(c))
def test_a_50_mb_text_is_answered_in_memory_proportional_to_it(huge_runs, default_model, case):
    code, out, err = huge_runs[case]
    assert code == 0, err[-2000:]
    r = json.loads(out)
    assert r["chars"] >= 50_000_000
    # Generous: the point is proportional, not lean (before texts were read in pieces it was 60-170x).
    assert r["extra_bytes"] < 40 * r["chars"], f"peak grew by {r['extra_bytes'] / r['chars']:.1f}x the input"
    call, kind = case
    # The same text 5,000 times shorter has the same proportions of terms, hence (far from any threshold)
    # the same topics; their order may differ, as several score 0.9999...
    shorter = UNITS[kind] * (10_000 // len(UNITS[kind]) + 1)
    topics = sorted(t.topic for t in topicslib.classify(shorter, model=default_model))
    expected = {
        "classify": topics,
        "explain": topics,
        "classify_document": [True, topics],
        "classify_many": [[], [t.topic for t in topicslib.classify("coca", model=default_model)]],
    }[call]
    assert r["out"] == expected and (topics or kind == "one_token")


# -- hostile training data (gaps left by tests/test_examples.py) --------------------------------

def write(path, lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


GOOD = json.dumps({"text": "fine", "topics": ["trade"]})


@pytest.mark.parametrize("line, message", [
    ("[" * 100_000 + "]" * 100_000, "invalid JSON: nested too deeply"),
    ('{"text": "ok", "topics": [1]}', "'topics' must be a list of topic ids"),
    ('{"text": "ok", "topics": [null]}', "'topics' must be a list of topic ids"),
    ('{"text": "ok", "topics": [["trade"]]}', "'topics' must be a list of topic ids"),
    ('{"text": "ok", "topics": {"trade": 1}}', "'topics' must be a list of topic ids"),
    ('{"text": null, "topics": []}', "'text' must be a string, got NoneType"),
    ('{"text": ["a"], "topics": []}', "'text' must be a string, got list"),
    ('{"text": "\\n\\t\\u3000", "topics": []}', "'text' is empty"),
    ('"just a string"', "expected a JSON object, got str"),
    ('{"text": "ok", "topics": ["trade\\nmigration"]}', "malformed topic id 'trade\\\\nmigration'"),
    ('{"text": "ok", "topics": ["tr\\u200bade"]}', "malformed topic id"),
    ('{"text": "ok", "topics": ["\\ud800"]}', "malformed topic id"),
    ('{"text": "ok", "topics": ["trade\\u0000"]}', "malformed topic id"),
])
def test_bad_training_lines_name_file_and_line(tmp_path, line, message):
    f = write(tmp_path / "bad.jsonl", [GOOD, line])
    with pytest.raises(ExampleError, match=message) as err:
        topicslib.train(f)
    assert str(err.value).startswith(f"{f}:2: ") and err.value.line == 2


@pytest.mark.parametrize("content, message", [
    (b'text,topics\nfine,trade\n"Bogot\xe1",trade\n', r"bad.csv:3: not UTF-8"),
    (b'text,topics\nfine,trade\nok,"' + b"[" * 100_000 + b'"\n', r"bad.csv:3: invalid JSON list in 'topics': nested too deeply"),
    (b'text,topics\nfine,trade\n   ,trade\n', r"bad.csv:3: 'text' is empty"),
    (b'text,topics\nfine,trade\nok,trade,extra\n', r"bad.csv:3: the row has more cells than the header"),
    (b'text,topics\nfine,trade\nok,"[1, 2]"\n', r"bad.csv:3: 'topics' must be a list of topic ids"),
])
def test_bad_csv_rows_name_file_and_line(tmp_path, content, message):
    f = tmp_path / "bad.csv"
    f.write_bytes(content)
    with pytest.raises(ExampleError, match=message):
        topicslib.read_examples(f)


def test_an_empty_file_among_good_ones_is_named(tmp_path):
    write(tmp_path / "a.jsonl", [GOOD])
    (tmp_path / "b.jsonl").write_bytes(b"")
    (tmp_path / "c.jsonl").write_bytes(b"\n \n\t\n")
    with pytest.raises(ExampleError, match=r"b.jsonl: no examples in it: the file is empty"):
        topicslib.read_examples(tmp_path)
    (tmp_path / "b.jsonl").unlink()
    with pytest.raises(ExampleError, match=r"c.jsonl: no examples in it: the file is empty or holds only blank lines"):
        topicslib.train(tmp_path)


def test_examples_that_are_not_a_source_are_refused():
    for value in (b'{"text": "x", "topics": []}', {"text": "x", "topics": []}, 42, None):
        with pytest.raises(ExampleError, match="examples must be a path or an iterable of records"):
            topicslib.train(value)


def test_a_topic_with_a_single_example_names_where_it_is(tmp_path):
    lines = [json.dumps(r) for r in TINY if "people" not in r["topics"]]
    lines.insert(2, json.dumps({"text": "Migrants crossed the border.", "topics": ["people"]}))
    f = write(tmp_path / "one.jsonl", lines)
    with pytest.raises(TrainingError, match=r"topic 'people' has 1 example; .*found at .*one\.jsonl:3$"):
        topicslib.train(f, min_df=1, folds=3, rare_topics="error")


NUMBERS = 'topics are named by their ids, strings such as "trade", not by numbers'


def test_topics_given_as_numbers_are_an_error_that_says_topics_are_ids_and_how_to_map_them(tmp_path):
    """Class indices (a scikit-learn y) or numeric codes: the error names where, says topics are ids, and how to
    map the numbers: in a file, write the ids; in memory, a comprehension."""
    f = write(tmp_path / "coded.jsonl", [GOOD, '{"text": "Migrants crossed the border.", "topics": [3]}'])
    with pytest.raises(ExampleError) as err:
        topicslib.train(f)
    assert str(err.value) == f"{f}:2: 'topics' must be a list of topic ids, got [3]: {NUMBERS}; write each topic's id in place of its number"
    r = run("train", str(f), "-o", str(tmp_path / "m.npz"))
    assert r.returncode == 1 and f"{f}:2: 'topics' must be a list of topic ids, got [3]: {NUMBERS}; write" in r.stderr
    in_memory = f": {NUMBERS}; map each number to its id first, e.g. [ids[n] for n in labels] with ids the topic ids in the order of your numbers"
    texts = [r["text"] for r in TINY]
    with pytest.raises(ExampleError) as err:  # numpy's integers, as a label encoder gives them
        topicslib.TopicModel(min_df=1, folds=3).fit(texts, np.arange(len(texts)) % 2)
    assert str(err.value) == "example 0: 'topics' must be a list of topic ids, got np.int64(0)" + in_memory
    with pytest.raises(ExampleError) as err:
        topicslib.read_examples([*TINY[:2], {"text": "Coca fell.", "topics": ["narcotics", 2.0]}])
    assert str(err.value) == "example 2: 'topics' must be a list of topic ids, got ['narcotics', 2.0]" + in_memory
    with pytest.raises(ExampleError, match=r"got \[None\]$"):  # no number, no advice about numbers
        topicslib.read_examples([{"text": "Coca fell.", "topics": [None]}])
    indicators = np.array([[1, 0], [0, 1]] * len(texts))[: len(texts)]  # scikit-learn's multi-label y: no class numbers
    with pytest.raises(ExampleError) as err:
        topicslib.TopicModel(min_df=1, folds=3).fit(texts, indicators)
    assert str(err.value) == (f"example 0: 'topics' must be a list of topic ids, got array([1, 0]): {NUMBERS}; for a 0/1 "
                              "indicator matrix Y, give each text's topic ids: MultiLabelBinarizer's inverse_transform(Y), "
                              "or [[ids[j] for j in np.flatnonzero(row)] for row in Y] with ids the topic ids of its columns")


def test_fit_checks_labels_as_strictly_as_example_files():
    texts = [r["text"] for r in TINY]
    labels = [r["topics"] for r in TINY]
    with pytest.raises(ExampleError, match=r"^example 1: 'topics' must be a list of topic ids, got \[7\]: topics are"):
        topicslib.TopicModel(min_df=1, folds=3).fit(texts, [labels[0], [7]] + labels[2:])
    with pytest.raises(ExampleError, match=r"^example 0: 'topics' must be a list of topic ids, got 7: topics are"):
        topicslib.TopicModel(min_df=1, folds=3).fit(texts, [7] + labels[1:])  # an int is no topic id
    with pytest.raises(ExampleError, match=r"^example 11: topics separated by ',' here but by ';' from example 10 on"):
        topicslib.TopicModel(min_df=1, folds=3).fit(texts, labels[:10] + ["econ; people", "econ, people"] + labels[12:])
    texts[3] = None  # a text and a topic list are named alike: by their position, as the lists' indices
    with pytest.raises(InputError, match="^text 3 must be str, got NoneType$"):
        topicslib.TopicModel(min_df=1, folds=3).fit(texts, labels)
    texts[3] = TINY[3]["text"]
    with pytest.raises(ExampleError, match="^example 3: 'topics' must be a list of topic ids, got None$"):
        topicslib.TopicModel(min_df=1, folds=3).fit(texts, labels[:3] + [None] + labels[4:])
    with pytest.raises(ExampleError, match=r"^example 1: duplicate paragraph \(first seen at example 0\)$"):
        topicslib.TopicModel(on_duplicate="error").fit(["Tariffs rose.", "tariffs  rose."], ["econ", "econ"])
    with pytest.raises(ExampleError, match="fit got 15 texts and 14 topic lists"):
        topicslib.TopicModel(min_df=1, folds=3).fit(texts, labels[:-1])  # lengths differ


def test_fit_takes_one_topic_id_per_text_as_scikit_learns_single_label_y_and_the_readers_do(tmp_path):
    texts = [r["text"] for r in TINY[:10]]
    y = [r["topics"][0] for r in TINY[:10]]  # 'econ' or 'people': one label each
    model = topicslib.TopicModel(min_df=1, folds=3).fit(texts, y)
    as_lists = topicslib.TopicModel(min_df=1, folds=3).fit(texts, [[label] for label in y])
    path = tmp_path / "single.csv"
    path.write_text("text,label\n" + "".join(f'"{t}",{label}\n' for t, label in zip(texts, y)), encoding="utf-8")
    from_file = topicslib.TopicModel(min_df=1, folds=3).fit_examples(topicslib.read_examples(path, topics_field="label"))
    assert model.multi_label_ is False and model.classes_.tolist() == ["econ", "people"]
    for other in (as_lists, from_file):  # the same examples, so the same model
        assert other.card_["examples_sha256"] == model.card_["examples_sha256"]
        assert np.array_equal(other.coef_, model.coef_)
    predicted = model.predict(["Exports and tariffs rose.", "Migrants sought asylum."])
    assert predicted.tolist() == [[1, 0], [0, 1]]  # one topic a row, columns in classes_ order
    assert model.classes_[predicted.argmax(axis=1)].tolist() == ["econ", "people"]
    several = topicslib.TopicModel(min_df=1, folds=3).fit(texts + ["Migrant workers lift exports."], y + ["econ; people"])
    assert several.multi_label_ and several.card_["topic_counts"] == {"econ": 6, "people": 6}  # ids separated as in CSV


def test_lone_surrogates_in_training_text_do_not_break_training(tmp_path):
    records = [dict(r) for r in TINY]
    records[0] = {"text": "Exports of coffee \ud800 and flowers rose\udfff.", "topics": ["econ"]}
    model = topicslib.train(records, min_df=1, folds=3)
    loaded = topicslib.load_model(model.save(tmp_path / "m.npz"))
    assert "econ" in [t.topic for t in topicslib.classify(records[0]["text"], model=loaded)]


def test_a_taxonomy_nested_too_deeply_is_a_taxonomy_error(tmp_path):
    f = tmp_path / "deep.toml"
    f.write_text("x = " + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    with pytest.raises(TaxonomyError, match="deep.toml: cannot parse taxonomy"):
        topicslib.train(TINY, taxonomy=f)


def test_a_taxonomys_misspelt_top_level_keys_are_named_and_topics_under_two_names_refused(tmp_path, caplog):
    """The top of the file is checked as a topic's table is: a misspelt lang is named, and a [[topics]] table beside
    [[topic]] ones (which used to win silently, dropping every [[topic]]) is an error naming both."""
    f = tmp_path / "t.toml"
    f.write_text('lnag = "es"\n\n[[topic]]\nid = "econ"\nseeds = ["exports"]\n', encoding="utf-8")
    assert topicslib.load_taxonomy(f).lang is None
    assert (f"{f}: unknown key 'lnag', not read; did you mean 'lang'? (the keys are lang, topic, topics)"
            in caplog.text)
    f.write_text('[[topic]]\nid = "econ"\nseeds = ["exports"]\n[[topic]]\nid = "people"\nseeds = ["migrants"]\n'
                 '[[topics]]\nid = "trade"\nseeds = ["tariffs"]\n', encoding="utf-8")
    both = f"{f}: topics under both 'topic' and 'topics' (is one a misspelling?)"
    with pytest.raises(TaxonomyError, match=re.escape(both)):
        topicslib.load_taxonomy(f)
    j = tmp_path / "t.json"
    j.write_text(json.dumps({"topics": [{"id": "econ"}], "topic": [{"id": "people"}]}), encoding="utf-8")
    with pytest.raises(TaxonomyError, match="topics under both 'topic' and 'topics'"):
        topicslib.load_taxonomy(j)
    r = run("topics", "--taxonomy", str(f))
    assert r.returncode == 1 and both in r.stderr and "trade" not in r.stdout, r.stderr


def test_a_taxonomys_misspelt_or_unknown_keys_are_named_not_silently_dropped(tmp_path, caplog):
    f = tmp_path / "t.toml"
    f.write_text('[[topic]]\nid = "econ"\nseed = ["exports"]\ncolour = "red"\n[topic.es]\nnombre = "Economía"\n\n'
                 '[[topic]]\nid = "people"\nseeds = ["migrants"]\n', encoding="utf-8")
    taxonomy = topicslib.load_taxonomy(f)
    assert taxonomy.topics[0].seeds == ()  # read as it was written: the misspelt key is not guessed at
    assert f"{f}: topic 'econ': unknown key 'seed', not read; did you mean 'seeds'?" in caplog.text
    assert f"{f}: topic 'econ': unknown key 'colour', not read (the keys are id, name, description, seeds)" in caplog.text
    assert f"{f}: topic 'econ' (es): unknown key 'nombre', not read; did you mean 'name'?" in caplog.text
    assert "people" not in caplog.text
    caplog.clear()
    topicslib.load_taxonomy(ROOT / "seeds" / "topics.toml")
    assert caplog.text == ""
    f.write_text('[[topic]]\nname = "Economy"\n', encoding="utf-8")
    with pytest.raises(TaxonomyError, match="topic #1 has no id"):
        topicslib.load_taxonomy(f)


@pytest.mark.parametrize("key", ["ES", "es-MX", "es_MX"])
def test_a_topics_language_table_keyed_otherwise_than_by_its_code_is_told_the_code(tmp_path, caplog, key):
    """`[topic.ES]` (or `[topic.es-MX]`) was warned of as an unknown key among "id, name, description, seeds", which
    did not say that a language's table is keyed by its code in lower case: its seeds went unread, and bootstrap
    missed the paragraphs in that language (QA pass 6)."""
    f = tmp_path / "t.toml"
    f.write_text(f'[[topic]]\nid = "econ"\nseeds = ["exports"]\n["topic".{key!r}]\nseeds = ["exportaciones"]\n\n'
                 '[[topic]]\nid = "people"\nseeds = ["migrants"]\nEN = "mine"\n', encoding="utf-8")
    taxonomy = topicslib.load_taxonomy(f)
    assert taxonomy.topics[0].all_seeds == ("exports",)  # not read, as written
    assert (f"{f}: topic 'econ': unknown key {key!r}, not read; did you mean 'es'? (the keys are id, name, description, "
            "seeds, and a language's two-letter code in lower case, as es)") in caplog.text
    # a key of two letters that holds no table is no language's
    assert f"{f}: topic 'people': unknown key 'EN', not read (the keys are id, name, description, seeds)" in caplog.text


def test_a_topics_table_keyed_by_two_letters_no_language_has_is_named_in_one_warning(tmp_path, caplog):
    """`[topic.sp]` (Spanish is `es`) was read silently as a language of its own, which no paragraph is detected in
    and `--lang` never asks for. One warning for the file names the section, the topics that have one, and the
    code it may have meant; a known code of a language topicslib does not detect (`[topic.fr]`) is not warned of,
    nor is the model trained on the file at each load."""
    f = tmp_path / "t.toml"
    f.write_text('[[topic]]\nid = "econ"\nseeds = ["exports"]\n[topic.sp]\nseeds = ["exportaciones"]\n\n'
                 '[[topic]]\nid = "people"\nseeds = ["migrants"]\n[topic.sp]\nseeds = ["migrantes"]\n'
                 '[topic.fr]\nseeds = ["migrants"]\n', encoding="utf-8")
    taxonomy = topicslib.load_taxonomy(f)
    assert taxonomy.topics[0].all_seeds == ("exports", "exportaciones")  # read all the same
    warned = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert warned == [f"{f}: [topic.sp] (topics 'econ', 'people'): 'sp' is not a language code topicslib knows (did "
                      "you mean 'es'?); its table is read as that language's name, description and seeds (a "
                      "language's table is keyed by its two-letter ISO 639-1 code: en for English, es for Spanish)"]
    caplog.clear()
    topicslib.Taxonomy.from_dict(taxonomy.to_dict(), source="model card", strict=False)
    assert not caplog.records


def test_a_taxonomy_given_as_a_mapping_is_told_how_to_make_one_of_it():
    """`bootstrap(texts, taxonomy={"topics": [...]})`, the JSON form in memory, was told only "must be a path or a
    Taxonomy, got dict" (QA pass 6); the message names the constructor that reads it."""
    data = {"topics": [{"id": "trade", "seeds": ["tariffs"]}, {"id": "migration", "seeds": ["migrants"]}]}
    with pytest.raises(TaxonomyError, match=re.escape("got dict; for a mapping as a taxonomy file holds it, give "
                                                      "Taxonomy.from_dict(it)")):
        topicslib.bootstrap(["tariffs fell", "migrants crossed"], taxonomy=data)
    assert topicslib.Taxonomy.from_dict(data).ids == ("trade", "migration")


def test_a_duplicate_topic_id_is_named_with_both_places_and_what_to_do(tmp_path):
    """"topic id 'energy' appears twice" said neither where nor what to do (QA pass 6)."""
    f = tmp_path / "t.toml"
    f.write_text('[[topic]]\nid = "mining"\n[[topic]]\nid = "energy"\n[[topic]]\nid = "energy"\n', encoding="utf-8")
    with pytest.raises(TaxonomyError, match=re.escape(f"{f}: topics #2 and #3 both have the id 'energy'; give each "
                                                      "topic an id of its own (or merge the two)")):
        topicslib.load_taxonomy(f)


# Paragraphs of 200,000 characters of Markdown marks: plain_text tried each "[" or "**" to the paragraph's end, and
# the first took 107 s. Not a timing: a hang fails at the timeout, as the 50 MB cases do.
_MARKS = {"brackets": "'[' * 100_000 + 'x' + ']' * 100_000", "links": "'[a](' * 50_000", "images": "'![' * 100_000",
          "bold": "'**a ' * 50_000"}


@pytest.mark.parametrize("kind", _MARKS)
def test_a_paragraph_of_markdown_marks_is_read_in_one_pass(kind):
    code = ("from topicslib.documents import plain_text\n"
            f"t = plain_text({_MARKS[kind]})\nprint(len(t), sum(c.isalpha() for c in t))")
    try:
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        pytest.fail(f"plain_text of {kind} ran past 120 s")
    assert r.returncode == 0, r.stderr
    letters = int(r.stdout.split()[1])
    assert letters == {"brackets": 1, "links": 50_000, "images": 0, "bold": 50_000}[kind]  # every word kept


def test_a_document_of_words_broken_at_every_line_end_is_split_in_one_pass():
    """Each line joined to a paragraph ending in a broken word ("pun-") searched the whole paragraph for its end:
    100,000 such lines ran for minutes (5,000 took 4 s). A hang fails at the timeout; not a timing."""
    code = ("from topicslib.documents import split_paragraphs\n"
            "ps = split_paragraphs('pun-\\nish ' * 100_000)\n"
            "print(len(ps), sum(p.count('punish') for p in ps), max(map(len, ps)))")
    try:
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        pytest.fail("split_paragraphs ran past 120 s")
    assert r.returncode == 0, r.stderr
    paragraphs, joined, longest = map(int, r.stdout.split())
    assert joined == 100_000 - (paragraphs - 1) and longest < 100_000  # every word whole but at the limit's cuts
