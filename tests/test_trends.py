"""Corpus trends: per period (and per field value) counts of the paragraphs tagged with each topic and
their share, equal to counting classify's own output."""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from collections import Counter

import pytest

import topicslib
from topicslib.trends import parse_date, period_of

from .conftest import SHARED_DATA
from .test_cli import run

WHITE_HOUSE = SHARED_DATA / "us_white_house_latam_statements" / "wh_latam_migration_narcotics_paragraphs.jsonl.gz"

RECORDS = [
    {"text": "Tariffs fell.", "date": "2024-01-05", "source": "A", "url": "u1", "topics": ["trade"]},
    {"text": "Migrants and tariffs.", "date": "2024-01-20T10:00:00Z", "source": "A", "url": "u1", "topics": ["trade", "migration"]},
    {"text": "Migrants crossed.", "date": "2024-02", "source": "B", "url": "u2", "topics": [{"topic": "migration", "score": 0.9}]},
    {"text": "Share this page", "date": None, "source": "B", "url": "u3", "topics": []},
]


def _csv_cell(value: str) -> str:
    """``value`` as one CSV cell."""
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow([value])
    return out.getvalue()


@pytest.mark.parametrize("cell", ["trade;migration", "trade, migration", "trade|migration", '["trade", "migration"]'])
def test_a_topics_cell_counts_the_topics_train_reads_in_it(tmp_path, cell):
    """trends split a cell at ';' only: "trade, migration", "trade|migration" and a JSON list, which train reads
    as two topics, were counted as one topic of that name."""
    examples = tmp_path / "tagged.csv"
    examples.write_text(f"text,date,topics\nMigrants and tariffs.,2024-01-05,{_csv_cell(cell)}\n", encoding="utf-8")
    [example] = topicslib.read_examples(examples)
    records = [{"text": "Migrants and tariffs.", "date": "2024-01-05", "topics": cell}]
    counted = {r.topic for r in topicslib.trends(records, date="date") if r.paragraphs}
    assert counted == set(example.topics) == {"trade", "migration"}
    r = run("trends", str(examples), "--date", "date", "--format", "jsonl")
    assert r.returncode == 0, r.stderr
    assert {row["topic"] for row in map(json.loads, r.stdout.splitlines()) if row["paragraphs"]} == counted


def test_an_unreadable_json_list_in_a_topics_cell_is_an_error_not_a_topic():
    with pytest.raises(topicslib.DataError, match=r"invalid JSON list in 'topics'") as raised:
        topicslib.trends([{"text": "Tariffs fell.", "date": "2024-01-05", "topics": '["trade"'}], date="date")
    assert not isinstance(raised.value, topicslib.ExampleError)  # a tagged record, no training example


# A topics value present but no list of topics: each was classified by the default model instead, unsaid, and
# counted beside the other records' own topics (QA3 §3).
MALFORMED_TOPICS = [(["trade", 1], "['trade', 1]"), ([None], "[None]"), (5, "5"), ({"a": 1}, "{'a': 1}"),
                    ([{"score": 1}], "[{'score': 1}]"), ([["trade"]], "[['trade']]"), ("[1]", "[1]")]
# What the error adds where the value holds a number (records in memory): the one check of topics is the examples'.
NUMBERS_ADVICE = (': topics are named by their ids, strings such as "trade", not by numbers; map each number to its id '
                  "first, e.g. [ids[n] for n in labels] with ids the topic ids in the order of your numbers")


@pytest.mark.parametrize("value, found", MALFORMED_TOPICS)
def test_a_topics_value_that_is_no_list_of_topics_is_an_error_naming_the_record(value, found):
    records = [{"text": "Tariffs fell.", "date": "2024-01-05", "topics": ["trade"]},
               {"text": "Coca fell.", "date": "2024-01-09", "topics": value}]
    with pytest.raises(topicslib.DataError) as raised:
        topicslib.trends(records, date="date")
    assert str(raised.value) == ("record 1: 'topics' must be a list of topic ids or of {\"topic\": ...} objects "
                                 f"(as classify writes them), got {found}"
                                 + (NUMBERS_ADVICE if found in ("['trade', 1]", "5", "[1]") else ""))


@pytest.mark.parametrize("value, found", MALFORMED_TOPICS[:3])
def test_the_command_names_the_file_and_line_of_a_topics_value_it_cannot_read(tmp_path, value, found):
    src = tmp_path / "tagged.jsonl"
    src.write_text(json.dumps({"text": "Tariffs fell.", "date": "2024-01-05", "topics": ["trade"]}) + "\n"
                   + json.dumps({"text": "Coca fell.", "date": "2024-01-09", "topics": value}) + "\n", encoding="utf-8")
    r = run("trends", str(src), "--date", "date", "--format", "csv")
    assert r.returncode == 1 and r.stdout == ""
    assert f"{src}:2: 'topics' must be a list of topic ids" in r.stderr and f"got {found}" in r.stderr


def test_a_topics_cell_holding_an_empty_id_is_an_error_at_its_row(tmp_path):
    src = tmp_path / "tagged.csv"
    src.write_text('text,date,topics\nTariffs fell.,2024-01-05,trade\nCoca fell.,2024-01-09,"[""""]"\n', encoding="utf-8")
    r = run("trends", str(src), "--date", "date", "--format", "csv")
    assert r.returncode == 1 and f"{src}:3: 'topics' holds an empty topic id" in r.stderr


def test_topics_are_read_as_given_and_only_a_record_without_them_is_classified(tiny_model):
    """No topics field, or null: classified; a list (or tuple) of ids, or of classify's objects: counted as given,
    ids trimmed and a repeat counted once, as train reads them."""
    records = [{"text": "Tariffs on exports rose.", "date": "2024", "topics": (" trade", "trade")},
               {"text": "Tariffs on exports rose.", "date": "2024", "topics": [{"topic": "health", "score": 0.7}]},
               {"text": "Tariffs on exports rose.", "date": "2024", "topics": None},
               {"text": "Tariffs on exports rose.", "date": "2024"}]
    [classified] = tiny_model.classify_many(["Tariffs on exports rose."])
    expected = Counter(["trade", "health", *[t for t, _ in classified] * 2])
    counts = {r.topic: r.paragraphs for r in topicslib.trends(records, date="date", model=tiny_model) if r.paragraphs}
    assert counts == dict(expected) and classified  # the two records without topics counted as classified


def test_tagged_records_are_counted_per_period_and_field(caplog):
    with caplog.at_level("WARNING", logger="topicslib"):
        rows = topicslib.trends(RECORDS, date="date", by="source", group="url")
    got = {(r.by, r.period, r.topic): (r.paragraphs, r.share, r.documents, r.document_share) for r in rows}
    assert got[("A", "2024-01", "trade")] == (2, 1.0, 1, 1.0)
    assert got[("A", "2024-01", "migration")] == (1, 0.5, 1, 1.0)
    assert got[("B", "2024-02", "migration")] == (1, 1.0, 1, 1.0)
    assert got[("B", "undated", "trade")] == (0, 0.0, 0, 0.0)  # every topic in every cell, zeros too
    assert [(r.by, r.period) for r in rows][::2] == [("A", "2024-01"), ("B", "2024-02"), ("B", "undated")]
    assert caplog.text.count("had no readable date") == 1
    assert "1 of 4 records had no readable date in the 'date' field (1 had none)" in caplog.text


def test_a_list_or_object_group_value_is_one_document_by_its_json():
    """A --group field holding a list or an object (unhashable) groups as evaluate --by names its groups."""
    records = [{"text": "a", "date": "2024-01-05", "url": ["u1"], "topics": ["trade"]},
               {"text": "b", "date": "2024-01-09", "url": ["u1"], "topics": ["migration"]},
               {"text": "c", "date": "2024-01-20", "url": {"id": 2}, "topics": ["trade"]}]
    rows = topicslib.trends(records, date="date", group="url")
    assert {r.topic: (r.paragraphs, r.documents, r.document_share) for r in rows} == {"trade": (2, 2, 1.0),
                                                                                    "migration": (1, 1, 0.5)}


def test_the_command_counts_documents_of_a_list_valued_group_field(tmp_path):
    src = tmp_path / "g.jsonl"
    src.write_text("".join(json.dumps({"text": t, "date": "2024-01-01", "url": u, "topics": ["migration"]}) + "\n"
                           for t, u in [("Migrants crossed.", ["a"]), ("Refugees arrived.", ["a"]),
                                        ("Asylum claims rose.", ["b"])]), encoding="utf-8")
    r = run("trends", str(src), "--date", "date", "--group", "url", "--format", "jsonl")
    assert r.returncode == 0, r.stderr
    assert {"period": "2024-01", "topic": "migration", "paragraphs": 3, "share": 1.0, "documents": 2,
            "document_share": 1.0} in map(json.loads, r.stdout.splitlines())


def test_by_values_are_named_as_evaluate_names_its_groups():
    """Not Python's repr: a string as it is, anything else as its compact JSON; missing, null and "" together
    as (none), listed last."""
    values = ["A", None, ["x", 1], {"k": 2}, 2022, True, ""]
    records = [{"text": str(i), "date": "2024-01-05", "source": v, "topics": ["trade"]} for i, v in enumerate(values)]
    records.append({"text": "no source", "date": "2024-01-05", "topics": ["trade"]})
    rows = topicslib.trends(records, date="date", by="source")
    assert {r.by: r.paragraphs for r in rows} == {"2022": 1, "A": 1, '["x",1]': 1, "true": 1, '{"k":2}': 1, "(none)": 3}
    assert [r.by for r in rows][-1] == "(none)"


def test_the_command_writes_by_values_as_json_and_none_as_such(tmp_path):
    src = tmp_path / "corpus.jsonl"
    src.write_text("".join(json.dumps({"text": "t", "date": "2024-01-05", "topics": ["trade"], **extra}) + "\n"
                           for extra in [{"source": None}, {"source": ["x"]}, {}, {"source": "B"}]), encoding="utf-8")
    for fmt in ("csv", "table"):
        r = run("trends", str(src), "--date", "date", "--by", "source", "--format", fmt)
        assert r.returncode == 0, r.stderr
        lines = [line for line in r.stdout.splitlines() if "trade" in line]
        got = [row[0] for row in csv.reader(lines)] if fmt == "csv" else [line.split("  ")[0] for line in lines]
        assert got == ["B", '["x"]', "(none)"]
        assert "None" not in r.stdout and "['x']" not in r.stdout


def test_the_table_names_its_columns_and_aligns_them(tmp_path):
    """The table (the default on a terminal) had no header, and its columns moved with each value's length."""
    src = tmp_path / "corpus.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in RECORDS), encoding="utf-8")
    r = run("trends", str(src), "--date", "date", "--by", "source", "--group", "url", "--format", "table")
    assert r.returncode == 0, r.stderr
    head, *lines = r.stdout.splitlines()
    assert head.split() == ["source", "period", "topic", "paragraphs", "share", "documents", "document_share"]
    starts = [head.index(name) for name in ("period", "topic")]  # text columns start together
    ends = [head.index(name) + len(name) for name in ("paragraphs", "share", "documents", "document_share")]
    assert lines and all(line[i - 1] == " " and line[i] != " " for line in lines for i in starts)
    assert all(line[i - 1] != " " and line[i:i + 1] in ("", " ") for line in lines for i in ends)  # numbers end together
    assert ["B", "2024-02", "migration", "1", "1.000", "1", "1.000"] in [line.split() for line in lines]
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    r = run("trends", str(empty), "--date", "date", "--format", "table")
    assert r.returncode == 0 and r.stdout == "period  topic  paragraphs  share\n"



def test_the_tables_cells_are_one_line_each_and_cut_where_long_but_not_the_csvs(tmp_path):
    """A --by value holding a line end or tab broke its row across lines, and a long one (a URL) pushed the
    figures off the screen: the table's cells are single-line and cut with "…"; CSV and JSON Lines keep them whole."""
    url = "https://example.org/news/" + "x" * 60
    src = tmp_path / "corpus.jsonl"
    src.write_text("".join(json.dumps({**r, "source": s}) + "\n" for r, s in
                           zip(RECORDS, ["Wire\nnews", " Wire \t news ", url, url])), encoding="utf-8")
    r = run("trends", str(src), "--date", "date", "--by", "source", "--format", "table")
    assert r.returncode == 0, r.stderr
    head, *lines = r.stdout.splitlines()
    assert head.split() == ["source", "period", "topic", "paragraphs", "share"]
    starts, end = [head.index(name) for name in ("period", "topic")], head.index("share") + len("share")
    assert lines and all(line[i - 1] == " " and line[i] != " " for line in lines for i in starts)
    assert all(len(line) == end for line in lines)  # the figures end together, on every row's one line
    assert {line[:starts[0]].rstrip() for line in lines} == {"Wire news", url[:39] + "…"}
    r = run("trends", str(src), "--date", "date", "--by", "source", "--format", "csv")
    assert {row["source"] for row in csv.DictReader(io.StringIO(r.stdout))} == {"Wire\nnews", " Wire \t news ", url}


def test_the_warning_says_which_undated_values_are_no_date_and_when_no_record_has_the_field(caplog):
    records = [{"text": "a", "when": "2024-03-05", "topics": ["trade"]}, {"text": "b", "when": "03/2024", "topics": []},
               {"text": "c", "when": "", "topics": []}, {"text": "d", "when": "05/03/2024", "topics": []}]
    with caplog.at_level("WARNING", logger="topicslib"):
        topicslib.trends(records, date="when")
    assert ("3 of 4 records had no readable date in the 'when' field (1 had none; others such as '03/2024' are no "
            "date this reads: YYYY-MM-DD or a datetime, YYYY-MM, YYYY, a year number, a date with its month's name, as "
            "'14 de marzo de 2026' or 'March 14, 2026')") in caplog.text
    caplog.clear()
    with caplog.at_level("WARNING", logger="topicslib"):
        rows = topicslib.trends(records, date="date")  # a field no record has: a likely misspelling
    assert {r.period for r in rows} == {"undated"}
    assert "no record has a value in the 'date' field: all 4 were counted under 'undated'" in caplog.text


@pytest.mark.parametrize("date", [None, 3, ["date"]])
def test_a_date_that_names_no_field_is_an_error_as_a_bad_period_is(date, caplog):
    """date=None gave rows, all undated, and a note about "the None field"; --date is required on the command line."""
    message = f"date must name the field that holds each record's date, got {date!r}"
    with caplog.at_level("WARNING", logger="topicslib"), \
            pytest.raises(topicslib.InputError, match=f"^{re.escape(message)}$"):
        topicslib.trends(RECORDS, date=date)
    with pytest.raises(topicslib.InputError, match=r"^period must be one of day, week, month, quarter, year"):
        topicslib.trends(RECORDS, date="date", period="decade")
    assert caplog.text == ""


def test_untagged_records_are_classified_as_classify_many_tags_them(default_model):
    texts = ["Coca cultivation fell in Putumayo.", "Los migrantes cruzaron la frontera.", "Tariffs on steel rose.", "Home"]
    records = [{"text": t, "d": "2023-05-0" + str(i + 1)} for i, t in enumerate(texts)]
    rows = topicslib.trends(records, date="d", period="year")
    expected = Counter(t for r in default_model.classify_many(texts) for t, _ in r)
    assert {r.topic: r.paragraphs for r in rows} == {t: expected.get(t, 0) for t in default_model.classes_}
    assert {r.period for r in rows} == {"2023"} and [r.topic for r in rows] == list(default_model.classes_)


@pytest.mark.parametrize("value, day", [("2021-07-04", (2021, 7, 4)), ("2021/07/04 12:00", (2021, 7, 4)),
                                        ("2021-07-04T09:30:00+02:00", (2021, 7, 4)), ("2021.07.04", (2021, 7, 4)),
                                        ("2021-07", (2021, 7, 1)), ("2021/7", (2021, 7, 1)), ("2021", (2021, 1, 1)),
                                        (" 2021 ", (2021, 1, 1)), (2021, (2021, 1, 1))])
def test_dates_are_read_leniently(value, day):
    assert parse_date(value).timetuple()[:3] == day


@pytest.mark.parametrize("value, day", [
    ("14 de marzo de 2026", (2026, 3, 14)), ("sábado, 14 de marzo de 2026, 10:42 a. m.", (2026, 3, 14)),
    ("14 mar 2026", (2026, 3, 14)), ("Viernes 13 de marzo de 2026 - 18:30", (2026, 3, 13)),
    ("marzo de 2026", (2026, 3, 1)), ("Setiembre 2025", (2025, 9, 1)), ("March 14, 2026", (2026, 3, 14)),
    ("Sat, 14 Mar 2026 10:42:00 GMT", (2026, 3, 14)), ("Sept. 3, 2025", (2025, 9, 3)), ("March 2026", (2026, 3, 1))])
def test_dates_with_the_months_name_are_read_in_english_and_spanish(value, day):
    """A scraped Spanish story's "14 de marzo de 2026", or a feed's "Sat, 14 Mar 2026 10:42:00 GMT", was no date:
    every record of such an export was counted under 'undated' (QA pass 7)."""
    assert parse_date(value).timetuple()[:3] == day


@pytest.mark.parametrize("value", ["03/04/2026", "14/03/2026", "31 de febrero de 2026", "14 de marz de 2026",
                                   "5 de mayo", "Hace 2 horas"])
def test_day_and_month_in_digits_and_impossible_or_misspelt_dates_stay_undated(value):
    assert parse_date(value) is None


def test_the_command_counts_records_dated_with_the_months_name_by_their_month(tmp_path):
    src = tmp_path / "notas.csv"
    src.write_text("fecha,text\n\"14 de marzo de 2026, 10:42 a. m.\",Migrantes cruzan la frontera.\n"
                   "\"Sat, 04 Apr 2026 10:42:00 GMT\",Coca crops grew.\n", encoding="utf-8")
    r = run("trends", str(src), "--date", "fecha", "--format", "jsonl")
    assert r.returncode == 0 and "undated" not in r.stdout + r.stderr, r.stderr
    assert {row["period"] for row in map(json.loads, r.stdout.splitlines())} == {"2026-03", "2026-04"}


# Text after a bare year or a year and month is no time (these were read as January 2024, or March), and a dotted
# year and month is a number as CSV holds it ("2024.5" was May 2024; the number 2024.5 is no date).
@pytest.mark.parametrize("value", ["", "next week", "2021-13-01", None, 3.5, "21-07-04", "2024 March 5", "2024 Q3",
                                   "2024 年 3 月", "2024-03 10:00", "2024T10:00", "2024.5", "2024.03", 2024.5])
def test_unreadable_dates_are_none(value):
    assert parse_date(value) is None


def test_a_float_looking_year_is_undated_in_csv_as_the_number_is_in_json_lines(tmp_path):
    (tmp_path / "d.csv").write_text("text,date,topics\nTariffs fell.,2024.5,trade\n", encoding="utf-8")
    (tmp_path / "d.jsonl").write_text(json.dumps({"text": "Tariffs fell.", "date": 2024.5, "topics": ["trade"]}) + "\n",
                                      encoding="utf-8")
    for name in ("d.csv", "d.jsonl"):
        r = run("trends", str(tmp_path / name), "--date", "date", "--format", "jsonl")
        assert r.returncode == 0, r.stderr
        assert {row["period"] for row in map(json.loads, r.stdout.splitlines())} == {"undated"}, name
        assert "1 of 1 record had no readable date in the 'date' field (values such as" in r.stderr


def test_weeks_are_iso_weeks():
    import datetime as dt
    assert period_of(dt.date(2021, 1, 3), "week") == "2020-W53" and period_of(dt.date(2021, 1, 4), "week") == "2021-W01"


def test_the_command_writes_csv_with_the_by_field_first(tmp_path):
    src = tmp_path / "corpus.jsonl.gz"
    with gzip.open(src, "wt", encoding="utf-8") as f:
        f.writelines(json.dumps(r) + "\n" for r in RECORDS)
    out = tmp_path / "trends.csv"
    r = run("trends", str(src), "--date", "date", "--by", "source", "-o", str(out))
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert list(rows[0]) == ["source", "period", "topic", "paragraphs", "share"]
    assert {"source": "A", "period": "2024-01", "topic": "trade", "paragraphs": "2", "share": "1.0"} in rows
    assert "1 of 4 records had no readable date" in r.stderr


def test_a_by_field_named_as_a_column_of_the_count_keeps_its_values(tmp_path):
    """A legislature's "period" as --by: its values were overwritten by the count's own period column."""
    src = tmp_path / "corpus.jsonl"
    src.write_text("".join(json.dumps({**r, "period": "LXV"}) + "\n" for r in RECORDS), encoding="utf-8")
    r = run("trends", str(src), "--date", "date", "--period", "year", "--by", "period", "--format", "csv")
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert list(rows[0]) == ["by_period", "period", "topic", "paragraphs", "share"]
    assert {(row["by_period"], row["period"]) for row in rows} == {("LXV", "2024"), ("LXV", "undated")}


def test_a_dataframe_when_asked():
    pytest.importorskip("pandas")
    frame = topicslib.trends(RECORDS, date="date", period="year", as_frame=True)
    assert list(frame.columns) == ["by", "period", "topic", "paragraphs", "share"] and len(frame) > 0


# With no record the CSV header lost the --by and --group columns, JSON Lines printed nothing unsaid, and the frame
# had no columns (QA3 §5): a scheduled job's output keeps its schema.
@pytest.mark.parametrize("content", ["", "\n\n"])
def test_a_corpus_without_records_gives_the_columns_of_one_with_records(tmp_path, content):
    src = tmp_path / "corpus.jsonl"
    for options in ([], ["--by", "source", "--group", "url"]):
        src.write_text("".join(json.dumps(r) + "\n" for r in RECORDS), encoding="utf-8")
        full = run("trends", str(src), "--date", "date", *options, "--format", "csv")
        src.write_text(content, encoding="utf-8")
        empty = run("trends", str(src), "--date", "date", *options, "--format", "csv")
        assert empty.returncode == 0 and full.returncode == 0, empty.stderr + full.stderr
        assert empty.stdout.splitlines() == full.stdout.splitlines()[:1] and "no records read" in empty.stderr
        jsonl = run("trends", str(src), "--date", "date", *options, "--format", "jsonl")
        assert jsonl.returncode == 0 and jsonl.stdout == "" and "no records read" in jsonl.stderr


def test_a_dataframe_without_records_has_the_columns_of_one_with_records(caplog):
    pytest.importorskip("pandas")
    for options in ({}, {"by": "source"}, {"by": "source", "group": "url"}):
        full = topicslib.trends(RECORDS, date="date", as_frame=True, **options)
        with caplog.at_level("WARNING", logger="topicslib"):
            empty = topicslib.trends([], date="date", as_frame=True, **options)
        assert list(empty.columns) == list(full.columns) and len(empty) == 0 and len(full) > 0
        assert "no records read" in caplog.text


@pytest.mark.skipif(not WHITE_HOUSE.exists(), reason="../shared/data/us_white_house_latam_statements is not here")
def test_white_house_monthly_counts_equal_those_of_classify_output(tmp_path):
    out = tmp_path / "tagged.jsonl"
    assert run("classify", str(WHITE_HOUSE), "-o", str(out)).returncode == 0
    expected = Counter()
    for line in out.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        for t in record["topics"]:
            expected[record["date"][:7], t["topic"]] += 1
    r = run("trends", str(WHITE_HOUSE), "--date", "date", "--period", "month", "--format", "jsonl")
    got = {(row["period"], row["topic"]): row["paragraphs"] for row in map(json.loads, r.stdout.splitlines())}
    assert {k: v for k, v in got.items() if v} == dict(expected)
    assert sum(got.values()) == sum(expected.values()) > 5000


def test_the_topics_of_classifys_csv_output_are_counted_not_classified_again(tmp_path, tiny_model):
    """classify's CSV output read back by trends: its topics cells (ids joined by ';') are the records' topics, so
    the model that tagged them (here one of other topics) decides, not the default model trends would use."""
    model = tiny_model.save(tmp_path / "theirs.npz")
    src = tmp_path / "corpus.jsonl"
    src.write_text("".join(json.dumps({"text": t, "date": "2024-05-0%d" % (i + 1)}) + "\n" for i, t in enumerate(
        ["Migrants sought asylum at the border.", "Tariffs on exports rose.", "Share this page"])), encoding="utf-8")
    tagged = tmp_path / "tagged.csv"
    assert run("classify", str(src), "--model", str(model), "-o", str(tagged)).returncode == 0
    counted = {}
    for name, args in (("csv", [str(tagged)]), ("model", [str(src), "--model", str(model)])):
        r = run("trends", *args, "--date", "date", "--period", "year", "--format", "csv")
        assert r.returncode == 0, r.stderr
        counted[name] = {row["topic"]: row["paragraphs"] for row in csv.DictReader(io.StringIO(r.stdout))
                         if row["paragraphs"] != "0"}
    assert counted["csv"] == counted["model"] and set(counted["csv"]) <= set(tiny_model.classes_) and counted["csv"]


def test_document_counts_each_paragraph_of_a_record_as_the_reports_dashboard_does(tmp_path):
    """Articles as records: trends classified each whole and counted it once, while report --date split it into
    paragraphs, so the two gave other shares for one corpus. --document counts paragraphs, as the report does;
    a record's own topics (the whole article's) are not given to each of its paragraphs."""
    src = tmp_path / "articles.jsonl"
    articles = [{"date": "2024-01-05", "source": "A", "topics": ["health"],
                 "text": "Coca cultivation grew in Putumayo.\n\nTariffs on coffee exports fell.\n\nShare this page"},
                {"date": "2024-02-10", "source": "B", "text": "Migrants crossed the border seeking asylum."}]
    src.write_text("".join(json.dumps(a) + "\n" for a in articles), encoding="utf-8")
    r = run("trends", str(src), "--date", "date", "--document", "--group", "source", "--format", "jsonl")
    assert r.returncode == 0, r.stderr
    got = {(row["period"], row["topic"]): (row["paragraphs"], row["share"], row["documents"])
           for row in map(json.loads, r.stdout.splitlines()) if row["paragraphs"]}
    assert got == {("2024-01", "narcotics"): (1, 1 / 3, 1), ("2024-01", "trade"): (1, 1 / 3, 1),
                   ("2024-02", "migration"): (1, 1.0, 1)}
    page = tmp_path / "r.html"
    assert run("report", str(src), "--date", "date", "-o", str(page)).returncode == 0
    figures = re.search(r'<table class="figures">.*?</table>', page.read_text(encoding="utf-8"), re.S).group(0)
    assert re.search(r"<tr><td>2024-01</td>(<td[^>]*>[^<]*</td>)*</tr>", figures).group(0).count(">33%<") == 2



def test_whole_articles_counted_as_one_paragraph_each_are_warned_of_naming_document(tmp_path):
    """Without --document, trends counted a record holding a whole article as one paragraph, unsaid, while the report
    of the same corpus counted its paragraphs: the shares disagreed (0.25 against 1.0 here) with no word of why
    (QA pass 7). A warning says how many records hold several paragraphs, where the first is, and names
    --document."""
    src = tmp_path / "notas.jsonl"
    notas = [{"date": "2026-03-14", "text": "Venezuela y Colombia reabren la frontera\n\nLos gobiernos acordaron "
                                           "reabrir el paso para los migrantes.\n\nSíguenos en Instagram"},
             {"date": "2026-03-15", "text": "La erradicación de coca aumentó en el Catatumbo."}]
    src.write_text("".join(json.dumps(n, ensure_ascii=False) + "\n" for n in notas), encoding="utf-8")
    r = run("trends", str(src), "--date", "date", "--format", "jsonl")
    said = (f"topicslib: warning: 1 of the 2 texts hold several paragraphs (a blank line between them; the first at "
            f"{src}:1), each counted as one paragraph, where the report's dashboard counts its paragraphs: --document "
            f"takes their paragraphs one by one")
    assert r.returncode == 0 and said in r.stderr.splitlines(), r.stderr
    r = run("trends", str(src), "--date", "date", "--document", "--format", "jsonl")
    assert r.returncode == 0 and "several paragraphs" not in r.stderr, r.stderr
    rows = {row["topic"]: row for row in map(json.loads, r.stdout.splitlines())}
    assert (rows["migration"]["paragraphs"], rows["narcotics"]["paragraphs"], rows["narcotics"]["share"]) == (1, 1, 0.25)

def test_trends_help_names_the_text_files_it_reads_as_undated_records(tmp_path):
    """`trends --help` said CORPUS is "JSONL or CSV files or folders", though .txt/.md files are read too (as one
    undated record each)."""
    r = run("trends", "--help")
    assert r.returncode == 0 and "JSONL or CSV files or folders" not in r.stdout
    assert "a .txt/.md file is one record too, with no date (counted as undated)" in " ".join(r.stdout.split())
    (tmp_path / "a.md").write_text("Coca crops grew in Nariño.\n\nTariffs on coffee fell.\n", encoding="utf-8")
    r = run("trends", str(tmp_path / "a.md"), "--date", "date", "--format", "jsonl")
    assert r.returncode == 0, r.stderr
    assert {(row["period"], row["paragraphs"]) for row in map(json.loads, r.stdout.splitlines())} >= {("undated", 1)}


def test_a_record_to_classify_without_its_text_field_is_an_error_naming_it():
    """trends(records of a "texto" field) counted every record as a paragraph of no topic, zeros everywhere, where the
    command line says "no 'text' field (choose the text field with --column)" (QA pass 7)."""
    records = [{"texto": "Migrantes venezolanos cruzan la frontera.", "fecha": "2026-03-01"}]
    with pytest.raises(topicslib.DataError, match=r"^record 0: no 'text' field to classify \(its fields: texto, "
                                                  r"fecha\); name the field that holds the text with text="):
        topicslib.trends(records, date="fecha")
    rows = topicslib.trends(records, date="fecha", text="texto")
    assert [r.paragraphs for r in rows if r.topic == "migration"] == [1]
    # a record that carries its topics needs no text, and a null text is an empty one
    rows = topicslib.trends([{"topics": ["trade"], "fecha": "2026-03-01"}, {"text": None, "fecha": "2026-03-01"}],
                            date="fecha")
    assert [(r.paragraphs, r.share) for r in rows if r.topic == "trade"] == [(1, 0.5)]
