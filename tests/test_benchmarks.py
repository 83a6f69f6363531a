"""The benchmark harness runs end to end on small slices and writes the JSON that docs/benchmarks.md describes.

The figures themselves are not asserted here (targets live in the benchmarks);
these tests prove the tools measure what they say they measure.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from .conftest import ROOT, SHARED_DATA

pytestmark = pytest.mark.filterwarnings("ignore:The least populated class")
needs_data = pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="../shared/data is not here")


def run(script: str, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / script), *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, env={**os.environ, **(env or {})})
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc


@pytest.fixture(scope="module")
def accuracy_run(tmp_path_factory):
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not here")
    out = tmp_path_factory.mktemp("bench") / "accuracy.json"
    proc = run("accuracy.py", "--limit", "300", "--datasets", "reuters,20ng,dev_real,dev_real_es",
               "--peers", "sklearn-svc", "--out", str(out))
    return proc.stdout, json.loads(out.read_text(encoding="utf-8"))


@needs_data
def test_accuracy_writes_every_cell_with_the_documented_keys(accuracy_run):
    stdout, data = accuracy_run
    assert data["benchmark"] == "accuracy" and data["config"]["limit"] == 300
    assert {"cpu", "cores", "memory_gib", "python", "versions", "git_commit", "load_average"} <= set(data["machine"])
    assert data["config"]["systems"] == ["topicslib", "sklearn-svc"]
    assert data["config"]["topicslib_options"]["min_examples"] == 1
    expected = {"reuters": ("micro_f1", "macro_f1"), "20ng": ("accuracy", "macro_f1"), "dev_real": ("micro_f1", "macro_f1")}
    for name, metric_names in expected.items():
        entry = data["datasets"][name]
        assert entry["metrics"] == list(metric_names)
        for system in ("topicslib", "sklearn-svc"):
            cell = entry["results"][system]
            assert all(0.0 <= cell[m] <= 1.0 for m in metric_names), (name, system, cell)
            assert cell["fit_seconds"] >= 0 and cell["predict_seconds"] >= 0
    assert data["datasets"]["reuters"]["multi_label"] and not data["datasets"]["20ng"]["multi_label"]
    # A harness that misaligned columns or splits would score near zero, not like a working classifier.
    assert data["datasets"]["reuters"]["results"]["topicslib"]["micro_f1"] > 0.4
    assert data["datasets"]["dev_real"]["results"]["topicslib"]["micro_f1"] > 0.4
    assert data["datasets"]["dev_real_es"]["results"]["topicslib"]["micro_f1"] > 0.4  # Spanish, the shipped model
    # Targets apply to full data sets only, so a limited run leaves them open.
    assert [(t["dataset"], t["metric"], t["met"]) for t in data["targets"]] == [
        ("reuters", "micro_f1", None), ("reuters", "macro_f1", None), ("20ng", "accuracy", None)]
    assert len(data["topicslib_leads"]) == 8 and all(c["best_peer"] == "sklearn-svc" for c in data["topicslib_leads"])
    assert "topicslib at least as good as every peer" in stdout and "20ng" in stdout


@needs_data
def test_accuracy_scores_agree_with_scikit_learn_on_the_same_split(accuracy_run):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MultiLabelBinarizer
    from sklearn.svm import LinearSVC

    from benchmarks import corpora

    _, data = accuracy_run
    reuters = corpora.load("reuters", limit=300)
    (split,) = reuters.splits
    mlb = MultiLabelBinarizer(classes=reuters.classes)
    pipe = make_pipeline(TfidfVectorizer(), OneVsRestClassifier(LinearSVC()))
    pipe.fit(split.train_texts, mlb.fit_transform(split.train_labels))
    y_true, y_pred = mlb.transform(split.test_labels), pipe.predict(split.test_texts)
    cell = data["datasets"]["reuters"]["results"]["sklearn-svc"]
    # LinearSVC shuffles with an unseeded generator, so a borderline document may flip between runs.
    assert cell["micro_f1"] == pytest.approx(f1_score(y_true, y_pred, average="micro", zero_division=0), abs=0.01)
    present = [j for j in range(y_true.shape[1]) if y_true[:, j].any()]  # macro over the topics the gold holds
    assert cell["macro_f1"] == pytest.approx(f1_score(y_true, y_pred, labels=present, average="macro", zero_division=0),
                                             abs=0.01)

    news = corpora.load("20ng", limit=300)
    (split,) = news.splits
    pipe = make_pipeline(TfidfVectorizer(), OneVsRestClassifier(LinearSVC()))
    pred = pipe.fit(split.train_texts, [y[0] for y in split.train_labels]).predict(split.test_texts)
    truth = [y[0] for y in split.test_labels]
    cell = data["datasets"]["20ng"]["results"]["sklearn-svc"]
    assert cell["accuracy"] == pytest.approx(accuracy_score(truth, pred), abs=0.01)
    assert cell["macro_f1"] == pytest.approx(f1_score(truth, pred, average="macro", labels=news.classes, zero_division=0), abs=0.01)


@needs_data
def test_cross_validation_tests_every_document_once_with_stratified_folds():
    from benchmarks import corpora

    nyt = corpora.load("cap_nyt", limit=400)
    tested = np.concatenate([s.test_index for s in nyt.splits])
    assert len(nyt.splits) == 5 and sorted(tested.tolist()) == list(range(400))
    biggest = max(nyt.classes, key=lambda c: sum(s.test_labels.count([c]) for s in nyt.splits))
    per_fold = [s.test_labels.count([biggest]) for s in nyt.splits]
    assert max(per_fold) - min(per_fold) <= 1  # stratified: each fold holds its share of every class
    assert all(len(s.train_texts) + len(s.test_texts) == 400 for s in nyt.splits)


@needs_data
def test_a_peer_whose_package_is_missing_is_skipped_with_the_reason(monkeypatch, tmp_path):
    from benchmarks import accuracy

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "fasttext" else real(name, *a))
    out = tmp_path / "acc.json"
    assert accuracy.main(["--datasets", "cap_nyt", "--limit", "150", "--peers", "fasttext", "--out", str(out)]) == 0
    cells = json.loads(out.read_text(encoding="utf-8"))["datasets"]["cap_nyt"]["results"]
    assert "fasttext not installed" in cells["fasttext"]["skipped"]
    assert 0.0 <= cells["topicslib"]["accuracy"] <= 1.0
    assert json.loads(out.read_text(encoding="utf-8"))["datasets"]["cap_nyt"]["protocol"].startswith("5-fold")


def test_accuracy_skips_every_data_set_cleanly_without_shared_data(tmp_path):
    out = tmp_path / "acc.json"
    proc = run("accuracy.py", "--peers", "sklearn-svc", "--out", str(out), env={"TOPICSLIB_BENCH_DATA": str(tmp_path / "none")})
    data = json.loads(out.read_text(encoding="utf-8"))
    assert set(data["datasets"]) == {"reuters", "20ng", "cap_bills", "cap_nyt", "dev_real", "dev_real_es", "dev_news_en",
                                     "dev_news_es"}
    assert all("not found" in entry["skipped"] for entry in data["datasets"].values())
    assert all(t["value"] is None and t["met"] is None for t in data["targets"])
    assert "skipped" in proc.stdout


def test_speed_measures_topicslib_and_the_pipeline_baseline_in_fresh_processes(tmp_path):
    out = tmp_path / "speed.json"
    proc = run("speed.py", "--peers", "sklearn-pipeline", "--batch", "300", "--calls", "50", "--repeats", "1",
               "--train-limit", "300", "--out", str(out))
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["benchmark"] == "speed" and data["config"]["batch"] == 300
    for name in ("topicslib", "sklearn-pipeline"):
        r = data["results"][name]
        assert r["batch_texts"] == 300 and r["calls"] == 50
        assert r["throughput_per_s"] > 0 and 0 < r["latency_median_ms"] <= r["latency_p99_ms"]
        assert r["model_mib"] > 0 and r["load_seconds"] >= 0
        # Peak memory is the measuring process's own: at least what it held once the model was loaded.
        assert r["peak_rss_mib"] >= r["rss_after_load_mib"] >= r["rss_after_import_mib"] > 0
    ratio = data["ratios"]["sklearn-pipeline"]
    base, mine = data["results"]["sklearn-pipeline"], data["results"]["topicslib"]
    assert ratio["latency_median_ms"] == pytest.approx(base["latency_median_ms"] / mine["latency_median_ms"])
    assert ratio["throughput_per_s"] == pytest.approx(mine["throughput_per_s"] / base["throughput_per_s"])
    assert data["targets"][0]["value"] == ratio["latency_median_ms"] and data["targets"][0]["target"] == 10.0
    assert "times better" in proc.stdout


@needs_data
def test_markdown_tables_show_every_system_and_metric(accuracy_run):
    from benchmarks import tables

    _, data = accuracy_run
    md = tables.accuracy(data)
    assert md.splitlines()[0] == "| data set | metric | topicslib | sklearn-svc |"
    assert len(md.splitlines()) == 2 + 8 and "20 Newsgroups bydate (600 docs) | accuracy" in md


def test_learning_curves_are_drawn_as_svg_with_every_point_inside_its_panel():
    import xml.etree.ElementTree as ET

    from benchmarks.svg import HEIGHT, WIDTH, Panel, Series, line_charts

    curves = [Panel("CAP bills", "labels", "accuracy", [Series("random", [(100, 0.39), (500, 0.62), (1000, 0.71)]),
                                                        Series("suggest", [(100, 0.39), (300, 0.55), (500, 0.67)])]),
              Panel("Reuters", "labels", "micro-F1", [Series("random", [(100, 0.62), (1000, 0.83)]),
                                                      Series("goal", [(0, 0.83), (1000, 0.83)], dashed=True)])]
    root = ET.fromstring(line_charts(curves))
    ns = "{http://www.w3.org/2000/svg}"
    lines = root.findall(f"{ns}polyline")
    assert [len(p.get("points").split()) for p in lines] == [3, 3, 2, 2]
    assert lines[3].get("stroke-dasharray") and not lines[0].get("stroke-dasharray")
    for k, line in enumerate(lines):  # each line lies inside its own panel
        panel = k // 2
        for xy in line.get("points").split():
            x, y = map(float, xy.split(","))
            assert panel * WIDTH < x <= (panel + 1) * WIDTH and 0 < y < HEIGHT
    texts = [t.text for t in root.iter(f"{ns}text")]
    assert {"CAP bills", "Reuters", "random", "suggest", "goal"} <= set(texts)


def test_active_learning_table_says_whether_500_suggested_labels_reach_1000_random():
    from benchmarks.active_learning import table

    def result(suggested: float) -> dict:
        return {"set": "s", "metric": "accuracy", "random": [(500, 0.6), (1000, 0.7)], "suggested": [(500, suggested)],
                "runs": [{"suggested": [(500, suggested)]}]}

    assert table([result(0.71)]).splitlines()[-1].endswith("| yes |")
    assert table([result(0.69)]).splitlines()[-1].endswith("| no |")


def _example_slices(tmp_path) -> tuple[str, str, str]:
    """An examples file, a labeled file to measure on and a candidate file, cut from the repository's examples."""
    lines = [line for f in sorted((ROOT / "examples").glob("*.jsonl"))[:6] for line in f.read_text("utf-8").splitlines()[:60]]
    paths = []
    for name, part in (("examples.jsonl", lines[:240]), ("dev.jsonl", lines[240:330]), ("candidate.jsonl", lines[330:350])):
        (tmp_path / name).write_text("\n".join(part) + "\n", encoding="utf-8")
        paths.append(str(tmp_path / name))
    return paths[0], paths[1], paths[2]


def test_examples_effect_trains_each_base_with_and_without_the_candidates(tmp_path):
    examples, dev, candidate = _example_slices(tmp_path)
    out = tmp_path / "effect.json"
    run("examples_effect.py", "--examples", examples, "--dev", dev, "--candidate", candidate, "--subsamples", "2",
        "--out", str(out))
    data = json.loads(out.read_text(encoding="utf-8"))
    rows = data["effect"]["rows"]
    assert [r["base"] for r in rows] == ["all", "subsample 0", "subsample 1"]
    assert rows[0]["without"]["examples"] == 240 and data["candidates"]["examples"] == 20
    for r in rows:
        assert r["with"]["examples"] == r["without"]["examples"] + 20  # the candidates always whole
        assert set(r["without"]["scores"]) == {"dev", "pooled"}
        assert r["pooled_micro_change"] == round(r["with"]["scores"]["pooled"][0] - r["without"]["scores"]["pooled"][0], 4)
    assert 150 < rows[1]["without"]["examples"] < 240 and rows[1]["without"]["examples"] != rows[2]["without"]["examples"]
    changes = [r["pooled_micro_change"] for r in rows]
    assert data["effect"]["summary"]["mean_change"] == round(sum(changes) / 3, 4)


def test_examples_effect_learning_curve_trains_on_shares_of_the_examples(tmp_path):
    examples, dev, _ = _example_slices(tmp_path)
    out = tmp_path / "curve.json"
    run("examples_effect.py", "--examples", examples, "--dev", dev, "--fractions", "0.5,1", "--seeds", "0,1", "--out", str(out))
    rows = json.loads(out.read_text(encoding="utf-8"))["learning_curve"]
    assert [(r["fraction"], r["seed"]) for r in rows] == [(0.5, 0), (0.5, 1), (1.0, 0)]
    assert all(90 < r["examples"] < 150 for r in rows[:2]) and rows[2]["examples"] == 240


def test_examples_effect_says_it_has_nothing_to_measure_without_dev_sets(tmp_path):
    proc = run("examples_effect.py", "--fractions", "1", env={"TOPICSLIB_BENCH_DATA": str(tmp_path / "none")})
    assert "skipped: no dev sets" in proc.stdout


def test_audit_benchmark_plants_one_wrong_topic_in_a_seeded_sample():
    import topicslib
    from benchmarks.audit import corrupted

    taxonomy = topicslib.load_taxonomy(ROOT / "seeds" / "topics.toml")
    examples = list(topicslib.read_examples(ROOT / "examples" / "relations.jsonl"))
    records, bad = corrupted(examples, taxonomy, 0.1, 3, 50)
    assert len(records) == 50 and len(bad) == 5 and (records, bad) == corrupted(examples, taxonomy, 0.1, 3, 50)
    originals = {e.text: set(e.topics) for e in examples}
    for i, r in enumerate(records):
        given, original = set(r["topics"]), originals[r["text"]]
        # a planted error replaces one topic with one the example lacks, or gives a topic-less example one
        assert (i in bad) == (given != original)
        if i in bad:
            assert len(given - original) == 1 and len(original - given) == (1 if original else 0)


def test_audit_benchmark_reports_each_draw_and_their_mean():
    out = run("audit.py", "--limit", "200", "--seeds", "0,1").stdout.splitlines()
    assert [line.split(":")[0] for line in out] == ["seed 0", "seed 1", "mean over 2 draws"]
    assert all("corrupted 10 of 200" in line for line in out[:2])


def test_the_cue_file_sets_default_topics_cues_in_carriers_of_their_language():
    import tomllib

    import topicslib
    from benchmarks.cues import CUES, sentences

    cues = tomllib.loads(CUES.read_text(encoding="utf-8"))
    ids = {t.id for t in topicslib.topics()}
    assert set(cues["cues"]) == ids and set(cues["carriers"]) == {"en", "es"}
    for lang in ("en", "es"):
        rows = sentences(cues, lang)
        assert len({s for *_, s in rows}) == len(rows) == 4 * sum(len(c[lang]) for c in cues["cues"].values())
        assert all(cue in s or cue[:1].upper() + cue[1:] in s for _, cue, _, s in rows)


def test_cue_recall_counts_the_cues_a_model_gives_their_topic():
    import topicslib
    from benchmarks.cues import measure, table

    model = topicslib.TopicModel(min_df=1, char_ngrams=None).fit(  # words only: "quinoa" is unknown through and through
        ["Exports rose.", "Exports and tariffs rose.", "Tariffs fell.", "Migrants crossed.", "Asylum seekers crossed.",
         "Migrants and refugees arrived.", "A diplomatic visit.", "Talks between the two governments."],
        [["trade"], ["trade"], ["trade"], ["migration"], ["migration"], ["migration"], ["diplomacy"], ["diplomacy"]])
    cues = {"carriers": {"en": ["Officials said {cue} mattered.", "{Cue}."]},
            "attributed": {"en": {"carrier": "{who} said {cue} mattered.", "who": ["Ana", "The diplomatic visit"]}},
            "cues": {"trade": {"en": ["exports", "quinoa"]}, "migration": {"en": ["migrants"]}}}
    result = measure(model, cues)["en"]
    # "quinoa" is a word the model never saw: its two sentences miss, the others hit
    assert result["topics"]["trade"] == {"recall": 0.5, "known": 0.5, "extra": 0.0}
    assert result["topics"]["migration"]["recall"] == 1.0 and result["recall"] == round(4 / 6, 4)
    assert result["missed"] == {"trade": ["quinoa"], "migration": []}
    assert result["diplomacy_from_attribution"] == 0.0
    # a name the model ties to diplomacy adds it to every cue it says; one it does not know adds nothing
    said = model.predict([f"The diplomatic visit said {c} mattered." for c in ("exports", "quinoa", "migrants")])[:, 0]
    assert result["diplomacy_by_name"] == {"Ana": 0.0, "The diplomatic visit": round(said.mean(), 4)} and said.any()
    assert result["diplomacy_from_names"] == round(said.sum() / 6, 4)
    assert "| trade | 0.50 / 0.50 / 0.00 |" in table({"en": result})


def test_command_benchmark_times_the_library_the_command_and_its_start_up():
    n = 1000
    lines = run("command.py", "--n", str(n), "--repeats", "1").stdout.splitlines()

    def line(name):
        return next(x for x in lines if name in x)

    startup = float(line("start-up (the command on one record)").split(": ")[1].split()[0])
    library_rate, command_rate = (float(line(name).split("records per CPU-second")[0].split()[-1].replace(",", ""))
                                  for name in ("classify_many (library)", "classify -o out.jsonl (json module)"))
    whole, after = (float(x.split("x")[0].split()[-1])
                    for x in line("classify -o out.jsonl (json module)").split("library ")[1].split(";"))
    # the two ratios: the command's CPU, then the same less its start-up, over the library's, as printed (rates to the
    # unit, ratios to 0.01, start-up to 0.01 s). The two runs' CPU times are not compared: at 1,000 records the
    # command's own work is smaller than the swing of one start-up on a loaded machine.
    assert startup > 0
    assert whole == pytest.approx(library_rate / command_rate, rel=0.02)
    assert whole - after == pytest.approx(startup * library_rate / n, abs=0.005 * library_rate / n + 0.011)


@pytest.mark.skipif(not shutil.which("valgrind"), reason="valgrind is not installed")
def test_instruction_counts_grow_with_the_work_counted():
    sys.path.insert(0, str(ROOT))
    from benchmarks.command import measure

    little = measure("x = 1", [], instructions=True)
    more = measure("x = sum(range(2_000_000))", [], instructions=True)
    assert 1e6 < little < more
