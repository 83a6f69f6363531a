"""Settings for a process that runs the ``topicslib`` command, made on import, before numpy loads.

The command does no BLAS work worth a thread pool (its scorer and solver are compiled code of their own), yet
OpenBLAS starts a worker thread per core when numpy loads it, and those threads spin before they sleep: 0.1 CPU s
of every start on two cores, more on more (docs/benchmarks.md). So when this process is the command (the console
script, or ``python -m topicslib``), it asks OpenBLAS for one thread, unless the user set the variable. A program
that imports topicslib as a library keeps its own settings.

The command's Ctrl-C, too, is set here: while numpy and scikit-learn load (the first 0.3 s of every command), before
``cli.main`` handles the stop signals, Python's own handler raised a KeyboardInterrupt from deep inside their imports,
printed as a traceback. Until then a Ctrl-C ends the command as a later one does, ``topicslib: interrupted`` and
exit status 130, with nothing to clean up yet.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def is_command(argv: list[str] | None = None, orig_argv: list[str] | None = None) -> bool:
    """Whether this process is the ``topicslib`` command: its script, or ``python [options] -m topicslib``
    (while ``-m`` imports the package, ``sys.argv[0]`` is ``"-m"``).

    >>> is_command(["/venv/bin/topicslib", "classify"], [])
    True
    >>> is_command(["-m", "x.txt"], ["python", "-X", "utf8", "-m", "topicslib", "x.txt"])
    True
    >>> is_command(["-m"], ["python", "-m", "pytest"]), is_command(["-c"], ["python", "-c", "import topicslib"])
    (False, False)
    """
    argv = sys.argv if argv is None else argv
    orig_argv = getattr(sys, "orig_argv", []) if orig_argv is None else orig_argv
    if not argv:
        return False
    if argv[0] == "-m":
        return "-m" in orig_argv[1:-1] and orig_argv[orig_argv.index("-m") + 1] == "topicslib"
    return Path(argv[0]).name in ("topicslib", "topicslib.exe")


def _interrupted_while_starting(signum: int, frame: object) -> None:
    print("topicslib: interrupted", file=sys.stderr)
    raise SystemExit(128 + signum)  # unwinds the imports quietly; the exit status a shell gives Ctrl-C


# Whether this process is the command, decided as it starts: once ``-m`` has run, sys.argv[0] names the package's
# __main__.py.
COMMAND = is_command()

if COMMAND:
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    import signal  # here: a program importing the library neither needs it nor has its Ctrl-C changed
    # Not in a run started ignoring Ctrl-C, nor in a process multiprocessing starts for the command (a Dask worker,
    # which imports the command's script again, named before it does): it stops as its parent tells it, and printed
    # "interrupted" once a worker. multiprocessing is not loaded in the command's own process yet.
    started_by = sys.modules.get("multiprocessing")
    if (signal.getsignal(signal.SIGINT) is signal.default_int_handler
            and (started_by is None or started_by.current_process().name == "MainProcess")):
        signal.signal(signal.SIGINT, _interrupted_while_starting)
