"""Reading examples: formats, and every validation error names its file and line."""

from __future__ import annotations

import json

import pytest

from topicslib import ExampleError, Taxonomy, TopicModel, TrainingError, cross_validate, read_examples, train
from topicslib.examples import iter_examples, merge_duplicates, prepare_examples, trainable_topics
from topicslib import examples as examples_module

from .conftest import TINY

TAX = Taxonomy.from_ids(["trade", "migration"])


def write(path, lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_jsonl_reads_text_topics_and_ignores_other_keys(tmp_path):
    f = write(tmp_path / "a.jsonl", [
        json.dumps({"text": "Tariffs fell.", "topics": ["trade"], "genre": "news"}),
        "",
        json.dumps({"text": "Home | Contact", "topics": []}),
    ])
    ex = read_examples(f, taxonomy=TAX)
    assert [(e.text, e.topics, e.line) for e in ex] == [("Tariffs fell.", ("trade",), 1), ("Home | Contact", (), 3)]


def test_csv_reads_topics_in_several_spellings(tmp_path):
    f = tmp_path / "a.csv"
    f.write_text('text,topics,other\n"Tariffs, again.",trade,x\nMigrants and tariffs,trade;migration,y\n'
                 'Nothing here,,z\nBoth,"[""trade"", ""migration""]",w\n', encoding="utf-8")
    ex = read_examples(f, taxonomy=TAX)
    assert [e.topics for e in ex] == [("trade",), ("trade", "migration"), (), ("trade", "migration")]
    assert ex[0].text == "Tariffs, again." and ex[1].line == 3


def test_folder_reads_all_files_in_order(tmp_path):
    write(tmp_path / "b.jsonl", [json.dumps({"text": "B", "topics": []})])
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub" / "a.jsonl", [json.dumps({"text": "A", "topics": []})])
    write(tmp_path / "notes.txt", ["ignored"])
    assert [e.text for e in read_examples(tmp_path)] == ["B", "A"]


@pytest.mark.parametrize(
    "line, message",
    [
        ('{"text": "ok", "topics": [}', "invalid JSON"),
        ('["just", "a", "list"]', "expected a JSON object, got list"),
        ('{"topics": ["trade"]}', "missing 'text'"),
        ('{"text": "   ", "topics": ["trade"]}', "'text' is empty"),
        ('{"text": 42, "topics": ["trade"]}', "'text' must be a string"),
        ('{"text": "ok"}', "missing 'topics'"),
        ('{"text": "ok", "topics": 7}', "'topics' must be a list of topic ids, got 7"),
        ('{"text": "ok", "topics": "trade, climate"}', "unknown topic 'climate'"),
        ('{"text": "ok", "topics": ["climate"]}', "unknown topic 'climate'"),
    ],
)
def test_bad_lines_are_reported_with_file_and_line(tmp_path, line, message):
    f = write(tmp_path / "bad.jsonl", [json.dumps({"text": "fine", "topics": ["trade"]}), line])
    with pytest.raises(ExampleError, match=message) as err:
        read_examples(f, taxonomy=TAX)
    assert str(err.value).startswith(f"{f}:2: ")
    assert err.value.line == 2 and err.value.path == str(f)


def test_duplicate_paragraphs_name_both_places(tmp_path):
    f = write(tmp_path / "d.jsonl", [json.dumps({"text": "Same  text.", "topics": []}),
                                     json.dumps({"text": "x", "topics": []}),
                                     json.dumps({"text": "same text.", "topics": ["trade"]})])
    examples = read_examples(f)
    assert len(examples) == 3  # read as they are; training decides what a repeat means
    with pytest.raises(ExampleError, match=r"d.jsonl:3: duplicate paragraph \(first seen at .*d.jsonl:1\)"):
        merge_duplicates(examples, "error")
    kept, counts = merge_duplicates(examples)
    assert [e.text for e in kept] == ["Same  text.", "x"] and kept[0].topics == ("trade",)
    assert counts == {"repeats": 1, "conflicting": 1}


def test_a_merged_repeat_keeps_its_group_so_cross_validate_by_counts_it_where_it_belongs():
    """Copies with other topics are merged into the first: it once lost the field the examples were grouped by, so
    ``cross-validate --by`` counted the paragraph under (none)."""
    records = [{"text": "Tariffs rose.", "topics": ["trade"], "src": "a"}, {"text": "tariffs rose.", "topics": ["people"]}]
    kept, counts = merge_duplicates(iter_examples(records, by="src"))
    assert counts["conflicting"] == 1 and (kept[0].topics, kept[0].group) == (("trade", "people"), "a")
    records = [dict(r, src="a") for r in TINY] + [{"text": TINY[0]["text"].upper(), "topics": ["econ", "people"]}]
    assert list(cross_validate(records, folds=3, min_df=1, by="src").groups) == ["a"]


def test_a_codebook_whose_names_hold_commas_keeps_each_name_whole(tmp_path, caplog):
    """CAP's "Law, Crime, and Family Issues" in a single-label CSV became the topics 'Law', 'Crime' and 'and Family
    Issues' (32 topics for 20 codes, and a multi-label model of single-label data), with a warning of the way out.
    ',' separates ids, single words: a cell whose parts hold spaces is one name, kept whole; ids joined by ',' are
    read as before, and names of several words are listed with ';' or '|'."""
    f = tmp_path / "codes.csv"
    f.write_text('text,label\nTariffs rose.,Foreign Trade\nJudges ruled.,"Law, Crime, and Family Issues"\n'
                 'Courts met.,"Law, Crime, and Family Issues"\nDrought hit.,"Foreign Trade; Law, Crime, and Family Issues"\n'
                 'Police fired.,"Law, Crime, and Family Issues|Defense"\n', encoding="utf-8")
    with caplog.at_level("WARNING", logger="topicslib"):
        with pytest.raises(ExampleError, match=r"codes.csv:6: topics separated by '\|' here but by ';' from line 5 on"):
            read_examples(f, topics_field="label")  # one separator in a file, as before
        f.write_text(f.read_text(encoding="utf-8").replace("|", ";"), encoding="utf-8")
        examples = read_examples(f, topics_field="label")
    assert [e.topics for e in examples] == [("Foreign Trade",), ("Law, Crime, and Family Issues",),
                                            ("Law, Crime, and Family Issues",),
                                            ("Foreign Trade", "Law, Crime, and Family Issues"),
                                            ("Law, Crime, and Family Issues", "Defense")]
    assert not caplog.records
    # a codebook of such names trains a single-label model of its codes, as its JSON Lines twin does
    rows = [(f"Tariffs on goods {i}.", "Foreign Trade") for i in range(6)] + [
        (f"Judges jailed gangs {i}.", "Law, Crime, and Family Issues") for i in range(6)]
    csv_file, jsonl_file = tmp_path / "cap.csv", tmp_path / "cap.jsonl"
    csv_file.write_text("text,label\n" + "".join(f'{t},"{c}"\n' for t, c in rows), encoding="utf-8")
    jsonl_file.write_text("".join(json.dumps({"text": t, "label": [c]}) + "\n" for t, c in rows), encoding="utf-8")
    from_csv = train(read_examples(csv_file, topics_field="label"), min_df=1, folds=2)
    from_jsonl = train(read_examples(jsonl_file, topics_field="label"), min_df=1, folds=2)
    assert from_csv.classes_.tolist() == ["Foreign Trade", "Law, Crime, and Family Issues"] and not from_csv.multi_label_
    assert from_csv.card_["examples_sha256"] == from_jsonl.card_["examples_sha256"]
    model = TopicModel(min_df=1, folds=2).fit([t for t, _ in rows], [c for _, c in rows])  # scikit-learn's y alike
    assert model.classes_.tolist() == from_csv.classes_.tolist() and not model.multi_label_
    assert read_examples([{"text": "a", "topics": "trade,migration"}, {"text": "b", "topics": "human_rights, trade"}])[
        1].topics == ("human_rights", "trade")  # ids joined by commas, as the README allows
    assert not caplog.records


def test_a_name_kept_whole_whose_parts_are_each_a_topic_is_warned_of(tmp_path, caplog):
    """Topics of several words listed with ',' ("Foreign Trade, Defense") are read as one name now; when each part
    is a topic of other lines, that name most likely lists them: a warning says so and how to list them."""
    f = tmp_path / "tags.csv"
    f.write_text('text,topics\nTariffs and troops.,"Foreign Trade, Defense"\nExports fell.,Foreign Trade\n'
                 'Troops moved.,Defense\nCourts met.,"Law, Crime, and Family Issues"\n', encoding="utf-8")
    with caplog.at_level("WARNING", logger="topicslib"):
        assert read_examples(f)[0].topics == ("Foreign Trade, Defense",)
    assert [r.getMessage() for r in caplog.records] == [
        f"{f}:2: 'Foreign Trade, Defense' is read as one topic, a name holding commas (a part of it holds a space), "
        "though each of its parts ('Foreign Trade', 'Defense') is a topic of other lines; if it lists topics, separate "
        'them by \';\' or \'|\', or write it as a JSON list (["Foreign Trade", "Defense"])']
    caplog.clear()
    with caplog.at_level("WARNING", logger="topicslib"):
        TopicModel(min_df=1, folds=2).fit(["tariffs and troops", "tariffs rose", "troops moved", "troops marched"],
                                          ["X Y, Z", "X Y", "Z", "Z"])
    assert [r.getMessage().split(" is read as")[0] for r in caplog.records if "JSON list" in r.getMessage()] == [
        "example 0: 'X Y, Z'"]


def test_a_file_of_one_json_document_is_told_to_be_json_lines(tmp_path):
    """An export as one JSON array, pretty-printed or on one line: the first line's error said "invalid JSON:
    Expecting value" or "expected a JSON object, got list", and not what to do."""
    records = [{"text": "Tariffs fell.", "topics": ["trade"]}, {"text": "Migrants crossed.", "topics": []}]
    advice = ("; JSON Lines is read, one record a line, not one JSON document: write each record on a line of its own "
              "(an array of them: jq -c '.[]' FILE, or pandas' to_json(orient='records', lines=True))")
    pretty, flat = tmp_path / "pretty.jsonl", tmp_path / "flat.jsonl"
    pretty.write_text(json.dumps(records, indent=2) + "\n", encoding="utf-8")
    flat.write_text(json.dumps(records) + "\n", encoding="utf-8")
    with pytest.raises(ExampleError) as err:
        read_examples(pretty)
    assert str(err.value) == f"{pretty}:1: a JSON document begins here, over many lines" + advice
    with pytest.raises(ExampleError) as err:
        read_examples(flat)
    assert str(err.value) == f"{flat}:1: expected a JSON object, got list" + advice


def test_topics_told_apart_only_by_case_are_named_in_a_warning(caplog):
    """A label set with "Sports" and "sports" trained two topics, each against the other's examples, unsaid."""
    records = [dict(r, topics=[t.capitalize() if i % 3 == 0 else t for t in r["topics"]]) for i, r in enumerate(TINY)]
    model = train(records, min_df=1, folds=3)
    assert sorted(model.classes_) == ["Econ", "People", "econ", "people"]
    assert [r.getMessage() for r in caplog.records if "case" in r.getMessage()] == [
        "topics told apart only by case are trained as topics of their own, each against the other's examples: 'Econ' "
        "and 'econ', 'People' and 'people'; write each topic one way"]
    caplog.clear()
    train(TINY, min_df=1, folds=3)
    assert not [r for r in caplog.records if "case" in r.getMessage()]


def test_every_duplicate_is_reported_at_once(tmp_path):
    f = write(tmp_path / "d.jsonl", [json.dumps({"text": t, "topics": []}) for t in ["a", "b", "A", "c", "B", "a "]])
    with pytest.raises(ExampleError, match=r"d.jsonl:3: duplicate paragraph \(first seen at .*d.jsonl:1\); 2 more: "
                                           r".*d.jsonl:5 \(first seen at .*d.jsonl:2\); .*d.jsonl:6 \(first seen at .*d.jsonl:1\)"):
        merge_duplicates(read_examples(f), "error")


def test_repeats_never_stop_training_and_the_card_counts_them(caplog):
    records = [{"text": r["text"].upper() if i % 2 else r["text"], "topics": r["topics"]} for i, r in enumerate(TINY * 2)]
    records.append({"text": TINY[0]["text"], "topics": ["people"]})  # the same words, another topic: merged
    with caplog.at_level("WARNING", logger="topicslib"):
        model = train(records, min_df=1, folds=3)
    assert model.card_["n_examples"] == len(TINY)
    assert model.card_["duplicates"] == {"repeats": len(TINY) + 1, "conflicting": 1}
    assert f"{len(TINY) + 1} repeated paragraphs counted once" in caplog.text
    with pytest.raises(ExampleError, match="duplicate paragraph"):
        train(records, min_df=1, folds=3, on_duplicate="error")


def test_non_utf8_empty_file_and_empty_folder(tmp_path):
    f = tmp_path / "latin1.jsonl"
    f.write_bytes(json.dumps({"text": "ok", "topics": []}).encode() + b"\n" + '{"text": "Bogotá", "topics": []}'.encode("latin-1"))
    with pytest.raises(ExampleError, match=r"latin1.jsonl:2: not UTF-8"):
        read_examples(f)
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    with pytest.raises(ExampleError, match="empty.jsonl: no examples in it: the file is empty"):
        read_examples(empty)
    (tmp_path / "none").mkdir()
    with pytest.raises(ExampleError, match="no example files"):
        read_examples(tmp_path / "none")
    with pytest.raises(ExampleError, match="no such file"):
        read_examples(tmp_path / "missing.jsonl")


def test_csv_without_required_columns(tmp_path):
    f = tmp_path / "a.csv"
    f.write_text("body,labels\nx,y\n", encoding="utf-8")
    with pytest.raises(ExampleError, match=r"a.csv:1: no column 'text' in the header \(columns: body, labels\)"):
        read_examples(f)


def test_text_and_topics_read_from_fields_of_other_names(tmp_path):
    jsonl = write(tmp_path / "a.jsonl", [json.dumps({"body": "Tariffs fell.", "label": "trade"}),
                                         json.dumps({"body": "Both.", "label": "trade|migration", "text": "not this"}),
                                         json.dumps({"body": "None.", "label": ""}),
                                         json.dumps({"body": "Listed.", "label": ["migration"]})])
    csv = tmp_path / "a.csv"
    csv.write_text("label,body\ntrade,Tariffs fell.\ntrade|migration,Both.\n,None.\nmigration,Listed.\n", encoding="utf-8")
    for f in (jsonl, csv):
        ex = read_examples(f, taxonomy=TAX, text_field="body", topics_field="label")
        assert [(e.text, e.topics) for e in ex] == [("Tariffs fell.", ("trade",)), ("Both.", ("trade", "migration")),
                                                     ("None.", ()), ("Listed.", ("migration",))]
    # the default names are asked for by name, with the record's own fields and the options that choose others
    with pytest.raises(ExampleError, match=r"a.jsonl:1: missing 'text'; the record has body, label \(choose the fields "
                                           r"with --column and --topics-column\)"):
        read_examples(jsonl)
    with pytest.raises(ExampleError, match=r"a.csv:1: no column 'text' in the header \(columns: label, body\); choose "
                                           r"the columns with --column and --topics-column"):
        read_examples(csv)
    with pytest.raises(ExampleError, match=r"^example 0: missing 'labels'"):
        read_examples([{"body": "x", "label": "trade"}], text_field="body", topics_field="labels")
    # grouped by the topics field itself: the topics are still read from it
    by_label = read_examples(csv, text_field="body", topics_field="label", by="label")
    assert [(e.topics, e.group) for e in by_label][:2] == [(("trade",), ["trade"]), (("trade", "migration"), ["trade", "migration"])]
    with pytest.raises(ExampleError, match=r"the text and the topics cannot both be read from the field 'body'"):
        read_examples(jsonl, text_field="body", topics_field="body")


def test_one_separator_for_the_topics_strings_of_a_file(tmp_path):
    f = write(tmp_path / "a.jsonl", [json.dumps({"text": "a", "topics": "trade;migration"}),
                                     json.dumps({"text": "b", "topics": "trade, migration"})])
    with pytest.raises(ExampleError, match=r"a.jsonl:2: topics separated by ',' here but by ';' from line 1 on"):
        read_examples(f)


def test_records_are_numbered_when_they_have_no_file():
    with pytest.raises(ExampleError, match=r"^example 1: 'text' is empty$"):  # records[1], as Python counts
        read_examples([{"text": "a", "topics": []}, {"text": "", "topics": []}])
    with pytest.raises(ExampleError, match=r"^example 1: topics separated by ',' here but by ';' from example 0 on; "
                                           r"use one separator in all$"):
        read_examples([{"text": "a", "topics": "trade; migration"}, {"text": "b", "topics": "trade, migration"}])
    assert [e.where for e in read_examples([{"text": "a", "topics": []}, {"text": "b", "topics": []}])] == \
        ["example 0", "example 1"]


def test_topic_with_too_few_examples_is_named():
    ex = read_examples([{"text": f"trade {i}", "topics": ["trade"]} for i in range(5)]
                       + [{"text": "migrants", "topics": ["migration"]}, {"text": "nothing", "topics": []}])
    with pytest.raises(TrainingError, match="topic 'migration' has 1 example; at least 2"):
        trainable_topics(ex, TAX, 2, "error")
    with pytest.raises(TrainingError, match="topic 'migration'"):
        train([{"text": e.text, "topics": list(e.topics)} for e in ex], rare_topics="error")


def test_a_rare_topic_is_left_out_with_a_warning_and_recorded(caplog):
    records = [{"text": f"tariffs and trade {i}", "topics": ["trade"]} for i in range(5)] + [
        {"text": "migrants crossed", "topics": ["migration"]}, {"text": "nothing here", "topics": []}]
    with caplog.at_level("WARNING", logger="topicslib"):
        model = train(records, taxonomy=Taxonomy(TAX.topics, "en"), min_df=1, folds=2)
    assert model.classes_.tolist() == ["trade"] and [t.id for t in model.topics()] == ["trade"]
    assert model.taxonomy_.lang == "en"  # the taxonomy left keeps its language
    assert model.card_["left_out"] == {"migration": 1}
    assert "left out 1 topic with fewer than 2 examples (the min_examples option): migration (1)" in caplog.text


def test_many_rare_topics_are_counted_by_reason_and_a_few_named_as_bootstrap_names_them(caplog):
    """A taxonomy of thousands of topics gave a warning naming every one on one line; past ten, each reason (none,
    too few) is counted and five of its topics named, as bootstrap's warning of topics left out does."""
    records = [{"text": f"tariffs and trade {i}", "topics": ["trade"]} for i in range(5)]
    records += [{"text": f"rare topic {i}", "topics": [f"rare{i}"]} for i in range(1200)] + [{"text": "x y", "topics": []}]
    taxonomy = Taxonomy.from_ids(["trade", *(f"rare{i}" for i in range(1200)), *(f"none{i}" for i in range(3))])
    with caplog.at_level("WARNING", logger="topicslib"):
        model = train(records, taxonomy=taxonomy, min_df=1, folds=2, min_examples=3)
    assert len(model.card_["left_out"]) == 1203  # the card still names every one
    [message] = [r.getMessage() for r in caplog.records if "left out" in r.getMessage()]
    assert message == ("left out 1,203 topics with fewer than 3 examples (the min_examples option): 1,200 with 1 to 2: "
                       "rare0 (1), rare1 (1), rare2 (1), rare3 (1), rare4 (1) and 1,195 more; 3 with none: none0 (0), "
                       "none1 (0), none2 (0)")


def test_taxonomy_topic_without_examples_is_named():
    records = [{"text": f"tariffs {i}", "topics": ["trade"]} for i in range(4)] + [{"text": "x y", "topics": []}]
    with pytest.raises(TrainingError, match="topic 'migration' has 0 examples"):
        train(records, taxonomy=TAX, rare_topics="error")


# -- large files: memory -------------------------------------------------------------------------------------
PARAGRAPH = ("Tariffs on coffee exports fell by {} percent this year, the ministry said, while migrants crossing the "
             "border at Cúcuta asked for temporary protection and the peace accord's rural reform stalled in Nariño.")


def _large(tmp_path, n=40_000, last=None):
    lines = [json.dumps({"text": PARAGRAPH.format(i), "topics": ["trade"] if i % 2 else ["trade", "migration"]})
             for i in range(n)]
    return write(tmp_path / "large.jsonl", lines + ([last] if last else []))


def test_a_bad_last_line_fails_before_the_file_is_held(tmp_path, monkeypatch):
    # Large files are read twice: every line checked first, none kept. Holding them first made a 2 GB file take
    # 4.2 GB of memory before failing on its last line. (The threshold is lowered to this file's size.)
    import tracemalloc

    path = _large(tmp_path, last='{"text": "cut off')
    monkeypatch.setattr(examples_module, "_CHECK_FIRST_BYTES", path.stat().st_size)
    tracemalloc.start()
    try:
        with pytest.raises(ExampleError, match=r"large.jsonl:40001: invalid JSON"):
            read_examples(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < path.stat().st_size / 10


def test_small_files_are_read_once_and_large_ones_twice(tmp_path, monkeypatch):
    path = _large(tmp_path, n=100)
    reads = []
    real = examples_module.source_rows
    monkeypatch.setattr(examples_module, "source_rows", lambda source, **kw: reads.append(source.name) or real(source, **kw))
    assert len(read_examples(path)) == 100 and reads == [str(path)]
    reads.clear()
    monkeypatch.setattr(examples_module, "_CHECK_FIRST_BYTES", path.stat().st_size)
    assert len(read_examples(path)) == 100 and reads == [str(path)] * 2


def test_examples_are_held_compactly_and_merged_without_copies_of_their_texts(tmp_path):
    # Examples have slots and share their topic tuples; duplicates are found by a 16-byte digest of each text,
    # not a normalized copy of it. Before, the examples took 2.0 times their texts, and merging 1.2 times more
    # (now 1.4 and 0.4 times).
    import sys
    import tracemalloc

    tracemalloc.start()
    try:
        examples = read_examples(_large(tmp_path))
        held = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        kept, counts = merge_duplicates(examples)
        merging = tracemalloc.get_traced_memory()[1] - held
    finally:
        tracemalloc.stop()
    texts = sum(sys.getsizeof(e.text) for e in examples)
    assert len(kept) == 40_000 and counts == {"repeats": 0, "conflicting": 0}
    assert held < 1.6 * texts and merging < 0.7 * texts, (held / texts, merging / texts)
    assert examples[1].topics is examples[3].topics


def test_topic_tuples_stay_shared_after_a_process_has_met_thousands_of_label_sets():
    # The cache of checked label sets is bounded; once full it must start again, not stop sharing (it had stopped:
    # after the hostile-input tests had filled it, every example read later held its own tuple and strings).
    many = [{"text": f"Paragraph {i}.", "topics": [f"t{i}"]} for i in range(3 * 4096)]
    read_examples(many)
    later = read_examples([{"text": f"Tariffs {i}.", "topics": ["trade", "migration"]} for i in range(3)])
    assert later[0].topics is later[1].topics is later[2].topics == ("trade", "migration")


def test_examples_stream_into_training_each_paragraph_held_once(tmp_path):
    """Training reads examples as a stream and keeps each paragraph once: a file repeating a few paragraphs
    millions of times costs the memory of the few (docs/reliability.md). Records are read lazily, and an
    error for repeats lists the first eleven and counts the rest."""
    read = []

    def records(n):
        for i in range(n):
            read.append(i)
            yield {"text": f"Tariffs on coffee fell in round {i % 3}.", "topics": ["trade"] if i % 3 else ["diplomacy"]}

    first = next(iter_examples(records(3000)))
    assert first.topics == ("diplomacy",) and len(read) == 1
    kept, counts = merge_duplicates(iter_examples(records(3000)))
    assert [e.text for e in kept] == [f"Tariffs on coffee fell in round {i}." for i in range(3)]
    assert counts == {"repeats": 2997, "conflicting": 0}
    with pytest.raises(ExampleError, match=r"^example 3: duplicate paragraph \(first seen at example 0\); 2996 more: (.*?; ){9}example 13 .*?; 2986 more$"):
        merge_duplicates(iter_examples(records(3000)), "error")
    path = tmp_path / "ex.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records(300)), encoding="utf-8")
    model = train(path, min_df=1, folds=2)
    assert model.card_["n_examples"] == 3 and model.card_["duplicates"]["repeats"] == 297


def test_every_unknown_topic_is_named_at_once_with_its_count_and_first_place(tmp_path):
    """Only the first unknown topic was named: a file of several needed a run for each."""
    f = write(tmp_path / "u.jsonl", [json.dumps({"text": t, "topics": ts}) for t, ts in [
        ("a", ["trade"]), ("b", ["music"]), ("c", ["weather", "trade"]), ("d", ["music"]), ("e", ["music", "art"])]])
    with pytest.raises(ExampleError) as err:
        read_examples(f, taxonomy=TAX)
    assert str(err.value) == (f"{f}:2: unknown topics 'music' (3 examples, first here), 'weather' (1 example, at {f}:3), "
                              f"'art' (1 example, at {f}:5); the taxonomy has trade, migration")
    assert (err.value.path, err.value.line) == (str(f), 2)
    # Large files are checked whole before any example is kept: the error is the same, its counts not doubled.
    with pytest.MonkeyPatch.context() as m:
        m.setattr(examples_module, "_CHECK_FIRST_BYTES", 0)
        with pytest.raises(ExampleError) as again:
            read_examples(f, taxonomy=TAX)
    assert str(again.value) == str(err.value)
    # Records in memory alike, by position.
    with pytest.raises(ExampleError, match=r"^example 0: unknown topics 'music' \(2 examples, first here\), "
                                           r"'art' \(1 example, at example 1\); the taxonomy has trade, migration$"):
        read_examples([{"text": "a", "topics": ["music"]}, {"text": "b", "topics": ["art", "music"]}], taxonomy=TAX)


def test_a_csv_of_a_header_alone_is_said_to_have_no_rows_not_to_be_empty(tmp_path):
    f = tmp_path / "h.csv"
    f.write_text("text,topics\n\n", encoding="utf-8")
    with pytest.raises(ExampleError, match=r"h.csv: the CSV file has a header but no rows: no examples in it$"):
        read_examples(f)
    blank = tmp_path / "blank.jsonl"
    blank.write_text("\n \n", encoding="utf-8")
    with pytest.raises(ExampleError, match=r"blank.jsonl: no examples in it: the file is empty or holds only blank lines$"):
        read_examples(blank)


def test_an_example_file_is_read_by_one_rule_named_or_in_a_folder(tmp_path, caplog):
    """A .json file was read as JSON Lines when named, skipped in a folder; a .ndjson file likewise. Now JSON Lines
    (.jsonl, .ndjson) and CSV are read wherever they are, and a .json file nowhere: a folder's is named in its
    warning, one named alone is an error saying what to do."""
    folder = tmp_path / "ex"
    folder.mkdir()
    write(folder / "a.jsonl", [json.dumps({"text": "Tariffs fell.", "topics": ["trade"]})])
    write(folder / "b.ndjson", [json.dumps({"text": "Migrants crossed.", "topics": ["migration"]})])
    lines = write(folder / "c.json", [json.dumps({"text": "Exports rose.", "topics": ["trade"]})])
    with caplog.at_level("WARNING", logger="topicslib"):
        assert [e.text for e in read_examples(folder)] == ["Tariffs fell.", "Migrants crossed."]
    assert f"{folder}: skipped 1 file of another type (.json)" in caplog.text
    assert [e.text for e in read_examples(folder / "b.ndjson")] == ["Migrants crossed."]
    with pytest.raises(ExampleError) as err:
        read_examples(lines)
    assert str(err.value) == (f"{lines}: a .json file is not read as examples, here or in a folder: examples are JSON "
                              "Lines (.jsonl or .ndjson) or CSV (.csv), also gzip, bz2 or xz compressed; rename a file "
                              "of one JSON record a line to .jsonl, and convert one JSON array of records with "
                              "jq -c '.[]' FILE")


def test_the_warning_of_copies_merged_names_where_those_with_other_topics_are(tmp_path, caplog):
    """The warning said how many copies carried other topics than their first copy, not which: a user had to find
    them. It names the first five (each with its first copy's place) and counts the rest."""
    a = write(tmp_path / "a.jsonl", [json.dumps({"text": f"Tariffs rose {i}.", "topics": ["trade"]}) for i in range(8)])
    b = write(tmp_path / "b.jsonl", [json.dumps({"text": "Tariffs rose 0.", "topics": ["trade"]})]  # same topics
              + [json.dumps({"text": f"tariffs  rose {i}.", "topics": ["diplomacy"]}) for i in range(7)])
    with caplog.at_level("WARNING", logger="topicslib"):
        kept, counts = prepare_examples(read_examples(tmp_path))
    assert counts == {"repeats": 8, "conflicting": 7} and len(kept) == 8
    named = ", ".join(f"{b}:{i + 2} (first seen at {a}:{i + 1})" for i in range(5))
    assert [r.getMessage() for r in caplog.records] == [
        "8 repeated paragraphs counted once (same words, ignoring case and spacing); 7 of them carried other topics "
        f"than their first copy and were merged, keeping every topic: {named} and 2 more"]
    caplog.clear()
    with caplog.at_level("WARNING", logger="topicslib"):
        prepare_examples(read_examples(a) + read_examples(a))
    assert [r.getMessage() for r in caplog.records] == [
        "8 repeated paragraphs counted once (same words, ignoring case and spacing); 0 of them carried other topics "
        "than their first copy and were merged, keeping every topic"]


def test_evaluate_and_training_revise_label_answers_alike_behind_repeats_and_across_files():
    """revised_examples (evaluate) and merge_duplicates (training) walk the examples for revisions the same way: a
    later answer in the first copy's file revises it, though a plain repeat stands between; an answer in another
    file is a repeat, kept as it is by evaluate and merged by training (a copy that is no answer settled by the
    answer's topics in training)."""
    from topicslib.examples import Example, revised_examples

    first = Example("Tariffs rose.", ("trade",), "a.jsonl", 1, asked=("trade", "energy"))
    plain = Example("tariffs rose.", ("energy",), "b.jsonl", 1)
    other_file = Example("Tariffs rose.", ("climate",), "b.jsonl", 2, asked=("trade", "climate"))
    revision = Example("TARIFFS rose.", ("energy",), "a.jsonl", 3, asked=("trade", "energy"))
    examples = [first, plain, other_file, revision]
    evaluated = revised_examples(examples)
    assert [(e.where, e.topics) for e in evaluated] == [("a.jsonl:1", ("energy",)), ("b.jsonl:1", ("energy",)),
                                                        ("b.jsonl:2", ("climate",))]
    kept, counts = merge_duplicates(examples)
    assert [(e.where, e.topics) for e in kept] == [("a.jsonl:1", ("climate", "energy"))]
    assert counts == {"repeats": 1, "conflicting": 1, "revised": 2}


@pytest.mark.parametrize("answers_name", ["answers.jsonl", "zz_answers.jsonl"])
def test_a_label_answer_settles_its_topics_over_a_pseudo_label_copy_in_another_file(tmp_path, answers_name):
    """bootstrap's pseudo-labels and label's answers in one folder: where the labeler took a topic off a paragraph
    (or put one on), training follows her answer for the topics she was asked about, whichever file is read first;
    a topic she was not asked about stays from the pseudo-label. It kept every topic of both, with a warning."""
    (tmp_path / "pseudo.jsonl").write_text(
        json.dumps({"text": "Coal mines closed in the north.", "topics": ["energy", "china"]}) + "\n"
        + json.dumps({"text": "Lithium exports grew.", "topics": ["energy"]}) + "\n", encoding="utf-8")
    (tmp_path / answers_name).write_text(
        json.dumps({"text": "coal mines closed in the north.", "topics": ["mining"], "asked": ["energy", "mining"]})
        + "\n", encoding="utf-8")
    kept, counts = merge_duplicates(read_examples(tmp_path))
    topics = {e.text.lower(): set(e.topics) for e in kept}
    assert topics["coal mines closed in the north."] == {"mining", "china"}
    assert topics["lithium exports grew."] == {"energy"}
    assert counts == {"repeats": 0, "conflicting": 0, "revised": 1}
