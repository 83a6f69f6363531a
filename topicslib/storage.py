"""Model files: a zip of numpy arrays and JSON (an ``.npz``), written atomically and
read without pickle, so opening someone else's model never runs their code.

Layout: ``meta`` (UTF-8 JSON: format version, options, taxonomy, card),
``coef`` (float16 when exact, else float32), ``intercept``, ``thresholds``, ``idf`` and the vocabulary as
newline-joined UTF-8 (``word_terms``, ``char_terms``). A ``<name>.card.json``
beside the file repeats the card for people; loading reads only the model file.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from . import __version__
from .errors import ModelFileError, TaxonomyError
from .features import TextFeatures
from .taxonomy import Taxonomy

FORMAT = "topicslib-model"
FORMAT_VERSION = 2  # 2: the subword block sums per-word vectors (1 counted char n-grams over the text)
_ARRAYS = ("coef", "intercept", "thresholds", "idf", "word_terms", "char_terms", "meta")
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # zip entries carry a time stamp; fix it so equal models are equal bytes
_FEATURE_PARAMS = ("word_ngrams", "char_ngrams", "min_df", "max_features")
# A model's arrays unpack to a few times the file's size (weights in half precision, terms as text).
# Members declaring more than this many times the whole file, beyond a small allowance, are refused
# unread: a zip bomb posing as a model would otherwise be unpacked until memory ran out.
_MAX_UNPACK_RATIO = 100
_UNPACK_ALLOWANCE = 64 * 2**20


def card_path(path: str | Path) -> Path:
    """Where the human-readable card of a model file lives: ``x.npz`` -> ``x.card.json``."""
    path = Path(path)
    return path.with_name(path.name.removesuffix(".npz") + ".card.json")


def model_card(model) -> dict:
    """The model card: taxonomy, options, versions, data digest, counts and cross-validated scores."""
    import sklearn  # here, not at the top: a process that only loads and classifies never imports scikit-learn

    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "topicslib_version": __version__,
        "sklearn_version": sklearn.__version__,
        "numpy_version": np.__version__,
        "options": {k: list(v) if isinstance(v, tuple) else v for k, v in model.get_params().items()},
        "taxonomy": model.taxonomy_.to_dict(),
        "thresholds": dict(zip(model.taxonomy_.ids, map(float, model.thresholds_))),
        **model.card_,
    }


def _smallest_exact(a: np.ndarray) -> np.ndarray:
    """``a`` as float16 when that loses nothing (training rounds the weights so), else as float32."""
    if np.abs(a).max(initial=0.0) > np.finfo(np.float16).max:
        return a.astype(np.float32)
    half = a.astype(np.float16)
    return half if np.array_equal(half.astype(a.dtype), a) else a.astype(np.float32)


def _text_array(lines: list[str]) -> np.ndarray:
    return np.frombuffer("\n".join(lines).encode("utf-8"), dtype=np.uint8)


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; a model is meant to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_model(model, path: str | Path) -> Path:
    """Write ``model`` to ``path`` (and its card beside it); the old file stays until the new one is whole."""
    path = Path(path)
    f = model.features_
    card = model_card(model)
    arrays = {
        "coef": _smallest_exact(model.coef_),
        "intercept": np.asarray(model.intercept_, np.float64),
        "thresholds": np.asarray(model.thresholds_, np.float64),
        "idf": np.asarray(f.idf_, np.float64),
        "word_terms": _text_array(f.terms_[: f.n_word_features_]),
        "char_terms": _text_array(f.terms_[f.n_word_features_ :]),
        "meta": _text_array([json.dumps(card, ensure_ascii=False, sort_keys=True)]),
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name in _ARRAYS:
            member = io.BytesIO()
            np.lib.format.write_array(member, arrays[name], allow_pickle=False)
            z.writestr(zipfile.ZipInfo(f"{name}.npy", date_time=_FIXED_TIME), member.getvalue(), compress_type=zipfile.ZIP_DEFLATED)
    _atomic_write(path, buf.getvalue())
    _atomic_write(card_path(path), (json.dumps(card, indent=2, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8"))
    return path


def _refuse(path: Path, why: str) -> ModelFileError:
    return ModelFileError(f"{path}: {why}")


def _retrain(meta: dict) -> str:
    """What to do about a model file this topicslib cannot use."""
    return (f"it was written by topicslib {meta.get('topicslib_version', '?')} and this is topicslib {__version__}: "
            "retrain it with this version (topicslib.train(...).save(path)) or load it with the version that wrote it")


def _check_unpacked_size(path: Path) -> None:
    """Refuse a file whose arrays declare far more bytes than a model of its size holds."""
    with zipfile.ZipFile(path) as z:
        names = {f"{n}.npy" for n in _ARRAYS}
        declared = sum(i.file_size for i in z.infolist() if i.filename in names)
    size = path.stat().st_size
    if declared > _MAX_UNPACK_RATIO * size + _UNPACK_ALLOWANCE:
        raise _refuse(path, f"its arrays would unpack to {declared / 2**20:,.0f} MiB from a {size / 2**20:,.1f} MiB file, "
                            f"more than {_MAX_UNPACK_RATIO} times its size, which no saved model does; "
                            "refused unread (a zip bomb?)")


def load_model(path: str | Path):
    """Load a model file safely: arrays and JSON only, never pickle.

    Raises :class:`ModelFileError` for a missing, truncated, corrupt, pickled,
    inconsistent or newer-format file.

    >>> model = load_model("models/default.npz")  # doctest: +SKIP
    """
    from .model import TopicModel

    path = Path(path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(4)
    except OSError as e:
        raise _refuse(path, f"cannot read model file: {e.strerror or e}") from None
    if head[:1] == b"\x80" or head[:2] == b"(d" or head[:1] == b"c":
        raise _refuse(path, "this looks like a pickle; topicslib never unpickles model files (they could run code). "
                            "Retrain with topicslib.train() and save with TopicModel.save()")
    if head != b"PK\x03\x04":
        raise _refuse(path, "not a topicslib model file (expected a .npz zip archive)")
    try:
        _check_unpacked_size(path)
        with np.load(path, allow_pickle=False) as z:
            arrays = {n: z[n] for n in _ARRAYS if n in z.files}
    except ModelFileError:
        raise
    except Exception as e:  # zipfile, zlib, numpy's header parser or allocator: whatever fails here, the file is damaged
        if isinstance(e, ValueError) and "allow_pickle" in str(e):
            raise _refuse(path, f"refused: the file holds objects that need pickle ({e})") from None
        raise _refuse(path, f"truncated or corrupt model file ({type(e).__name__}: {e})") from None
    if "meta" not in arrays:
        raise _refuse(path, "not a topicslib model file: it has no 'meta' array")
    odd = [n for n, a in arrays.items() if not isinstance(a, np.ndarray)]  # np.load hands back other members as bytes
    if odd:
        raise _refuse(path, f"not a topicslib model file: {', '.join(odd)} not stored as numpy arrays")
    try:
        meta = json.loads(arrays["meta"].tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
        raise _refuse(path, f"corrupt model metadata ({e})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise _refuse(path, "not a topicslib model file (wrong format marker)")
    version = meta.get("format_version")
    if not isinstance(version, int):
        raise _refuse(path, f"the model card has no valid format_version ({version!r}); {_retrain(meta)}")
    if version > FORMAT_VERSION:
        raise _refuse(path, f"written by topicslib {meta.get('topicslib_version', '?')} in model format {version}; "
                            f"this topicslib ({__version__}) reads format {FORMAT_VERSION}: upgrade topicslib "
                            "(pip install -U topicslib) or retrain the model with this version")
    if version < FORMAT_VERSION:  # its weights were learned on other features: scoring with them would be wrong
        raise _refuse(path, f"model format {version} predates this topicslib's format {FORMAT_VERSION}; {_retrain(meta)}")
    missing = [n for n in _ARRAYS if n not in arrays]
    if missing:
        raise _refuse(path, f"the model file lacks the arrays {', '.join(missing)}; {_retrain(meta)}")
    try:
        return _rebuild(TopicModel, meta, arrays)
    except KeyError as e:
        raise _refuse(path, f"the model card lacks the field {e}; {_retrain(meta)}") from None
    except (AttributeError, TypeError, ValueError, TaxonomyError) as e:
        raise _refuse(path, f"the model card disagrees with its arrays or is incomplete ({e}); {_retrain(meta)}") from None


def _rebuild(cls, meta: dict, arrays: dict):
    def terms(a: np.ndarray) -> list[str]:
        s = a.tobytes().decode("utf-8")
        return s.split("\n") if s else []

    options = {k: tuple(v) if isinstance(v, list) else v for k, v in meta["options"].items()}
    model = cls(**options)
    model._check_params()  # options that would fail later, at classify time, are refused now
    taxonomy = Taxonomy.from_dict(meta["taxonomy"], source="model card", strict=False)  # any label training accepts
    word, char = terms(arrays["word_terms"]), terms(arrays["char_terms"])
    n_features, n_topics = len(word) + len(char), len(taxonomy)
    coef = arrays["coef"]
    shapes = {
        "coef": (coef.shape, (n_features, n_topics)),
        "intercept": (arrays["intercept"].shape, (n_topics,)),
        "thresholds": (arrays["thresholds"].shape, (n_topics,)),
        "idf": (arrays["idf"].shape, (n_features,)),
    }
    for name, (got, want) in shapes.items():
        if got != want:
            raise ValueError(f"{name} has shape {got}, expected {want} for {n_topics} topics and {n_features} features")
    if meta.get("n_features", n_features) != n_features:
        raise ValueError(f"card says {meta['n_features']} features, arrays hold {n_features}")
    for name in ("coef", "intercept", "thresholds", "idf"):
        if not np.all(np.isfinite(arrays[name])):
            raise ValueError(f"{name} holds non-finite numbers")
    model.taxonomy_ = taxonomy
    model.classes_ = np.array(taxonomy.ids)
    model.features_ = TextFeatures.from_arrays({k: options[k] for k in _FEATURE_PARAMS}, word, char, arrays["idf"])
    model.coef_ = np.ascontiguousarray(coef, dtype=np.float32)
    model.intercept_ = arrays["intercept"].astype(np.float64)
    model.thresholds_ = arrays["thresholds"].astype(np.float64)
    model.multi_label_ = bool(meta["multi_label"])
    model._reset_cache()
    model.card_ = {k: v for k, v in meta.items() if k not in ("format", "format_version", "options", "taxonomy", "thresholds",
                                                             "topicslib_version", "sklearn_version", "numpy_version")}
    return model
