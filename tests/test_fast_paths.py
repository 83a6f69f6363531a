"""The quick paths of the classify command give what the plain ones give: orjson (the optional ``fast``
extra) reads the values and writes the bytes the json module does, the batch decision of ``classify_many``
picks the topics ``decision.chosen`` picks, and the command's output is the same byte for byte with
orjson and without it (``TOPICSLIB_NO_ORJSON=1``)."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from topicslib import jsonio
from topicslib.decision import chosen, chosen_rows, indicators
from topicslib.errors import DataError
from topicslib.records import json_row

from .conftest import ROOT

needs_orjson = pytest.mark.skipif(not jsonio.FAST, reason="orjson is not installed (the fast extra)")
_json_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

# Floats of every size (those under 1e-4 are spelled otherwise by orjson), and values only the json module takes.
floats = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from(
    [1e-7, 2.5e-05, 1e-4, 0.0001, 9.99e-05, 1e16, 1e22, 5e-324, -0.0, 0.9123])
scalars = (st.none() | st.booleans() | st.integers(min_value=-2**70, max_value=2**70) | floats
           | st.text(max_size=8) | st.sampled_from(["\ud800", "a\udfffb", "re-election", "null", "1e-7", "\u2028"]))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4),
                      max_leaves=12)


@needs_orjson
@settings(max_examples=2000, deadline=None)
@given(values)
def test_encode_writes_the_json_modules_bytes(value):
    assert jsonio.encode(value) == _json_encode(value)
    assert jsonio.encode_lines([value, {"v": value}]) == _json_encode(value) + "\n" + _json_encode({"v": value}) + "\n"


@settings(max_examples=2000, deadline=None)
@given(values)
def test_fast_loads_reads_what_json_reads_or_leaves_the_line(value):
    try:
        text = json.dumps(value, ensure_ascii=False)
    except ValueError:
        return
    for line in (text, text.encode("utf-8", "surrogatepass"), json.dumps(value)):
        got = jsonio.fast_loads(line)
        if got is not jsonio.NOT_TAKEN:
            assert jsonio.FAST and repr(got) == repr(json.loads(line))


@needs_orjson
@pytest.mark.parametrize("line", [
    b'{"n": 123456789012345678901234, "x": 1.5}', b'{"n": -9223372036854775809, "x": [0.5]}', b'{"a": NaN}',
    b'{"id": 18446744073709551617, "text": "flat, but an integer orjson reads as a float"}',
    b'{"a": 1e400}', b'{"a": "\\ud800"}', b"\xef\xbb\xbf{}", b"   \n", b'{"a": "\xff"}',
    b'{"a": ' + b"[" * 990 + b"]" * 990 + b"}", b'{"a": ' + b"[" * 1020 + b"]" * 1020 + b"}",
])
def test_lines_orjson_would_read_otherwise_go_to_the_json_module(line):
    assert jsonio.fast_loads(line) is jsonio.NOT_TAKEN


def test_a_line_read_either_way_gives_the_same_row_or_the_same_error(monkeypatch):
    lines = [b'{"text": "A\\u00f1o", "n": 123456789012345678901234, "x": 1e-7}\n', b'{"text": "Bogot\xc3\xa1"}\r\n',
             b"  \n", b'{"text": "x", "y": NaN}\n', b'{"text": "ok"}',
             b'{"text": "Bogot\xe1"}\n']  # not UTF-8: read as Windows-1252 (records.Decoder), with a warning
    bad = [b'["a list"]\n', b'{"text": }\n', b'{"n": ' + b"9" * 5000 + b"}\n",
           b"[" * 100_000 + b"]" * 100_000 + b"\n"]

    def outcome(line):
        try:
            return repr(json_row(line, 3, "a.jsonl"))
        except DataError as e:
            return str(e)

    fast = [outcome(line) for line in lines + bad]
    monkeypatch.setattr(jsonio, "orjson", None)
    assert [outcome(line) for line in lines + bad] == fast
    assert all(message.startswith("a.jsonl:3: ") for message in fast[len(lines):])
    assert fast[len(lines) - 1] == "{'text': 'Bogotá'}"


@settings(max_examples=500, deadline=None)
@given(st.integers(1, 6), st.integers(0, 30), st.booleans(), st.integers(0, 2**32 - 1))
def test_the_batch_decision_picks_what_chosen_picks(k, n, multi_label, seed):
    rng = np.random.default_rng(seed)
    proba = rng.choice([0.0, 0.2, 0.5, 0.5, 0.7, 0.9, 1.0, rng.random()], size=(n, k))  # ties on purpose
    thresholds = rng.choice([0.0, 0.5, 0.7, rng.random()], size=k)
    cols, probs, counts = chosen_rows(proba, thresholds, multi_label)
    expected = [chosen(row, thresholds.tolist(), multi_label) for row in proba.tolist()]
    assert counts == [len(e) for e in expected]
    assert cols == [j for e in expected for _, j in e] and probs == [-p for e in expected for p, _ in e]
    marks = indicators(proba, thresholds, multi_label)  # the training card's and predict's 0/1 matrix, from the batch
    assert marks.dtype == np.int8 and marks.shape == proba.shape
    assert [np.flatnonzero(row).tolist() for row in marks] == [sorted(j for _, j in e) for e in expected]


# Records whose fields orjson and the json module would write differently, or read differently, if they were
# not told apart: small and huge floats, NaN, integers beyond 64 bits, lone surrogates, nulls, nesting, text.
TRICKY = [
    '{"id": 1, "text": "Tariffs on coffee exports fell.", "w": 1e-07, "v": 2.5e-05, "big": 1e22, "t": 0.5}',
    '{"id": 123456789012345678901234, "text": "Migrants crossed the border.", "r": NaN, "s": -Infinity}',
    '{"id": 3, "text": "Coca crops \\ud800 grew in the south", "meta": {"page": [1, 2, {"x": null}]}, "topics": ["old"], "lang": "xx"}',
    '{"text": null, "id": 4}',
    '{"text": "Los migrantes venezolanos cruzaron la frontera.", "nested": ' + "[" * 300 + "]" * 300 + "}",
    '{"text": "See https://www.state.gov for the re-election of 0.00001 delegates", "n": -9223372036854775809}',
    '{"text": "Share this page", "f": 1.7976931348623157e308, "g": 5e-324, "line": "mine", "source": "theirs"}',
]


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "stdout"])
def test_the_command_writes_the_same_bytes_with_and_without_orjson(tmp_path, fmt):
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(TRICKY * 3) + "\n", encoding="utf-8")
    outputs = []
    for no_orjson in ("0", "1"):
        out = tmp_path / f"out{no_orjson}.{fmt}"
        where = ["--format", "jsonl"] if fmt == "stdout" else ["-o", str(out)]
        r = subprocess.run([sys.executable, "-m", "topicslib", "classify", str(src), *where, "-q"],
                           capture_output=True, cwd=ROOT, timeout=300, env={**os.environ, "TOPICSLIB_NO_ORJSON": no_orjson})
        assert r.returncode == 0, r.stderr
        outputs.append(r.stdout if fmt == "stdout" else out.read_bytes())
    assert outputs[0] == outputs[1]
    assert b"Coca crops \\ud800 grew" in outputs[0]  # a lone surrogate written as its escape, as before
    if fmt != "csv":
        rows = [json.loads(line) for line in outputs[0].decode("utf-8").splitlines()]
        assert len(rows) == 3 * len(TRICKY)
        assert rows[0]["w"] == 1e-07 and rows[1]["id"] == 123456789012345678901234 and math.isnan(rows[1]["r"])
        assert rows[2]["meta"] == {"page": [1, 2, {"x": None}]} and rows[2]["lang"] == "en" and rows[3]["text"] == ""
        assert rows[6]["line"] == "mine" and rows[6]["source"] == "theirs" and rows[0]["line"] == 1
        assert b'"w":1e-07,' in outputs[0]  # the json module's spelling, not orjson's 1e-7
