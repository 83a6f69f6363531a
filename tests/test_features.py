"""The feature extractor: tokens, word n-grams found by integer keys, the two counting paths, subwords."""

from __future__ import annotations

import re
from collections import Counter

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import topicslib
from topicslib import features
from topicslib.features import TextFeatures, tokenize

WORDS = ["armed", "groups", "crossed", "the", "border", "coca", "crops", "fell", "in", "putumayo", "a", "b2", "migrants"]
TRAIN = [
    "armed groups crossed the border", "the armed groups crossed the river", "coca crops fell in putumayo",
    "coca crops fell again", "migrants crossed the border", "the border armed groups", "armed groups crossed",
]
TEXTS = st.lists(st.sampled_from(WORDS + [" ", ", ", "\n", "é", "Ünïcode"]), max_size=40).map(" ".join)
SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _string_counts(f: TextFeatures, text: str) -> Counter:
    """Word-block feature counts the plain way: join each n-gram and look it up."""
    tokens = tokenize(text)
    grams = list(tokens) if f.word_ngrams[0] == 1 else []
    return Counter(j for j in map(f.vocabulary_.get, grams + list(f._ngrams(tokens))) if j is not None)


def _entries(a, doc: int) -> tuple[list, list, list, list]:
    wb, sw = a.word_block, a.subwords
    return (wb.col[wb.doc == doc].tolist(), wb.val[wb.doc == doc].tolist(),
            [a.words[i] for i in sw.col[sw.doc == doc]], sw.val[sw.doc == doc].tolist())


@pytest.mark.parametrize("ngrams", [(1, 2), (1, 3), (2, 3)])
@SETTINGS
@given(texts=st.lists(TEXTS, min_size=1, max_size=5))
def test_ngrams_found_by_keys_are_the_joined_ngrams(ngrams, texts):
    f = TextFeatures(word_ngrams=ngrams, min_df=1).fit(TRAIN)
    a = f.analyse(texts)
    for d, text in enumerate(texts):
        want = _string_counts(f, text)
        assert sorted(a.word_block.col[a.word_block.doc == d].tolist()) == sorted(want)
        # one text alone (the Counter path) and inside a batch (the numpy path): the same entries, the same bits
        assert _entries(f.analyse([text]), 0) == _entries(a, d)


def test_ngrams_across_pieces_and_counting_rounds_are_counted_once(monkeypatch):
    f = TextFeatures(word_ngrams=(1, 3), min_df=1).fit(TRAIN)
    text = "armed groups crossed the border, " * 40
    whole = _entries(f.analyse([text]), 0)
    monkeypatch.setattr(features, "PIECE", 12)  # a piece of about two words ...
    monkeypatch.setattr(features, "_FLUSH", 3)  # ... counted on its own: trigrams straddle the rounds
    assert _entries(f.analyse([text]), 0) == whole
    assert _entries(f.analyse(["coca crops", text]), 1) == whole


@SETTINGS
@given(text=st.text(st.characters(exclude_categories=["Cs"]), max_size=200))
def test_tokens_are_scikit_learns(text):
    assert tokenize(text) == re.findall(r"\b\w\w+\b", features.normalize(text))


@pytest.mark.parametrize("mark", ["\u00ad", "\u200c", "\u200d", "\u200e", "\u2060", "\ufeff", "\u0301"])
def test_invisible_format_characters_inside_a_word_neither_split_it_nor_stay_in_it(mark):
    """Scraped pages carry soft hyphens (&shy;) and word joiners inside words: the word is read whole, by the
    compiled tokenizer and by Python's alike, and scores as the plain word does; a zero-width space still breaks."""
    text = f"Voters went to the polls in the elec{mark}tions as coca eradi{mark}cation fell."
    plain = "Voters went to the polls in the elections as coca eradication fell."
    assert tokenize(text) == features.python_tokenize(text) == tokenize(plain)
    assert topicslib.classify(text) == topicslib.classify(plain) != []
    assert tokenize("elec\u200btions") == ["elec", "tions"]


def test_subword_vectors_are_unit_and_carry_unseen_words():
    f = TextFeatures(min_df=1).fit(TRAIN)
    U = f.subword_vectors(["migrants", "migrantes", "zzzz"]).matrix(len(f.idf_))
    norms = np.sqrt(np.asarray(U.multiply(U).sum(1)).ravel())
    assert norms[:2] == pytest.approx([1.0, 1.0]) and norms[2] == 0.0
    assert U.indices.min() >= f.n_word_features_  # subword columns only
    # an unseen inflection shares most of its n-grams with the word it comes from
    assert (U[0] @ U[1].T).toarray()[0, 0] > 0.5


def test_an_unseen_inflection_still_scores_through_its_subwords():
    model = topicslib.train([{"text": t, "topics": ["security"] if "armed" in t else []} for t in TRAIN],
                            min_df=1, folds=2, min_examples=1)
    assert "armedd" not in model.features_.vocabulary_
    logit = model.decision_function(["armedd"])[0, 0]
    assert logit > model.decision_function(["zzzzzz"])[0, 0]


def test_norm_offset_shrinks_short_texts_and_leaves_long_ones_near_unit_norm():
    texts = ["migrants crossed the border into the town " * k for k in (1, 2, 4)] + ["tariffs and exports grew"] * 3
    plain = TextFeatures(min_df=1, norm_offset=0.0).fit(texts)
    shrunk = TextFeatures(min_df=1, norm_offset=0.5).fit(texts)
    # learned from the training texts: half the median squared norm of their word block
    assert shrunk.norm_offset_ > 0 and plain.norm_offset_ == 0.0
    short, long_ = ["border"], ["the migrants crossed the border into the town and the border town grew " * 3]
    ratio = lambda t: np.linalg.norm(shrunk.transform(t).toarray()) / np.linalg.norm(plain.transform(t).toarray())
    assert ratio(short) < 0.6 < 0.9 < ratio(long_) < 1.0


def test_norm_offset_is_relative_to_the_corpus_so_a_corpus_of_headlines_is_not_flattened():
    headlines = ["tariffs rise", "migrants arrive", "exports fall", "asylum claims", "trade deal signed", "border closed"]
    f = TextFeatures(min_df=1, norm_offset=0.35).fit(headlines)
    X = f.transform(headlines).toarray()
    # each text's two blocks keep well over half their norm: the offset is 0.35 of a typical headline's
    assert (np.linalg.norm(X, axis=1) > 1.1).all()


def _naive_document_frequencies(texts, word_ngrams, char_ngram_range):
    df = Counter()
    for text in texts:
        tokens = tokenize(text)
        terms = set(tokens) if word_ngrams[0] == 1 else set()
        for n in range(max(word_ngrams[0], 2), word_ngrams[1] + 1):
            terms |= {" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1)}
        grams = set()
        for w in set(tokens):
            grams.update(features.char_ngrams(w, *char_ngram_range))
        df.update(terms | {("char", g) for g in grams})
    return df


@pytest.mark.parametrize("word_ngrams, char_range, min_df", [((1, 2), (3, 5), 2), ((1, 3), (2, 4), 1), ((2, 3), (3, 3), 2)])
@pytest.mark.parametrize("compiled", [True, False])
def test_document_frequencies_counted_in_rounds_equal_a_plain_count(monkeypatch, word_ngrams, char_range, min_df, compiled):
    # Small rounds: n-grams and words met again in later rounds must add up across them.
    monkeypatch.setattr(features, "_FLUSH", 7)
    monkeypatch.setattr(topicslib.native, "SOLVER", compiled and topicslib.native.SOLVER)
    texts = ["Migrants crossed the border; the border closed.", "", "The border town grew. Migrants grew crops.",
             "Tariffs on steel", "the border the border the border", "Exports of steel grew", "x", "Crossed the border"]
    f = TextFeatures(word_ngrams=word_ngrams, char_ngrams=char_range, min_df=min_df).fit(texts)
    df = _naive_document_frequencies(texts, word_ngrams, char_range)
    # each block's columns: the most frequent terms first, ties by term
    words = sorted((t for t, c in df.items() if isinstance(t, str) and c >= min_df), key=lambda t: (-df[t], t))
    grams = sorted((t[1] for t, c in df.items() if isinstance(t, tuple) and c >= min_df), key=lambda g: (-df[("char", g)], g))
    assert f.terms_ == words + grams
    want = np.array([df[t] for t in words] + [df[("char", g)] for g in grams], dtype=float)
    assert np.array_equal(f.idf_, np.log((1 + len(texts)) / (1 + want)) + 1)


@pytest.mark.parametrize("high", [3, 2**31 - 1])
def test_distinct_rows_by_keys_are_numpys_distinct_rows(high):
    # Three columns up to 2**31 - 1 do not fit one int64 key: the key is renumbered on the way, in order.
    rng = np.random.default_rng(0)
    rows = rng.integers(0, high, (500, 3), endpoint=True).astype(np.int32)
    rows[250:] = rows[rng.integers(0, 250, 250)]  # repeats
    distinct, where = features._distinct_rows(rows, inverse=True)
    want, want_where = np.unique(rows, axis=0, return_inverse=True)
    assert distinct.dtype == rows.dtype and np.array_equal(distinct, want)
    assert np.array_equal(where, want_where.ravel()) and np.array_equal(features._distinct_rows(rows), want)


@pytest.mark.skipif(not topicslib.native.SOLVER, reason="topicslib was built without its training solver")
@pytest.mark.parametrize("word_ngrams, char_range", [((1, 2), (3, 5)), ((1, 3), (1, 2)), ((2, 3), (3, 4)), ((1, 1), (3, 5)),
                                                    ((1, 2), None)])
def test_the_compiled_matrix_is_scipys_bit_for_bit(monkeypatch, word_ngrams, char_range):
    # native.feature_rows builds the rows that scipy's product, transpositions and sum build, native.count_rows the
    # counts of Numbered.count, and native.char_gram_numbers and native.union_counts the counter's character n-grams
    # and document frequencies; in several batches
    # (a small _FLUSH and _CHUNK), with an empty text, a long one read in pieces and words with no known n-gram.
    monkeypatch.setattr(features, "_FLUSH", 40)
    monkeypatch.setattr(features, "_CHUNK", 300)
    texts = TRAIN * 3 + ["", "Ünïcode é border zzzqqq", " ".join(WORDS * 30), "coca coca coca crops"]
    matrices, fitted = [], []
    for compiled in (True, False):
        monkeypatch.setattr(topicslib.native, "SOLVER", compiled)
        f = TextFeatures(word_ngrams=word_ngrams, char_ngrams=char_range, min_df=2, norm_offset=0.35)
        matrices += [f.fit_transform(texts), f.transform(texts[::-1] + ["qqq"]), f.transform([])]
        fitted.append((f.terms_, f.idf_.tobytes(), f.norm_offset_))
    assert fitted[0] == fitted[1]  # the compiled counter's character n-grams and their counts too
    for a, b in zip(matrices[:3], matrices[3:]):
        assert a.shape == b.shape and a.dtype == b.dtype == np.float32
        assert np.array_equal(a.indptr, b.indptr) and np.array_equal(a.indices, b.indices)
        assert a.data.tobytes() == b.data.tobytes()
    assert matrices[0].nnz > 0 and matrices[2].shape[0] == 0


@pytest.mark.skipif(not topicslib.native.SOLVER, reason="topicslib was built without its training solver")
def test_the_compiled_matrix_refuses_bad_arrays():
    i64, f64 = (lambda *v: np.array(v, np.int64)), (lambda *v: np.array(v, np.float64))
    out = np.zeros(8, np.float32), np.zeros(8, np.int32), np.zeros(2, np.int64)
    good = (i64(0, 1), i64(0), f64(1.0), i64(0, 1), i64(0), f64(0.5), i64(0, 2), i64(3, 4), f64(0.6, 0.8), 2, 5)
    assert topicslib.native.feature_rows(*good, *out) == 3
    assert out[1].tolist()[:3] == [0, 3, 4] and out[0][1] == np.float32(0.5 * 0.6) and out[2].tolist() == [0, 3]
    for i, bad, match in [(7, i64(3, 5), "out of range"), (4, i64(1), "out of range"), (1, i64(2), "out of range"),
                          (0, i64(0, 2), "indptr does not match"), (9, 4, "out of range")]:
        args = list(good)
        args[i] = bad
        with pytest.raises(ValueError, match=match):
            topicslib.native.feature_rows(*args, *out)
    with pytest.raises(ValueError, match="cannot hold"):
        topicslib.native.feature_rows(*good, np.zeros(2, np.float32), np.zeros(2, np.int32), np.zeros(2, np.int64))
    with pytest.raises(ValueError, match="indices must be a C-contiguous array of 4-byte signed integers"):
        topicslib.native.feature_rows(*good, out[0], np.zeros(8, np.int64), out[2])


@pytest.mark.skipif(not topicslib.native.SOLVER, reason="topicslib was built without its training solver")
def test_the_compiled_counters_helpers_refuse_bad_input():
    index, names = {"ab": 5}, ["ab"]
    with pytest.raises(ValueError, match="cannot hold"):
        topicslib.native.char_gram_numbers(["abc"], 3, 3, 30, {}, [], np.zeros(2, np.int64))
    with pytest.raises(TypeError, match="must be strings"):
        topicslib.native.char_gram_numbers([b"abc"], 3, 3, 30, {}, [], np.zeros(9, np.int64))
    with pytest.raises(ValueError, match="1 <= lo <= hi"):
        topicslib.native.char_gram_numbers(["abc"], 3, 2, 30, {}, [], np.zeros(9, np.int64))
    out = np.zeros(4, np.int64)
    assert topicslib.native.char_gram_numbers(["a", "b"], 2, 2, 30, index, names, out) == 4  # " a", "a ", " b", "b "
    assert out.tolist() == [1, 2, 3, 4] and names == ["ab", " a", "a ", " b", "b "] and index["b "] == 4
    with pytest.raises(ValueError, match="out of range"):
        topicslib.native.union_counts(np.array([0, 1], np.int64), np.array([1], np.int32), np.array([0, 1], np.int64),
                                      np.array([0], np.int64), np.zeros(1, np.int64))
    counts = np.zeros(3, np.int64)
    topicslib.native.union_counts(np.array([0, 2, 3], np.int64), np.array([0, 1, 1], np.int32), np.array([0, 2, 3], np.int64),
                                  np.array([0, 2, 2], np.int64), counts)
    assert counts.tolist() == [1, 0, 2]  # the first row's two words share n-gram 2: it counts once there


@pytest.mark.skipif(not topicslib.native.SOLVER, reason="topicslib was built without its training solver")
def test_compiled_counts_refuse_bad_input():
    i64 = lambda *v: np.array(v, np.int64)  # noqa: E731
    out = [np.zeros(3, np.int64) for _ in range(3)] + [np.zeros(6, np.int64), np.zeros(6, np.int64), np.zeros(6)]
    no_levels = (i64(0), i64(), i64())
    # one text "0 1 0": words 0 and 1 in order of first appearance, the block its words' columns
    assert topicslib.native.count_rows(np.array([0, 1, 0], np.int32), i64(0, 3), i64(0), i64(4, 2), i64(-1, -1),
                                       *no_levels, 0, 5, 2, *out) == (2, 2)
    assert out[1][:2].tolist() == [0, 1] and out[2][:2].tolist() == [2, 1]
    assert out[4][:2].tolist() == [2, 4] and out[5][:2].tolist() == [1.0, 2.0]
    with pytest.raises(ValueError, match="out of range"):  # word 2 of a vocabulary of two
        topicslib.native.count_rows(np.array([0, 2, 0], np.int32), i64(0, 3), i64(0), i64(4, 2), i64(-1, -1),
                                    *no_levels, 0, 5, 2, *out)
    with pytest.raises(ValueError, match="sizes do not agree"):  # text 1 of one
        topicslib.native.count_rows(np.array([0, 1, 0], np.int32), i64(0, 3), i64(1), i64(4, 2), i64(-1, -1),
                                    *no_levels, 0, 5, 2, *out)


@pytest.mark.parametrize("compiled", [True, False])
def test_tokens_are_numbered_as_first_met_after_the_words_known(monkeypatch, compiled):
    monkeypatch.setattr(topicslib.native, "SOLVER", compiled and topicslib.native.SOLVER)
    index, names = {"the": 0, "border": 1}, ["the", "border"]
    ids, new = features.number_tokens(["coca", "the", "coca", "crops", "border", "crops"], index, names)
    assert ids.tolist() == [2, 0, 2, 3, 1, 3] and new == ["coca", "crops"] and names[2:] == new
    assert index == {"the": 0, "border": 1, "coca": 2, "crops": 3} and ids.dtype == np.int64
