"""The command line, driven as a user drives it: in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys

from .conftest import ROOT, TINY


def run(*args, stdin=None, cwd=None):
    return subprocess.run([sys.executable, "-m", "topicslib", *args], input=stdin, capture_output=True, text=True,
                          cwd=cwd or ROOT, timeout=300)


def test_classify_text_argument():
    r = run("classify", "--text", "Colombia hosts nearly three million Venezuelan migrants.")
    assert r.returncode == 0 and r.stdout.startswith("migration")


def test_classify_document_jsonl_from_stdin():
    r = run("classify", "--document", "--format", "jsonl", stdin="Tariffs on exports fell.\n\nRelated posts\n")
    assert r.returncode == 0
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert [row["paragraph"] for row in rows] == [0, 1]
    assert rows[1]["topics"] == [] and "trade" in [t["topic"] for t in rows[0]["topics"]]


def test_train_then_classify_with_the_new_model(tmp_path):
    data = tmp_path / "ex.jsonl"
    data.write_text("\n".join(json.dumps(r) for r in TINY), encoding="utf-8")
    model = tmp_path / "m.npz"
    r = run("train", str(data), "-o", str(model), "--options", '{"min_df": 1, "folds": 3}')
    assert r.returncode == 0, r.stderr
    assert model.exists() and (tmp_path / "m.card.json").exists()
    r = run("classify", "--model", str(model), "--text", "refugees asked for asylum")
    assert r.returncode == 0 and r.stdout.startswith("people")


def test_data_error_exits_1_with_file_and_line(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "a", "topics": []}\n{"text": \n', encoding="utf-8")
    r = run("train", str(bad), "-o", str(tmp_path / "m.npz"))
    assert r.returncode == 1 and f"{bad}:2: invalid JSON" in r.stderr
    assert "Traceback" not in r.stderr


def test_usage_error_exits_2():
    r = run("classify", "--format", "xml")
    assert r.returncode == 2 and "invalid choice" in r.stderr


def test_evaluate_json_and_topics():
    r = run("topics")
    assert r.returncode == 0 and "peace_accord" in r.stdout
    r = run("explain", "Coca crops and cocaine trafficking grew.")
    assert r.returncode == 0 and "narcotics" in r.stdout
