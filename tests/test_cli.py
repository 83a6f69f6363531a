"""The command line, driven as a user drives it: in a subprocess, through pipes, files and a terminal."""

from __future__ import annotations

import contextlib
import csv
import gc
import io
import json
import os
import pty
import random
import re
import select
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

import topicslib
from topicslib.progress import Progress
from topicslib.documents import split_paragraphs

from .conftest import ROOT, TINY

SAMPLE = ROOT / "docs" / "sample-document.md"
CMD = [sys.executable, "-m", "topicslib"]


def run(*args, stdin=None, cwd=None):
    return subprocess.run([*CMD, *args], input=stdin, capture_output=True, text=True, cwd=cwd or ROOT, timeout=300)


def jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def topic_ids(row: dict) -> list[str]:
    return [t["topic"] for t in row["topics"]]


def write_jsonl(path: Path, rows) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


# -- classify: inputs and outputs ----------------------------------------------------------------------
EVIDENCE_ROWS = [{"text": "Coca cultivation rose in Putumayo despite forced eradication.", "id": 1},
                 {"text": "Share this page", "evidence": "mine"},
                 {"text": "The ministers met to discuss tariffs on coffee exports and migration."}]


def _evidence(text: str) -> dict[str, list[str]]:
    model = topicslib.default_model()
    topics = [t for t, _ in model.classify(text)]
    return {e.topic: [t.term for t in e.evidence()] for e in model.explain(text, topic=topics)} if topics else {}


def test_classify_evidence_gives_each_topic_the_terms_that_drove_it(tmp_path):
    src = write_jsonl(tmp_path / "in.jsonl", EVIDENCE_ROWS)
    rows = jsonl(run("classify", str(src), "--evidence").stdout)
    for row, given in zip(rows, EVIDENCE_ROWS):
        want = _evidence(given["text"])
        assert {t["topic"]: t["evidence"] for t in row["topics"]} == want
    assert rows[0]["topics"][0]["evidence"][0] == "coca" and rows[1]["evidence"] == "mine"  # the input's own field
    assert all("evidence" not in t for r in jsonl(run("classify", str(src)).stdout) for t in r["topics"])  # asked only

    csv_rows = list(csv.DictReader(io.StringIO(run("classify", str(src), "--evidence", "--format", "csv").stdout)))
    for row in csv_rows:  # one cell a topic, in the topics' order
        want = _evidence(row["text"])
        topics, cells = (row["topics"].split(";"), row["evidence"].split(";")) if row["topics"] else ([], [])
        assert [c.split("|") if c else [] for c in cells] == [want[t] for t in topics]
    plain = list(csv.DictReader(io.StringIO(run("classify", str(src), "--format", "csv").stdout)))
    assert plain[1]["evidence"] == "mine"  # without --evidence an input's own column is kept

    table = run("classify", str(src), "--evidence", "--format", "table").stdout
    assert "      evidence: narcotics: Coca, eradication" in table and table.count("evidence:") == 2  # as written

    doc = tmp_path / "d.md"
    doc.write_text("Tariffs on **coffee exports** rose.\n", encoding="utf-8")
    row = jsonl(run("classify", str(doc), "--document", "--evidence").stdout)[0]
    assert {t["topic"]: t["evidence"] for t in row["topics"]} == _evidence("Tariffs on coffee exports rose.")  # as scored


def test_classify_text_arguments_in_a_pipe_give_json_lines_and_a_table_on_request():
    r = run("classify", "--text", "Colombia hosts nearly three million Venezuelan migrants.", "--text", "Share this page | Print")
    assert r.returncode == 0, r.stderr
    rows = jsonl(r.stdout)
    assert [row["text"] for row in rows] == ["Colombia hosts nearly three million Venezuelan migrants.", "Share this page | Print"]
    assert topic_ids(rows[0])[0] == "migration" and rows[1]["topics"] == []
    assert all(0 <= t["score"] <= 1 for t in rows[0]["topics"])
    assert r.stderr == ""  # nothing but results when piped

    r = run("classify", "--format", "table", "--text", "Coca crops and cocaine trafficking grew.")
    assert r.returncode == 0 and r.stdout.startswith("narcotics 1.00") and "Coca crops" in r.stdout


def test_classify_document_from_stdin_numbers_paragraphs():
    r = run("classify", "--document", stdin="Tariffs on exports fell.\n\nRelated posts\n")
    assert r.returncode == 0, r.stderr
    rows = jsonl(r.stdout)
    assert [row["paragraph"] for row in rows] == [0, 1]
    assert rows[1]["topics"] == [] and "trade" in topic_ids(rows[0])
    assert rows[0]["source"] == "<stdin>"


def test_jsonl_input_keeps_fields_and_order_and_document_mode_splits_each_record(tmp_path):
    src = write_jsonl(tmp_path / "in.jsonl", [
        {"id": "a", "text": "Tariffs on coffee exports fell.", "paragraph": 7, "lang": "en", "topics": ["gold"]},
        {"id": "b", "text": "Migrants crossed the Darién.\n\nCoca cultivation rose in Nariño.", "meta": {"page": 2}},
    ])
    r = run("classify", str(src))
    assert r.returncode == 0, r.stderr
    rows = jsonl(r.stdout)
    # the input's fields, in order (its own `paragraph` too); topics and lang replaced
    assert list(rows[0]) == ["id", "text", "paragraph", "source", "line", "lang", "topics"]
    assert rows[0]["id"] == "a" and rows[0]["paragraph"] == 7 and topic_ids(rows[0])[0] == "trade"
    assert rows[1]["meta"] == {"page": 2} and "Darién" in rows[1]["text"]

    r = run("classify", "--document", str(src))
    rows = jsonl(r.stdout)
    assert [(row["id"], row["paragraph"]) for row in rows] == [("a", 0), ("b", 0), ("b", 1)]
    assert rows[2]["text"] == "Coca cultivation rose in Nariño." and "narcotics" in topic_ids(rows[2])
    assert "migration" in topic_ids(rows[1])


def test_csv_input_with_a_chosen_column_and_csv_output(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text('doc,body\n1,"Tariffs on coffee exports fell."\n2,"Share this page"\n', encoding="utf-8")
    out = tmp_path / "out.csv"
    r = run("classify", str(src), "--column", "body", "-o", str(out))  # the format follows the suffix
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert list(rows[0]) == ["doc", "body", "source", "line", "lang", "topics", "scores"]
    assert rows[0]["doc"] == "1" and rows[0]["topics"].split(";")[0] == "trade"
    assert len(rows[0]["topics"].split(";")) == len(rows[0]["scores"].split(";"))
    assert 0.5 < float(rows[0]["scores"].split(";")[0]) <= 1
    assert rows[1]["topics"] == "" and rows[1]["scores"] == ""


def test_csv_output_reads_back_every_text_and_gives_later_fields_their_columns(tmp_path):
    # a carriage return inside a text ends a row for every CSV reader unless the cell is quoted
    records = [{"text": "Migrants crossed the border.\rTariffs rose.", "id": 1},
               {"text": 'He said "no", twice,\nthen left.', "id": 2},
               {"text": "Coca crops grew.", "id": 3, "date": "2024-05-01", "scores": "theirs"},
               {"text": "Share this page", "id": 4, "meta": {"page": 2}}]
    src, out = tmp_path / "in.jsonl", tmp_path / "out.csv"
    src.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    r = run("classify", str(src), "-o", str(out))
    assert r.returncode == 0, r.stderr
    with open(out, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["text", "id", "source", "line", "lang", "date", "meta", "topics", "scores"]
    assert [row["text"] for row in rows] == [rec["text"] for rec in records]
    assert [row["date"] for row in rows] == ["", "", "2024-05-01", ""] and rows[3]["meta"] == '{"page":2}'
    assert rows[2]["topics"].split(";")[0] == "narcotics" and rows[2]["scores"] != "theirs"


def test_csv_output_gives_a_huge_earlier_row_its_later_fields_without_reading_it_as_csv(tmp_path):
    # the rows written before a field first appears get its empty cell by their lengths, not by parsing them again
    # with the csv module, whose readers stop at a field of CSV_FIELD_LIMIT characters (a traceback, once)
    from topicslib.records import CSV_FIELD_LIMIT

    huge = "Tariffs rose. " * (CSV_FIELD_LIMIT // 14 + 1)
    src, out = tmp_path / "in.jsonl", tmp_path / "out.csv"
    src.write_text(json.dumps({"text": huge}) + "\n" + json.dumps({"text": "Coca crops grew.", "id": 2}) + "\n",
                   encoding="utf-8")
    r = run("classify", str(src), "-o", str(out))
    assert r.returncode == 0, r.stderr
    limit = csv.field_size_limit(len(huge) + 1)
    try:
        with open(out, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
    finally:
        csv.field_size_limit(limit)
    assert list(rows[0]) == ["text", "source", "line", "lang", "id", "topics", "scores"]
    assert rows[0]["text"] == huge and rows[0]["id"] == "" and rows[1]["id"] == "2"


def test_csv_rows_are_quoted_as_the_csv_module_quotes_them():
    from topicslib.writers import csv_line

    rng = random.Random(0)
    alphabet = ['a', 'é', ' ', ',', '"', '\n', ';', '\t', '\x00', '😀', '\u2028']
    for _ in range(2000):
        cells = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 6))) for _ in range(rng.randint(2, 5))]
        expected = io.StringIO()
        csv.writer(expected, lineterminator="\n").writerow(cells)
        assert csv_line(cells) == expected.getvalue()
        cells[0] += "\r"  # which the csv module leaves bare: here it is quoted, and the row reads back whole
        assert next(csv.reader(io.StringIO(csv_line(cells), newline=""))) == cells


def test_awkward_text_round_trips(tmp_path):
    """A lone surrogate escaped in JSON, control characters, right-to-left text and emoji come back as they went in."""
    texts = ["coca \ud800 crops", "tab\there\x00nul", "مهاجرون على الحدود", "🌎 migrants crossed 🚶"]
    src = tmp_path / "odd.jsonl"
    src.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts), encoding="ascii")  # \ud800 as an escape
    r = run("classify", str(src))
    assert r.returncode == 0, r.stderr
    assert [row["text"] for row in jsonl(r.stdout)] == texts
    r = run("classify", str(src), "--format", "table")
    assert r.returncode == 0 and "\\ud800" in r.stdout
    r = run("report", str(src), "-o", str(tmp_path / "r.html"))
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert r.returncode == 0 and re.search("\ufffd (<mark[^>]*>)?crops", page) and "tab\there\ufffdnul" in page
    assert "مهاجرون" in page
    assert "\x00" not in page


def test_folders_are_read_recursively_in_name_order(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "b.txt").write_text("Coca cultivation rose.", encoding="utf-8")
    (tmp_path / "sub" / "c.md").write_text("Tariffs on exports fell.", encoding="utf-8")
    write_jsonl(tmp_path / "a.jsonl", [{"text": "Migrants crossed the border."}])
    (tmp_path / "notes.docx").write_bytes(b"\x00\x01")  # not an input type: skipped in a folder
    r = run("classify", str(tmp_path))
    assert r.returncode == 0, r.stderr
    rows = jsonl(r.stdout)
    assert [topic_ids(row)[0] for row in rows] == ["migration", "narcotics", "trade"]
    assert rows[1]["source"] == str(tmp_path / "b.txt")



def test_a_folder_says_what_it_holds_that_is_not_read(tmp_path, caplog):
    """Files of other types (not hidden ones), broken links and links to folders are named in one warning, which
    --quiet keeps (it is about the data); in a folder with nothing to read, in the error."""
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.json").write_text('[{"text": "Coca cultivation rose."}]', encoding="utf-8")
    (folder / "sub" / "b.tsv").write_text("text\tx\nCoca\t1\n", encoding="utf-8")
    (folder / ".DS_Store").write_bytes(b"\x00")  # hidden: not worth a word
    (folder / "c.jsonl").symlink_to(tmp_path / "nowhere.jsonl")
    (folder / "linked").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    (tmp_path / "elsewhere").mkdir()
    r = run("classify", str(folder))
    assert r.returncode == 1 and r.stderr == (
        f"topicslib: error: {folder}: no .txt, .md, .markdown, .text, .jsonl, .ndjson, .csv (or gzip, bz2, xz "
        "compressed) files in this folder; it holds 2 files of other types (.json, .tsv), 1 broken link and 1 link "
        "to a folder (not followed)\n"), r.stderr
    write_jsonl(folder / "five.jsonl", [{"text": "Migrants crossed the border."}])
    r = run("classify", str(folder), "-o", str(tmp_path / "out.jsonl"), "-q")
    assert r.returncode == 0 and r.stderr == (f"topicslib: warning: {folder}: skipped 2 files of other types (.json, "
                                              ".tsv), 1 broken link and 1 link to a folder (not followed)\n"), r.stderr
    assert len(jsonl((tmp_path / "out.jsonl").read_text(encoding="utf-8"))) == 1
    examples = tmp_path / "examples"  # the examples reader finds its files alike, from Python too
    examples.mkdir()
    write_jsonl(examples / "ex.jsonl", [{"text": "Migrants crossed the border.", "topics": ["migration"]}])
    (examples / "more.json").write_text('[{"text": "Tariffs fell.", "topics": ["trade"]}]', encoding="utf-8")
    with caplog.at_level("WARNING", logger="topicslib"):
        assert len(topicslib.read_examples(examples)) == 1
    assert f"{examples}: skipped 1 file of another type (.json)" in caplog.text


def test_a_folder_says_nothing_of_its_documentation_and_code_but_names_data_left_out(tmp_path, caplog):
    """A folder of data often holds its README and the script that made it: they are no data, and a warning about
    them at every run would hide the one about data-like files of another type, which is kept."""
    folder = tmp_path / "examples"
    folder.mkdir()
    write_jsonl(folder / "ex.jsonl", [{"text": "Migrants crossed the border.", "topics": ["migration"]}])
    for name in ("README.md", "README.txt", "LICENSE", "notes.rst", "make_examples.py", "clean.R", "look.ipynb"):
        (folder / name).write_text("not data\n", encoding="utf-8")
    with caplog.at_level("WARNING", logger="topicslib"):
        assert len(topicslib.read_examples(folder)) == 1
    assert caplog.text == ""
    for name in ("more.txt", "notes.txt"):
        (folder / name).write_text("Tariffs fell.\n", encoding="utf-8")
    (folder / "votes.xlsx").write_bytes(b"PK\x03\x04")
    with caplog.at_level("WARNING", logger="topicslib"):
        assert len(topicslib.read_examples(folder)) == 1
    assert caplog.text.endswith(f"{folder}: skipped 3 files of other types (.txt, .xlsx); convert spreadsheets by "
                                "saving them as .csv\n"), caplog.text
    r = run("classify", str(folder), "-o", str(tmp_path / "out.jsonl"), "-q")  # a README.md is text to classify
    assert r.returncode == 0 and r.stderr == (f"topicslib: warning: {folder}: skipped 1 file of another type (.xlsx); "
                                              "convert spreadsheets by saving them as .csv\n"), r.stderr


def test_batches_and_streaming_give_the_same_results_as_classify_many(tmp_path):
    base = [json.loads(line)["text"] for line in (ROOT / "examples" / "headlines.jsonl").read_text(encoding="utf-8").splitlines()]
    texts = [f"{base[i % len(base)]} ({i})" for i in range(5000)]  # more than two batches
    src = write_jsonl(tmp_path / "many.jsonl", [{"n": i, "text": t} for i, t in enumerate(texts)])
    r = run("classify", str(src), "-o", str(tmp_path / "out.jsonl"))
    assert r.returncode == 0, r.stderr
    rows = jsonl((tmp_path / "out.jsonl").read_text(encoding="utf-8"))
    assert [row["n"] for row in rows] == list(range(5000))
    expected = topicslib.classify_many(texts)
    assert [[(t["topic"], t["score"]) for t in row["topics"]] for row in rows] == \
        [[(t, round(s, 4)) for t, s in ts] for ts in expected]


def test_a_long_text_file_is_split_in_chunks_exactly_like_the_whole_text(tmp_path):
    lines = []
    for i in range(4000):  # ~12,000 lines: several chunks, with wrapped lines, bullets and headings
        lines += [f"## Part {i}" if i % 7 == 0 else f"- item {i} on coca eradication and" if i % 5 == 0
                  else f"Migrants crossed the border {i} and", "continued the journey.", ""]
    text = "\n".join(lines)
    (tmp_path / "long.txt").write_text(text, encoding="utf-8")
    r = run("classify", "--document", str(tmp_path / "long.txt"))
    assert r.returncode == 0, r.stderr
    rows = jsonl(r.stdout)
    assert [row["text"] for row in rows] == split_paragraphs(text)
    assert [row["paragraph"] for row in rows] == list(range(len(rows)))


def test_output_streams_before_the_input_ends():
    """Results of the first batches come out while standard input is still open: nothing waits for the whole input."""
    p = subprocess.Popen([*CMD, "classify", "--input-format", "jsonl"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, cwd=ROOT)
    first_seen = threading.Event()

    def feed() -> None:
        line = json.dumps({"text": "Tariffs on coffee exports fell sharply this year."}) + "\n"
        with contextlib.suppress(BrokenPipeError):
            p.stdin.write(line.encode() * 3 * 2048)  # three batches
            p.stdin.flush()
            first_seen.wait(120)  # keep the input open until a result came out
            p.stdin.close()

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    try:
        ready, _, _ = select.select([p.stdout], [], [], 120)
        assert ready, "no output while the input was still open"
        assert not first_seen.is_set() and not p.stdin.closed
        first = json.loads(p.stdout.readline())
        assert topic_ids(first)[0] == "trade"
    finally:
        first_seen.set()
        rest = p.stdout.read()
        writer.join(60)
    assert p.wait(60) == 0 and len(rest.splitlines()) == 3 * 2048 - 1


def test_a_closed_pipe_ends_quietly(tmp_path):
    src = write_jsonl(tmp_path / "many.jsonl", [{"text": f"Tariffs fell {i}."} for i in range(20000)])
    p = subprocess.Popen([*CMD, "classify", str(src)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    p.stdout.readline()
    p.stdout.close()  # like `| head -1`
    err = p.stderr.read().decode()
    assert p.wait(120) == 0 and "Traceback" not in err


# -- data errors: exit 1, file and line, no traceback, no half-written output ------------------------------
@pytest.mark.parametrize("name, content, args, message", [
    ("bad.jsonl", b'{"text": "ok"}\n{"text": \n', [], "bad.jsonl:2: invalid JSON"),
    ("bad.jsonl", b'{"text": "ok"}\n["a list"]\n', [], "bad.jsonl:2: expected a JSON object"),
    ("bad.jsonl", b'{"text": "ok"}\n{"body": "x"}\n', [], "bad.jsonl:2: no 'text' field"),
    ("bad.jsonl", b'{"text": 42}\n', [], "bad.jsonl:1: 'text' must be a string, got int"),
    ("bad.txt", b"fine line\ncaf\xe9 latin-1\n", ["--encoding", "utf-8"], "bad.txt:2: not UTF-8"),
    ("bad.txt", b"fine line\ncaf\xe9 latin-1\n", ["--encoding", "ascii"], "bad.txt:2: not ascii (byte 4 of the line)"),
    ("bad.txt", "UTF-16 text\n".encode("utf-16"), [], "bad.txt:1: not UTF-8 (byte 1 of the line), and it holds NUL"),
    ("bad.csv", b"id,body\n1,hello\n", [], "bad.csv:1: no column 'text' in the header (columns: id, body)"),
    ("bad.csv", b"id,text\n1,hello\n2,hi,extra\n", [], "bad.csv:3: the row has more cells than the header"),
    ("bad.csv", b"", [], "bad.csv:1: the CSV file is empty"),
    ("bad.docx", b"x", [], "bad.docx: unknown file type '.docx'"),
])
def test_bad_input_exits_1_naming_file_and_line(tmp_path, name, content, args, message):
    path = tmp_path / name
    path.write_bytes(content)
    out = tmp_path / "out.jsonl"
    out.write_text("previous results\n", encoding="utf-8")
    r = run("classify", str(path), "-o", str(out), *args)
    assert r.returncode == 1, r.stderr
    assert message in r.stderr and str(tmp_path) in r.stderr
    assert "Traceback" not in r.stderr
    assert out.read_text(encoding="utf-8") == "previous results\n"  # written atomically: the old file stays
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_missing_inputs_and_empty_folders_are_data_errors(tmp_path):
    r = run("classify", str(tmp_path / "nope.txt"))
    assert r.returncode == 1 and "nope.txt: no such file or folder" in r.stderr
    r = run("classify", str(tmp_path))
    assert r.returncode == 1 and "no .txt, .md, .markdown, .text, .jsonl, .ndjson, .csv (or gzip, bz2, xz compressed) files in this folder" in r.stderr
    r = run("report", str(tmp_path / "nope.md"), "-o", str(tmp_path / "r.html"))
    assert r.returncode == 1 and "nope.md: no such file or folder" in r.stderr and not (tmp_path / "r.html").exists()


def test_training_data_error_exits_1_with_file_and_line(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "a", "topics": []}\n{"text": \n', encoding="utf-8")
    r = run("train", str(bad), "-o", str(tmp_path / "m.npz"))
    assert r.returncode == 1 and f"{bad}:2: invalid JSON" in r.stderr
    assert "Traceback" not in r.stderr and not (tmp_path / "m.npz").exists()


# -- usage errors: exit 2 -------------------------------------------------------------------------------------
@pytest.mark.parametrize("args, message", [
    (["classify", "--format", "xml"], "invalid choice"),
    (["train", "examples/"], "the following arguments are required: -o/--output"),
    (["report", "docs/sample-document.md"], "the following arguments are required: -o/--output"),
    (["train", "examples/", "-o", "m.npz", "--options", "{C: 1}"], "--options is not valid JSON"),
    (["cross-validate", "examples/", "--options", '{"folds": 3}'], "give the number of cross-validation folds with --folds"),
    (["frobnicate"], "invalid choice"),
])
def test_usage_errors_exit_2(args, message):
    r = run(*args)
    assert r.returncode == 2 and message in r.stderr, r.stderr


def test_classify_without_input_on_a_terminal_is_a_usage_error():
    master, slave = pty.openpty()
    try:
        r = subprocess.run([*CMD, "classify"], stdin=slave, capture_output=True, text=True, cwd=ROOT, timeout=120)
    finally:
        os.close(slave)
        os.close(master)
    assert r.returncode == 2 and "give a --text, files or folders, or pipe text" in r.stderr


# -- train, evaluate, cross-validate, explain, topics --------------------------------------------------------
def test_examples_read_from_fields_of_other_names(tmp_path):
    """A data set as users export it (the text in 'body', one label a row in 'label', as a CSV file) trains,
    evaluates, cross-validates and is audited once its fields are named; the same model as from our format."""
    ours = write_jsonl(tmp_path / "ours.jsonl", TINY)
    theirs = tmp_path / "theirs.csv"
    with theirs.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["label", "body"])
        w.writerows(["|".join(r["topics"]), r["text"]] for r in TINY)
    fields = ["--column", "body", "--topics-column", "label"]
    options = ["--options", '{"min_df": 1, "folds": 3}']
    r = run("train", str(theirs), "-o", str(tmp_path / "m.npz"), *options)
    assert r.returncode == 1 and "theirs.csv:1: no column 'text' in the header (columns: label, body); choose the " \
                                  "columns with --column and --topics-column" in r.stderr
    assert run("train", str(theirs), "-o", str(tmp_path / "m.npz"), *fields, *options).returncode == 0
    assert run("train", str(ours), "-o", str(tmp_path / "o.npz"), *options).returncode == 0
    assert (tmp_path / "m.npz").read_bytes() == (tmp_path / "o.npz").read_bytes()
    r = run("evaluate", str(theirs), "--model", str(tmp_path / "m.npz"), *fields, "--json")
    assert r.returncode == 0 and json.loads(r.stdout) == topicslib.load_model(tmp_path / "m.npz").evaluate(ours).to_dict()
    r = run("cross-validate", str(theirs), *fields, "--folds", "3", "--options", '{"min_df": 1}', "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["micro"] == topicslib.cross_validate(ours, folds=3, min_df=1).to_dict()["micro"]
    r = run("audit", str(theirs), *fields, *options, "--json")
    assert r.returncode == 0, r.stderr
    assert [s["where"] for s in json.loads(r.stdout)] == [f"{theirs}:{s.index + 2}" for s in topicslib.audit(ours, min_df=1, folds=3)]


def test_train_evaluate_cross_validate_with_a_new_label_set(tmp_path):
    data = write_jsonl(tmp_path / "ex.jsonl", TINY)
    model = tmp_path / "m.npz"
    r = run("train", str(data), "-o", str(model), "--options", '{"min_df": 1, "folds": 3}')
    assert r.returncode == 0, r.stderr
    assert model.exists() and (tmp_path / "m.card.json").exists() and "15 examples (2 topics)" in r.stdout
    r = run("classify", "--model", str(model), "--text", "refugees asked for asylum")
    assert r.returncode == 0 and topic_ids(jsonl(r.stdout)[0]) == ["people"]

    r = run("evaluate", str(data), "--model", str(model), "--json")
    assert r.returncode == 0, r.stderr
    ev = json.loads(r.stdout)
    assert ev["n_examples"] == 15 and set(ev["topics"]) == {"econ", "people"} and 0 <= ev["micro"]["f1"] <= 1
    sourced = write_jsonl(tmp_path / "sourced.jsonl",
                          [{**r, "source": "wire" if i < 5 else "paper"} for i, r in enumerate(TINY)])
    r = run("evaluate", str(sourced), "--model", str(model), "--by", "source", "--json")
    assert r.returncode == 0, r.stderr
    by = json.loads(r.stdout)
    assert by["by"] == "source" and {v: g["n_examples"] for v, g in by["groups"].items()} == {"paper": 10, "wire": 5}
    r = run("evaluate", str(sourced), "--model", str(model), "--by", "source")
    assert "by source  examples" in r.stdout and "\nwire   " in r.stdout and "no example has" not in r.stderr
    r = run("evaluate", str(sourced), "--model", str(model), "--by", "sourse")  # a misspelt field is said to be one
    assert r.returncode == 0 and "no example has a value in the field 'sourse'" in r.stderr
    wrong = write_jsonl(tmp_path / "wrong.jsonl", [{"text": "refugees asked for asylum", "topics": ["econ"]}, *TINY])
    r = run("evaluate", str(wrong), "--model", str(model), "--mistakes", "1")
    assert r.returncode == 0 and "the 1 most confidently wrong:" in r.stdout, r.stdout
    assert f"{wrong}:1  gold: econ  predicted: people" in r.stdout and "refugees asked for asylum" in r.stdout
    extra = topicslib.load_model(model).explain("refugees asked for asylum", topic="people")[0].evidence()
    assert "        extra because of: people: " + ", ".join(t.term for t in extra) in r.stdout and extra
    r = run("evaluate", str(wrong), "--model", str(model), "--mistakes", "1", "--json")
    shown = json.loads(r.stdout)["mistakes"]
    assert [m["where"] for m in shown] == [f"{wrong}:1"]
    assert shown[0]["extra_evidence"] == {"people": [t.term for t in extra]}
    other = tmp_path / "other.npz"
    assert run("train", str(data), "-o", str(other), "--options", '{"min_df": 1, "folds": 3, "C": 0.01}').returncode == 0
    r = run("evaluate", str(wrong), "--model", str(model), "--against", str(other), "--json")
    both = json.loads(r.stdout)
    assert both["against"]["model"] == str(other)
    assert both["against"]["micro"] == topicslib.load_model(other).evaluate(wrong).to_dict()["micro"]
    r = run("evaluate", str(wrong), "--model", str(model), "--against", str(other))
    mine, theirs = both["micro"]["f1"], both["against"]["micro"]["f1"]
    assert re.search(rf"\nmicro avg +{mine:.3f} +{theirs:.3f} +{re.escape(f'{mine - theirs:+.3f}')}\n", r.stdout)
    assert re.search(r"\ntopic +m\.npz +other\.npz +change\n", r.stdout)  # the models named by their files
    r = run("evaluate", str(wrong), "--model", str(model), "--against", "default")
    assert "F1 against default on the same examples" in r.stdout and "econ" in r.stdout and "migration" in r.stdout

    r = run("cross-validate", str(data), "--folds", "3", "--options", '{"min_df": 1}', "--json")
    assert r.returncode == 0, r.stderr
    cv = json.loads(r.stdout)
    assert cv["folds"] == 3 and cv["n_examples"] == 15 and set(cv["topics"]) == {"econ", "people"}
    r = run("cross-validate", str(data), "--folds", "3", "--options", '{"min_df": 1}')
    assert r.returncode == 0 and r.stdout.startswith("3-fold cross-validation on 15 examples") and "macro avg" in r.stdout
    r = run("cross-validate", str(sourced), "--folds", "3", "--options", '{"min_df": 1}', "--by", "source", "--json")
    cv_by = json.loads(r.stdout)
    assert {v: g["n_examples"] for v, g in cv_by["groups"].items()} == {"paper": 10, "wire": 5}
    assert sum(g["micro"]["support"] for g in cv_by["groups"].values()) == cv_by["micro"]["support"]

    r = run("cross-validate", str(data), "--folds", "9", "--options", '{"rare_topics": "error"}')
    assert r.returncode == 1 and "at least 9 are needed" in r.stderr  # more folds than examples of a topic
    assert "lower the number of folds" in r.stderr and "min_examples" not in r.stderr  # what set the 9
    r = run("cross-validate", str(data), "--folds", "8")  # by default rare topics are left out: here all are
    assert r.returncode == 1 and "no topic has the 8 examples needed to train it (the number of folds)" in r.stderr, r.stderr


def test_evaluate_and_cross_validate_show_averages_over_no_gold_topic_as_undefined(tmp_path):
    # every gold label empty: an average over no topic is undefined, shown "-" with a note, null in the JSON
    model = tmp_path / "m.npz"
    assert run("train", str(write_jsonl(tmp_path / "ex.jsonl", TINY)), "-o", str(model),
               "--options", '{"min_df": 1, "folds": 3}').returncode == 0
    empty = write_jsonl(tmp_path / "empty.jsonl", [r for r in TINY if not r["topics"]])
    r = run("evaluate", str(empty), "--model", str(model), "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["macro"]["f1"] is None and json.loads(r.stdout)["micro"]["f1"] is None
    r = run("evaluate", str(empty), "--model", str(model), "--against", str(model))
    assert r.returncode == 0 and re.search(r"\nmacro avg +- +- +- +0\n", r.stdout), r.stdout
    assert "-: undefined where no example's gold labels hold a topic" in r.stdout and "0.000   0\n" not in r.stdout
    assert re.search(r"\nmacro avg +- +- +-\n", r.stdout)  # beside the other model too
    # cross-validate by a field whose one value has no gold topic: that group's averages are "-" and null (its
    # micro precision and F1 are 0 here: the held-out models tagged some of its paragraphs, wrongly)
    parts = write_jsonl(tmp_path / "parts.jsonl", [{**r, "part": "a" if r["topics"] else "b"} for r in TINY])
    r = run("cross-validate", str(parts), "--folds", "3", "--options", '{"min_df": 1}', "--by", "part")
    assert r.returncode == 0 and re.search(r"\nb +3 +0\.000 +- +0\.000 +-\n", r.stdout), r.stdout
    r = run("cross-validate", str(parts), "--folds", "3", "--options", '{"min_df": 1}', "--by", "part", "--json")
    assert json.loads(r.stdout)["groups"]["b"]["macro"]["f1"] is None


def test_evaluate_against_a_model_without_any_gold_topic_says_so(tmp_path):
    model = tmp_path / "m.npz"
    data = write_jsonl(tmp_path / "ex.jsonl", TINY)
    assert run("train", str(data), "-o", str(model), "--options", '{"min_df": 1, "folds": 3}').returncode == 0
    note = ("topicslib: note: --against default has none of the examples' gold topics (econ, people): each of their "
            "labels is a miss for it, so the comparison says nothing of how good it is")
    for json_flag in ((), ("--json",)):
        r = run("evaluate", str(data), "--model", str(model), "--against", "default", *json_flag)
        assert r.returncode == 0 and note in r.stderr, r.stderr
    r = run("evaluate", str(data), "--model", "models/default.npz", "--against", str(model))  # it has them: no note
    assert r.returncode == 0 and "note:" not in r.stderr, r.stderr
    r = run("evaluate", str(write_jsonl(tmp_path / "none.jsonl", [r for r in TINY if not r["topics"]])), "--model",
            str(model), "--against", "default")  # no gold topic to share: nothing to say of the other model
    assert r.returncode == 0 and "note:" not in r.stderr, r.stderr



def _lined_up(lines: list[str], numbers: tuple[str, ...]) -> list[list[str]]:
    """The rows of a table (``lines``: its line of column names, then its rows), once each column named in
    ``numbers`` is checked to end, in every row, where its name ends (or to be blank there); each row's cells are
    what two or more spaces separate."""
    head, *rows = lines
    assert rows, lines
    for name in numbers:
        start, end = head.index(name), head.index(name) + len(name)
        for row in rows:
            assert row[end:end + 1] in ("", " ") and (row[end - 1:end].strip() or not row[start:end].strip()), (name, lines)
    return [re.split(r" {2,}", row) for row in rows]


def test_evaluates_tables_are_written_as_every_table_is(tmp_path):
    """evaluate's tables were aligned by hand, each its own way (rules of dashes; the calibration a list with no
    column names): they are ``writers.table_text``'s, as trends' is: a line of column names, numbers right-aligned
    under theirs, the figures of the JSON to three decimals (``-`` where undefined)."""
    model = tmp_path / "m.npz"
    assert run("train", str(write_jsonl(tmp_path / "ex.jsonl", TINY)), "-o", str(model),
               "--options", '{"min_df": 1, "folds": 3}').returncode == 0
    data = write_jsonl(tmp_path / "sourced.jsonl", [*({**r, "source": "wire" if i < 5 else "paper"}
                                                      for i, r in enumerate(TINY)),
                                                    {"text": "Rye harvests fell.", "topics": ["rye"], "source": "farm"}])
    r = run("evaluate", str(data), "--model", str(model), "--by", "source", "--against", str(model))
    assert r.returncode == 0, r.stderr
    ev = json.loads(run("evaluate", str(data), "--model", str(model), "--by", "source", "--json").stdout)
    scores, calibration, groups, against = (block.splitlines() for block in r.stdout.rstrip("\n").split("\n\n"))

    def figures(d: dict, *keys: str) -> list[str]:
        return ["-" if d[k] is None else f"{d[k]:.3f}" if isinstance(d[k], float) else str(d[k]) for k in keys]

    assert scores[-1] == "not in the model (each of their labels is a miss): rye"
    assert _lined_up(scores[:-1], ("precision", "recall", "f1", "support", "threshold")) == [
        [topic, *figures(ev["topics"][topic], "precision", "recall", "f1", "support"),
         *([] if ev["topics"][topic]["threshold"] is None else [f"{ev['topics'][topic]['threshold']:.3f}"])]
        for topic in ev["topics"]] + [[name, *figures(ev[key], "precision", "recall", "f1", "support")]
                                      for name, key in (("micro avg", "micro"), ("macro avg", "macro"))]
    assert calibration[0] == f"expected calibration error (10 bins): {ev['calibration']['ece']:.3f}"
    assert _lined_up(calibration[2:], ("tags", "share right")) == [
        [length, *figures(c, "tags", "precision")] for length, c in ev["calibration"]["confident"].items()]
    assert _lined_up(groups, ("examples", "micro P", "micro R", "micro F1", "macro F1")) == [
        [value, *figures(g, "n_examples"), *figures(g["micro"], "precision", "recall", "f1"), *figures(g["macro"], "f1")]
        for value, g in ev["groups"].items()]
    assert against[0] == f"F1 against {model} on the same examples:"
    assert _lined_up(against[1:], ("m.npz",)) == [
        [topic, f1, f1, "-" if f1 == "-" else "+0.000"]
        for topic, f1 in [(t, *figures(s, "f1")) for t, s in ev["topics"].items()]
        + [(name, *figures(ev[key], "f1")) for name, key in (("micro avg", "micro"), ("macro avg", "macro"))]]


def test_the_librarys_warnings_are_printed_as_the_command_lines_notes(tmp_path):
    """A warning of the library's logger came out bare ("no example has a value …") beside the command line's own
    "topicslib: note: …": each line now says whose it is and what it is, and -v's log does alike."""
    data = write_jsonl(tmp_path / "ex.jsonl", TINY)
    r = run("evaluate", str(data), "--by", "sourse", "--against", "default")  # the default model has neither topic
    assert r.returncode == 0, r.stderr
    assert r.stderr.splitlines() == [
        "topicslib: warning: no example has a value in the field 'sourse': every one is in the group (none)",
        "topicslib: note: --against default has none of the examples' gold topics (econ, people): each of their labels "
        "is a miss for it, so the comparison says nothing of how good it is; compare models on examples of the topics "
        "they share"]
    r = run("train", str(data), "-o", str(tmp_path / "m.npz"), "-v", "--options", '{"min_df": 1, "folds": 3}')
    assert r.returncode == 0 and r.stderr.startswith("topicslib: info: trained on 15 examples"), r.stderr


def test_explain_and_topics():
    r = run("explain", "Coca crops and cocaine trafficking grew.")
    assert r.returncode == 0 and r.stdout.startswith("narcotics  score") and "coca" in r.stdout
    # --top sets how many terms are shown, not the evidence: that is what classify --evidence (and the report) give
    tagged = json.loads(run("classify", "--evidence", "--text", "Coca crops and cocaine trafficking grew.").stdout)
    want = tagged["topics"][0]["evidence"]
    assert len(want) >= 2
    every = len(topicslib.explain("Coca crops and cocaine trafficking grew.", top_n=100)[0].terms)
    for top, shown in ((1, 1), (3, 3), (100, every)):
        r = run("explain", "Coca crops and cocaine trafficking grew.", "--json", "--top", str(top))
        exp = json.loads(r.stdout)
        assert exp[0]["topic"] == "narcotics" and len(exp[0]["terms"]) == shown
        assert exp[0]["terms"][0]["contribution"] > 0 and exp[0]["evidence"] == want
    r = run("explain", "Coca crops and cocaine trafficking grew.", "--top", "1")
    assert r.stdout.count("  (evidence)") == 1 and len(r.stdout.splitlines()) == 2
    r = run("explain", "Share this page")
    assert r.returncode == 0 and r.stdout.strip() == "no topic applies"



def test_explain_says_when_its_text_names_a_file(tmp_path):
    """`explain article.txt` explained the name, "article.txt", and said "no topic applies" of the article."""
    article = tmp_path / "article.txt"
    article.write_text("Coca crops and cocaine trafficking grew.\n", encoding="utf-8")
    r = run("explain", str(article))
    assert r.returncode == 0 and r.stdout.strip() == "no topic applies"  # the text given is what is explained
    assert r.stderr == (f"topicslib: note: {str(article)!r} names a file; explain explains the text it is given: "
                        f"for the terms behind a file's topics, run classify --document FILE --evidence\n")
    assert run("explain", "Coca crops grew.").stderr == ""
    assert run("explain", "x" * 5000).stderr == ""  # too long to be a file's name, without an error saying so


def test_a_one_paragraph_document_is_counted_as_one_paragraph_in_the_table_and_the_report(tmp_path):
    """The table's summary and the report's header said "1 paragraphs"."""
    one, two = tmp_path / "one.txt", tmp_path / "two.txt"
    one.write_text("Coca crops grew in Nariño.\n", encoding="utf-8")
    two.write_text("Coca crops grew in Nariño.\n\nTariffs on coffee fell.\n", encoding="utf-8")
    r = run("classify", "--document", str(one), str(two), "--format", "table")
    assert r.returncode == 0, r.stderr
    assert "   1 paragraph: narcotics 1 (100%)\n" in r.stdout and "   2 paragraphs: " in r.stdout
    assert run("report", str(one), str(two), "-o", str(tmp_path / "r.html")).returncode == 0
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "· 1 paragraph, 1 with a topic" in page and "· 2 paragraphs, 2 with a topic" in page


def test_topics_on_the_command_line():
    r = run("topics", "--json")
    assert r.returncode == 0
    assert [t["id"] for t in json.loads(r.stdout)] == [t.id for t in topicslib.topics()]
    r = run("topics")
    assert "peace_accord" in r.stdout and "seeds:" in r.stdout


def _listed(stdout: str) -> dict[str, list[str]]:
    """``topics``' text listing: for each topic id, its lines (the name, then the indented ones), stripped."""
    listed: dict[str, list[str]] = {}
    for line in stdout.splitlines():
        if not line.startswith(" "):
            tid, _, name = line.partition(" ")
            listed[tid] = [name.strip()]
        else:
            listed[tid].append(line.strip())
    return listed


def test_topics_lists_in_the_language_asked_as_the_library_does_and_every_languages_seeds():
    """``topics --lang es`` names, describes and seeds each topic as ``topicslib.topics(lang="es")`` does. As
    bootstrap matches the seeds of every language the taxonomy gives, the listing also gives the other languages'
    seeds, each under its code: only the main language's were shown."""
    english, spanish = topicslib.topics(), topicslib.topics(lang="es")
    assert spanish[0].seeds != english[0].seeds  # the shipped taxonomy seeds both languages
    for args, shown, other, code in ((("--lang", "es"), spanish, english, "en"), ((), english, spanish, "es")):
        r = run("topics", *args)
        assert r.returncode == 0 and r.stderr == ""
        listed = _listed(r.stdout)
        assert list(listed) == [t.id for t in shown]
        for t, o in zip(shown, other):
            assert listed[t.id] == [t.name, t.description, f"seeds: {', '.join(t.seeds)}",
                                    f"seeds ({code}): {', '.join(o.seeds)}"]


def test_console_script_and_version():
    script = Path(sys.executable).with_name("topicslib")
    if not script.exists():
        pytest.skip("the topicslib console script is not installed next to this Python")
    r = subprocess.run([str(script), "--version"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stdout.strip() == f"topicslib {topicslib.__version__}"


def test_report_command_writes_one_page_for_text_and_jsonl_documents(tmp_path):
    docs = write_jsonl(tmp_path / "notes.jsonl", [{"title": "Press note", "text": "Tariffs on avocado exports fell."}])
    out = tmp_path / "report.html"
    r = run("report", str(SAMPLE), str(docs), "-o", str(out), "--title", "Weekly <review>")
    assert r.returncode == 0, r.stderr
    page = out.read_text(encoding="utf-8")
    assert "<title>Weekly &lt;review&gt;</title>" in page
    assert 'href="#d1"' in page and 'href="#d2"' in page and "Press note" in page
    assert page.count("<mark") > 10


# -- progress ---------------------------------------------------------------------------------------------------
def _run_on_a_terminal(args: list[str]) -> tuple[int, str]:
    """Run with stderr on a pseudo-terminal, as in an interactive shell; returns the exit code and what it drew."""
    master, slave = pty.openpty()
    p = subprocess.Popen([*CMD, *args], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=slave, cwd=ROOT)
    os.close(slave)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    return p.wait(120), seen.decode("utf-8", "replace")


def test_progress_bar_on_a_terminal_and_quiet_when_asked(tmp_path):
    # Enough records to outlast the bar's half-second delay with the compiled scorer (about 1.5 s here).
    n = 150_000
    src = write_jsonl(tmp_path / "many.jsonl", [{"text": f"Migrants and refugees crossed the border near Cúcuta, day {i}."}
                                                for i in range(n)])
    code, drawn = _run_on_a_terminal(["classify", str(src), "-o", str(tmp_path / "out.jsonl")])
    assert code == 0
    assert "classify" in drawn and "%" in drawn and "MB" in drawn  # a bar over the bytes read
    assert f"classified {n:,} records" in drawn
    assert len((tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()) == n

    code, drawn = _run_on_a_terminal(["classify", str(src), "-o", str(tmp_path / "out.jsonl"), "--quiet"])
    assert code == 0 and drawn == ""

    few = write_jsonl(tmp_path / "few.jsonl", [{"text": "Coca crops grew."}] * 3)  # --evidence counts them too
    code, drawn = _run_on_a_terminal(["classify", str(few), "-o", str(tmp_path / "ev.jsonl"), "--evidence"])
    assert code == 0 and "classified 3 records" in drawn


class _Terminal(io.StringIO):
    encoding = "utf-8"


def test_progress_draws_a_bar_a_spinner_and_erases_itself():
    stream = _Terminal()
    with Progress("read", total=200, unit="B", enabled=True, stream=stream, delay=0) as p:
        p.advance(100, note="5 records")
        assert "█" * 12 + "░" * 12 in stream.getvalue() and " 50%" in stream.getvalue() and "5 records" in stream.getvalue()
    assert stream.getvalue().endswith("\r\x1b[K")

    stream = _Terminal()
    with Progress("train", enabled=True, stream=stream, delay=0).spin():
        time.sleep(0.7)
    assert stream.getvalue().count("train") >= 2  # redrawn from the background while the step runs

    stream = _Terminal()
    with Progress("read", total=10, enabled=False, stream=stream, delay=0) as p:
        p.advance(10)
    assert stream.getvalue() == ""


@pytest.mark.parametrize("line, message", [
    ("[" * 100_000 + "]" * 100_000, "invalid JSON: nested too deeply"),
    ('{"text": "ok", "n": ' + "9" * 5_000 + "}", "invalid JSON: Exceeds the limit"),
    ('["a list"]', "expected a JSON object, got list"),
])
def test_classify_and_train_read_a_bad_jsonl_line_through_the_same_parser(tmp_path, line, message):
    path = tmp_path / "deep.jsonl"
    path.write_text('{"text": "Tariffs fell.", "topics": ["trade"]}\n' + line + "\n", encoding="utf-8")
    for args in (["classify", str(path)], ["train", str(path), "-o", str(tmp_path / "m.npz")]):
        r = run(*args)
        assert r.returncode == 1, r.stderr
        assert f"{path}:2: {message}" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize("argv0, preset, expected", [
    ("/venv/bin/topicslib", None, "1"),  # the command: one OpenBLAS thread
    ("/venv/bin/topicslib", "3", "3"),  # unless the user chose
    ("-c", None, None),  # a program importing the library keeps its settings
])
def test_the_command_process_asks_openblas_for_one_thread_before_numpy_loads(argv0, preset, expected):
    probe = (f"import sys; sys.argv[0] = {argv0!r}; import topicslib, os; "
             "print(os.environ.get('OPENBLAS_NUM_THREADS'), 'numpy' in sys.modules)")
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    if preset:
        env["OPENBLAS_NUM_THREADS"] = preset
    r = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == [str(expected), "True"]


def test_python_m_topicslib_is_recognised_as_the_command():
    probe = ("import runpy, sys; sys.argv = ['-m']; sys.orig_argv = [sys.executable, '-m', 'topicslib', 'topics']; "
             "from topicslib import process; print(process.is_command())")
    r = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT)
    assert r.stdout.strip() == "True", r.stderr


@pytest.mark.parametrize(("argv0", "frozen"), [("topicslib", "True"), ("script.py", "False")])
def test_the_command_leaves_its_objects_to_the_exit_and_a_program_calling_main_keeps_its_collector(argv0, frozen):
    # The command's process ends with it: the collector need not pass over its objects at shutdown (gc.freeze);
    # a program that calls main itself goes on, with every object still collectable.
    probe = (f"import sys; sys.argv[0] = {argv0!r}; import gc, atexit, topicslib.cli; "
             "atexit.register(lambda: print(gc.get_freeze_count() > 0)); topicslib.cli.main(['topics'])")
    r = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[-1] == frozen


# Ctrl-C arrives while the command is still importing numpy: a finder asked for numpy first sends the process SIGINT.
_CTRL_C_AT_IMPORT = textwrap.dedent("""
    import os, signal, sys
    class CtrlC:
        def find_spec(self, name, path=None, target=None):
            if name == "numpy":
                os.kill(os.getpid(), signal.SIGINT)
            return None
    sys.meta_path.insert(0, CtrlC())
    START
""")


@pytest.mark.parametrize("start", [
    "sys.argv[0] = '/venv/bin/topicslib'; from topicslib.cli import main; sys.exit(main(['topics']))",  # the script
    "sys.argv = ['-m', 'topics']; sys.orig_argv = [sys.executable, '-m', 'topicslib', 'topics']; import runpy; "
    "runpy.run_module('topicslib', run_name='__main__')",  # python -m topicslib
])
def test_ctrl_c_while_the_command_starts_exits_130_without_a_traceback(start):
    """Ctrl-C in the first 0.3 s of any command (numpy and scikit-learn loading) printed a KeyboardInterrupt
    traceback from deep in their imports."""
    r = subprocess.run([sys.executable, "-c", _CTRL_C_AT_IMPORT.replace("START", start)], capture_output=True,
                       text=True, cwd=ROOT, timeout=120)
    assert (r.returncode, r.stderr) == (130, "topicslib: interrupted\n")
    # A program importing the library keeps Python's own Ctrl-C: a KeyboardInterrupt it may catch.
    library = ("try:\n    import topicslib\nexcept KeyboardInterrupt:\n    print('caught')\n"
               "import signal; print(signal.getsignal(signal.SIGINT) is signal.default_int_handler)")
    r = subprocess.run([sys.executable, "-c", _CTRL_C_AT_IMPORT.replace("START", library)],
                       capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.stdout.split() == ["caught", "True"], r.stderr


@pytest.mark.parametrize("was_enabled", [True, False])
def test_classify_and_train_give_the_collector_back_as_they_found_it(tmp_path, was_enabled):
    """The commands pause the cyclic garbage collector while they work (their loops make no cycles: a collection
    after them finds nothing of theirs) and leave it on or off as it was, with nothing left frozen, on success and
    on error alike."""
    from topicslib.cli import main

    base = [json.loads(line)["text"] for line in (ROOT / "examples" / "headlines.jsonl").read_text(encoding="utf-8").splitlines()]
    src = write_jsonl(tmp_path / "many.jsonl", [{"n": i, "text": f"{base[i % len(base)]} ({i})"} for i in range(2500)])
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "Tariffs rose.", "topics": ["trade"]}\n{"text": \n', encoding="utf-8")
    one = write_jsonl(tmp_path / "one.jsonl", [{"n": 0, "text": base[0]}])
    (gc.enable if was_enabled else gc.disable)()
    try:
        left = []
        for path in (one, src, one, src):  # the second pair counts: the first loads what later runs share
            gc.collect()
            assert main(["classify", str(path), "-o", str(tmp_path / "out.jsonl"), "-q"]) == 0
            assert (gc.isenabled(), gc.get_freeze_count()) == (was_enabled, 0)
            left.append(gc.collect())
        assert left[3] == left[2]  # 2,500 records in three batches leave no more cycles than one record
        assert main(["train", str(bad), "-o", str(tmp_path / "m.npz"), "-q"]) != 0  # a bad line: an error, no model
        assert not (tmp_path / "m.npz").exists()
        assert (gc.isenabled(), gc.get_freeze_count()) == (was_enabled, 0)
    finally:
        gc.enable()


def test_a_training_option_written_as_a_flag_is_told_it_goes_in_options(capsys):
    """`--on-duplicate error`, as a researcher first writes it, was only an unrecognized argument."""
    from topicslib.cli import main

    with pytest.raises(SystemExit) as stop:
        main(["train", "x.jsonl", "-o", "m.npz", "--on-duplicate", "error"])
    assert stop.value.code == 2
    assert capsys.readouterr().err.endswith("unrecognized arguments: --on-duplicate error; training options go in "
                                            "--options, as JSON: --options '{\"on_duplicate\": ...}'\n")
    with pytest.raises(SystemExit):  # a command without --options, or no option's name: as argparse says it
        main(["topics", "--min-df=1"])
    assert capsys.readouterr().err.endswith("unrecognized arguments: --min-df=1\n")


def test_a_document_with_no_paragraph_is_named_in_the_table_and_on_stderr(tmp_path):
    """An empty or blank file (or record) read with --document gave no line at all, while the report lists it with 0
    paragraphs: a user checking that every file was read could not tell. The table gives it its header and
    "0 paragraphs"; JSON Lines and CSV keep a record a paragraph, and a note on stderr names it, in every format."""
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "a.txt").write_text("Coca crops grew in Nariño.\n", encoding="utf-8")
    (folder / "b_empty.txt").write_text("", encoding="utf-8")
    (folder / "c_blank.md").write_text("  \n\n---\n", encoding="utf-8")
    (folder / "d.txt").write_text("Tariffs on coffee fell.\n", encoding="utf-8")
    records = write_jsonl(tmp_path / "r.jsonl", [{"id": 1, "text": ""}, {"id": 2, "text": "Migrants crossed."}])
    empty, blank = folder / "b_empty.txt", folder / "c_blank.md"
    table = run("classify", "--document", str(folder), str(records), "--format", "table")
    assert table.returncode == 0, table.stderr
    assert (f"   1 paragraph: narcotics 1 (100%)\n\n== {empty}\n   0 paragraphs: no text\n\n== {blank}\n"
            f"   0 paragraphs: no text\n\n== {folder / 'd.txt'}\n") in table.stdout
    assert f"== {records}:1\n   0 paragraphs: no text\n\n== {records}:2\n" in table.stdout
    note = f"topicslib: note: 3 documents hold no paragraph (empty or blank): {empty}, {blank}, {records}:1\n"
    assert note in table.stderr
    for fmt in ("jsonl", "csv"):
        r = run("classify", "--document", str(folder), str(records), "--format", fmt)
        assert r.returncode == 0, r.stderr
        assert note in r.stderr and str(empty) not in r.stdout and str(blank) not in r.stdout
    rows = jsonl(run("classify", "--document", str(folder), str(records), "--format", "jsonl").stdout)
    assert [(row["source"], row["paragraph"]) for row in rows] == [(str(folder / "a.txt"), 0),
                                                                  (str(folder / "d.txt"), 0), (str(records), 0)]
    assert "hold no paragraph" not in run("classify", "--document", str(folder / "a.txt")).stderr
    for i in range(10):
        (folder / f"e{i}.txt").write_text("\n", encoding="utf-8")
    many = run("classify", "--document", str(folder), "--format", "jsonl")
    named = f"{empty}, {blank}, " + ", ".join(str(folder / f"e{i}.txt") for i in range(8))
    assert f"topicslib: note: 12 documents hold no paragraph (empty or blank): {named}, and 2 more\n" in many.stderr


def test_a_file_that_is_not_utf8_is_read_as_windows_1252_with_a_warning_unless_an_encoding_is_named(tmp_path):
    """One Latin-1 file in a folder stopped the whole run (classify, report), writing nothing for the others. It is
    now read as Windows-1252 with a warning naming it; --encoding names the inputs' encoding, a line not in it an
    error (--encoding utf-8: the error as before)."""
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "a.txt").write_text("Coca crops grew in Nariño.\n", encoding="utf-8")
    (folder / "b.txt").write_bytes("Los aranceles al café bajaron en Bogotá.\n\n“Migrants crossed.”\n".encode("cp1252"))
    (folder / "c.csv").write_bytes("id;text\n1;Los migrantes cruzaron la frontera en Tapachula, según la ONU.\n"
                                   .encode("cp1252").replace(b"seg", "¿seg".encode("cp1252")))
    (folder / "d.jsonl").write_bytes('{"text": "Tariffs on coffee fell."}\n'.encode("utf-8")
                                     + '{"text": "Tariffs fell in Bogotá."}\n'.encode("latin-1"))
    r = run("classify", "--document", str(folder), "--format", "jsonl")
    assert r.returncode == 0, r.stderr
    rows = jsonl(r.stdout)
    texts = [row["text"] for row in rows]
    assert texts == ["Coca crops grew in Nariño.", "Los aranceles al café bajaron en Bogotá.", "“Migrants crossed.”",
                     "Los migrantes cruzaron la frontera en Tapachula, ¿según la ONU.", "Tariffs on coffee fell.",
                     "Tariffs fell in Bogotá."]
    assert [t["topic"] for t in rows[1]["topics"]] == ["trade"]
    warnings = [line for line in r.stderr.splitlines() if "not UTF-8" in line]
    assert warnings == [f"topicslib: warning: {folder / name}:{n}: not UTF-8 (byte {b} of the line): read as "
                        "Windows-1252 (Latin-1), as is any other line of it that is not UTF-8; check its accents, or "
                        "name its encoding (--encoding)" for name, n, b in (("b.txt", 1, 21), ("c.csv", 2, 52),
                                                                           ("d.jsonl", 2, 32))]
    assert run("report", str(folder), "-o", str(tmp_path / "r.html")).returncode == 0
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert f"data-name=\"{folder / 'b.txt'}\"" in page and "bajaron en Bogotá." in page and "fell in Bogotá." in page
    named = run("classify", str(folder / "b.txt"), "--encoding", "latin-1")
    assert named.returncode == 0 and "warning" not in named.stderr and "Bogotá" in named.stdout
    strict = run("classify", str(folder), "--encoding", "utf-8", "-o", str(tmp_path / "out.jsonl"))
    assert strict.returncode == 1 and f"{folder / 'b.txt'}:1: not UTF-8 (byte 21 of the line); save the file as " \
                                      "UTF-8" in strict.stderr and not (tmp_path / "out.jsonl").exists()
    unknown = run("classify", str(folder), "--encoding", "klingon")
    assert unknown.returncode == 2 and "unknown encoding 'klingon'" in unknown.stderr
    dask = run("classify", str(folder), "--engine", "dask", "--encoding", "latin-1", "-o", str(tmp_path / "d.jsonl"))
    assert dask.returncode == 2 and "--encoding is for the local engine" in dask.stderr


def test_pdfs_web_pages_and_documents_are_told_how_to_make_text_of_them(tmp_path):
    """A journalist's folder of PDFs and saved pages was "skipped 3 files of other types (.pdf, .html, .docx)", and a
    PDF named alone was told to say how to read it with --input-format, which reads its bytes as text (QA pass 7)."""
    folder = tmp_path / "notas"
    folder.mkdir()
    (folder / "nota.txt").write_text("Migrantes cruzan la frontera.\n", encoding="utf-8")
    (folder / "informe.pdf").write_bytes(b"%PDF-1.4\n")
    (folder / "pagina.html").write_text("<p>Hola</p>\n", encoding="utf-8")
    r = run("classify", str(folder), "-o", str(tmp_path / "out.jsonl"))
    assert r.returncode == 0 and r.stderr == (
        f"topicslib: warning: {folder}: skipped 2 files of other types (.html, .pdf); convert web pages by saving them "
        "as .txt, PDFs to .txt with pdftotext\n"), r.stderr
    r = run("classify", str(folder / "informe.pdf"))
    assert r.returncode == 1 and "unknown file type '.pdf'; convert PDFs to .txt with pdftotext: topicslib reads " \
        ".txt, .md" in r.stderr and "--input-format" not in r.stderr, r.stderr


def test_the_evidence_in_the_table_is_as_the_text_writes_it_and_the_files_keep_the_models_terms(tmp_path):
    """`classify --evidence` in a terminal showed "paraguachon, proteccion temporal", which a reader of Spanish takes
    for misspellings (QA pass 7); the table shows the words as written, JSON Lines and CSV keep the model's terms."""
    text = "Venezuela extiende el Estatuto de Protección Temporal para los migrantes en Paraguachón."
    r = run("classify", "--text", text, "--evidence", "--format", "table")
    assert r.returncode == 0, r.stderr
    line = next(line for line in r.stdout.splitlines() if "evidence:" in line)
    assert "Protección Temporal" in line and "proteccion" not in line, line
    rows = jsonl(run("classify", "--text", text, "--evidence").stdout)
    assert "proteccion temporal" in rows[0]["topics"][0]["evidence"]


def test_explain_says_why_a_navigation_line_gets_no_topic():
    """A "Lea también" link naming security got "no topic applies" and nothing more, where classify tags its words
    elsewhere (QA pass 7): explain says it reads as a navigation line, and how to see its words anyway."""
    r = run("explain", "Lea también: Petro y Maduro hablan de seguridad en la frontera")
    assert r.returncode == 0 and r.stdout.startswith("no topic applies: it reads as a navigation line"), r.stdout
    assert "--topic ID shows what they weigh" in r.stdout
    r = run("explain", "Lea también: Petro y Maduro hablan de seguridad", "--topic", "security")
    assert r.returncode == 0 and r.stdout.startswith("security  score 0.000"), r.stdout


def test_the_tables_text_column_stays_in_line_whatever_the_places_and_tags(tmp_path):
    """"a.csv:9" above "a.csv:10", and a paragraph of three topics above one of none, pushed the text of a row out of
    line with the others (QA pass 7): the place and tags columns are as wide as a batch's widest (tags up to 52)."""
    rows = ["Los aranceles bajaron."] * 9 + ["Migrantes venezolanos cruzan la frontera con Colombia para comerciar."]
    src = tmp_path / "a.csv"
    src.write_text("text\n" + "".join(f'"{t}"\n' for t in rows), encoding="utf-8")
    lines = run("classify", str(src), "--format", "table").stdout.splitlines()
    assert len({line.index(t[:15]) for line, t in zip(lines, rows)}) == 1, lines
    doc = tmp_path / "nota.txt"
    doc.write_text("CÚCUTA, 14 mar (EFE).- Los gobiernos de Colombia y Venezuela acordaron reabrir el paso fronterizo "
                   "para facilitar el tránsito de migrantes y el comercio binacional.\n\nCompartir en Facebook\n",
                   encoding="utf-8")
    lines = run("classify", "--document", str(doc), "--format", "table").stdout.splitlines()[1:3]
    assert lines[0].index("CÚCUTA") == lines[1].index("Compartir"), lines
