"""Files on disk: finding input files, and writing output so that a failed run loses nothing.

Every file topicslib writes (models, cards, results, reports, Dask parts) goes through
:func:`atomic_output`: the data is written under a temporary name beside the target,
flushed to disk, and renamed over the target only when complete, so a run that fails or
is killed leaves the previous file whole and no half-written one; a command whose work is long first checks
through it that its output can be written (:func:`check_writable`). Every input file and
folder is found by :func:`find_files`, which never takes a temporary file or folder
(:func:`temporary_name`) that a killed run left behind for data.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import signal
import stat
import tempfile
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO

from .errors import DataError, InputError, in_short

# What marks the name of a temporary file or folder as topicslib's: see temporary_name.
_TEMPORARY = ".topicslib-"

# How a text output writes a lone surrogate (JSON input may hold "\ud800"): as that escape, which JSON
# reads back as it was, not an error.
LONE_SURROGATES = "backslashreplace"


def temporary_name(output: str, what: str = "") -> str:
    """The name of a temporary file or folder for the output file named ``output``: hidden, and marked as
    topicslib's, so that :func:`find_files` can tell one that a killed run left behind (SIGKILL gives no
    chance to remove it) from data.

    >>> temporary_name("tagged.jsonl", "parts-1a2b3c4d")
    '.tagged.jsonl.topicslib-parts-1a2b3c4d'
    """
    return f".{output}{_TEMPORARY}{what}"


def is_temporary(name: str) -> bool:
    """Whether ``name`` (a file or folder name) is one that :func:`temporary_name` gives.

    >>> is_temporary(".tagged.jsonl.topicslib-k2x9a1.tmp"), is_temporary("tagged.jsonl"), is_temporary(".hidden.jsonl")
    (True, False, False)
    """
    return name.startswith(".") and _TEMPORARY in name


def check_path(path: object, taking: str) -> None:
    """Nothing if ``path`` is a path (a str or a path-like object such as a :class:`~pathlib.Path`); else an
    :class:`InputError` that says, in ``taking``, what the call takes. Unchecked, None or a number failed inside
    pathlib with its own ``TypeError`` (QA pass 8).

    >>> check_path("a.npz", "load_model takes a model file's path")
    >>> check_path(None, "save takes the path of the model file to write")
    Traceback (most recent call last):
    ...
    topicslib.errors.InputError: save takes the path of the model file to write (str or Path), got NoneType
    """
    if not isinstance(path, (str, os.PathLike)):
        raise InputError(f"{taking} (str or Path), got {type(path).__name__}")


def output_target(path: str | Path, inputs: Iterable[str | Path] = (), *,
                  instead: str | None = None) -> Path:
    """Where writing ``path`` lands: the file itself, or the file its symbolic link leads to (written
    through, as a link's user expects). Refuses, naming ``path``, a target that exists and is not a
    regular file (a device, a pipe, a folder; the message ends with ``instead``, what to do, if given) and one that
    is the same file as any of ``inputs``: writing either would lose data.

    >>> output_target("/dev/null")
    Traceback (most recent call last):
    ...
    topicslib.errors.DataError: /dev/null: is not a regular file (a device, pipe or folder); give the path of a file to write
    """
    target = Path(path)
    if target.is_symlink():
        target = target.resolve()
    try:
        mode = target.stat().st_mode
    except OSError:  # not there yet (or not reachable: writing will say why)
        return target
    if not stat.S_ISREG(mode):
        raise DataError(f"is not a regular file (a device, pipe or folder); {instead or 'give the path of a file to write'}",
                        path=path)
    for other in inputs:
        with contextlib.suppress(OSError):
            if os.path.samefile(target, other):
                raise DataError(f"is also an input ({other}): writing it would destroy what is being read; "
                                "choose another output", path=path)
    return target


def output_folders(path: str | Path) -> Path:
    """Where writing ``path`` lands (:func:`output_target`), its missing folders created: an output into a
    folder that does not exist yet creates it, for every command. A folder that cannot be created is a
    :class:`DataError` naming ``path``.

    >>> import tempfile, pathlib
    >>> target = output_folders(pathlib.Path(tempfile.mkdtemp()) / "new" / "out.txt")
    >>> target.parent.is_dir(), target.exists()
    (True, False)
    """
    target = output_target(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):  # a file stands where a folder of the path should be
        blocking = next((p for p in [target.parent, *target.parent.parents] if p.exists() and not p.is_dir()), target.parent)
        raise DataError(f"cannot write: {blocking} is a file, not a folder", path=path) from None
    except OSError as e:
        raise DataError(f"cannot write: {e.strerror or e}", path=path) from None
    return target


@contextlib.contextmanager
def atomic_output(path: str | Path, *, text: bool = True, newline: str | None = None,
                  make_folders: bool = True) -> Iterator[IO]:
    """A file opened for writing that replaces ``path`` only once the block ends without error.

    The missing folders of ``path`` are created, unless ``make_folders`` is false (a writer that must
    not bring back a folder someone removed). A symbolic link is written through; a target that is not
    a regular file is refused (:func:`output_target`). Text is UTF-8; a lone surrogate is written as
    its backslash escape rather than failing the run. The file is readable by all (0644).

    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "new" / "out.txt"
    >>> with atomic_output(target) as out:
    ...     _ = out.write("done\\n")
    >>> target.read_text()
    'done\\n'
    """
    target = output_folders(path) if make_folders else output_target(path)
    tmp = None
    try:
        try:
            # A stop signal (Ctrl-C, SIGTERM) is held while the temporary file is made and named, and taken
            # inside this try: arriving between the two, it left the file behind.
            with _stops_held():
                fd, tmp = tempfile.mkstemp(prefix=temporary_name(target.name), suffix=".tmp", dir=target.parent)
        except OSError as e:
            raise DataError(f"cannot write: {e.strerror or e}", path=path) from None
        mode = "w" if text else "wb"
        encoding = dict(encoding="utf-8", errors=LONE_SURROGATES, newline=newline) if text else {}
        with os.fdopen(fd, mode, **encoding) as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; models and results are meant to be shared
        os.replace(tmp, target)
    except OSError as e:
        _remove(tmp)
        if e.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):  # name the user's file, not the temporary one
            raise DataError(f"cannot write: {e.strerror}; the earlier file, if any, is as it was", path=path) from None
        raise
    except BaseException:
        _remove(tmp)
        raise


# The signals that stop a run, those of them this platform has (Windows has no SIGHUP).
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


@contextlib.contextmanager
def _stops_held() -> Iterator[None]:
    """Stop signals held back (the first one given again when the block ends) in the main thread, where Python runs
    their handlers; elsewhere nothing is held. They are held by a handler that notes them, not by the thread's signal
    mask: the system gives a signal for the process to any thread that does not block it (an OpenBLAS worker), and
    Python then runs its handler in the main thread at once, mask or not. One ignored stays ignored."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[int] = []
    handlers = {}  # each signal's own handler, while the noting one stands in for it
    try:
        for sig in STOP_SIGNALS:
            if signal.getsignal(sig) not in (signal.SIG_IGN, None):  # None: a handler not set from Python
                handlers[sig] = signal.signal(sig, lambda signum, frame: held.append(signum))
        yield
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
        if held:
            signal.raise_signal(held[0])  # its own handler runs now, raising here


def _remove(tmp: str | None) -> None:
    """Remove a temporary file of :func:`atomic_output`'s, if it was made and is still there."""
    if tmp is not None:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


class _Unwritten(Exception):
    """Ends the :func:`atomic_output` block of :func:`check_writable`, which writes nothing."""


def check_writable(path: str | Path) -> None:
    """Fail now if ``path`` cannot be written, with the error :func:`atomic_output` would give at the end of a long
    run (``train``'s hours): its missing folders are made and a temporary file beside it is made and removed, by
    :func:`atomic_output` itself, as a command that streams its output opens it before it reads. ``path`` itself
    is not touched.

    >>> import tempfile, pathlib
    >>> check_writable(pathlib.Path(tempfile.mkdtemp()) / "new" / "model.npz")
    >>> check_writable("/dev/null/model.npz")
    Traceback (most recent call last):
    ...
    topicslib.errors.DataError: /dev/null/model.npz: cannot write: /dev/null is a file, not a folder
    """
    with contextlib.suppress(_Unwritten), atomic_output(path, text=False):
        raise _Unwritten


def atomic_write(path: str | Path, data: bytes, *, make_folders: bool = True) -> None:
    """Write ``data`` to ``path`` through :func:`atomic_output`."""
    with atomic_output(path, text=False, make_folders=make_folders) as out:
        out.write(data)


def find_files(name: str | Path, accept: Callable[[Path], bool], kinds: str) -> list[Path]:
    """The file ``name``, or every file under the folder ``name`` that ``accept`` takes (recursively, in
    name order). A missing name, a folder with nothing to take, or a subfolder that cannot be read is a
    :class:`DataError` naming it (never a silent gap); ``kinds`` says what was looked for ("example files").
    What else the folder holds is said in one warning, or in that error (:func:`_skipped_words`): files ``accept``
    does not take (but those that are plainly not data, :func:`_is_not_data`), links that lead nowhere, links to
    folders (not followed) and files that are not regular files. Temporary files and folders of topicslib's, left by
    a killed run, are skipped with a warning of their own.

    >>> find_files("no/such/place", lambda p: True, ".txt files")
    Traceback (most recent call last):
    ...
    topicslib.errors.DataError: no/such/place: no such file or folder
    """
    path = Path(name)
    if path.is_dir():
        found, skipped = [], []
        for p, kind in _walk(path):
            if kind == "file" and accept(p):
                found.append(p)
            elif kind != "file" or not _is_not_data(p.name):
                skipped.append((p, kind))
        words = _skipped_words(skipped)
        advice = conversion_advice(p for p, kind in skipped if kind == "file")
        words += f"; {advice}" if advice else ""
        if not found:
            raise DataError(f"no {kinds} in this folder" + (f"; it holds {words}" if words else ""), path=name)
        if words:
            logging.getLogger("topicslib").warning("%s: skipped %s", name, words)
        return sorted(found)
    if path.is_file():
        return [path]
    raise DataError("no such file or folder", path=name)


# Suffixes of files that are documentation or code, never data: a folder of data often holds its README.md or the
# script that made it, and a warning about them at every run would drown the one about a .txt or .xlsx left out.
_NOT_DATA_SUFFIXES = frozenset({".md", ".markdown", ".rst", ".py", ".ipynb", ".r", ".sh"})
# Names (before any suffix) of a folder's notes about itself, whatever their suffix (README.txt, LICENSE).
_NOT_DATA_NAMES = frozenset({"readme", "license", "licence", "changelog"})


def _is_not_data(name: str) -> bool:
    """Whether a file named ``name`` that a folder's reader does not take is left out without a word: a hidden
    file (``.DS_Store``), documentation or code (``.md``, ``.markdown``, ``.rst``, ``.py``, ``.ipynb``, ``.R``,
    ``.sh``) or a folder's notes about itself (``README``, ``LICENSE``, ``CHANGELOG``, whatever their suffix). Any
    other file is data of a type not read (``.txt`` among examples, ``.xlsx``, ``.json``), worth a warning.

    >>> [_is_not_data(n) for n in (".DS_Store", "README.md", "make_examples.py", "README.txt", "LICENSE")]
    [True, True, True, True, True]
    >>> [_is_not_data(n) for n in ("notes.txt", "votes.xlsx", "more.json", "speeches.tsv")]
    [False, False, False, False]
    """
    path = Path(name)
    return name.startswith(".") or path.suffix.lower() in _NOT_DATA_SUFFIXES or path.stem.lower() in _NOT_DATA_NAMES


# Files a journalist's folder holds that topicslib cannot read, and how to make text of them: a folder of PDFs and
# saved web pages was "skipped 3 files of other types (.pdf, .html, .docx)", and a PDF named alone was told to use
# --input-format, which reads its bytes as text (QA pass 7).
_PAGES, _DOCUMENTS, _SHEETS = ("web pages by saving them as .txt", "documents by saving them as .txt",
                               "spreadsheets by saving them as .csv")
_CONVERSIONS = {".pdf": "PDFs to .txt with pdftotext", ".html": _PAGES, ".htm": _PAGES, ".docx": _DOCUMENTS,
                ".doc": _DOCUMENTS, ".odt": _DOCUMENTS, ".rtf": _DOCUMENTS, ".xlsx": _SHEETS, ".xls": _SHEETS,
                ".ods": _SHEETS}


def conversion_advice(paths: Iterable[Path]) -> str:
    """How to make readable text of those of ``paths`` that are documents of other kinds (PDF, web page, word
    processor, spreadsheet), as words to end a message with; empty when none is.

    >>> conversion_advice([Path("a.pdf"), Path("b.HTML"), Path("c.pdf"), Path("d.json")])
    'convert PDFs to .txt with pdftotext, web pages by saving them as .txt'
    """
    ways = dict.fromkeys(_CONVERSIONS[p.suffix.lower()] for p in paths if p.suffix.lower() in _CONVERSIONS)
    return f"convert {', '.join(ways)}" if ways else ""


# What a folder may hold besides regular files, as :func:`_skipped_words` names them.
_ENTRIES = {"broken link": ("broken link", "broken links"),
            "folder link": ("link to a folder (not followed)", "links to folders (not followed)"),
            "special": ("file that is not a regular file (a pipe, socket or device)",
                        "files that are not regular files (pipes, sockets or devices)")}


def _skipped_words(skipped: Iterable[tuple[Path, str]]) -> str:
    """What a folder holds that is not read, in a few words: ``skipped`` pairs a path with its kind, "file" (of a
    type not read, named by suffix), "broken link", "folder link" or "special". Empty when nothing was.

    >>> _skipped_words([(Path("a.json"), "file"), (Path("b.tsv"), "file"), (Path("c.json"), "file"),
    ...                (Path("d.jsonl"), "broken link")])
    '3 files of other types (.json, .tsv) and 1 broken link'
    >>> _skipped_words([(Path("votes"), "file"), (Path("news"), "folder link")])
    '1 file of another type (no suffix) and 1 link to a folder (not followed)'
    """
    files, others = Counter(), Counter()
    for p, kind in skipped:
        if kind == "file":
            files[p.suffix.lower() or "no suffix"] += 1
        else:
            others[kind] += 1
    parts = []
    if files:
        n, suffixes = sum(files.values()), [s for s, _ in files.most_common()]
        parts.append(f"{n} file{'s of other types' if n > 1 else ' of another type'} ({in_short(suffixes, 5)})")
    parts += [f"{others[kind]} {_ENTRIES[kind][others[kind] > 1]}" for kind in _ENTRIES if others[kind]]
    return " and ".join([", ".join(parts[:-1]), parts[-1]] if len(parts) > 2 else parts)


def _walk(folder: Path) -> Iterator[tuple[Path, str]]:
    """Everything under ``folder`` but topicslib's temporary files and folders, each with its kind: "file" (a
    regular file, or a link to one), "broken link", "folder link" (``os.walk`` does not follow it) or "special" (a
    pipe, a socket, a device). A subfolder that cannot be read is an error, not a silent gap."""
    def refuse(e: OSError) -> None:
        raise DataError(f"cannot read this folder: {e.strerror or e}", path=e.filename or folder)

    for root, folders, names in os.walk(folder, onerror=refuse):
        for n in filter(is_temporary, folders + names):
            logging.getLogger("topicslib").warning("%s: skipped: a temporary file of a topicslib run (one still "
                                                   "writing, or one that was killed: then delete it)", Path(root, n))
        folders[:] = [f for f in folders if not is_temporary(f)]
        for f in folders:
            if Path(root, f).is_symlink():
                yield Path(root, f), "folder link"
        for n in names:
            p = Path(root, n)
            if is_temporary(n):
                continue
            yield p, ("file" if p.is_file() else "broken link" if not p.exists() else "special")
