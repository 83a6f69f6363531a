"""The compiled scorer (topicslib/_scorer.c) scores as the numpy path does.

Same tokens for every code point, the same probabilities to the last bits of a
float and the same decisions, for any text, any feature options, one text or a
batch, long texts read in pieces; plus its own errors, limits and the build.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import topicslib
from topicslib import InputError, features, native, scoring
from topicslib.features import normalize, python_tokenize

from .conftest import DEV_REAL, PEAK_KIB, ROOT, TINY, needs_proc, on_engine, status_kib
from .test_hostile_input import ANY_TEXT

needs_scorer = pytest.mark.skipif(not native.AVAILABLE, reason="topicslib was built without its compiled scorer")
PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TOLERANCE = 1e-12  # summing in another order moves a probability by a few units of 1e-16


def _compiler() -> str | None:
    """The C compiler the extensions would be built with, or None (also when TOPICSLIB_NO_EXTENSION turns them off,
    so that a whole run of the tests on the numpy and scikit-learn paths is possible)."""
    if os.environ.get("TOPICSLIB_NO_EXTENSION", "") not in ("", "0"):
        return None
    cc = (sysconfig.get_config_var("CC") or "cc").split()[0]
    return shutil.which(cc)


def test_the_scorer_is_built_wherever_a_c_compiler_is():
    # CI has gcc: this keeps the compiled path from silently falling back to numpy there.
    if _compiler() is None:
        pytest.skip("no C compiler here (or TOPICSLIB_NO_EXTENSION is set): topicslib scores through numpy")
    assert native.AVAILABLE, "a C compiler is here, yet topicslib._scorer was not built (see pip's build output)"


@needs_scorer
def test_tokens_are_the_regex_tokens_for_every_code_point():
    tokenize = native.tokenizer()
    assert tokenize is features.tokenize
    chars = [chr(c) for c in range(0x110000)]
    # each code point inside a word, doubled on its own, and after a space: where it joins, splits or vanishes
    for shape in ("a{}b ", "{0}{0}x ", " {0} {0}{0}"):
        for start in range(0, len(chars), 65536):
            text = "".join(shape.format(c) for c in chars[start : start + 65536])
            assert tokenize(text) == python_tokenize(text), f"code points from U+{start:04X}"


@needs_scorer
@PROPERTY
@given(text=ANY_TEXT)
def test_tokens_of_any_text_are_the_regex_tokens(text):
    assert features.tokenize(text) == python_tokenize(text) == features._TOKEN.findall(normalize(text))


def _both(model: topicslib.TopicModel) -> tuple[topicslib.TopicModel, topicslib.TopicModel]:
    return on_engine(model, "compiled"), on_engine(model, "numpy")


def assert_same_scores(model: topicslib.TopicModel, texts: list[str]) -> None:
    compiled, numpy_only = _both(model)
    for method in ("predict_proba", "decision_function"):
        a = getattr(compiled, method)(list(texts))
        b = getattr(numpy_only, method)(list(texts))
        assert a.shape == b.shape
        assert np.allclose(a, b, rtol=TOLERANCE, atol=TOLERANCE), float(np.abs(a - b).max())
    a, b = compiled.predict_proba(texts), numpy_only.predict_proba(texts)
    near = np.abs(a - model.thresholds_).min(axis=1) < 1e-9 if model.multi_label_ else np.zeros(len(texts), bool)
    assert (compiled.predict(texts)[~near] == numpy_only.predict(texts)[~near]).all()
    assert (a == 0).all(axis=1).tolist() == (b == 0).all(axis=1).tolist()  # the same texts without evidence


@needs_scorer
@PROPERTY
@given(texts=st.lists(ANY_TEXT, min_size=1, max_size=5))
def test_any_texts_score_alike_on_both_engines(default_model, texts):
    assert_same_scores(default_model, texts)


@needs_scorer
def test_real_paragraphs_score_alike_on_both_engines(default_model):
    texts = [json.loads(line)["text"] for f in sorted((ROOT / "examples").glob("*.jsonl"))
             for line in f.read_text(encoding="utf-8").splitlines()]
    if DEV_REAL.exists():
        texts += [json.loads(line)["text"] for line in DEV_REAL.read_text(encoding="utf-8").splitlines()]
    assert len(texts) > 3000
    assert_same_scores(default_model, texts)
    compiled, numpy_only = _both(default_model)
    assert compiled.classify_many(texts) == [compiled.classify(t) for t in texts]  # one text or a batch: the same bits
    assert [[t.topic for t in r] for r in compiled.classify_many(texts)] == \
           [[t.topic for t in r] for r in numpy_only.classify_many(texts)]


@needs_scorer
def test_words_repeated_past_the_counts_worked_out_once_score_alike(default_model):
    # the compiled scorer takes 1 + log(count) of counts below 64 from a table, of others from log() itself
    texts = [" ".join(["tariffs"] * n + ["asylum"] * (n // 2)) + " exports" for n in (1, 2, 62, 63, 64, 65, 300)]
    assert_same_scores(default_model, texts)


def _tiny(**options) -> topicslib.TopicModel:
    return topicslib.train(TINY, min_df=1, folds=3, **options)


OPTIONS = [dict(word_ngrams=(1, 3)), dict(word_ngrams=(2, 3)), dict(word_ngrams=(1, 1)), dict(char_ngrams=None),
           dict(char_ngrams=(2, 6)), dict(char_ngrams=(4, 4), word_ngrams=(1, 4))]


@needs_scorer
@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()))
def test_every_feature_option_scores_alike(options):
    model = _tiny(**options)
    texts = [r["text"] for r in TINY] + ["migrants crossed the border and exports of coffee rose",
                                        "Exports exports EXPORTS of coffee, asylum asylum", "", "zzz qqq", "a b c"]
    texts += [" ".join(reversed(t.split())) for t in texts]
    assert_same_scores(model, texts)


@needs_scorer
def test_a_single_label_model_scores_alike():
    model = topicslib.train([r for r in TINY if len(r["topics"]) == 1], min_df=1, folds=3)
    assert not model.multi_label_
    texts = [r["text"] for r in TINY] + ["asylum and tariffs", "", "zzz"]
    assert_same_scores(model, texts)
    proba = on_engine(model, "compiled").predict_proba(texts)
    assert np.allclose(proba[:-2].sum(1), 1.0) and (proba[-2:] == 0).all()


@needs_scorer
def test_a_long_text_read_in_pieces_scores_as_if_whole(default_model, monkeypatch):
    text = " ".join(r["text"] for r in TINY) * 50 + " migración Bogotá ＭＩＧＲＡＮＴＳ"
    whole = on_engine(default_model, "compiled").predict_proba([text])
    monkeypatch.setattr(scoring, "PIECE", 7)  # a piece of about one word: n-grams straddle every cut
    pieces = on_engine(default_model, "compiled")
    assert np.array_equal(pieces.predict_proba([text]), whole)


@needs_scorer
def test_the_lean_paths_still_raise_the_librarys_errors(default_model):
    model = on_engine(default_model, "compiled")
    with pytest.raises(InputError, match="text must be str, got bytes; decode it first"):
        model.classify(b"coca")
    with pytest.raises(InputError, match="text 1 must be str, got int"):
        model.classify_many(["coca", 3])
    with pytest.raises(InputError, match="a single text"):
        model.classify_many("coca")
    assert model.classify_many(t for t in ["coca farmers"]) == [model.classify("coca farmers")]  # any iterable


@needs_scorer
def test_a_str_subclass_is_scored_as_its_text(default_model):
    class Shouty(str):
        def lower(self):  # normalization calls lower(); a subclass must not change the result
            return str(self).lower()

    model = on_engine(default_model, "compiled")
    text = "Coca cultivation fell in Putumayo — según la ONU"
    assert model.classify(Shouty(text)) == model.classify(text)


@needs_scorer
def test_a_scorer_keeps_the_weights_it_was_built_with_until_the_cache_is_reset(tiny_model):
    model = on_engine(tiny_model, "compiled")
    text = "Migrants crossed the border seeking asylum."
    before = model.predict_proba([text])
    model.coef_ = model.coef_ * 0  # replaced, not changed in place: the scorer holds the old array
    assert np.array_equal(model.predict_proba([text]), before)
    model._set_scorer()
    assert not np.array_equal(model.predict_proba([text]), before)


def test_the_environment_switch_turns_the_extension_off(tmp_path):
    code = ("import topicslib; from topicslib import native, scoring, features;"
            "m = topicslib.default_model();"
            "print(native.AVAILABLE, isinstance(m._scorer, scoring.NumpyScorer), features.tokenize is features.python_tokenize,"
            " topicslib.classify('Coca cultivation fell in Putumayo.')[0].topic)")
    env = {**os.environ, "TOPICSLIB_NO_EXTENSION": "1"}
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["False", "True", "True", "narcotics"]


@needs_scorer
def test_classifying_imports_neither_scikit_learn_nor_scipy(tmp_path):
    # Importing scikit-learn costs a process about a second and 100+ MiB; classifying needs neither it nor scipy.
    code = ("import sys, topicslib; topicslib.classify_many(['Coca cultivation fell in Putumayo.']);"
            "topicslib.classify_document('Migrants crossed.\\n\\nTariffs fell.');"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'sklearn', 'scipy', 'joblib'}))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"


@needs_scorer
@needs_proc
def test_the_memory_a_huge_token_took_is_given_back(tmp_path):
    # A 20-million-character token holds 160 MB in the scorer while it is counted; the next text gets it back.
    code = ("import topicslib\n"
            f"def rss(): return {status_kib('VmRSS')} // 1024\n"
            "m = topicslib.default_model(); m.classify('coca'); before = rss()\n"
            "m.classify('a' * 20_000_000); m.classify('coca crops')\n"
            f"print(before, {PEAK_KIB} // 1024, rss())")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert r.returncode == 0, r.stderr
    before, peak, after = map(int, r.stdout.split())
    assert peak - before > 100  # MiB: the token was really held
    assert after - before < 30, (before, peak, after)
