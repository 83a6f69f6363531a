"""Model files: the container. A zip of numpy arrays and JSON (an ``.npz``), written atomically and
read without pickle, so opening someone else's model never runs their code.

Layout: ``meta`` (UTF-8 JSON: format version, options, taxonomy, card),
``coef`` (int8 steps) and ``coef_scale`` (a scale per feature: ``weights.py``; format 2 kept float weights in
``coef`` and no scales), ``intercept``, ``thresholds``, ``idf`` and the vocabulary as
newline-joined UTF-8 (``word_terms``, ``char_terms``). A ``<name>.card.json``
beside the file repeats the card for people; loading reads only the model file.

This module knows nothing of models: it writes and reads named arrays and a card, checking
what any model file must be (a zip of plain arrays of finite numbers, of this format version, not a zip bomb).
``TopicModel.to_arrays``/``from_arrays`` (``model.py``) turn a model into those and back.
"""

from __future__ import annotations

import io
import json
import os
import threading
import zipfile
from pathlib import Path

import numpy as np

from .errors import ModelFileError
from .files import atomic_output, output_target
from .version import __version__

FORMAT = "topicslib-model"
# 3: weights in 8-bit steps of a scale per feature. Format 2 kept them in half precision, with the same features: it
# is still read (model.py rounds its weights to steps). Format 1 counted char n-grams over the text: refused.
FORMAT_VERSION = 3
ARRAYS = ("coef", "coef_scale", "intercept", "thresholds", "idf", "word_terms", "char_terms", "meta")
_ARRAYS_OF = {2: tuple(n for n in ARRAYS if n != "coef_scale"), 3: ARRAYS}  # the formats read, and their arrays
# numpy reads each member's header with ast.literal_eval, and CPython 3.11's AST constructor counts its recursion
# depth in state that threads share (see CPython gh-106905): threads loading models at once failed, rarely, with
# "SystemError: AST constructor recursion depth mismatch" (tests/test_concurrency.py on a loaded machine). One load
# reads its headers at a time; a load is rare and short.
_READING = threading.Lock()
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # zip entries carry a time stamp; fix it so equal models are equal bytes
# zlib's level per array (6 for the others): on the default model level 6 would spend 0.06 s of training on the terms
# to save 15% of their bytes (0.55 against 0.63 MB), and 0.06 s on the weights' steps to save 6% (1.14 against 1.21 MB).
_LEVELS = {"coef": 1, "word_terms": 1, "char_terms": 1}
# A model's arrays unpack to a few times the file's size (weights in steps of a byte, terms as text).
# Members declaring more than this many times the whole file, beyond a small allowance, are refused
# unread: a zip bomb posing as a model would otherwise be unpacked until memory ran out.
_MAX_UNPACK_RATIO = 100
_UNPACK_ALLOWANCE = 64 * 2**20
# A model file holds its eight arrays; a zip of thousands of members is no model (and slow to list).
_MAX_MEMBERS = 64


def card_path(path: str | Path) -> Path:
    """Where the human-readable card of a model file lives: ``x.npz`` -> ``x.card.json``."""
    path = Path(path)
    return path.with_name(path.name.removesuffix(".npz") + ".card.json")


def text_array(lines: list[str]) -> np.ndarray:
    """Lines of text as one array of UTF-8 bytes (a model file holds only plain arrays).

    >>> text_lines(text_array(["coca", "coffee"]))
    ['coca', 'coffee']
    """
    return np.frombuffer("\n".join(lines).encode("utf-8"), dtype=np.uint8)


def text_lines(a: np.ndarray) -> list[str]:
    """The lines of a :func:`text_array`."""
    s = a.tobytes().decode("utf-8")
    return s.split("\n") if s else []


def write_model_file(path: str | Path, arrays: dict[str, np.ndarray], card: dict) -> Path:
    """Write ``arrays`` and ``card`` to ``path`` (and the card beside it); the old file stays until the new one is whole,
    and a ``.card.json`` beside it never describes another model."""
    path = Path(path)
    arrays = {**arrays, "meta": text_array([json.dumps(card, ensure_ascii=False, sort_keys=True)])}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name in ARRAYS:
            member = io.BytesIO()
            np.lib.format.write_array(member, arrays[name], allow_pickle=False)
            z.writestr(zipfile.ZipInfo(f"{name}.npy", date_time=_FIXED_TIME), member.getvalue(), compress_type=zipfile.ZIP_DEFLATED,
                       compresslevel=_LEVELS.get(name, 6))
    card_file = card_path(path)
    # Two files cannot be renamed at once, so the old card is removed just before the model is renamed into place,
    # once both new files are written whole: a save killed (or failing) at any point leaves either the old pair, or
    # the old model without a card, or the new model with or without its card; never a card of another model
    # (loading reads the card inside the model file, so a missing .card.json loses nothing).
    with atomic_output(card_file, text=False) as card_out:
        card_out.write((json.dumps(card, indent=2, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8"))
        card_out.flush()
        with atomic_output(path, text=False) as model_out:
            model_out.write(buf.getvalue())
            model_out.flush()
            os.fsync(model_out.fileno())
            output_target(card_file).unlink(missing_ok=True)  # a card that is a link: the file it leads to, as written
    return path


def _refuse(path: Path, why: str) -> ModelFileError:
    return ModelFileError(f"{path}: {why}")


def retrain_advice(meta: dict) -> str:
    """What to do about a model file this topicslib cannot use, by the version that wrote it.

    >>> retrain_advice({"topicslib_version": "0.0.1"})  # doctest: +ELLIPSIS
    'it was written by topicslib 0.0.1 and this is topicslib ...: retrain it with this version (...) or load it with the version that wrote it'
    >>> retrain_advice({"topicslib_version": __version__})  # doctest: +ELLIPSIS
    'it was written by topicslib ..., this version, which writes no such file: it was altered or damaged since (or written by an unreleased build); retrain it (topicslib.train(...).save(path))'
    """
    written = meta.get("topicslib_version", "?")
    if written == __version__:  # retraining "with this version", or loading with the one that wrote it, is no advice
        return (f"it was written by topicslib {written}, this version, which writes no such file: it was altered or "
                "damaged since (or written by an unreleased build); retrain it (topicslib.train(...).save(path))")
    return (f"it was written by topicslib {written} and this is topicslib {__version__}: "
            "retrain it with this version (topicslib.train(...).save(path)) or load it with the version that wrote it")


def _check_unpacked_size(path: Path) -> None:
    """Refuse a file whose arrays declare far more bytes than a model of its size holds."""
    with zipfile.ZipFile(path) as z:
        members = z.infolist()
        if len(members) > _MAX_MEMBERS:
            raise _refuse(path, f"it holds {len(members):,} members where a model has {len(ARRAYS)}; refused unread")
        names = {f"{n}.npy" for n in ARRAYS}
        declared = sum(i.file_size for i in members if i.filename in names)
    size = path.stat().st_size
    if declared > _MAX_UNPACK_RATIO * size + _UNPACK_ALLOWANCE:
        raise _refuse(path, f"its arrays would unpack to {declared / 2**20:,.0f} MiB from a {size / 2**20:,.1f} MiB file, "
                            f"more than {_MAX_UNPACK_RATIO} times its size, which no saved model does; "
                            "refused unread (a zip bomb?)")


def read_model_file(path: str | Path) -> tuple[dict[str, np.ndarray], dict]:
    """The arrays and card of a model file, read safely: arrays and JSON only, never pickle.

    Raises :class:`ModelFileError` for a missing, truncated, corrupt, pickled,
    older- or newer-format file, one that lacks an array, or one with numbers that are not finite.
    """
    path = Path(path)
    if path.exists() and not path.is_file():  # a FIFO would block the open forever; a folder is no model
        raise _refuse(path, "not a regular file (a folder, pipe or device); give a model file (.npz)")
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
        with _READING, np.load(path, allow_pickle=False) as z:
            arrays = {n: z[n] for n in ARRAYS if n in z.files}
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
        meta = json.loads(arrays.pop("meta").tobytes().decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise _refuse(path, f"corrupt model metadata ({e})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise _refuse(path, "not a topicslib model file (wrong format marker)")
    version = meta.get("format_version")
    if not isinstance(version, int):
        raise _refuse(path, f"the model card has no valid format_version ({version!r}); {retrain_advice(meta)}")
    if version > FORMAT_VERSION:
        raise _refuse(path, f"written by topicslib {meta.get('topicslib_version', '?')} in model format {version}; "
                            f"this topicslib ({__version__}) reads format {FORMAT_VERSION}: upgrade topicslib "
                            "(pip install -U topicslib) or retrain the model with this version")
    if version not in _ARRAYS_OF:  # its weights were learned on other features: scoring with them would be wrong
        raise _refuse(path, f"model format {version} predates this topicslib's formats {min(_ARRAYS_OF)} to "
                            f"{FORMAT_VERSION}; {retrain_advice(meta)}")
    missing = [n for n in _ARRAYS_OF[version] if n != "meta" and n not in arrays]
    if missing:
        raise _refuse(path, f"the model file lacks the arrays {', '.join(missing)}; {retrain_advice(meta)}")
    unusable = [n for n, a in arrays.items() if a.dtype.kind == "f" and not np.all(np.isfinite(a))]
    if unusable:
        raise _refuse(path, f"its {' and '.join(unusable)} hold{'s' if len(unusable) == 1 else ''} non-finite numbers "
                            "(NaN or infinity), which no usable model has: the file was altered or damaged, or its "
                            "training overflowed (an option as extreme as C = 1e308, which training now refuses); "
                            "retrain it (topicslib.train(...).save(path))")
    return arrays, meta
