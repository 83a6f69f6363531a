"""Model files: safe to open, refused clearly when bad, and saved atomically."""

from __future__ import annotations

import copy
import io
import json
import os
import pickle
import zipfile

import numpy as np
import pytest

import topicslib
from topicslib import ModelFileError
from topicslib.storage import FORMAT_VERSION, card_path



class _Payload:
    """Unpickling this creates a marker file: proof that code from the file ran."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def _rewrite(src, dst, change):
    """Copy a model file, letting ``change(arrays)`` alter its arrays."""
    with np.load(src, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    change(arrays)
    with zipfile.ZipFile(dst, "w") as out:
        for name, arr in arrays.items():
            buf = io.BytesIO()
            np.lib.format.write_array(buf, arr, allow_pickle=True)
            out.writestr(f"{name}.npy", buf.getvalue())
    return dst


def _meta(arrays):
    return json.loads(arrays["meta"].tobytes().decode())


def _set_meta(arrays, meta):
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)


@pytest.fixture()
def saved(tmp_path, tiny_model):
    return tiny_model.save(tmp_path / "good.npz")


def test_card_is_written_beside_the_model(saved, tiny_model):
    card = json.loads(card_path(saved).read_text())
    assert card["taxonomy"]["topics"][0]["id"] == "econ"
    assert card["topic_counts"] == {"econ": 7, "people": 7}
    assert card["options"]["C"] == tiny_model.C and "sklearn_version" in card
    assert set(card["cross_validation"]["topics"]) == {"econ", "people"}


def test_a_pickle_is_refused_and_never_run(tmp_path):
    marker = tmp_path / "pwned"
    bad = tmp_path / "evil.npz"
    bad.write_bytes(pickle.dumps(_Payload(str(marker))))
    with pytest.raises(ModelFileError, match="pickle"):
        topicslib.load_model(bad)
    assert not marker.exists()


def test_an_npz_with_a_pickled_object_array_is_refused(tmp_path, saved):
    marker = tmp_path / "pwned2"
    bad = _rewrite(saved, tmp_path / "obj.npz", lambda a: a.__setitem__("coef", np.array([_Payload(str(marker))], dtype=object)))
    with pytest.raises(ModelFileError, match="pickle"):
        topicslib.load_model(bad)
    assert not marker.exists()


def test_truncated_file_is_refused(tmp_path, saved):
    cut = tmp_path / "cut.npz"
    cut.write_bytes(saved.read_bytes()[: saved.stat().st_size // 2])
    with pytest.raises(ModelFileError, match="truncated or corrupt"):
        topicslib.load_model(cut)


def test_future_format_version_gets_an_actionable_message(tmp_path, saved):
    def bump(a):
        m = _meta(a)
        m["format_version"] = FORMAT_VERSION + 1
        _set_meta(a, m)
    with pytest.raises(ModelFileError, match="upgrade topicslib"):
        topicslib.load_model(_rewrite(saved, tmp_path / "future.npz", bump))


def test_card_that_disagrees_with_arrays_is_refused(tmp_path, saved):
    def extra_topic(a):
        m = _meta(a)
        m["taxonomy"]["topics"].append({"id": "extra", "name": "Extra"})
        _set_meta(a, m)
    with pytest.raises(ModelFileError, match="disagrees with its arrays"):
        topicslib.load_model(_rewrite(saved, tmp_path / "mismatch.npz", extra_topic))


def test_not_a_model_and_missing_file(tmp_path):
    txt = tmp_path / "notes.npz"
    txt.write_text("hello")
    with pytest.raises(ModelFileError, match="not a topicslib model file"):
        topicslib.load_model(txt)
    with pytest.raises(ModelFileError, match="cannot read model file"):
        topicslib.load_model(tmp_path / "absent.npz")


def test_failed_training_leaves_the_previous_model_untouched(tmp_path, saved):
    before = saved.read_bytes()
    with pytest.raises(topicslib.TopicslibError):
        topicslib.train([{"text": "only one", "topics": ["x"]}, {"text": "two", "topics": []}]).save(saved)
    assert saved.read_bytes() == before


def test_a_failing_write_leaves_the_previous_model_and_no_temp_files(tmp_path, saved, tiny_model, monkeypatch):
    before = saved.read_bytes()

    def broken_replace(src, dst):
        raise OSError("disk full")
    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        tiny_model.save(saved)
    assert saved.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_weights_are_kept_in_steps_of_a_scale_per_feature_and_reload_exactly(tmp_path, saved, tiny_model):
    with np.load(saved, allow_pickle=False) as z:
        steps, scale = z["coef"], z["coef_scale"]
    assert steps.dtype == np.int8 and scale.dtype == np.float16 and scale.shape == (steps.shape[0],)
    # each feature's largest weight is its full 127 steps; training rounds the weights, so saving loses nothing
    used = np.abs(steps).max(axis=1) > 0
    assert (np.abs(steps[used]).max(axis=1) == 127).all()
    assert np.array_equal(steps.astype(np.float32) * scale.astype(np.float32)[:, None], tiny_model.coef_)
    # weights too small to move a log-odds by 0.001 are dropped at training, the rest kept
    nonzero = tiny_model.coef_[tiny_model.coef_ != 0]
    assert (tiny_model.coef_ == 0).any() and np.abs(nonzero).min() >= 1e-3 - 1e-6
    again = topicslib.load_model(saved)
    assert np.array_equal(again.coef_, tiny_model.coef_)
    assert again.save(tmp_path / "again.npz").read_bytes() == saved.read_bytes()  # and a reloaded model saves alike
    texts = ["Coca cultivation fell.", "Migrants crossed the border.", ""]
    assert np.array_equal(again.predict_proba(texts), tiny_model.predict_proba(texts))


def test_weights_are_within_half_a_step_of_the_fit(tiny_model):
    from topicslib.weights import STEPS, round_weights

    fit = np.random.default_rng(0).normal(0, 2, (300, 4))
    kept = round_weights(fit)
    step = np.abs(fit).max(axis=1, keepdims=True) / STEPS
    assert np.all(np.abs(kept - fit) <= step * 0.51 + 1e-3)  # half a step, and the scale's own half-precision rounding
    assert np.array_equal(round_weights(kept), kept)  # rounding again changes nothing


def test_weights_beyond_half_precision_keep_a_single_precision_scale(tmp_path, tiny_model):
    from topicslib.weights import round_weights

    big = tiny_model.coef_.astype(np.float64) * 0 + 1e8 + 0.5
    assert round_weights(big).dtype == np.float32 and np.allclose(round_weights(big), big, rtol=1e-6)
    model = copy.deepcopy(tiny_model)  # the fixture is shared
    model.coef_ = round_weights(big)
    with np.load(model.save(tmp_path / "big.npz"), allow_pickle=False) as z:
        assert z["coef_scale"].dtype == np.float32
    assert np.array_equal(topicslib.load_model(tmp_path / "big.npz").coef_, model.coef_)


def test_loaded_weights_are_scaled_in_place_holding_one_weight_array_at_a_time():
    # A large model's weights are its largest array: a product into a new array held two at once, and faulting in
    # the second's pages was a third of loading a model of 1.2 million features (docs/benchmarks.md, nineteenth stop).
    import tracemalloc

    from topicslib.weights import dequantized

    steps = np.random.default_rng(0).integers(-127, 128, (200_000, 10)).astype(np.int8)
    scale = np.random.default_rng(1).random(200_000).astype(np.float16)
    tracemalloc.start()
    try:
        weights = dequantized(steps, scale)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert weights.tobytes() == (steps.astype(np.float32) * scale.astype(np.float32)[:, None]).tobytes()
    assert peak < 1.2 * weights.nbytes, peak / weights.nbytes
