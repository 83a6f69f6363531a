"""The library's exceptions: one small hierarchy a caller can catch as a whole.

Every error topicslib raises on purpose derives from :class:`TopicslibError`,
so ``except topicslib.TopicslibError`` catches them all; each also derives from
the built-in it refines (``ValueError``, ``TypeError``), so generic handlers work.
:class:`HangUp` and :class:`Terminated` are no errors but stops, as Ctrl-C's ``KeyboardInterrupt`` is.
This module imports nothing of topicslib's: every other module may raise these.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


def in_short(names: Sequence[str], most: int, total: int | None = None) -> str:
    """``names`` for a message, the first ``most`` of them and the rest counted, so that a message stays one line
    however many it names (a taxonomy of thousands of topics gave a warning of 100 KB). ``total``: how many there
    are, when ``names`` holds only the first of them (a walk of millions of records keeps no more).

    >>> in_short(["'a'", "'b'"], 5), in_short(["'a'", "'b'", "'c'"], 2), in_short(["'a'", "'b'"], 2, total=9)
    ("'a', 'b'", "'a', 'b' and 1 more", "'a', 'b' and 7 more")
    """
    shown = names[:most]
    more = (len(names) if total is None else total) - len(shown)
    return ", ".join(shown) + (f" and {more:,} more" if more > 0 else "")


def place(path: str | Path | None, line: int | None, noun: str = "record") -> str:
    """Where a record came from, as messages name it: its file and line, its file, or for records in memory
    (a list given to the API) the ``noun`` and its position, counted from 0 as the list's index, as Python's own
    messages name a sequence's item (README.md, Positions: lines and ``--text`` count from 1).

    >>> place("a.jsonl", 3), place("a.jsonl", None), place(None, 0, "example"), place(None, None)
    ('a.jsonl:3', 'a.jsonl', 'example 0', '<records>')
    """
    if path is None:
        return "<records>" if line is None else f"{noun} {line}"
    return str(path) if line is None else f"{path}:{line}"


class TopicslibError(Exception):
    """Base class of every error topicslib raises on purpose."""


class DataError(TopicslibError, ValueError):
    """Input data is unreadable or malformed; names the file and line when known.

    >>> str(DataError("invalid JSON", path="a.jsonl", line=3))
    'a.jsonl:3: invalid JSON'
    >>> str(DataError("no such file or folder", path="missing.txt"))
    'missing.txt: no such file or folder'
    >>> str(DataError("text is empty", line=3))
    'record 3: text is empty'
    """

    noun = "record"  # what a record given in memory is called, by its position (:func:`place`)

    def __init__(self, message: str, *, path: str | Path | None = None, line: int | None = None):
        self.path = None if path is None else str(path)
        self.line = line
        self.reason = message
        super().__init__(f"{place(self.path, line, self.noun)}: {message}" if (path is not None or line is not None) else message)


class ExampleError(DataError):
    """A training or evaluation example is malformed; names the file and line when known.

    >>> str(ExampleError("text is empty", path="a.jsonl", line=3)), str(ExampleError("text is empty", line=3))
    ('a.jsonl:3: text is empty', 'example 3: text is empty')
    """

    noun = "example"


class TaxonomyError(TopicslibError, ValueError):
    """The taxonomy file is malformed or does not match the examples or the model."""


class TrainingError(TopicslibError, ValueError):
    """The examples cannot train a model (for instance a topic with too few examples)."""


class OptionError(TrainingError):
    """An option of :class:`TopicModel` (``--options``) is unknown or has a value it cannot take.

    ``name`` is the option; the message says what was given and what is allowed.

    >>> str(OptionError("C", "got -1; it must be a positive finite number"))
    "option 'C': got -1; it must be a positive finite number"
    """

    def __init__(self, name: str, message: str):
        self.name = name
        super().__init__(f"option {name!r}: {message}")


class NotFittedError(TopicslibError, ValueError, AttributeError):
    """A model was used before it was trained (as scikit-learn's ``NotFittedError``)."""


class ModelFileError(TopicslibError, ValueError):
    """A model file is unreadable, corrupt, unsafe, or from an incompatible version."""


class InputError(TopicslibError, TypeError):
    """An argument of the public API has the wrong type or form: text that is not a string, a single text where
    a list of texts is taken, a model that is not a TopicModel, a record that is not a mapping, and the like."""


class HangUp(KeyboardInterrupt):
    """The terminal went away: SIGHUP on the command line, or the terminal of a ``label`` session failing a read or a
    write with EIO (what a terminal whose window closed gives). No error of the data but a stop: a
    ``KeyboardInterrupt``, as Ctrl-C's stop is, so that whatever a stop undoes (a half-written output) it undoes
    and an ``except Exception`` meant for errors lets it through. The command line exits 129 on it (128 + SIGHUP,
    as a shell reports a hang-up), with one line on stderr when stderr can still be written.

    >>> str(HangUp("hung up; 3 answers saved to mine.jsonl"))
    'hung up; 3 answers saved to mine.jsonl'
    """


class Terminated(KeyboardInterrupt):
    """The run was asked to end: SIGTERM on the command line (``kill``, a service manager, a batch system's time
    limit). A stop, not an error, and a ``KeyboardInterrupt`` for the reasons :class:`HangUp` is one; the command
    line exits 143 on it (128 + SIGTERM, as a shell reports a run SIGTERM ended)."""
