"""One output-path rule for every command and engine: never write over an input or the model, write
through symbolic links, refuse targets that are not regular files, never read an earlier run's output
found in an input folder, and never skip an unreadable folder in silence."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import topicslib
from topicslib import DataError
from topicslib.files import find_files, is_temporary

from .conftest import ROOT, TINY
from .test_cli import run

RECORDS = "".join(json.dumps({"text": t}) + "\n" for t in ["Tariffs fell.", "Migrants crossed.", "Coca grew."])
# The command line with every fsync taking 60 s: a run stays where its output's temporary file is
# written in full but not yet renamed, until the test signals it there.
SLOW_WRITES = ("import os, sys, time; fsync = os.fsync; os.fsync = lambda fd: (time.sleep(60), fsync(fd)); "
               "from topicslib.cli import main; sys.exit(main(sys.argv[1:]))")


@pytest.fixture
def gold(tmp_path):
    path = tmp_path / "g.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in TINY), encoding="utf-8")
    return path


@pytest.mark.parametrize("command", ["classify", "train", "report"])
def test_an_output_that_is_an_input_is_refused_and_left_as_it_was(gold, command):
    before = gold.read_bytes()
    extra = ["--options", '{"min_df": 1, "folds": 2}'] if command == "train" else []
    args = [command, str(gold), "-o", str(gold), *extra]
    r = run(*args)
    assert r.returncode == 1 and f"{gold}: is also an input" in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert gold.read_bytes() == before


def test_the_model_is_never_an_output(tmp_path, tiny_model):
    model = tiny_model.save(tmp_path / "m.npz")
    before = model.read_bytes()
    r = run("classify", "--model", str(model), "--text", "Tariffs fell.", "-o", str(model))
    assert r.returncode == 1 and "is also an input" in r.stderr
    assert model.read_bytes() == before


def test_an_earlier_output_inside_an_input_folder_is_not_read_again(tmp_path):
    (tmp_path / "in.jsonl").write_text(RECORDS, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    for _ in range(2):
        r = run("classify", str(tmp_path), "-o", str(out))
        assert r.returncode == 0, r.stderr
        assert len(out.read_text(encoding="utf-8").splitlines()) == 3
    assert "out.jsonl is the output file; not read as input" in r.stderr


def test_a_symbolic_link_is_written_through(tmp_path):
    (tmp_path / "in.jsonl").write_text(RECORDS, encoding="utf-8")
    real = tmp_path / "v3.jsonl"
    real.write_text("old\n", encoding="utf-8")
    link = tmp_path / "current.jsonl"
    link.symlink_to(real)
    r = run("classify", str(tmp_path / "in.jsonl"), "-o", str(link))
    assert r.returncode == 0, r.stderr
    assert link.is_symlink() and len(real.read_text(encoding="utf-8").splitlines()) == 3


def test_a_file_where_a_folder_of_the_output_should_be_is_named(tmp_path):
    (tmp_path / "notes").write_text("mine\n", encoding="utf-8")
    for sub in ("out.jsonl", "deeper/out.jsonl"):
        r = run("classify", "--text", "Tariffs fell.", "-o", str(tmp_path / "notes" / sub))
        assert r.returncode == 1 and f"cannot write: {tmp_path / 'notes'} is a file, not a folder" in r.stderr, r.stderr
    assert (tmp_path / "notes").read_text(encoding="utf-8") == "mine\n"


@contextlib.contextmanager
def _unwritable(tmp_path: Path, how: str) -> Iterator[Path]:
    """A folder, or a path standing for one, in which no file can be made: read-only by its mode (which does not
    restrict root), immutable (chattr +i, for root where the file system has it), or a regular file."""
    if how == "file":
        (tmp_path / "notes").write_text("mine\n", encoding="utf-8")
        yield tmp_path / "notes"
        return
    folder = tmp_path / "locked"
    folder.mkdir()
    if how == "mode":
        if os.geteuid() == 0:
            pytest.skip("root writes whatever a folder's mode says")
        folder.chmod(0o555)
    elif os.geteuid() != 0 or shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(folder)]).returncode:
        pytest.skip("chattr +i needs root and a file system that has it")
    try:
        yield folder
    finally:  # else the test's folder could not be removed
        if how == "mode":
            folder.chmod(0o755)
        else:
            subprocess.run(["chattr", "-i", str(folder)], check=True)


@pytest.mark.parametrize("how", ["mode", "immutable", "file"])
@pytest.mark.parametrize("command", ["train", "bootstrap"])
def test_a_model_that_cannot_be_written_fails_before_the_training(tmp_path, monkeypatch, capsys, how, command):
    """As classify opens its output first: train and bootstrap used to train (14 s on the shipped examples, hours on
    a large corpus) before finding that -o could not be written."""
    from topicslib import cli

    def work(*args, **kwargs):
        raise AssertionError(f"{command} started its work before finding that its output cannot be written")
    monkeypatch.setattr(cli, command, work)
    gold = tmp_path / "g.jsonl"
    gold.write_text("".join(json.dumps(r) + "\n" for r in TINY), encoding="utf-8")
    taxonomy = ["--taxonomy", str(ROOT / "seeds" / "topics.toml")] if command == "bootstrap" else []
    with _unwritable(tmp_path, how) as folder:
        before = sorted(os.listdir(tmp_path))
        assert cli.main([command, str(gold), *taxonomy, "-o", str(folder / "m.npz"), "-q"]) == 1
        assert f"topicslib: error: {folder / 'm.npz'}: cannot write: " in capsys.readouterr().err
        assert sorted(os.listdir(tmp_path)) == before and (how == "file" or os.listdir(folder) == [])


def test_a_target_that_is_no_regular_file_is_refused(tmp_path):
    r = run("classify", "--text", "Tariffs fell.", "-o", os.devnull)
    assert r.returncode == 1 and "is not a regular file" in r.stderr
    assert Path(os.devnull).is_char_device()
    (tmp_path / "folder").mkdir()
    r = run("classify", "--text", "Tariffs fell.", "-o", str(tmp_path / "folder"))
    assert r.returncode == 1 and "is not a regular file" in r.stderr and "leave out -o" in r.stderr
    # a command that needs -o does not suggest leaving it out
    r = run("train", str(tmp_path / "none.jsonl"), "-o", str(tmp_path / "folder"))
    assert r.returncode == 1 and "is not a regular file" in r.stderr and "leave out -o" not in r.stderr
    assert "give the path of a file to write" in r.stderr


def test_an_unreadable_subfolder_is_an_error_not_a_gap(tmp_path, monkeypatch):
    (tmp_path / "ok").mkdir()
    (tmp_path / "ok" / "a.jsonl").write_text(RECORDS, encoding="utf-8")
    (tmp_path / "locked").mkdir()
    real_scandir = os.scandir

    def scandir(path="."):  # root reads any folder, so the refusal is simulated where os.walk meets it
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)
    monkeypatch.setattr(os, "scandir", scandir)
    with pytest.raises(DataError, match="locked: cannot read this folder: Permission denied"):
        find_files(tmp_path, lambda p: True, "files")
    with pytest.raises(DataError, match="locked: cannot read this folder"):
        topicslib.read_examples(tmp_path)


def _stopped_while_writing(folder: Path, *args: str, sig: int = signal.SIGTERM, code: str = SLOW_WRITES,
                           preexec_fn=None) -> subprocess.Popen:
    """A command-line run (``code``, given ``args``) given ``sig`` while its output's temporary file (in ``folder``)
    is being written: once it holds data (train and bootstrap make and remove an empty one first, to find whether
    the folder can be written). ``preexec_fn`` runs in the child before it starts, as for ``subprocess.Popen``."""
    p = subprocess.Popen([sys.executable, "-c", code, *args], cwd=ROOT, stderr=subprocess.PIPE, text=True,
                         preexec_fn=preexec_fn)
    deadline = time.monotonic() + 120
    while not [e for e in os.scandir(folder) if is_temporary(e.name) and e.stat().st_size]:
        assert p.poll() is None and time.monotonic() < deadline, p.stderr.read()
        time.sleep(0.02)
    p.send_signal(sig)
    p.wait(60)
    return p


@pytest.mark.parametrize("command", [["classify", "{gold}"], ["train", "{gold}", "--options", '{{"min_df": 1, "folds": 2}}'],
                                     ["report", "{gold}"]])
def test_sigterm_while_the_output_is_written_leaves_no_temporary_file_and_the_old_output(gold, command):
    out = gold.parent / "out" / "result"
    out.parent.mkdir()
    out.write_bytes(b"earlier output\n")
    p = _stopped_while_writing(out.parent, *(a.format(gold=gold) for a in command), "-o", str(out))
    assert p.returncode == 143 and "topicslib: terminated" in p.stderr.read()
    assert os.listdir(out.parent) == ["result"] and out.read_bytes() == b"earlier output\n"


@pytest.mark.parametrize(("sig", "code", "said"), [(signal.SIGINT, 130, "topicslib: interrupted\n"),
                                                   (signal.SIGTERM, 143, "topicslib: terminated\n"),
                                                   (signal.SIGHUP, 129, "topicslib: hung up\n")])
def test_a_stopped_run_exits_128_and_its_signals_number_as_a_shell_reports_it(gold, sig, code, said):
    """SIGTERM exited 130, Ctrl-C's code; each stop exits with its own, so a caller can tell a kill from a Ctrl-C."""
    out = gold.parent / "out" / "result"
    out.parent.mkdir()
    p = _stopped_while_writing(out.parent, "classify", str(gold), "-o", str(out), sig=sig)
    assert (p.returncode, p.stderr.read()) == (code, said)
    assert os.listdir(out.parent) == []


def test_a_second_signal_during_clean_up_does_not_cut_it_short(gold):
    """SIGHUP (a closed terminal) stops a run as SIGTERM does (as a hang-up: exit 129), and more signals while the
    temporary file is being removed (sent by the removal itself here) are ignored: the removal finishes."""
    out = gold.parent / "out" / "result"
    out.parent.mkdir()
    out.write_bytes(b"earlier output\n")
    signalled_cleanup = ("import os, signal; unlink = os.unlink; os.unlink = lambda p: "
                         "(os.kill(os.getpid(), signal.SIGTERM), os.kill(os.getpid(), signal.SIGINT), unlink(p)); "
                         + SLOW_WRITES)
    p = _stopped_while_writing(out.parent, "classify", str(gold), "-o", str(out), sig=signal.SIGHUP,
                               code=signalled_cleanup)
    assert p.returncode == 129 and p.stderr.read() == "topicslib: hung up\n"
    assert os.listdir(out.parent) == ["result"] and out.read_bytes() == b"earlier output\n"


def test_a_run_started_ignoring_hang_ups_finishes_through_one(gold):
    """Under nohup (SIGHUP ignored from the start) a closed terminal does not stop the run: its output is written."""
    out = gold.parent / "out.jsonl"
    p = _stopped_while_writing(gold.parent, "classify", str(gold), "-o", str(out), sig=signal.SIGHUP,
                               code=SLOW_WRITES.replace("time.sleep(60)", "time.sleep(3)"),
                               preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_IGN))
    assert p.returncode == 0, p.stderr.read()
    assert len(out.read_text(encoding="utf-8").splitlines()) == len(TINY)


def test_a_killed_runs_temporary_file_is_never_read_as_data(gold):
    folder = gold.parent
    p = _stopped_while_writing(folder, "classify", str(folder), "-o", str(folder / "out.jsonl"), sig=signal.SIGKILL)
    assert p.returncode == -signal.SIGKILL
    [left] = [f for f in os.listdir(folder) if f != "g.jsonl"]  # written in full: records a reader could take
    assert left.startswith(".out.jsonl.topicslib-") and left.endswith(".tmp")
    r = run("classify", str(folder), "--input-format", "jsonl")  # every file read as JSON Lines, whatever its name
    assert r.returncode == 0 and len(r.stdout.splitlines()) == len(TINY), r.stderr
    assert f"{folder / left}: skipped: a temporary file of a topicslib run" in r.stderr


def test_a_stop_signal_landing_while_a_stop_is_handled_is_ignored():
    """The terminal's SIGHUP landed just after `label` had found it gone and raised HangUp, while the command line
    handled that: its handler raised a second HangUp there, which printed a traceback (a CI run of
    test_a_terminal_that_goes_away_ends_the_session_with_every_answer_kept_and_no_traceback)."""
    from topicslib import cli
    from topicslib.errors import HangUp

    try:
        raise HangUp("hung up; 1 answers saved")
    except HangUp:
        assert cli._stop(signal.SIGHUP, None) is None  # ignored: a stop is being handled
    with pytest.raises(HangUp, match="^hung up$"):
        cli._stop(signal.SIGHUP, None)  # none is: it stops the run


def test_a_text_tables_columns_line_up_on_screen_with_combining_accents_and_wide_characters():
    """``writers.table_text`` padded cells by characters: a decomposed "é" (e and a combining accent) is two
    characters in one column, a CJK character or an emoji one character in two, so the next column of their rows
    started one column off. Every row's second column now starts at the same screen column."""
    from topicslib.writers import display_width, table_text

    sources = ["Bogote\u0301", "北京日报", "🌎 news", "plain", "中" * 30, "e\u0301" * 45]
    lines = table_text(["source", "paragraphs"], [[s, k] for k, s in enumerate(sources)]).splitlines()
    # the numbers right-aligned under "paragraphs": each line ends at the same screen column
    assert {display_width(line) for line in lines} == {40 + 2 + len("paragraphs")}, lines
    cut = [line for line in lines if line.startswith(("中", "e"))]
    assert all(display_width(line.split("  ")[0].rstrip()) <= 40 and "…" in line for line in cut)


@pytest.mark.parametrize("command, name, said", [
    ("classify", "tagged.xlsx", "classify writes uncompressed JSON Lines, CSV or a table, not xlsx: write .csv, "
                                "which spreadsheets open"),
    ("classify", "tagged.csv.gz", "not gz: name it without .gz and compress it afterwards, or leave out -o and pipe "
                                  "the output to gzip"),
    ("classify", "tagged.parquet", "not parquet: write .csv (classify --engine dask writes Parquet)"),
    ("trends", "trends.xlsx", "trends writes uncompressed CSV, JSON Lines or a table, not xlsx"),
    ("report", "informe.pdf", "report writes an uncompressed HTML page, not pdf: write .html and print it to PDF"),
    ("suggest", "picks.jsonl.xz", "not xz: name it without .xz and compress it afterwards, or leave out -o and pipe "
                                  "the output to xz"),
])
def test_an_output_whose_suffix_names_a_format_not_written_is_refused_saying_what_to_do(tmp_path, command, name, said):
    """`classify -o tagged.xlsx` wrote JSON Lines, and `-o tagged.csv.gz` plain text, under names a spreadsheet and
    pandas then failed to open, with exit 0 (QA pass 7). Such an -o is a usage error before any work, and the
    earlier file is left as it was."""
    src = tmp_path / "notas.jsonl"
    src.write_text(json.dumps({"text": "Migrantes venezolanos cruzan la frontera.", "date": "2026-03-14"}) + "\n",
                   encoding="utf-8")
    out = tmp_path / name
    out.write_text("earlier\n", encoding="utf-8")
    extra = {"trends": ["--date", "date"], "suggest": ["-n", "1"]}.get(command, [])
    r = run(command, str(src), *extra, "-o", str(out))
    assert r.returncode == 2, r.stderr
    assert f"topicslib {command}: error: -o {out}: " in r.stderr and said in " ".join(r.stderr.split()), r.stderr
    assert out.read_text(encoding="utf-8") == "earlier\n"
