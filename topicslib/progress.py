"""Progress on stderr: a bar when the total is known, a spinner and counter otherwise.

Used by the command line and the Dask engine; it draws only on a terminal and only for runs
that last, so quick commands and pipes stay silent.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import IO


def _size(n: float) -> str:
    """A byte count for people.

    >>> _size(512), _size(2_500_000), _size(3e12)
    ('512 B', '2.5 MB', '3000.0 GB')
    """
    if n < 1000:
        return f"{n:.0f} B"
    for unit in ("kB", "MB"):
        n /= 1000
        if n < 1000:
            return f"{n:.1f} {unit}"
    return f"{n / 1000:.1f} GB"


def terminal_size(stream: IO[str], default: tuple[int, int] = (80, 24)) -> os.terminal_size:
    """The columns and lines of the terminal ``stream`` writes to (``default`` when it is no terminal, or
    when the terminal gives 0)."""
    try:
        size = os.get_terminal_size(stream.fileno())
    except (OSError, ValueError, AttributeError):
        return os.terminal_size(default)
    return os.terminal_size((size.columns or default[0], size.lines or default[1]))


def terminal_width(stream: IO[str], default: int = 80) -> int:
    """The width of the terminal ``stream`` writes to (``default`` when it is no terminal)."""
    return terminal_size(stream, (default, 24)).columns


class Progress:
    """A progress line on stderr: a bar when the total is known, a spinner and counter otherwise.

    It draws only when ``enabled`` (stderr is a terminal and no ``--quiet``) and only once the
    run has lasted ``delay`` seconds, so quick commands stay silent; ``close`` erases it.

    >>> with Progress("reading", total=10, unit="B", enabled=False) as p:
    ...     p.advance(4, note="2 records")
    >>> p.done
    4
    """

    def __init__(self, label: str, *, total: int | None = None, unit: str = "", enabled: bool = False,
                 stream: IO[str] | None = None, delay: float = 0.5):
        self.label, self.total, self.unit, self.enabled = label, total, unit, enabled
        self.stream = stream if stream is not None else sys.stderr
        self.delay = delay
        self.done = 0
        self.note = ""
        self._start = time.monotonic()
        self._last = 0.0
        self._drawn = False
        self._frame = 0
        self._lock = threading.Lock()
        self._stop: threading.Event | None = None
        fancy = (getattr(self.stream, "encoding", "") or "").lower().replace("-", "") == "utf8"
        self._bar_chars = ("█", "░") if fancy else ("#", "-")
        self._spinner = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏" if fancy else "|/-\\"

    def advance(self, n: int = 0, *, note: str | None = None, label: str | None = None) -> None:
        """Add ``n`` to the work done; redraw at most ten times a second."""
        self.done += n
        if note is not None:
            self.note = note
        if label is not None:
            self.label = label
        now = time.monotonic()
        if self.enabled and now - self._start >= self.delay and now - self._last >= 0.1:
            self._draw(now)

    def _line(self, now: float) -> str:
        elapsed = f"{now - self._start:.1f} s"
        unit = f" {self.unit}" if self.unit else ""
        count = _size(self.done) if self.unit == "B" else f"{self.done:,}{unit}"
        if self.total:
            frac = min(1.0, self.done / self.total)
            full, empty = self._bar_chars
            bar = full * round(frac * 24) + empty * (24 - round(frac * 24))
            of = f"{_size(self.done)}/{_size(self.total)}" if self.unit == "B" else f"{self.done:,}/{self.total:,}{unit}"
            parts = [self.label, bar, f"{frac:4.0%}", of]
        else:
            self._frame += 1
            parts = [self.label, self._spinner[self._frame % len(self._spinner)]]
            if self.done:
                parts.append(count)
        parts += [p for p in (self.note, elapsed) if p]
        return "  ".join(parts)

    def _draw(self, now: float) -> None:
        with self._lock:
            width = terminal_width(self.stream) - 1
            self.stream.write("\r" + self._line(now)[:width] + "\x1b[K")
            self.stream.flush()
            self._drawn, self._last = True, now

    def spin(self) -> "Progress":
        """Redraw from a background thread, for a step that reports nothing while it runs (training)."""
        if self.enabled and self._stop is None:
            self._stop = threading.Event()

            def tick() -> None:
                while not self._stop.wait(0.2):
                    self.advance()

            threading.Thread(target=tick, daemon=True).start()
        return self

    def close(self) -> None:
        if self._stop is not None:
            self._stop.set()
        with self._lock:
            if self._drawn:
                self.stream.write("\r\x1b[K")
                self.stream.flush()
                self._drawn = False

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def progress_enabled(quiet: bool, *, output_is_stdout: bool = False) -> bool:
    """Bars go to stderr when it is a terminal, unless ``quiet``, or a table is being printed to the same terminal."""
    if quiet or not sys.stderr.isatty():
        return False
    return not (output_is_stdout and sys.stdout.isatty())
