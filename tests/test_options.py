"""Every training option is checked in one place (topicslib/options.py), whichever way it comes in:
TopicModel(...).fit, topicslib.train(**options), --options on the command line, and a model file's card.
A bad value or an unknown name is refused before any work, with an error naming the option."""

from __future__ import annotations

import inspect
import json
import math

import numpy as np
import pytest

import topicslib
from topicslib import OptionError, TopicModel
from topicslib.options import OPTIONS

from .conftest import TINY
from .test_cli import run

# At least one bad value for every option: wrong types, out of range, non-finite, or inconsistent.
BAD = {
    "word_ngrams": [(0, 2), (2, 1), (1, 65), [1, "2"], "12", (1, 2, 3), (1.0, 2.0)],
    "char_ngrams": [(0, 3), (5, 3), (3, 100), "35", [3]],
    "min_df": ["2", -1, 0, 1.5, True],
    "max_features": [0, -5, "100", 2.5],
    "norm_offset": [-0.1, math.inf, math.nan, "0.3", True, None],
    "loss": ["hinge", None, 1],
    "C": [0, -1, math.inf, math.nan, "1", True, None],
    "class_weight": ["auto", {"a": 1}, 1],
    "nb_weighting": ["yes", 1, None],
    "folds": [1, -1, "5", 2.0, False],
    "seed": [-1, 2**32, "0", 0.5],
    "min_examples": [0, "2", 1.5],
    "rare_topics": ["skip", None, True],
    "on_duplicate": ["keep", None, 0],
    "n_jobs": [0, "2", 1.5, 1_000_001, -(2**31)],
}
CASES = [(name, value) for name, values in BAD.items() for value in values]


def test_every_option_is_declared_once_with_the_models_defaults():
    signature = inspect.signature(TopicModel.__init__).parameters
    declared = {name: p.default for name, p in signature.items() if name != "self"}
    assert declared == {name: option.default for name, option in OPTIONS.items()}
    assert set(BAD) == set(OPTIONS)  # every option has bad values tested below


@pytest.mark.parametrize("name, value", CASES, ids=[f"{n}={v!r}" for n, v in CASES])
def test_a_bad_value_is_refused_naming_the_option(name, value):
    with pytest.raises(OptionError, match=f"option '{name}': got ") as err:
        topicslib.train(TINY, **{name: value})
    assert err.value.name == name
    with pytest.raises(OptionError, match=f"option '{name}'"):
        TopicModel(**{name: value}).fit([r["text"] for r in TINY], [r["topics"] for r in TINY])


def test_an_unknown_option_is_refused_with_the_list_of_options():
    with pytest.raises(OptionError, match="option 'bogus': no such option; the options are word_ngrams, char_ngrams"):
        topicslib.train(TINY, bogus=1)
    with pytest.raises(OptionError, match="option 'colour'"):
        topicslib.cross_validate(TINY, colour="blue")


def test_numpy_numbers_and_json_lists_are_good_values():
    model = topicslib.train(TINY, min_df=np.int64(1), folds=np.int32(3), C=np.float64(0.5), word_ngrams=[1, 2])
    assert model.word_ngrams == (1, 2) and model.classes_.tolist() == ["econ", "people"]  # a JSON list becomes a pair


def test_numpy_numbers_of_a_search_grid_train_save_and_load_as_pythons(tmp_path):
    """GridSearchCV over np.arange(...) sets numpy scalars: seed failed in the compiled solver ("argument 11 must be
    int, not numpy.int64"), and min_df, folds, max_features or norm_offset trained a model that failed to save
    ("Object of type int64 is not JSON serializable")."""
    given = dict(min_df=np.int64(1), folds=np.int64(3), seed=np.int64(3), max_features=np.int64(1000),
                 word_ngrams=(np.int64(1), np.int64(2)), norm_offset=np.float32(0.25))
    model = TopicModel(**given).fit([r["text"] for r in TINY], [r["topics"] for r in TINY])
    assert model.options_["seed"] == 3 and all(type(model.options_[k]) is int for k in ("min_df", "folds", "max_features"))
    loaded = topicslib.load_model(model.save(tmp_path / "m.npz"))
    assert loaded.options_ == model.options_ and loaded.options_["norm_offset"] == float(np.float32(0.25))
    plain = TopicModel(**{k: v.item() if hasattr(v, "item") else tuple(map(int, v)) for k, v in given.items()})
    np.testing.assert_array_equal(plain.fit([r["text"] for r in TINY], [r["topics"] for r in TINY]).coef_, model.coef_)


def test_repr_shows_a_parameter_given_as_an_array_before_fit_refuses_it():
    """repr compared each parameter with its default by ``!=``: an array given as word_ngrams made that an array,
    and repr raised numpy's "truth value of an array is ambiguous" (QA pass 8); fit refuses the value, repr names it."""
    model = TopicModel(word_ngrams=np.array([1, 2]), C=0.5)
    assert repr(model) == "TopicModel(C=0.5, word_ngrams=array([1, 2]))"
    assert repr(TopicModel(word_ngrams=(1, 2))) == "TopicModel()"  # the default, not shown


def test_a_whole_number_C_trains(tmp_path):
    """C passes the option check as any positive finite number; a whole one (--options '{"C": 1}', as JSON writes
    it) used to reach the compiled solver as integers and end in its ValueError, with a traceback."""
    for C in (1, np.int64(2)):
        assert topicslib.train(TINY, min_df=1, C=C).classes_.tolist() == ["econ", "people"]
    gold = tmp_path / "g.jsonl"
    gold.write_text("".join(json.dumps(r) + "\n" for r in TINY), encoding="utf-8")
    r = run("train", str(gold), "-o", str(tmp_path / "m.npz"), "--options", '{"C": 1, "min_df": 1}')
    assert r.returncode == 0 and topicslib.load_model(tmp_path / "m.npz").C == 1, r.stderr


def test_a_model_not_trained_says_so_in_the_librarys_error():
    with pytest.raises(topicslib.NotFittedError, match="not trained yet"):
        TopicModel().classify("coca")
    with pytest.raises(AttributeError):  # scikit-learn's convention: NotFittedError is an AttributeError too
        TopicModel().predict(["coca"])


@pytest.mark.parametrize("options, message", [
    ('{"min_df": "x"}', "option 'min_df': got 'x'"),
    ('{"n_jobs": 0}', "option 'n_jobs': got 0"),
    ('{"seed": -1}', "option 'seed': got -1"),
    ('{"C": Infinity}', "option 'C': got inf"),
    ('{"word_ngrams": [1, 65]}', "option 'word_ngrams': got [1, 65]"),
    ('{"bogus": 1}', "option 'bogus': no such option"),
])
def test_bad_options_on_the_command_line_are_usage_errors_before_training(tmp_path, options, message):
    out = tmp_path / "m.npz"
    r = run("train", "examples/", "-o", str(out), "--options", options)
    assert r.returncode == 2 and message in r.stderr, r.stderr
    assert "Traceback" not in r.stderr and not out.exists()
    r = run("cross-validate", "examples/", "--options", options)
    assert r.returncode == 2 and message in r.stderr, r.stderr


def test_a_max_features_that_keeps_too_few_features_a_topic_is_warned_about(caplog, tmp_path):
    """Fewer than FEATURES_PER_TOPIC features a topic (TINY: 2 topics) once max_features cut them: a warning that
    names the option and what to do. Enough features, or a max_features that cuts nothing, says nothing."""
    warned = "max_features=1 keeps 2 features for 2 topics, fewer than 10 a topic: too few to tell the topics apart"
    with caplog.at_level("WARNING", logger="topicslib"):
        assert topicslib.train(TINY, min_df=1, max_features=1).card_["n_features"] == 2
    assert warned in caplog.text and "raise max_features, or leave it null" in caplog.text
    caplog.clear()
    with caplog.at_level("WARNING", logger="topicslib"):
        topicslib.train(TINY, min_df=1, max_features=10)  # 20 features: 10 a topic
        topicslib.train(TINY, min_df=1, max_features=100_000)  # cuts nothing
    assert "max_features" not in caplog.text
    examples = tmp_path / "tiny.jsonl"
    examples.write_text("".join(json.dumps(r) + "\n" for r in TINY), encoding="utf-8")
    r = run("train", str(examples), "-o", str(tmp_path / "m.npz"), "--options", '{"min_df": 1, "max_features": 1}')
    assert r.returncode == 0 and warned in r.stderr
