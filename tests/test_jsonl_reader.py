"""The compiled JSON Lines reader (``_jsonl.c``): `classify` writes the same bytes with it as without it, and it
takes only the lines whose JSON it reads as the json module does."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile
from itertools import accumulate
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

import topicslib
from topicslib import native
from topicslib.records import MemberBatch, find_sources, output_lines, read_records

pytestmark = pytest.mark.skipif(native.jsonl_reader() is None, reason="built without the compiled JSON Lines reader")

TRICKY = [
    '{"id": 1, "text": "Tariffs on coffee fell."}',
    '{"text":"Caf\\u00e9 and \\ud83d\\ude00 emoji, a \\/ slash, a tab\\there","n":-5}',
    '{ "text" : "spaces around" , "ok" : true , "no" : false , "none" : null }',
    '{"text": "control \\u0001 and \\u001f, DEL \u007f, line sep \u2028, quote \\" backslash \\\\"}',
    '{"t\\u0065xt": "a key written with an escape", "k\\"ey": "v"}',
    '{"text": "big", "n": 123456789012345678}',
    '{"text": "too big", "n": 1234567890123456789}',
    '{"text": "a float", "x": 1.5}',
    '{"text": "an exponent", "x": 1e5}',
    '{"text": "minus zero", "x": -0}',
    '{"text": "nested", "meta": {"a": [1, 2]}}',
    '{"text": "a list", "tags": ["a", "b"]}',
    '{"text": "first", "text": "repeated key"}',
    '{"text": "has topics already", "topics": [{"topic": "trade", "score": 0.5}]}',
    '{"text": "has lang", "lang": "fr"}',
    '{"text": "own source", "source": "wire", "line": 7}',
    '{"text": "a lone surrogate \\ud800 here"}',
    '{"text": "a raw newline escaped\\nhere"}',
    '{"text": null, "id": 3}',
    '{"id": 4}',
    '{"text": 5}',
    '{"text": "NaN value", "x": NaN}',
    '{"text": "Bogotá, Perú, São Paulo — ñandú 🦜"}',
    '{"text": "trailing garbage"} x',
    '[1, 2]',
    '',
    '   ',
    '{"text": "crlf line"}\r',
]


def _read(path, members: bool, batch: int = 2048):
    return list(read_records(find_sources([str(path)]), members=members, batch=batch))


def _batches_written(batches: list[MemberBatch], results: list, errors: str = "strict") -> bytes:
    """The output lines of a file's MemberBatches, a batch at a time as the command writes them."""
    ends = list(accumulate(map(len, batches), initial=0))
    return b"".join(output_lines(b, results[i:j], errors) for b, i, j in zip(batches, ends, ends[1:]))


def _both(lines: list[str]) -> tuple[bytes, bytes, int]:
    """Output of the lines read without and with the compiled reader, and how many lines it took."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "in.jsonl"
        path.write_bytes("\n".join(lines).encode("utf-8") + b"\n")
        plain, compiled = _read(path, False), _read(path, True, batch=3)
    assert all(type(b) is MemberBatch for b in compiled) and all(len(b) == 3 for b in compiled[:-1])
    assert [t for b in compiled for t in b.texts] == [r.text for r in plain]
    assert [(b.source, n) for b in compiled for n in b.lines] == [(r.source, r.line) for r in plain]
    results = topicslib.default_model().classify_many([r.text for r in plain])
    return (output_lines(plain, results, "backslashreplace"), _batches_written(compiled, results, "backslashreplace"),
            sum(m is not None for b in compiled for m in b.members))


def test_tricky_lines_are_written_as_without_the_reader():
    good = [line for line in TRICKY if line.strip() and "garbage" not in line and not line.startswith("[")
            and '"text": null' not in line and '{"id": 4}' != line and '"text": 5' not in line]
    plain, compiled, taken = _both(good)
    assert compiled == plain
    # it takes the plain records (objects of strings, small integers, booleans, null) and leaves the others
    assert taken == 9, taken


def test_lines_the_reader_leaves_fail_as_they_did(tmp_path):
    for line in ('{"text": "trailing garbage"} x', "[1, 2]", '{"id": 4}', '{"text": 5}'):
        f = tmp_path / "bad.jsonl"
        f.write_text('{"text": "fine"}\n' + line + "\n", encoding="utf-8")
        runs = [subprocess.run([sys.executable, "-m", "topicslib", "classify", str(f), "-o", str(tmp_path / "o.jsonl")],
                               capture_output=True, text=True, env=env)
                for env in (None, {**os.environ, "TOPICSLIB_NO_EXTENSION": "1"})]
        assert runs[0].returncode == runs[1].returncode == 1
        assert runs[0].stderr == runs[1].stderr and "bad.jsonl:2: " in runs[0].stderr


_SCALAR = st.one_of(st.text(), st.integers(-10**19, 10**19), st.booleans(), st.none(),
                    st.floats(allow_nan=False, allow_infinity=False))
_RECORD = st.dictionaries(st.text(max_size=8), _SCALAR, max_size=6).map(lambda d: {**d, "text": d.get("text", "x")})


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_RECORD, st.booleans(), st.sampled_from([(",", ":"), (", ", ": "), (" ,", " : ")])),
                min_size=1, max_size=5))
def test_any_records_are_written_as_without_the_reader(rows):
    lines = []
    for record, ascii_only, separators in rows:
        if not isinstance(record["text"], str):
            record["text"] = str(record["text"])
        lines.append(json.dumps(record, ensure_ascii=ascii_only, separators=separators))
    plain, compiled, _ = _both(lines)
    assert compiled == plain


def test_a_string_ends_its_plain_run_at_any_special_byte_wherever_it_falls():
    """The reader steps over plain ASCII eight bytes at a time: a quote, a backslash, a control character, DEL and
    characters beyond ASCII are read the same at every offset of that step, and a raw control character (not JSON)
    leaves the line to the json module."""
    specials = ['"', "\\", "\n", "\x01", "\x1f", "\x7f", "é", "—", "🦜", " "]
    lines = [json.dumps({"id": n, "text": "a" * n + s + "b" * (17 - n)}, ensure_ascii=ascii_only)
             for s in specials for n in range(17) for ascii_only in (False, True)]
    plain, compiled, taken = _both(lines)
    assert compiled == plain
    assert taken == len(lines)
    raw = [b'{"text": "' + b"a" * n + b'\x01b"}' for n in range(17)]
    assert native.jsonl_reader()(raw, "text") == [None] * len(raw)


def _written(scores: list[float], line: int) -> bytes:
    """The compiled writer's line for a record with `line` and one topic a score."""
    return native.jsonl_writer()([b'"id":1'], [""], [line], ["en"], {"en": b'"en"'}, [len(scores)], [0] * len(scores),
                                 scores, [b'{"topic":"trade","score":'])


def _expected(scores: list[float], line: int) -> bytes:
    topics = ",".join(json.dumps({"topic": "trade", "score": s}, separators=(",", ":")) for s in scores)
    return f'{{"id":1,"line":{line},"lang":"en","topics":[{topics}]}}\n'.encode()


def test_the_writer_prints_every_score_and_line_number_as_the_json_module_does():
    """Scores of four decimals (as outputs print them) are written without dtoa: each is float.__repr__'s, as are
    those of more decimals, beyond that range or signed; line numbers at the edges of their digits. (A score is a
    probability, never infinite nor NaN.)"""
    scores = [k / 10000 for k in range(20001)] + [round(1e9 - k / 10000, 4) for k in range(1, 2000)]
    scores += [-0.0, -0.5, 1e9, 5e-5, 1e-5, 0.1 + 0.2, 1 / 3, 12345678.12345, 5e-324, 1e300, -1e300]
    assert _written(scores, 7) == _expected(scores, 7)
    for line in (0, 1, 9, 10, 99, 100, 123456789, 2**63 - 1, -1, -10, -2**63):
        assert _written([0.5], line) == _expected([0.5], line)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False) | st.integers(0, 10**13).map(lambda k: k / 10000), min_size=1, max_size=20))
def test_the_writer_prints_any_score_as_the_json_module_does(scores):
    assert _written(scores, 3) == _expected(scores, 3)


def test_scores_that_are_not_finite_are_written_as_the_json_module_writes_them(tmp_path):
    """The compiled writer wrote a NaN or infinite score as float's repr (nan, inf: no JSON reader takes them) and
    the orjson path as null; the json module writes NaN, Infinity and -Infinity. A model's scores are finite: these
    are scores given by hand to the public writers."""
    import io

    from topicslib.documents import TopicScore
    from topicslib.records import output_records
    from topicslib.writers import JsonlWriter

    path = tmp_path / "in.jsonl"
    path.write_text('{"id": 1, "text": "Tariffs fell."}\n{"id": 2, "text": "Migrants crossed."}\n', encoding="utf-8")
    plain, compiled = _read(path, False), _read(path, True)
    assert [m is not None for b in compiled for m in b.members] == [True, True]
    results = [[TopicScore("trade", math.nan), TopicScore("migration", math.inf)],
               [TopicScore("migration", -math.inf), TopicScore("trade", 0.5)]]
    expected = "".join(json.dumps(o, ensure_ascii=False, separators=(",", ":")) + "\n"
                       for o in output_records(plain, results)).encode("utf-8")
    assert b'"score":NaN}' in expected and b'"score":Infinity}' in expected and b'"score":-Infinity}' in expected
    assert _batches_written(compiled, results) == expected
    assert output_lines(plain, results) == expected
    text = io.StringIO()
    JsonlWriter(text).write_many(plain, results)
    assert text.getvalue().encode("utf-8") == expected
