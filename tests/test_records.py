"""The one record reader (``records.py``) on files a careless hand wrote: every command that reads them
(classify, train, evaluate, trends, report) gets the same clear error, naming the file and the line to fix."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys

import pytest

import topicslib
from topicslib.documents import HEAD_WINDOW, LONGEST_PARAGRAPH, split_paragraphs
from topicslib.records import COMPRESSED, CSV_FIELD_LIMIT, find_sources, read_records, text_records

from .conftest import ROOT
from .test_cli import run

ROWS = [f'"Tariffs on coffee exports fell by {i} percent.",trade,2024-0{1 + i % 9}-01' for i in range(10)]


def _csv(tmp_path, rows, name="ex.csv"):
    path = tmp_path / name
    path.write_text("\n".join(["text,topics,date", *rows]) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("command", [
    ["classify"], ["train", "-o", "{}/m.npz"], ["evaluate"], ["trends", "--date", "date"], ["report", "-o", "{}/r.html"],
])
def test_a_quote_left_open_is_an_error_at_the_line_it_opened(tmp_path, command):
    # Line 5 opens a quote and never closes it: the quote that opens line 6 closes it. The csv module used to
    # read lines 5 and 6 as one row, so ten examples trained as nine.
    rows = list(ROWS)
    rows[3] = '"Migrants crossed the border at night,migration,2024-04-01'
    path = _csv(tmp_path, rows)
    r = run(command[0], str(path), *(a.format(tmp_path) for a in command[1:]))
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert f"{path}:5: the quoted field that opens here runs on to line 6, where text follows a quote" in r.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["ex.csv"]


def test_a_quote_left_open_near_the_end_is_an_error_not_merged_rows(tmp_path):
    rows = [r.replace('"', "") for r in ROWS]
    rows[7] = '"Migrants crossed the border at night,migration,2024-04-01'
    path = _csv(tmp_path, rows)
    message = re.escape(f"{path}:9: a quoted field opens here and is never closed: the file ends inside it (rows up to line 11")
    with pytest.raises(topicslib.ExampleError, match=message):
        topicslib.read_examples(path)
    with pytest.raises(topicslib.DataError, match=message):
        list(read_records(find_sources([str(path)])))


def test_a_field_over_the_limit_is_refused_where_it_opened(tmp_path):
    rows = [r.replace('"', "") for r in ROWS[:3]] + ['"Migrants crossed,migration,2024-04-01']
    rows += ["Tariffs on coffee exports fell again, and " * 1000] * (CSV_FIELD_LIMIT // 42_000 + 1)
    path = _csv(tmp_path, rows + ROWS)
    with pytest.raises(topicslib.ExampleError, match=f"{path}:5: a field of over 16,777,216 characters starts here: "
                                                     "is a closing quote missing"):
        topicslib.read_examples(path)


def test_quoted_fields_that_are_well_formed_are_read_as_before(tmp_path):
    path = _csv(tmp_path, [
        '"A statement\nover two lines, with ""quotes"".",diplomacy,2024-01-01',
        'Tariffs on 5" pipes fell,trade,2024-01-02',
        '"",trade,2024-01-03',
        '"Coca, and ""more""",narcotics,2024-01-04',
    ])
    records = list(read_records(find_sources([str(path)])))
    assert [(r.text, r.line) for r in records] == [  # each row by the line it starts on
        ('A statement\nover two lines, with "quotes".', 2), ('Tariffs on 5" pipes fell', 4), ("", 5),
        ('Coca, and "more"', 6)]


def test_a_csv_row_over_several_lines_is_named_by_the_line_it_starts_on(tmp_path):
    """README: "a CSV row by the line it starts on, the header being line 1". A row whose quoted text holds an article
    over five lines (an export's body cell) was named by its last line, 6, where an editor shows it at 2 (QA pass 7);
    blank lines before a row are passed over."""
    path = tmp_path / "notas.csv"
    path.write_text('date,text\n2026-03-01,"Titular\n\nLos migrantes cruzan.\n\nSíguenos en X"\n\n\n'
                    '2026-03-02,"Tres."\n2026-03-03,"Cuatro\npartes"\n', encoding="utf-8")
    assert [r.line for r in read_records(find_sources([str(path)]))] == [2, 9, 10]
    r = run("classify", str(path), "--document", "--format", "jsonl")
    assert r.returncode == 0, r.stderr
    assert [(row["line"], row["paragraph"]) for row in map(json.loads, r.stdout.splitlines())] == [
        (2, 0), (2, 1), (2, 2), (9, 0), (10, 0)]


def test_a_quote_left_open_that_a_later_quote_closes_is_read_but_warned_of(tmp_path, caplog):
    """Well-formed CSV, so it is read (rows 4-5 become the field's text), but not silently: a line inside the
    field reads as a row of its own. A field over lines that read as no row (prose) is not warned of."""
    path = _csv(tmp_path, ['"Coca crops grew in Cauca,narcotics,2024-01-01', "Tariffs fell,trade,2024-01-02",
                           "Migrants crossed,migration,2024-01-03", 'The new pipes measure 5",trade,2024-01-04',
                           "Floods hit Lima,climate,2024-01-05"])
    with caplog.at_level("WARNING", logger="topicslib"):
        examples = topicslib.read_examples(path)
    assert len(examples) == 2  # what the CSV says: the open quote's field runs to the quote after 5 (inches)
    assert (f"{path}:2: the quoted field that opens here runs on to line 5, and line 3 inside it reads as a row of "
            "its own") in caplog.text
    caplog.clear()
    path = _csv(tmp_path, ['"A statement\nover two lines\nand three",diplomacy,2024-01-01'])
    with caplog.at_level("WARNING", logger="topicslib"):
        assert len(topicslib.read_examples(path)) == 1
    assert "reads as a row" not in caplog.text


def test_text_after_a_closing_quote_is_an_error_on_its_line(tmp_path):
    path = _csv(tmp_path, ['"Tariffs" fell,trade,2024-01-01'])
    with pytest.raises(topicslib.ExampleError, match=f"{path}:2: text follows the quote that closes a quoted field"):
        topicslib.read_examples(path)



@pytest.mark.parametrize("separator", [";", "\t"])
def test_a_csv_separated_by_semicolons_or_tabs_is_read_as_its_comma_twin(tmp_path, separator):
    """Spreadsheets save CSV with ';' where a comma is the decimal mark (Excel in Spanish and most European
    locales): a header with no comma and a ';' (or a tab) says how the file's cells are separated. Commas inside
    cells are then text, and quoting works as with commas; a quote left open is placed as it is with commas."""
    rows = [["Tariffs on coffee, flowers and cacao fell.", "trade", "2024-01-01"],
            ['A statement\nover two lines; with "quotes".', "diplomacy", "2024-01-02"],
            ["Coca crops grew in Cauca.", "narcotics", "2024-01-03"]]
    commas, other = tmp_path / "commas.csv", tmp_path / "other.csv"
    for path, sep in ((commas, ","), (other, separator)):
        with open(path, "w", encoding="utf-8", newline="") as f:
            csv.writer(f, delimiter=sep).writerows([["text", "topics", "date"], *rows])
    assert ";" in other.read_text(encoding="utf-8") or separator == "\t"
    read = [[(r.text, r.fields, r.line) for r in read_records(find_sources([str(path)]))] for path in (commas, other)]
    assert read[0] == read[1] and [fields["topics"] for _, fields, _ in read[1]] == ["trade", "diplomacy", "narcotics"]
    assert [(e.text, e.topics, e.line) for e in topicslib.read_examples(other)] == \
        [(e.text, e.topics, e.line) for e in topicslib.read_examples(commas)]
    r = run("trends", str(other), "--date", "date", "--period", "year", "--format", "csv")
    assert r.returncode == 0 and "2024,trade,1,0.333333" in r.stdout, r.stderr
    other.write_text(f"text{separator}topics\nTariffs{separator}trade\nMigrants crossed{separator}\"migration\n"
                     f"Coca{separator}narcotics\n", encoding="utf-8")
    with pytest.raises(topicslib.ExampleError, match=f"{other}:3: a quoted field opens here and is never closed"):
        topicslib.read_examples(other)


def test_a_csv_header_is_read_after_blank_lines_and_names_the_separator_it_was_read_with(tmp_path):
    """Blank lines are skipped before the header as they are everywhere in CSV and JSON Lines; errors about the
    header name its line. A one-column header is one column: its cells hold ';' and commas freely."""
    path = tmp_path / "blank.csv"
    path.write_text("\n  \r\ntext,topics\nCoca crops grew.,narcotics\n\nTariffs fell.,trade\n", encoding="utf-8")
    assert [(r.text, r.line) for r in read_records(find_sources([str(path)]))] == [("Coca crops grew.", 4),
                                                                                ("Tariffs fell.", 6)]
    assert [e.line for e in topicslib.read_examples(path)] == [4, 6]
    path.write_text("\n\nbody;topics\nCoca;narcotics\n", encoding="utf-8")
    r = run("classify", str(path))
    assert r.returncode == 1 and (f"{path}:3: no column 'text' in the header (columns: body, topics; read as "
                                  "semicolon-separated); choose the text column with --column") in r.stderr, r.stderr
    path.write_text("\n \n\n", encoding="utf-8")
    r = run("classify", str(path))
    assert r.returncode == 1 and f"{path}:1: the CSV file holds only blank lines (3); expected a header row" in r.stderr
    path.write_text('text\nCoca; cacao\n"Coca, coffee"\n', encoding="utf-8")
    assert [r.text for r in read_records(find_sources([str(path)]))] == ["Coca; cacao", "Coca, coffee"]


@pytest.mark.parametrize("line, most", [
    ("- Tariffs on coffee exports fell by {} percent.\n", 2),  # a bulleted list: each bullet a paragraph
    ("the migrants crossed the river\n", LONGEST_PARAGRAPH // 31 + 2),  # a paragraph that never ends
])
def test_a_document_without_blank_lines_is_read_paragraph_by_paragraph(line, most):
    # --document used to gather a file's lines until a blank line: a 56 MB list without one was held whole
    # (344 MB peak; 110 MB now), a 56 MB hard-wrapped paragraph too (709 MB; 126 MB now).
    read = []

    def lines():
        for n in range(1, 1_000_001):
            read.append(n)
            yield n, line.format(n)
        raise AssertionError("read every line before giving a paragraph")

    records = text_records(lines(), "big.md", document=True)
    first, second = next(records), next(records)
    # read: the lines of two paragraphs, or the window read ahead to find running heads (HEAD_WINDOW lines)
    assert len(read) <= max(2 * most, HEAD_WINDOW) and first.paragraph == 0 and second.paragraph == 1
    assert len(first.text) < LONGEST_PARAGRAPH and first.text.startswith(line.format(1).strip())


def test_a_line_of_megabytes_is_cut_into_paragraphs_at_spaces():
    text = "Coca cultivation rose in Nariño despite eradication, officials said; " * 30_000  # 2 MB, one line
    paragraphs = split_paragraphs(text)
    assert len(paragraphs) == len(text) // LONGEST_PARAGRAPH + 1 and " ".join(paragraphs) == text.strip()
    assert all(LONGEST_PARAGRAPH <= len(p) < LONGEST_PARAGRAPH + 20 for p in paragraphs[:-1])


@pytest.mark.parametrize("suffix", sorted(COMPRESSED))
def test_each_compressed_format_is_one_entry_read_by_its_suffix_and_told_by_its_bytes(tmp_path, suffix):
    """The suffixes and their openers, and the bytes that tell compressed standard input, were two tables
    (``COMPRESSED`` and ``_MAGIC``) that a format added to one and not the other would have set apart."""
    compression = COMPRESSED[suffix]
    path = tmp_path / f"in.jsonl{suffix}"
    with compression.open(path, "wb") as f:
        f.write(b'{"text": "Migrants crossed the border."}\n')
    data = path.read_bytes()
    assert data.startswith(compression.magic)  # the bytes it is told by are those its opener writes
    assert [r.text for r in read_records(find_sources([str(path)]))] == ["Migrants crossed the border."]
    r = subprocess.run([sys.executable, "-m", "topicslib", "classify"], input=data, capture_output=True, cwd=ROOT,
                       timeout=300)
    assert r.returncode == 1 and f"standard input is {compression.name}-compressed".encode() in r.stderr
