"""Model files from elsewhere and saves that go wrong: refused clearly, never run, never lost.

tests/test_storage.py covers the basics (a pickle, an npz holding an object
array, a file cut in half, a newer format, a card naming an extra topic, a
failing rename); these tests extend them: damage anywhere in the file, pickles
of every kind, files from incompatible versions, other taxonomies and label
sets, and saves killed part-way.
"""

from __future__ import annotations

import io
import os
import json
import pickle
import random
import signal
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import joblib
import numpy as np
import pytest

import topicslib
from topicslib import ModelFileError, TaxonomyError
from topicslib.storage import FORMAT_VERSION, card_path, read_model_file

from .conftest import PEAK_KIB, TINY, needs_proc
from .test_storage import _meta, _Payload, _rewrite, _set_meta

TEXTS = [r["text"] for r in TINY] + ["Migrants found jobs at the border.", "", "coca"]


@pytest.fixture()
def saved(tmp_path, tiny_model):
    return tiny_model.save(tmp_path / "good.npz")


def _same_model(a: topicslib.TopicModel, b: topicslib.TopicModel) -> bool:
    return (a.taxonomy_ == b.taxonomy_ and a.get_params() == b.get_params()
            and np.array_equal(a.predict_proba(TEXTS), b.predict_proba(TEXTS)))


def _npy(header: str, payload: bytes) -> bytes:
    """An .npy member with a hand-written header (numpy's format 1.0)."""
    h = header.encode("latin1")
    h += b" " * (64 - (10 + len(h) + 1) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(h).to_bytes(2, "little") + h + payload


def _with_member(src, dst, name: str, raw: bytes):
    """Copy a model file, replacing the raw bytes of one member."""
    with zipfile.ZipFile(src) as z, zipfile.ZipFile(dst, "w") as out:
        for info in z.infolist():
            out.writestr(info.filename, raw if info.filename == f"{name}.npy" else z.read(info))
    return dst


# -- damage ----------------------------------------------------------------------------------

def test_a_file_cut_anywhere_is_refused(tmp_path, saved):
    data = saved.read_bytes()
    cut_file = tmp_path / "cut.npz"
    cuts = {0, 1, 3, 4, 5, 30, len(data) - 22, len(data) - 1, *range(0, len(data), len(data) // 40)}
    for cut in sorted(cuts):
        cut_file.write_bytes(data[:cut])
        with pytest.raises(ModelFileError, match="truncated or corrupt|not a topicslib model file"):
            topicslib.load_model(cut_file)


def test_a_damaged_byte_is_refused_or_changes_nothing(tmp_path, saved, tiny_model):
    # The zip's CRC-32 guards every array; damage elsewhere (a time stamp) may load, but never as another model.
    data = saved.read_bytes()
    bad_file = tmp_path / "bad.npz"
    refused = loaded = 0
    for i in range(0, len(data), max(1, len(data) // 300)):
        bad = bytearray(data)
        bad[i] ^= 0xFF
        bad_file.write_bytes(bytes(bad))
        try:
            model = topicslib.load_model(bad_file)
        except ModelFileError:
            refused += 1
            continue
        loaded += 1
        assert _same_model(model, tiny_model), f"byte {i} changed the model silently"
    assert refused > 5 * loaded


@pytest.mark.parametrize("header, why", [
    ("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), ", "TokenError"),
    ("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), '''}", "TokenError"),
    ("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000,), }", "MemoryError"),
    ("{'descr': '<f8', 'fortran_order': False, 'shape': (500,), }", "EOF"),
    ("{'descr': 'zz', 'fortran_order': False, 'shape': (2,), }", "descr"),
    ("__import__('os').system('touch {marker}')", "malformed"),
])
def test_a_damaged_array_header_is_refused_and_never_evaluated(tmp_path, saved, header, why):
    marker = tmp_path / "pwned"
    bad = _with_member(saved, tmp_path / "bad.npz", "intercept", _npy(header.replace("{marker}", str(marker)), np.zeros(2).tobytes()))
    with pytest.raises(ModelFileError, match=f"truncated or corrupt model file .*{why}"):
        topicslib.load_model(bad)
    assert not marker.exists()


def test_non_finite_weights_are_refused(tmp_path, saved):
    """Refused with what could have made them, not with advice to retrain "with this version" that wrote them."""
    bad = _rewrite(saved, tmp_path / "nan.npz", lambda a: a.__setitem__("intercept", np.array([np.nan, 1.0])))
    with pytest.raises(ModelFileError, match="intercept holds non-finite numbers") as err:
        topicslib.load_model(bad)
    assert ("the file was altered or damaged, or its training overflowed (an option as extreme as C = 1e308, which "
            "training now refuses); retrain it") in str(err.value)
    assert "this version" not in str(err.value)


def test_a_file_this_version_wrote_is_not_sent_back_to_this_version(tmp_path, saved):
    def edit(arrays):
        meta = _meta(arrays)
        del meta["multi_label"]
        _set_meta(arrays, meta)
    with pytest.raises(ModelFileError, match="lacks the field 'multi_label'") as err:
        topicslib.load_model(_rewrite(saved, tmp_path / "edited.npz", edit))
    assert (f"it was written by topicslib {topicslib.__version__}, this version, which writes no such file: it was "
            "altered or damaged since") in str(err.value)
    assert "retrain it with this version" not in str(err.value) and "the version that wrote it" not in str(err.value)


@needs_proc
def test_a_zip_bomb_posing_as_a_model_is_refused_unread(tmp_path, saved):
    """1 GiB of zeros packed into about 1 MiB in place of the weights: refused before a byte is unpacked."""
    bomb = tmp_path / "bomb.npz"
    n = 2**27  # float64 values: 1 GiB
    with zipfile.ZipFile(saved) as z, zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as out:
        for info in z.infolist():
            if info.filename != "coef.npy":
                out.writestr(info.filename, z.read(info))
                continue
            with out.open("coef.npy", "w", force_zip64=True) as member:
                member.write(_npy(f"{{'descr': '<f8', 'fortran_order': False, 'shape': ({n},), }}", b""))
                chunk = bytes(2**24)
                for _ in range(n * 8 // len(chunk)):
                    member.write(chunk)
    assert bomb.stat().st_size < 8 * 2**20
    script = textwrap.dedent(f"""
        import topicslib
        try:
            topicslib.load_model({str(bomb)!r})
        except topicslib.ModelFileError as e:
            print(e)
        print({PEAK_KIB} // 1024)
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    message, peak_mib = out.stdout.rsplit("\n", 2)[:2]
    assert "would unpack to 1,024 MiB" in message and "zip bomb" in message, out.stdout + out.stderr
    assert int(peak_mib) < 200  # about 35 MiB here; unpacking would have taken 1 GiB


# -- pickles of every kind ------------------------------------------------------------------------

def _pickle_protocol(protocol):
    def write(path, payload):
        path.write_bytes(pickle.dumps(payload, protocol=protocol))
    return write


def _joblib(compress):
    def write(path, payload):
        joblib.dump(payload, path, compress=compress)
    return write


def _zip_of_pickles(path, payload):
    with zipfile.ZipFile(path, "w") as z:
        for name in ("coef", "intercept", "thresholds", "idf", "word_terms", "char_terms", "meta"):
            z.writestr(f"{name}.npy", pickle.dumps(payload))


def _npy_of_objects(path, payload):
    buf = io.BytesIO()
    np.save(buf, np.array([payload], dtype=object), allow_pickle=True)
    path.write_bytes(buf.getvalue())


CRAFTED = {
    **{f"pickle-protocol-{p}": _pickle_protocol(p) for p in range(pickle.HIGHEST_PROTOCOL + 1) if p != pickle.DEFAULT_PROTOCOL},
    "joblib": _joblib(0),
    "joblib-zlib": _joblib(3),
    "zip-of-pickles": _zip_of_pickles,
    "npy-of-objects": _npy_of_objects,
}


def test_the_payload_would_run_if_unpickled(tmp_path):
    marker = tmp_path / "ran"
    pickle.loads(pickle.dumps(_Payload(str(marker)))).close()
    assert marker.exists()  # so a marker that stays absent below means no code ran


@pytest.mark.parametrize("name", list(CRAFTED))
def test_a_crafted_pickle_named_like_a_model_is_refused_and_never_run(tmp_path, name):
    marker = tmp_path / "pwned"
    bad = tmp_path / "model.npz"
    CRAFTED[name](bad, _Payload(str(marker)))
    with pytest.raises(ModelFileError) as err:
        topicslib.load_model(bad)
    assert "pickle" in str(err.value) or "not a topicslib model file" in str(err.value) or "corrupt" in str(err.value)
    assert not marker.exists()


def test_a_pickle_in_place_of_the_metadata_is_refused_and_never_run(tmp_path, saved):
    marker = tmp_path / "pwned"
    payload = np.frombuffer(pickle.dumps(_Payload(str(marker))), dtype=np.uint8)
    bad = _rewrite(saved, tmp_path / "meta.npz", lambda a: a.__setitem__("meta", payload))
    with pytest.raises(ModelFileError, match="corrupt model metadata"):
        topicslib.load_model(bad)
    assert not marker.exists()


# -- other versions ------------------------------------------------------------------------------

@pytest.mark.parametrize("change, message", [
    (lambda m: m.pop("format_version"), "no valid format_version"),
    (lambda m: m.update(format_version="1"), "no valid format_version"),
    (lambda m: m.pop("options"), "lacks the field 'options'"),
    (lambda m: m.pop("taxonomy"), "lacks the field 'taxonomy'"),
    (lambda m: m.pop("multi_label"), "lacks the field 'multi_label'"),
    (lambda m: m["options"].update(attention_heads=8), "option 'attention_heads': no such option"),
    (lambda m: m.update(options=[["C", 0.5]]), "disagrees with its arrays"),
    (lambda m: m["options"].update(word_ngrams="ab"), "option 'word_ngrams': got 'ab'; it must be a pair"),
    (lambda m: m["options"].update(word_ngrams=[1, 100_000]), r"option 'word_ngrams': got \[1, 100000\]"),
    (lambda m: m.update(multi_label="false"), "multi_label must be true or false, got 'false'"),
    (lambda m: m["options"].update(loss="transformer"), "option 'loss': got 'transformer'; it must be one of"),
    (lambda m: m.update(taxonomy=["econ", "people"]), "expected a non-empty list of topics"),
    (lambda m: m.update(norm_offset=-1.0), "norm_offset must be a finite number >= 0, got -1.0"),
    (lambda m: m.update(norm_offset="900"), "norm_offset must be a finite number >= 0, got '900'"),
])
def test_a_model_from_an_incompatible_version_says_what_to_do(tmp_path, saved, change, message):
    def edit(arrays):
        meta = _meta(arrays)
        meta["topicslib_version"] = "0.0.9"
        change(meta)
        _set_meta(arrays, meta)
    with pytest.raises(ModelFileError, match=message) as err:
        topicslib.load_model(_rewrite(saved, tmp_path / "old.npz", edit))
    assert f"written by topicslib 0.0.9 and this is topicslib {topicslib.__version__}" in str(err.value)
    assert "retrain it with this version (topicslib.train(...).save(path))" in str(err.value)


def test_a_missing_array_is_named_and_a_newer_format_says_upgrade(tmp_path, saved):
    with pytest.raises(ModelFileError, match="lacks the arrays idf; it was written by topicslib"):
        topicslib.load_model(_rewrite(saved, tmp_path / "no_idf.npz", lambda a: a.pop("idf")))

    def newer(arrays):  # a future layout: a renamed array and a new format number
        meta = _meta(arrays)
        meta.update(format_version=FORMAT_VERSION + 1, topicslib_version="9.0.0")
        _set_meta(arrays, meta)
        arrays["weights"] = arrays.pop("coef")
    with pytest.raises(ModelFileError, match=f"written by topicslib 9.0.0 in model format {FORMAT_VERSION + 1}; "
                                             f"this topicslib .* reads format {FORMAT_VERSION}: upgrade topicslib"):
        topicslib.load_model(_rewrite(saved, tmp_path / "newer.npz", newer))


def test_format_1_is_refused_with_retrain_advice(tmp_path, saved):
    # Format 1 weighted character n-grams over the whole text; its weights would score today's features wrongly.
    def older(arrays):
        meta = _meta(arrays)
        meta.update(format_version=1, topicslib_version="0.0.1")
        _set_meta(arrays, meta)
    with pytest.raises(ModelFileError, match=f"model format 1 predates this topicslib's formats 2 to {FORMAT_VERSION}; "
                                             "it was written by topicslib 0.0.1 .* retrain it"):
        topicslib.load_model(_rewrite(saved, tmp_path / "older.npz", older))


def test_format_2_half_precision_weights_load_rounded_to_steps(tmp_path, saved, tiny_model):
    # Format 2 had today's features and kept the weights in half precision, with no scales.
    def format_2(arrays):
        meta = _meta(arrays)
        meta.update(format_version=2)
        _set_meta(arrays, meta)
        arrays["coef"] = tiny_model.coef_.astype(np.float16)
        del arrays["coef_scale"]
    old = topicslib.load_model(_rewrite(saved, tmp_path / "format2.npz", format_2))
    assert np.allclose(old.coef_, tiny_model.coef_, atol=0.01 * np.abs(tiny_model.coef_).max())
    assert np.allclose(old.predict_proba(TEXTS), tiny_model.predict_proba(TEXTS), atol=1e-3)
    # the loaded weights are already in steps, so the model saves (in format 3) as it scores
    again = topicslib.load_model(old.save(tmp_path / "format3.npz"))
    assert _same_model(again, old)
    with zipfile.ZipFile(tmp_path / "format3.npz") as z:
        assert json.loads(np.load(io.BytesIO(z.read("meta.npy"))).tobytes())["format_version"] == FORMAT_VERSION


def test_a_model_from_before_norm_offset_scores_as_it_was_trained(tmp_path):
    # Such a file has neither the option nor the learned offset: it was trained with plain L2 norms.
    plain = topicslib.train(TINY, min_df=1, folds=3, norm_offset=0.0)
    path = plain.save(tmp_path / "plain.npz")

    def before(arrays):
        meta = _meta(arrays)
        del meta["norm_offset"], meta["options"]["norm_offset"]
        _set_meta(arrays, meta)
    loaded = topicslib.load_model(_rewrite(path, tmp_path / "before.npz", before))
    texts = TEXTS + ["tariffs", "a migrant"]
    assert loaded.features_.norm_offset_ == 0.0 and loaded.get_params()["norm_offset"] == 0.0
    assert np.array_equal(loaded.predict_proba(texts), plain.predict_proba(texts))


# -- other taxonomies and label sets ---------------------------------------------------------------

def test_a_model_of_another_taxonomy_answers_in_its_own_topics(tmp_path, saved):
    other = topicslib.load_model(saved)
    assert [t.id for t in topicslib.topics(other)] == ["econ", "people"]
    doc = topicslib.classify_document("Coca cultivation rose.\n\nMigrants sought asylum at the border.", model=other)
    assert {t.topic for p in doc.paragraphs for t in p.topics} <= {"econ", "people"}
    assert [t.topic for t in topicslib.classify("Migrants sought asylum at the border.", model=other)] == ["people"]
    # Its card tells it apart from the default taxonomy ...
    default = topicslib.load_taxonomy(topicslib.default_taxonomy_path())
    assert other.card_["taxonomy_sha256"] == other.taxonomy_.sha256() != default.sha256()
    # ... and using it where a default topic is expected names the topics it does have.
    with pytest.raises(TaxonomyError, match="unknown topic 'migration'; this model has econ, people"):
        topicslib.explain("Migrants crossed.", topic="migration", model=other)
    labeled = tmp_path / "labeled.jsonl"
    labeled.write_text(json.dumps({"text": "Migrants crossed.", "topics": ["migration"]}) + "\n", encoding="utf-8")
    # ... and gold labels of topics it does not have are scored as missed, and named.
    ev = other.evaluate(labeled)
    assert ev.unknown == ("migration",) and ev["migration"].support == 1 and ev.micro.recall == 0.0


def test_labels_of_other_data_sets_survive_save_and_load(tmp_path):
    # Labels found in examples need not follow the taxonomy-file id form; a model trained on them
    # must load again (it used to save and then be refused: a lost model).
    names = {"econ": "12", "people": "comp.graphics"}
    records = [{"text": r["text"], "topics": [names[t] for t in r["topics"]] + (["Human Rights"] if len(r["topics"]) == 2 else [])}
               for r in TINY]
    model = topicslib.train(records, min_df=1, folds=3)
    loaded = topicslib.load_model(model.save(tmp_path / "labels.npz"))
    assert loaded.classes_.tolist() == ["12", "Human Rights", "comp.graphics"]
    assert _same_model(loaded, model)
    assert "comp.graphics" in [t.topic for t in topicslib.classify("Refugees sought asylum at the border.", model=loaded)]


@pytest.mark.parametrize("changed", [{"word_ngrams": (1, 1)}, {"char_ngrams": None}, {"C": 5.0}])
def test_options_changed_after_training_take_effect_at_the_next_fit_not_in_the_saved_file(tmp_path, changed):
    """A saved model records the options its weights were trained with: set_params on a trained model (as in
    scikit-learn) waits for the next fit, and the file still loads and answers as the model did."""
    model = topicslib.train(TINY, min_df=1, folds=3)
    trained = model.get_params()
    model.set_params(**changed)
    loaded = topicslib.load_model(model.save(tmp_path / "m.npz"))
    assert loaded.get_params() == trained != model.get_params()
    assert np.array_equal(loaded.predict_proba(TEXTS), model.predict_proba(TEXTS))
    assert topicslib.train(TINY, min_df=1, folds=3, **changed).options_ == model.get_params()


# -- saves that go wrong ----------------------------------------------------------------------------

_SAVE_THEN_HANG = textwrap.dedent("""
    import os, sys, time
    import topicslib
    src, dst, ready = sys.argv[1:4]
    model = topicslib.load_model(src)

    def hang(fd):  # the new model is written to the temporary file, not yet renamed: stop here
        open(ready, "w").close()
        time.sleep(600)
    os.fsync = hang
    model.save(dst)
""")


def _wait_for(path, proc, timeout=300.0):
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert proc.poll() is None, proc.stderr.read()
        assert time.monotonic() < deadline, "the child never reached the write"
        time.sleep(0.05)


def test_a_save_killed_inside_the_write_leaves_the_previous_model(tmp_path, tiny_model):
    path = tiny_model.save(tmp_path / "model.npz")
    before, card_before = path.read_bytes(), card_path(path).read_bytes()
    ready = tmp_path / "ready"
    proc = subprocess.Popen([sys.executable, "-c", _SAVE_THEN_HANG, str(topicslib.default_model_path()), str(path), str(ready)],
                            stderr=subprocess.PIPE, text=True)
    try:
        _wait_for(ready, proc)
        [temp] = [p for p in tmp_path.iterdir() if p.name.endswith(".tmp") and p.name.startswith(".model.npz.")]
        assert temp.stat().st_size > len(before)  # the (larger) default model went there, not over the old file
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
    assert path.read_bytes() == before and card_path(path).read_bytes() == card_before
    assert _same_model(topicslib.load_model(path), tiny_model)
    # The stray temporary file is hidden and does not look like a model file.
    assert temp.exists() and temp.name.startswith(".model.npz.")
    assert sorted(tmp_path.glob("*.npz")) == [path]


_SAVE_FOREVER = textwrap.dedent("""
    import sys
    import topicslib
    a, b = topicslib.load_model(sys.argv[1]), topicslib.load_model(sys.argv[2])
    print("saving", flush=True)
    while True:
        a.save(sys.argv[3])
        b.save(sys.argv[3])
""")


def test_a_save_killed_at_any_moment_leaves_one_whole_model(tmp_path, default_model):
    # Two large models saved in turn over one path; whenever the process dies, the path holds one of them, whole.
    a_path = default_model.save(tmp_path / "a.npz")
    b_model = topicslib.load_model(a_path)
    b_model.thresholds_ = np.clip(b_model.thresholds_ + 0.01, 0.0, 1.0)
    b_path = b_model.save(tmp_path / "b.npz")
    wholes = {a_path.read_bytes(), b_path.read_bytes()}
    target = tmp_path / "target.npz"
    target.write_bytes(a_path.read_bytes())
    rng = random.Random(7)
    for _ in range(3):
        proc = subprocess.Popen([sys.executable, "-c", _SAVE_FOREVER, str(a_path), str(b_path), str(target)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert proc.stdout.readline() == "saving\n", proc.stderr.read()
            time.sleep(rng.uniform(0.2, 2.0))
            assert proc.poll() is None, proc.stderr.read()
            proc.send_signal(signal.SIGKILL)
        finally:
            proc.kill()
            proc.wait()
        assert target.read_bytes() in wholes
        topicslib.load_model(target)
    assert sorted(p.name for p in tmp_path.glob("*.npz")) == ["a.npz", "b.npz", "target.npz"]


@pytest.mark.parametrize("failing", ["model", "card"])
def test_a_save_that_fails_between_its_two_files_never_leaves_a_card_of_another_model(tmp_path, tiny_model, monkeypatch, failing):
    path = tiny_model.save(tmp_path / "model.npz")
    before = path.read_bytes()
    target = path if failing == "model" else card_path(path)
    replace = os.replace

    def replace_but_fail(src, dst):  # a kill (or a failure) just before this file's rename
        if Path(dst) == target:
            raise KeyboardInterrupt
        replace(src, dst)

    monkeypatch.setattr(os, "replace", replace_but_fail)
    with pytest.raises(KeyboardInterrupt):
        topicslib.load_model(topicslib.default_model_path()).save(path)
    monkeypatch.undo()
    # Whichever rename did not happen, no card beside the model describes another one (an absent card is no lie:
    # loading reads the card inside the model file), and no temporary file is left.
    if card_path(path).exists():
        assert json.loads(card_path(path).read_text()) == read_model_file(path)[1]
    assert (path.read_bytes() == before) == (failing == "model")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_a_card_that_is_a_link_is_written_through_and_stays_a_link(tmp_path, tiny_model):
    """Removing the old card before the model is replaced removed the link itself, leaving no card at its name."""
    path = tiny_model.save(tmp_path / "model.npz")
    kept = tmp_path / "cards" / "model.json"
    kept.parent.mkdir()
    card_path(path).rename(kept)
    card_path(path).symlink_to(kept)
    topicslib.load_model(topicslib.default_model_path()).save(path)
    assert card_path(path).is_symlink() and json.loads(kept.read_text()) == read_model_file(path)[1]
