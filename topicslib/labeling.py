"""Labeling in the terminal: one paragraph at a time, the model's suggested topics pre-selected, single
keys to accept, toggle, skip, undo (an answer or a skip, the last first) or quit. Every answer is appended
to the examples file at once and flushed to disk, so a killed session loses nothing; a restarted one skips
what is already labeled, and a paragraph the corpus repeats is asked once. One session at a time writes to
an examples file (a second is refused), and undo takes off the file only the line it wrote. The model
retrains in the background every few answers; the retrained model replaces the current one (the model given, or
an earlier retraining's) only when its out-of-fold micro-F1 on the answers beats the current one's, and the next
paragraphs are picked and pre-selected by the model kept (``suggest``), never the one being asked: its boxes stay
as they were drawn and toggled, and undo asks again the paragraph it took back, whatever a retraining picked. A terminal that goes away (its window closed) ends
the session with :class:`HangUp`, every answer given on disk.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO

import numpy as np

from .errors import DataError, ExampleError, HangUp, TaxonomyError, Terminated, TopicslibError, in_short
from .evaluation import score
from .evidence import as_written, evidence_terms
from .examples import (ASKED, Example, duplicate_key, example_format, example_line, indicator, merge_duplicates,
                       prepare_examples, read_examples, topic_counts, unasked_message, unasked_topics)
from .files import LONE_SURROGATES, output_folders
from .model import TopicModel
from .options import check_options
from .progress import terminal_size
from .records import COMPRESSED, Record, Source, source_rows, where_read
from .suggest import suggest
from .taxonomy import Taxonomy
from .training import kfold
from .writers import cut_to_width, padded, wrap_to_width

try:
    import fcntl
except ImportError:  # no flock (Windows): sessions are not locked there
    fcntl = None

log = logging.getLogger("topicslib")

_KEYS = "1234567890abcdefghijklmnoprtvwxyz"  # toggles, in topic order (s, u, q are commands)
# Keys that end the session as q does: Ctrl-C and Ctrl-D, which raw mode gives as keys (not as an interrupt or
# the end of input), and '' (the end of input: a pipe's, or a terminal's that hung up).
_QUIT = ("q", "\x03", "\x04", "")
# What the key reader gives when the terminal was resized while a key was awaited: no key sends it (a real key is one
# character or an escape sequence), and the page is drawn again for the new size
_RESIZED = "resized"
# Replacing the model given (--model) waits for this many answers: the answers are the paragraphs that model was least
# sure of (suggest picks them), so it does worse on them than on the rest of the corpus, and a model of a few
# dozen of them looked better on them than it was on the rest (figures: README, "Your own topics")
MIN_TO_REPLACE = 50
# How many examples all the refits of held_out_topics train on together, at most (about 2 s of CPU): 10 folds up to
# 500 answers, each refit missing a tenth of them (with 3 folds, a refit missing a third of a few dozen answers made
# the retrained model look worse than it was: on dev_real it replaced a bootstrapped one 15-55 answers late), fewer
# folds beyond, 3 from 1,667 answers on
_REFITTED = 5000
_RETRAINING = "topicslib-label-retraining"  # the name of the background retraining's thread
_FOOTER = "Enter accept · key toggle · s skip · u undo · q quit"
_KEYS_SAID = "Enter accepts, a topic's key (1, 2, …) toggles it, s skips, u undoes, q quits"
# The topics go in columns (each at least _COLUMN_WIDTH wide) when a line each would leave the paragraph fewer than
# _SHOWN_AT_LEAST lines of the terminal
_COLUMN_WIDTH = 26
_SHOWN_AT_LEAST = 6
# A page narrower than this is not drawn (a message says how large to make the terminal): a topic line cut to fewer
# columns shows its key and box but hardly its name
_MIN_COLUMNS = 20


@contextlib.contextmanager
def _hang_up_on_eio(errors: tuple[type[Exception], ...] = (OSError,)) -> Iterator[None]:
    """Reading keys or drawing: one of ``errors`` that carries EIO raised as :class:`HangUp`. EIO
    is what a terminal that has gone (its window closed, its pty's other side shut) gives a read, a write or a change
    of mode; ``termios.error`` carries it as its first argument."""
    try:
        yield
    except errors as e:
        if (e.errno if isinstance(e, OSError) else e.args[0] if e.args else None) == errno.EIO:
            raise HangUp("the terminal hung up") from None
        raise


def _escape_sequence(read: Callable[[], str]) -> str:
    """The key whose sequence began with ESC, read whole with ``read`` (a character at a time): ESC and what follows,
    up to a CSI sequence's final character (an arrow's ESC [ A, Delete's ESC [ 3 ~), an SS3 sequence's one (F1's
    ESC O P), or the one key Alt was held with (ESC x). Read a character at a time, an arrow had been three key
    presses, Delete's '3' toggling the third topic and Alt-1 the first. After a lone Esc the next key completes
    it, as Alt and that key, unless it ends the session (q, Ctrl-C, Ctrl-D, the end of input): that is returned.

    >>> keys = iter("[A[3~OP1q")  # what follows ESC: an arrow, Delete, F1, Alt-1, then Esc and q
    >>> [_escape_sequence(lambda: next(keys)) for _ in range(5)]
    ['\\x1b[A', '\\x1b[3~', '\\x1bOP', '\\x1b1', 'q']
    """
    first = read()
    if first in _QUIT:
        return first
    sequence = "\x1b" + first
    if first == "O":
        return sequence + read()
    if first == "[":  # parameters and intermediates (0x20-0x3F), then the final character
        while True:
            c = read()
            sequence += c
            if not " " <= c <= "?":
                return sequence
    return sequence


class _Resized(Exception):
    """The terminal was resized while a key was awaited (raised by the SIGWINCH handler that only waiting sets)."""


def _raise_resized(signum: int, frame: object) -> None:
    raise _Resized


@contextlib.contextmanager
def _resize_interrupts() -> Iterator[None]:
    """While in it, a resize of the terminal (SIGWINCH) raises :class:`_Resized`: a page laid out for the old size
    stayed on screen, cut or wrapped by the terminal, until a key was pressed. Only the main thread can handle a
    signal, so elsewhere (and where there is no SIGWINCH) nothing changes."""
    if not hasattr(signal, "SIGWINCH") or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGWINCH, _raise_resized)
    try:
        yield
    finally:
        signal.signal(signal.SIGWINCH, previous)


def _key_reader(stream: IO[str]) -> Callable[[], str]:
    """One key at a time: raw mode on a terminal, a key that sends an escape sequence (an arrow) as that sequence
    (:func:`_escape_sequence`), :data:`_RESIZED` when the terminal is resized before a key comes; else a line at a
    time, its first character (an empty line is Enter). Either gives '' at the end of the input; a terminal that has
    gone raises :class:`HangUp`."""
    if stream.isatty():
        import termios
        import tty

        def read() -> str:
            fd = stream.fileno()
            with _hang_up_on_eio((OSError, termios.error)):
                saved = termios.tcgetattr(fd)
                try:
                    # TCSANOW: keys typed while the last one was handled (the terminal cooked, to draw) are kept;
                    # setraw's default, TCSAFLUSH, threw them away, so a quick or loaded Enter was lost
                    tty.setraw(fd, termios.TCSANOW)
                    try:
                        with _resize_interrupts():  # the wait for the first character only: a sequence is read whole
                            key = stream.read(1)
                    except _Resized:
                        return _RESIZED
                    return _escape_sequence(lambda: stream.read(1)) if key == "\x1b" else key
                finally:
                    termios.tcsetattr(fd, termios.TCSADRAIN, saved)
        return read

    def read_line() -> str:
        with _hang_up_on_eio():
            return stream.readline()[:1]
    return read_line


def _draw(screen: IO[str], text: str) -> None:
    """``text`` on ``screen`` now; a terminal that has gone raises :class:`HangUp`."""
    with _hang_up_on_eio():
        screen.write(text)
        screen.flush()


def _answers_file(examples: str | Path) -> Path:
    """The examples file answers are appended to, refused unless it is plain JSON Lines: a JSON line
    appended to a CSV file, or after the end of a compressed stream, would make the labels already there
    unreadable."""
    path = Path(examples)
    fmt = example_format(path)
    if fmt == "jsonl" and path.suffix.lower() not in COMPRESSED:
        return path
    if fmt is None:  # a .json, a .txt: answers written there would not be read back as examples
        raise DataError(f"labeling appends answers as JSON lines to an examples file, which {path.name!r} is not named "
                        "as (train, audit and label read examples from .jsonl, .ndjson and .csv files); label into a "
                        ".jsonl file", path=path)
    both = " (to train on both, put the two in one folder)" if path.exists() else ""
    raise DataError("labeling appends answers as JSON lines, which would make a CSV or compressed file unreadable; "
                    f"label into an uncompressed .jsonl file{both}", path=path)


@contextlib.contextmanager
def _session_lock(path: Path) -> Iterator[None]:
    """The examples file ``path`` held for one labeling session: a second session on it is a :class:`DataError`
    naming the first one's process. Two sessions on one file asked the same paragraphs (each reads what is done
    once, at its start) and wrote them twice. The lock is an advisory ``flock`` on a hidden file beside ``path``
    that holds the process id: the system releases it when the process ends, so a killed session's file stays but
    blocks nothing (the next session takes it over). Without ``fcntl`` (Windows) nothing is locked."""
    if fcntl is None:
        yield
        return
    lock = path.with_name(f".{path.name}.lock")
    while True:
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as e:  # said of the examples file: the hidden lock's name alone left its user guessing
            raise DataError(f"cannot write: the session's lock file ({lock.name}) cannot be made beside it: "
                            f"{e.strerror or e}", path=path) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = os.read(fd, 32).decode("ascii", "replace").strip()  # empty if it is being written this instant
            os.close(fd)
            raise DataError(f"another labeling session (pid {pid or 'unknown'}) is writing to this file; quit it "
                            "first (two sessions would ask the same paragraphs and write them twice)",
                            path=path) from None
        try:
            here = os.stat(lock)
        except FileNotFoundError:
            here = None
        mine = os.fstat(fd)
        if here is not None and (here.st_dev, here.st_ino) == (mine.st_dev, mine.st_ino):
            break
        os.close(fd)  # a session that ended between the open and the flock removed this file: lock the one there now
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        yield
    finally:
        os.unlink(lock)  # while it is held, so that no other session is locking it (the check above)
        os.close(fd)


def _append_answer(path: Path, answer: str) -> tuple[int, bytes]:
    """Append ``answer`` (a JSON line: :func:`examples.example_line`) to ``path``, on disk before this returns (a killed session loses
    nothing); the file's size after it and the bytes written, for undo (:func:`_take_back`). A last line
    without its line end gets one first, or the answer would join it and neither line would read as JSON.
    A lone surrogate (JSON input may hold "\\ud800") is written as that escape, which reads back as it was,
    not a crash that loses the answer."""
    line = answer.encode("utf-8", LONE_SURROGATES)
    with path.open("a+b") as f:
        if f.seek(0, os.SEEK_END):
            f.seek(-1, os.SEEK_END)
            if f.read(1) != b"\n":
                line = b"\n" + line
        f.write(line)  # at the end, wherever the position: the file is open for appending
        f.flush()
        os.fsync(f.fileno())
        return f.tell(), line


def _take_back(path: Path, end: int, line: bytes) -> bool:
    """Cut the answer ``line`` that :func:`_append_answer` wrote, the file then ``end`` bytes long, off ``path``, on
    disk before this returns. Only if the file still ends there with that line, else False and the file left as it
    is: changed since (edited, or written by another program), cutting it would take off lines this session did
    not write, or, had it shrunk, grow it with zero bytes."""
    try:
        with path.open("r+b") as f:
            if f.seek(0, os.SEEK_END) != end or end < len(line):
                return False
            f.seek(end - len(line))
            if f.read(len(line)) != line:
                return False
            f.truncate(end - len(line))
            f.flush()
            os.fsync(f.fileno())
    except FileNotFoundError:
        return False
    return True


def _check_topics(examples: list[Example], taxonomy: Taxonomy, path: Path) -> None:
    """An :class:`ExampleError` naming each topic of ``examples`` (read from ``path``) that ``taxonomy`` lacks, with
    how many examples carry it, unless there is none. As ``train --taxonomy`` refuses such a file, so does a
    session, before any paragraph: its retraining would silently drop those labels (a topic renamed in the
    taxonomy, or a file labeled with another), and every answer given would go to a file that train refuses."""
    unknown = {t: n for t, n in topic_counts(examples).items() if t not in taxonomy.ids}
    if unknown:
        first = {t: next(e.line for e in examples if t in e.topics) for t in unknown}
        raise ExampleError(
            f"{len(unknown)} topic{'s' if len(unknown) != 1 else ''} not in the taxonomy: "
            + ", ".join(f"{t!r} ({n} example{'s' if n != 1 else ''}, first at line {first[t]})"
                        for t, n in unknown.items())
            + f"; the taxonomy has {', '.join(taxonomy.ids)}. Add them to the taxonomy, rename them in the file, or "
            "label into another file", path=path)


def corpus_fields(record: Record) -> dict:
    """What an answer keeps of the corpus ``record`` it labels, so that labels join back to the corpus (by ``id``,
    ``url``, ...) and can be grouped by its fields (``evaluate --by source``): its own fields but its text and its
    ``topics`` (a model's scores, in classify's or suggest's output: the answer's topics replace them), and where
    it was read from as classify writes it (:func:`records.where_read`).

    >>> corpus_fields(Record("Tariffs fell.", {"id": 7, "body": "Tariffs fell.", "topics": [{"topic": "trade",
    ...               "score": 0.9}]}, "a.jsonl:3", text_field="body", source="a.jsonl", line=3))
    {'id': 7, 'source': 'a.jsonl', 'line': 3}
    """
    own = {k: v for k, v in (record.fields or {}).items() if k not in (record.text_field, "topics")}
    return {**own, **where_read(record, own)}


def _to_ask(texts: Sequence[str], done: set[str]) -> list[int]:
    """The places in ``texts`` of the paragraphs to ask: each distinct one (``duplicate_key``) once, at its first
    place, unless empty or in ``done``. Corpora repeat paragraphs (boilerplate, overlapping files); asking again
    would write a second answer, which training merges with the first anyway."""
    seen = set(done)
    todo = []
    for i, t in enumerate(texts):
        key = duplicate_key(t)
        if key not in seen and t.strip():
            seen.add(key)
            todo.append(i)
    return todo


def _answer_fields(path: Path) -> dict[str, dict]:
    """Each paragraph's corpus fields (:func:`corpus_fields`) as its last answer in ``path`` holds them, by
    :func:`duplicate_key`, for a revised answer to keep them. The file has been read as examples already, so
    each line is an object with a text."""
    fields = {}
    for _, row in source_rows(Source(str(path), "jsonl", path), encoding="utf-8"):
        fields[duplicate_key(row["text"])] = {k: v for k, v in row.items() if k not in ("text", "topics", ASKED)}
    return fields


def _most_likely_first(pending: list[int], texts: Sequence[str], missing: Mapping[int, tuple[str, ...]],
                       model: TopicModel | None) -> list[int]:
    """The answers to revisit ``pending`` (places in ``texts``), those ``model`` finds most likely to hold a topic
    they were not asked about (``missing``) first; as they are without a model, or for topics it lacks."""
    if model is None or not pending:
        return pending
    proba = model.predict_proba([texts[i] for i in pending])
    cols = model.classes_.tolist()
    likely = [max((proba[k, cols.index(t)] for t in missing[i] if t in cols), default=0.0)
              for k, i in enumerate(pending)]
    return [pending[k] for k in sorted(range(len(pending)), key=lambda k: -likely[k])]


def _not_retraining(record: logging.LogRecord) -> bool:
    """Whether a log record may be printed: not if the background retraining logged it. Printed on stderr, it
    would land in the middle of the labeling screen, and training's warnings name settings that label chose
    (a topic left out for fewer examples than ``min_examples``, which label sets to 1); the status line says
    what the retraining did instead (:func:`_retrained_note`)."""
    return record.threadName != _RETRAINING


def _retrained_note(model: TopicModel, measured: str = "") -> str:
    """The status line after a retraining: on how many examples, ``measured`` (how it compared with the model it
    replaced), and how many topics it cannot suggest yet."""
    rare = len(model.card_["left_out"])
    return (f"retrained on {model.card_['n_examples']} examples{measured}"
            + (f", {rare} topic{'s' if rare != 1 else ''} too rare to suggest yet" if rare else ""))


def held_out_topics(examples: Sequence[Example], taxonomy: Taxonomy, **options) -> np.ndarray:
    """The topics of ``taxonomy`` (one column each, in its order) that a model trained with ``options`` on
    ``examples`` would give each of them had it not learned it: its fold's model, trained afresh on the other folds
    (10 folds, fewer from 500 examples on to bound the cost, at least 3), thresholds and all. A fold whose model
    cannot be trained (too few examples) gives its examples none. Training's own out-of-fold probabilities are not
    used: the thresholds they are judged with were chosen on those same probabilities, so on a few dozen answers
    they overrate the model (``label`` switched to a model of 15 answers that did worse on the rest of the corpus
    than the one it replaced).

    >>> examples = [Example(f"{words} {verb}", (topic,)) for words, topic in [("tariffs and exports", "trade"),
    ...             ("migrants and asylum", "migration")] for verb in ("rose", "fell", "grew")]
    >>> held_out_topics(examples, Taxonomy.from_ids(["trade", "migration"]), min_df=1,
    ...                 min_examples=1).astype(int).tolist()
    [[1, 0], [1, 0], [1, 0], [0, 1], [0, 1], [0, 1]]
    """
    ids = list(taxonomy.ids)
    given = np.zeros((len(examples), len(ids)), dtype=bool)
    params = TopicModel.from_options(**options).get_params()
    folds = min(10, max(3, _REFITTED // max(len(examples), 1)), len(examples))
    if folds < 2:  # one example or none: nothing to train a fold's model on
        return given
    for train, test in kfold(len(examples), folds, params["seed"]):
        try:
            model = TopicModel(**params).fit_examples([examples[i] for i in train], taxonomy)
        except TopicslibError:
            continue
        columns = [ids.index(t) for t in model.classes_.tolist()]
        given[np.ix_(test, columns)] = model.predict([examples[i].text for i in test]).astype(bool)
    return given


def _f1_on_labels(model: TopicModel, held_out: Mapping[str, np.ndarray], labels: Sequence[Example],
                  ids: Sequence[str]) -> float:
    """Micro-F1 over the taxonomy's topics ``ids`` of the topics ``model`` would pre-select for ``labels`` (the
    answers as training merges them) against the topics given. A label the model was trained on is judged by the
    topics its fold's model gave it (``held_out``, by :func:`duplicate_key`: :func:`held_out_topics`), never by
    the model itself, which would score near 1 on what it learned; the others (all of them for the ``--model``
    given) by the model. A taxonomy topic the model lacks counts as never given; a topic of the model's beyond the
    taxonomy is not counted, as it is never pre-selected. An undefined F1 (no label holds a topic) counts as 0."""
    keys = [duplicate_key(e.text) for e in labels]
    predicted = np.zeros((len(labels), len(ids)), dtype=bool)
    fresh = [i for i, k in enumerate(keys) if k not in held_out]
    if fresh:
        given = model.predict([labels[i].text for i in fresh]).astype(bool)
        for j, t in enumerate(model.classes_.tolist()):
            if t in ids:
                predicted[fresh, ids.index(t)] = given[:, j]
    for i, k in enumerate(keys):
        if k in held_out:
            predicted[i] = held_out[k]
    return score(indicator(labels, ids), predicted, ids).micro.f1 or 0.0


def model_mismatch(model: TopicModel, ids: Sequence[str]) -> str:
    """What a warning says of a ``model`` that has only some of the taxonomy's topics ``ids`` (the shipped model
    given with one's own taxonomy, or a model of an earlier version of it): the topics it lacks, which it never
    pre-selects, and its own beyond the taxonomy, which are never shown; '' when it has exactly those topics.

    >>> model_mismatch(TopicModel(min_df=1, folds=2).fit(["tariffs", "exports", "asylum", "migrants"],
    ...                ["trade", "trade", "migration", "migration"]), ["trade", "water"])
    "the model has 1 of the taxonomy's 2 topics: it lacks 'water', which it never pre-selects (a retrained model can), and has 'migration', which the taxonomy lacks"
    """
    has = model.classes_.tolist()
    lacks, beyond = [repr(t) for t in ids if t not in has], [repr(t) for t in has if t not in ids]
    if not lacks and not beyond:
        return ""
    parts = [f"it lacks {in_short(lacks, 10)}, which it never pre-selects (a retrained model can)"] if lacks else []
    parts += [f"has {in_short(beyond, 10)}, which the taxonomy lacks"] if beyond else []
    return (f"the model has {len(ids) - len(lacks)} of the taxonomy's {len(ids)} topics: " + ", and ".join(parts))


def _page(header: str, text: str, topic_lines: list[str], size: os.terminal_size | None) -> tuple[list[str], bool]:
    """The lines that ask for one paragraph and True, or on a terminal too small for them a message and False.
    On a terminal of ``size`` none is wider than it, so the terminal breaks no word in two: the paragraph, header
    and footer are wrapped at word boundaries by the columns they take, a topic line is cut with "…". A paragraph
    taller than the room the rest leaves is cut, a last line "… (the rest in a larger terminal)" saying so, so
    that the header, the topics and the keys stay on screen; the blank lines between go before the paragraph's
    second line. A terminal narrower than :data:`_MIN_COLUMNS`, or too short for the header, a line of the
    paragraph and that "…", the topics and the keys, gets instead a message saying how large to make it: on a
    30x8 terminal the page scrolled, the paragraph and the top line off the screen. In a pipe (no ``size``) the
    lines are as they are."""
    if size is None:
        return [header, "", text, "", *topic_lines, "", _FOOTER], True

    def rows(columns: int) -> int:
        return -(-len(topic_lines) // columns)

    def layout(width: int) -> tuple[list[str], list[str], list[str], list[str]]:
        """The header, paragraph, topics and footer wrapped (or cut) to ``width`` columns."""
        top, footer, paragraph = (wrap_to_width(t, width) for t in (header, _FOOTER, text))
        # A codebook's topics a line each (19 on a 24-line terminal) pushed the top line and all but a line of the
        # paragraph off the screen (QA pass 6): they take as few columns as leave the paragraph its lines, up to
        # _SHOWN_AT_LEAST, or as many as fit; the keys read down each column
        most = max(1, min(len(topic_lines), width // _COLUMN_WIDTH))
        columns = next((k for k in range(1, most + 1) if size.lines - len(top) - rows(k) - len(footer) - 4
                        >= min(len(paragraph), _SHOWN_AT_LEAST)), most)
        cell = (width + 1) // columns - 1  # a space between two columns
        grid = [" ".join(padded(cut_to_width(topic_lines[c * rows(columns) + r], cell), cell)
                         for c in range(columns) if c * rows(columns) + r < len(topic_lines)).rstrip()
                for r in range(rows(columns))]
        return top, paragraph, grid, footer

    width = size.columns - 1  # the last column free: on some terminals a full line moves the cursor down
    top, paragraph, grid, footer = layout(max(width, _MIN_COLUMNS - 1))
    fixed = len(top) + len(grid) + len(footer) + 1  # the cursor's line under the page too
    shown = min(len(paragraph), 2)  # a line of the paragraph, and "…" if it has more
    if width < _MIN_COLUMNS - 1 or fixed + shown > size.lines:
        message = (f"Too small ({size.columns}x{size.lines}): make the terminal at least "
                   f"{max(size.columns, _MIN_COLUMNS)}x{fixed + shown} to show the paragraph, its {len(topic_lines)} "
                   "topics and the keys, then press a key. Until then only q acts: it quits, every answer kept.")
        lines = wrap_to_width(message, max(width, 1))[: max(size.lines - 1, 1)]
        return [cut_to_width(line, max(width, 1)) for line in lines], False
    blanks = max(0, min(3, size.lines - fixed - 2))
    room = size.lines - fixed - blanks
    if len(paragraph) > room:
        paragraph = paragraph[: room - 1] + [cut_to_width("… (the rest in a larger terminal)", width)]
    under_top, above_grid, above_footer = ([""] if blanks > k else [] for k in (0, 2, 1))
    return [*top, *under_top, *paragraph, *above_grid, *grid, *above_footer, *footer], True


def label(texts: Sequence[str], *, taxonomy: Taxonomy, examples: str | Path, model: TopicModel | None = None,
          retrain_every: int = 20, keys: IO[str] | None = None, screen: IO[str] | None = None,
          fields: Sequence[Mapping] | None = None, quiet: bool = False, revisit: bool = False,
          notes: Sequence[str] = (), **options) -> int:
    """Label ``texts`` one at a time, appending each answer to ``examples`` (JSON Lines); returns the number
    of answers given in this session. ``fields``, one mapping a text, are written beside its answer's ``text`` and
    ``topics`` (those two the answer's own): its corpus record's (:func:`corpus_fields`), for the labels to join
    back to the corpus, and the taxonomy's topics as those it was asked about (its ``asked`` field).
    Answers in ``examples`` not asked about some of the taxonomy's topics (added to it since) are warned of,
    how many and which topics, before the first paragraph (on a terminal on the first page's top line too); with
    ``revisit`` they are asked again first, those ``model`` finds most likely to hold such a topic first, their
    earlier topics pre-selected beside the model's for the topics not asked, their corpus fields kept: the new
    answer is appended, and replaces the earlier one when examples are read (:func:`examples.merge_duplicates`);
    undo takes it off, the earlier answer standing again. Then the corpus goes on as usual.
    ``notes``, warnings given before the session (the taxonomy's, the corpus's: the command line's), are said
    again on a terminal's first page's top line, as its clearing wipes them from the screen.
    ``options`` are training options for the background retraining. Every ``retrain_every``
    answers a model is trained on all the answers (and as the session starts, when ``examples`` holds that many
    already: a resumed session gets back the model the last one retrained); it replaces ``model`` (or the model an
    earlier retraining put in its place) only when it does better on the answers themselves: micro-F1 over the
    taxonomy's topics of the topics it would give each answer had it not been trained on it (models refitted on the
    other folds, :func:`held_out_topics`) against the current model's, held out too for the answers that model was
    trained on (:func:`_f1_on_labels`); ``model`` itself, if it has every topic of the taxonomy, only from
    :data:`MIN_TO_REPLACE` answers on. The top line
    says which was kept and why ("kept the given model: micro-F1 0.66 on your 60 labels against 0.46 retrained").
    Without ``model`` the first retraining is always used.
    ``q``, Ctrl-C (the key, or KeyboardInterrupt), Ctrl-D and the end of ``keys`` end the session, every
    answer given kept; on a terminal too small for the page (:func:`_page`) they are the only keys that act, any
    other drawing the page again, and a key that sends an escape sequence (an arrow) is read whole
    (:func:`_escape_sequence`), the top line saying which keys work. A terminal that goes away ends the session too
    (``keys`` or ``screen`` failing with EIO, or a :class:`HangUp` from a SIGHUP handler), without a summary: it
    raises :class:`HangUp`, saying how many answers were saved where. The closing line ("N answers saved to FILE") is not drawn with ``quiet`` (the
    command line's ``-q``, which drops every command's closing summary).
    The folders of a new ``examples`` file are created; one that is not uncompressed JSON Lines, or that another
    session is labeling into (:func:`_session_lock`), or whose examples carry topics the taxonomy lacks
    (:func:`_check_topics`), is a :class:`DataError`, and a ``model`` with fewer than half of the taxonomy's
    topics (none included) a :class:`TaxonomyError` naming both sets, before any paragraph is shown; a ``model``
    with half of them or more but not all is warned of (:func:`model_mismatch`), on the first page's top line too
    on a terminal, and is replaced by the first retraining that does better, without waiting for
    :data:`MIN_TO_REPLACE` answers."""
    keys, screen = keys or sys.stdin, screen or sys.stdout
    path = _answers_file(examples)
    ids = list(taxonomy.ids)
    if len(ids) > len(_KEYS):
        raise DataError(f"the taxonomy has {len(ids)} topics; the terminal labeler toggles at most {len(_KEYS)}, a key "
                        f"each: give it a taxonomy of {len(_KEYS)} topics or fewer (merge some, or leave some out)")
    # Refused rather than warned of: a model sharing fewer than half the taxonomy's topics (none: the shipped one
    # given with one's own taxonomy) pre-selects few or none of them and orders the paragraphs mostly by topics
    # nobody is labeling, and until MIN_TO_REPLACE answers nothing replaced it; a warning would be wiped by the
    # first page. From half on it is warned of (model_mismatch) and replaced by the first retraining that beats it.
    if model is not None and 2 * len(set(model.classes_.tolist()) & set(ids)) < len(ids):
        shared = [t for t in ids if t in model.classes_.tolist()]
        has = (f"only {len(shared)} of the taxonomy's {len(ids)} topics, fewer than half" if shared
               else "none of the taxonomy's topics")
        raise TaxonomyError(f"the model has {has} (it has {', '.join(model.classes_.tolist())}; the taxonomy "
                            f"{', '.join(ids)}): it would pre-select "
                            f"{'only ' + ', '.join(shared) if shared else 'nothing'} and order the paragraphs by "
                            "topics not being labeled. Give a model of these topics (`topicslib bootstrap CORPUS "
                            "--taxonomy FILE -o first.npz` makes one from their seeds), or none")
    # Warned once, before the first page; a terminal's first page clears the screen, so its top line says it too
    mismatch = model_mismatch(model, ids) if model is not None else ""
    lacking = model is not None and not set(ids) <= set(model.classes_.tolist())
    if mismatch:
        log.warning(mismatch)
    # checked now: a bad option would otherwise fail every background retraining, unsaid
    options = check_options({"min_examples": 1, "folds": 3, **options})
    output_folders(path)  # now, not at the first answer, which a missing folder would lose
    with _session_lock(path):
        # a file of blank lines holds no answer yet, as an empty one: an editor leaves a line end where the last
        # answer was taken out, and read_examples' "no examples in it" refused the session (QA pass 6)
        labeled = read_examples(path) if path.exists() and path.read_bytes().strip() else []
        _check_topics(labeled, taxonomy, path)
        done = {duplicate_key(e.text) for e in labeled}
        # each paragraph once, as training merges them: a revision counts for its paragraph
        stale = unasked_topics(merge_duplicates(labeled)[0], ids)
        unasked_note = f"{path.name}: {unasked_message(stale, ids)}" if stale and not revisit else ""
        if unasked_note:
            log.warning(unasked_note)
        # the answers to revisit come first, at places 0 to revisits - 1 of texts, the corpus's after them
        revisits = len(stale) if revisit else 0
        missing = {i: m for i, (_, m) in enumerate(stale[:revisits])}
        before = {i: e.topics for i, (e, _) in enumerate(stale[:revisits])}
        if revisits:
            kept_fields = _answer_fields(path)
            fields = ([kept_fields.get(duplicate_key(e.text)) for e, _ in stale]
                      + (list(fields) if fields is not None else [None] * len(texts)))
        texts = [e.text for e, _ in stale[:revisits]] + list(texts)
        todo = list(range(revisits)) + [revisits + i for i in _to_ask(texts[revisits:], done)]
        # "seen": the topics given each label the current model was trained on by a model that was not
        # (:func:`held_out_topics`); none for the model given, which was not trained on these answers
        state = {"model": model, "seen": {}, "training": None, "status": ""}
        read_key = _key_reader(keys)
        # what undo steps back through, the last first: each paragraph answered, with the file's size after its line
        # and the line (:func:`_take_back`), or skipped (None): a skip taken by mistake is undone as an answer is
        history: list[tuple[int, tuple[int, bytes] | None]] = []
        # said on the top line of the next page only: why an undo was refused, or (the first) what the model lacks
        note = "; ".join(n for n in (*notes, mismatch, unasked_note) if n) if screen.isatty() else ""
        if revisit and not stale:  # asked for, so said, on a terminal or not
            note = "; ".join(n for n in (note, "nothing to revisit: every answer was asked about every topic") if n)
        answers = 0

        def retrain() -> None:
            log.addFilter(_not_retraining)
            try:
                # merged here as training merges them, so that row k of the model's out-of-fold probabilities is labels[k]
                untrained = TopicModel.from_options(**options)
                labels, _ = prepare_examples(read_examples(path), untrained.get_params()["on_duplicate"])
                trained = untrained.fit_examples(labels, taxonomy)
                # what the next retraining is compared with on these answers, also when this one is not (no model yet)
                held_out = dict(zip((duplicate_key(e.text) for e in labels), held_out_topics(labels, taxonomy,
                                                                                              **options)))
            # too few examples yet, or options these examples cannot train with: the model stays, and the top line says why
            except Exception as e:  # noqa: BLE001
                state["status"] = f"not retrained: {e}"
                return
            finally:
                log.removeFilter(_not_retraining)
            current = state["model"]
            if current is None:  # nothing to compare with: any model pre-selects more than none
                state.update(model=trained, seen=held_out, status=_retrained_note(trained))
                return
            # A model of a few dozen answers can be worse than the one it would replace (a bootstrapped model of
            # hundreds of pseudo-labels: micro-F1 0.46 against 0.66 on the true topics, QA pass 4 item 6), and
            # every pre-selection after would be worse, unsaid: it replaces the current one only when it does
            # better on the answers themselves
            new, old = (_f1_on_labels(trained, held_out, labels, ids),
                        _f1_on_labels(current, state["seen"], labels, ids))
            name = f"the model retrained on {len(state['seen'])} labels" if state["seen"] else "the given model"
            # the wait protects a given model of every topic from a retraining on a few dozen answers; one that
            # lacks some never pre-selects them, so the first retraining that beats it takes its place
            early = not state["seen"] and len(labels) < MIN_TO_REPLACE and not lacking
            if new > old and not early:
                state.update(model=trained, seen=held_out, status=_retrained_note(
                    trained, f" (micro-F1 {new:.2f} on them against {old:.2f} for {name})"))
            else:
                until = f" until {MIN_TO_REPLACE} labels" if early and new > old else ""
                state["status"] = (f"kept {name}{until}: micro-F1 {old:.2f} on your {len(labels)} labels against "
                                   f"{new:.2f} retrained")

        def order(pending: list[int]) -> list[int]:
            m = state["model"]
            again = _most_likely_first([i for i in pending if i < revisits], texts, missing, m)
            pending = [i for i in pending if i >= revisits]
            if m is None or not pending:
                return again + pending
            # Only what will be asked before the next retraining is picked (with room to spare); the rest keeps
            # its order. Ranking the whole queue cost minutes on 5,000 paragraphs (near copies are checked
            # against every paragraph already picked).
            picked = suggest(m, [texts[i] for i in pending], n=min(len(pending), max(50, 2 * retrain_every)))
            first = set(picked)
            return again + [pending[k] for k in picked] + [i for k, i in enumerate(pending) if k not in first]

        def start_retraining() -> None:
            if state["training"] is None or not state["training"].is_alive():
                state["training"] = threading.Thread(target=retrain, name=_RETRAINING, daemon=True)
                state["training"].start()

        # A session resumed on a file of a retraining's worth of answers or more retrains at once: it asked in corpus
        # order with nothing pre-selected (or by the given model) for its first retrain_every answers, the model the
        # last session had retrained lost with it (QA pass 6)
        if len(labeled) >= retrain_every:
            start_retraining()
        queue = todo  # what is left to ask, the paragraph on screen first (it leaves once answered or skipped)
        # whether queue[0] is being asked (drawn, or taken back by undo): a retrained model's reordering leaves it first,
        # so that a key neither answers another paragraph than the one shown nor undo asks another than the one undone
        asking = False
        # per paragraph drawn, its scores, the words behind them and its ticked topics: taken from the model of the moment
        # it is first drawn and changed only by its keys, so that a retraining landing while it is on screen (or before
        # undo brings it back) changes neither its boxes nor the answer Enter saves; the new model pre-selects from the
        # next paragraph on
        pages: dict[int, tuple[dict[str, float], dict[str, list[str]], set[str]]] = {}
        try:
            try:
                queue = order(todo)
                ordered_by = state["model"]
                while queue:
                    if state["model"] is not ordered_by:  # a retrained model picks what comes next
                        kept = queue[:1] if asking else []
                        queue, ordered_by = kept + order(queue[len(kept):]), state["model"]
                    i, asking = queue[0], True
                    if i not in pages:
                        m = state["model"]
                        scores = dict(m.classify(texts[i])) if m is not None else {}
                        # the words behind each topic the model gives, so the labeler sees why it was offered
                        why = evidence_terms(m, [texts[i]], [list(scores)])[0] if scores else {}
                        # as the paragraph writes them: "migracion" read as a misspelling of "migración" (QA pass 6)
                        why = as_written(texts[i], why)
                        # a revisited answer: its earlier topics, and the model's only for the topics not asked then
                        offered = ({t for t in scores if t in missing[i]} | set(before[i]) if i in before
                                   else {t for t in scores if t in ids})
                        pages[i] = (scores, why, offered)
                    scores, why, chosen = pages[i]
                    revised = sum(1 for j, written in history if written is not None and j < revisits)
                    counts = f"{len(done) + answers - revised} labeled · {len(queue)} to go"
                    again = (f"revisiting: not asked about {', '.join(missing[i])}" if i in missing else "")
                    header = " · ".join(s for s in (counts, again, state["status"], note) if s)
                    topic_lines = [f"  {k} [{'x' if t in chosen else ' '}] {t}"
                                   + (f"  {scores[t]:.2f}" if t in scores else "")
                                   + (f"  ({', '.join(why[t])})" if why.get(t) else "") for k, t in zip(_KEYS, ids)]
                    terminal = terminal_size(screen) if screen.isatty() else None  # each time: it may have been resized
                    page, whole = _page(header, texts[i], topic_lines, terminal)
                    _draw(screen, ("\x1b[2J\x1b[H" if terminal else "\n") + "\n".join(page) + "\n")
                    key = read_key()
                    if key == _RESIZED:  # drawn again for the new size, the note kept
                        continue
                    if not whole and key not in _QUIT:  # nothing shown to answer: any other key draws it again,
                        continue  # the note (a warning of the start) kept for the page that shows it
                    note = ""
                    if key in ("\r", "\n"):
                        answer = example_line(texts[i], [t for t in ids if t in chosen],
                                              fields[i] if fields is not None else None, asked=ids)
                        size = path.stat().st_size if path.exists() else 0
                        answers += 1  # before the write: a Ctrl-C taken between the two would leave it uncounted
                        try:
                            written = _append_answer(path, answer)
                        except BaseException:  # the session ends
                            if not path.exists() or path.stat().st_size == size:  # stopped before the line was written
                                answers -= 1
                            raise
                        history.append((i, written))
                        queue.pop(0)
                        asking = False
                        if answers % retrain_every == 0:
                            start_retraining()
                    elif key == "s":
                        history.append((queue.pop(0), None))
                        asking = False
                    elif key == "u" and history:  # take the last answer or skip back and ask that paragraph again, next
                        previous, written = history[-1]
                        if written is None or _take_back(path, *written):
                            history.pop()
                            if written is not None:
                                answers -= 1
                            queue.insert(0, previous)
                        else:
                            note = (f"not undone: {path} no longer ends with that answer (changed since it was "
                                    "written); nothing removed, edit the file to take it out")
                    elif key == "u":  # said, not ignored: a resumed session's u seemed to do nothing (QA pass 6)
                        note = (f"nothing to undo in this session: to take off an answer of an earlier one, edit "
                                f"{path}" if done else "nothing to undo yet")
                    elif key in _QUIT:  # before the toggles: '' is in every string
                        break
                    elif key in _KEYS[: len(ids)]:  # shown again with the topic toggled
                        chosen.symmetric_difference_update({ids[_KEYS.index(key)]})
                    elif key in ("S", "U", "Q"):
                        # Caps Lock on: S, U and Q did nothing, unsaid (QA pass 6); neither taken as their lower case
                        # nor said of the other capitals, with which an arrow's sequence (ESC [ A) ends in a pipe
                        note = f"{key!r} does nothing: the keys are lower case (is Caps Lock on?)"
                    elif key.startswith("\x1b"):  # an arrow, a function key, Alt and a key: did nothing, unsaid
                        arrows = len(key) == 3 and key[1] in "[O" and key[2] in "ABCD"
                        name = ("the arrow keys do" if arrows else f"that key (Esc {key[1:]}) does"
                                if key[1:].isprintable() and len(key) > 1 else "Esc does")
                        note = f"{name} nothing: {_KEYS_SAID}"
                    # any other key: the same paragraph is asked again
            except KeyboardInterrupt as stop:  # Ctrl-C where it is a signal (a pipe; or while a paragraph is drawn): as q
                if isinstance(stop, (HangUp, Terminated)):  # not the labeler's choice: the run ends with its own code
                    raise
            if not quiet:
                # an empty corpus said as such: "nothing left" read as every paragraph labeled already (QA pass 6)
                left = "" if queue else "the corpus holds no paragraph; " if not texts else "nothing left to label; "
                _draw(screen, f"\n{left}{answers} answers saved to {path}\n")
        except HangUp:  # the terminal went away: nothing more can be shown or read, and every answer is on disk
            raise HangUp(f"hung up; {answers} answers saved to {path}") from None
        except Terminated:  # kill, a service manager, a time limit: every answer is on disk
            raise Terminated(f"terminated; {answers} answers saved to {path}") from None
        return answers
