"""JSON in and out of records: orjson where it is installed (``pip install 'topicslib[fast]'``), else the
standard json module, with the same values read and the same bytes written either way.

:func:`fast_loads` is the quick half of the one JSON Lines parser (``records.json_row``): it answers only
where orjson's value is the json module's (not for a line holding a float and a run of 19 digits: orjson
reads an integer beyond 64 bits as a float; nor for one of many brackets, which may be nested deeper than
the json module reads) and otherwise leaves the line to ``records.parse_json``.

:func:`encode` writes an output object as compact JSON (no spaces after ``,`` and ``:``), non-ASCII
characters as they are: through orjson unless its bytes
could differ from the json module's (a float under 1e-4 in size, which orjson spells otherwise: 1e-7 for
1e-07, 0.00001 for 1e-05; an infinite or NaN float, which orjson writes as ``null``; an integer beyond
64 bits; a lone surrogate; a type beyond JSON's): those objects go through the json module.

Setting ``TOPICSLIB_NO_ORJSON=1`` before import makes topicslib ignore orjson (to compare, or to rule it out).
"""

from __future__ import annotations

import json
import math
import os
import re
from itertools import repeat

if os.environ.get("TOPICSLIB_NO_ORJSON", "") not in ("", "0"):
    orjson = None
else:
    try:
        import orjson
    except ImportError:  # the optional extra is not installed
        orjson = None

FAST = orjson is not None
# Objects nested at most this deep are read by the json module wherever the call stack stands; a line with
# at least this many brackets (which bounds its depth) goes to the json module, which says where it stops.
_BRACKETS = 256
# 19 digits in a row: maybe an integer beyond 64 bits, which orjson reads as a float and json exactly.
_LONG_DIGITS = {bytes: re.compile(rb"\d{19}").search, str: re.compile(r"\d{19}").search}

NOT_TAKEN = object()
"""What :func:`fast_loads` answers for a line it leaves to the json module."""

# A value JSON has no type for (a date or decimal read from a Parquet file) is written as its str.
_json_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str).encode


def fast_loads(line: bytes | str):
    """The JSON value of ``line`` through orjson, when it is the value ``json.loads`` gives; else :data:`NOT_TAKEN`
    (also for any line orjson refuses: blank, not UTF-8, a syntax error, NaN; the json module then decides).

    >>> fast_loads(b'{"id": 7}') == ({"id": 7} if FAST else NOT_TAKEN), fast_loads(b'{"n": 1.5, "id": 123456789012345678901234}') is NOT_TAKEN
    (True, True)
    """
    if orjson is None:
        return NOT_TAKEN
    try:
        value = orjson.loads(line)
    except orjson.JSONDecodeError:
        return NOT_TAKEN
    # The usual record, an object of strings, integers, booleans and nulls, is one level deep and holds no float
    # (an integer orjson read as one would be a float), so the checks below have nothing to find in it.
    if type(value) is dict and _SCALARS.issuperset(map(type, value.values())):  # the types looked up in C
        return value
    if len(line) >= 2 * _BRACKETS:  # a shorter line cannot hold that many brackets and their closing ones
        if type(line) is str:
            if line.count("[") + line.count("{") >= _BRACKETS:
                return NOT_TAKEN
        elif line.count(b"[") + line.count(b"{") >= _BRACKETS:
            return NOT_TAKEN
    # A float may be an integer beyond 64 bits that orjson read as one: then the json module reads the line.
    if _has_float(value) and _LONG_DIGITS[type(line)](line):
        return NOT_TAKEN
    return value


def _has_float(value) -> bool:
    """Whether a JSON value holds a float anywhere (looked for before the line is searched for long numbers)."""
    kind = type(value)
    if kind is dict:
        value = value.values()
    elif kind is not list:
        return kind is float
    for v in value:
        kind = type(v)
        if kind is float or ((kind is dict or kind is list) and _has_float(v)):
            return True
    return False


def written_alike(value) -> bool:
    """Whether orjson writes ``value`` as the json module does, as far as its types and floats tell: only str,
    int, bool, None, float, list, tuple and dict, and every float finite and 0 or at least 1e-4 in size
    (orjson spells smaller ones differently, 1e-7 for 1e-07, and writes inf and NaN as null). Integers beyond
    64 bits and lone surrogates orjson refuses, so :func:`encode` hands them to the json module then."""
    kind = type(value)
    if kind is dict:
        value = value.values()
    elif kind is not list and kind is not tuple:
        return kind in _SCALARS or (kind is float and (value == 0.0 or 1e-4 <= abs(value) < math.inf))
    if _SCALARS.issuperset(map(type, value)):  # the usual record: its values' types looked up in C
        return True
    for v in value:
        kind = type(v)
        if kind in _SCALARS:
            continue
        if kind is float:
            if not (v == 0.0 or 1e-4 <= abs(v) < math.inf):
                return False
        elif not ((kind is dict or kind is list or kind is tuple) and written_alike(v)):
            return False
    return True


_SCALARS = frozenset({str, int, bool, type(None)})


def _line(obj, alike: bool, errors: str = "surrogatepass") -> bytes:
    """``obj`` as a line of compact JSON in UTF-8; a lone surrogate (only the json module writes one) is
    encoded with ``errors``."""
    if alike or written_alike(obj):
        try:
            return orjson.dumps(obj)
        except TypeError:  # orjson.JSONEncodeError: an integer beyond 64 bits, a lone surrogate, a key no str
            pass
    return _json_encode(obj).encode("utf-8", errors)


def encode(obj) -> str:
    """``obj`` as one line of compact JSON, non-ASCII as it is: the json module's text, through orjson where
    that gives the same.

    >>> encode({"text": "Año", "n": [1, 2.5e-07], "ok": None})
    '{"text":"Año","n":[1,2.5e-07],"ok":null}'
    """
    if orjson is None:
        return _json_encode(obj)
    return _line(obj, False).decode("utf-8", "surrogatepass")


def encode_lines(objs: list, alike: list[bool] | None = None) -> str:
    """Each object of ``objs`` :func:`encode`-d, a line each (each ending in a newline). ``alike[i]`` true
    says the caller knows object i holds only values orjson writes as the json module does (no float
    under 1e-4 in size but 0, none infinite or NaN, no type beyond JSON's), so it is not looked through."""
    if orjson is None:
        return "".join([_json_encode(o) + "\n" for o in objs])
    return encode_lines_utf8(objs, alike, "surrogatepass").decode("utf-8", "surrogatepass")


def encode_lines_utf8(objs: list, alike: list[bool] | None = None, errors: str = "strict") -> bytes:
    """:func:`encode_lines` encoded in UTF-8, a lone surrogate with ``errors`` (as a text stream with that
    error handler writes it), without the text in between when orjson is there."""
    if orjson is None:
        return encode_lines(objs).encode("utf-8", errors)
    lines = list(map(_line, objs, alike or [False] * len(objs), repeat(errors)))
    lines.append(b"")
    return b"\n".join(lines)
