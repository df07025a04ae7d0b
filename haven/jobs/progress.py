"""Progress of long work in the terminal: ``12,000/50,000 (24%), 310/s``.

::

    bar = ProgressBar(len(rows), label="rows")
    for chunk in chunks:
        ...
        bar.advance(len(chunk))
    bar.finish()

On a terminal the line is redrawn in place, at most five times a second, so that
printing costs nothing next to the work. Into a file or a pipe (a log, systemd's
journal, CI) it writes plain lines instead, one every ten seconds at most, so the log
stays readable. Either way ``finish()`` writes the final count on its own line.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO


class ProgressBar:
    REDRAW_SECONDS = 0.2  # on a terminal
    LINE_SECONDS = 10.0  # into a file or pipe

    def __init__(
        self,
        total: int | None,
        *,
        label: str = "",
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.total = total or None
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.clock = clock
        self.done = 0
        self.started = clock()
        self.shown_at: float | None = None
        isatty = getattr(self.stream, "isatty", None)
        self.tty = bool(isatty and isatty())
        self.finished = False

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc) -> None:
        self.finish()

    def line(self) -> str:
        """What the bar shows now."""
        parts = [f"{self.label}: " if self.label else ""]
        if self.total:
            percent = min(100, self.done * 100 // self.total)
            parts.append(f"{self.done:,}/{self.total:,} ({percent}%)")
        else:
            parts.append(f"{self.done:,}")
        elapsed = self.clock() - self.started
        if elapsed > 0 and self.done:
            parts.append(f", {self.done / elapsed:,.0f}/s")
        return "".join(parts)

    def advance(self, n: int = 1) -> None:
        self.done += n
        now = self.clock()
        every = self.REDRAW_SECONDS if self.tty else self.LINE_SECONDS
        if self.shown_at is None or now - self.shown_at >= every:
            self._show()
            self.shown_at = now

    def _show(self, end: str = "") -> None:
        if self.tty:
            # \r and clear-to-end: a shorter line leaves nothing of the longer one.
            self.stream.write(f"\r{self.line()}\x1b[K{end}")
        else:
            self.stream.write(f"{self.line()}\n")
        self.stream.flush()

    def finish(self) -> None:
        if self.finished:
            return
        self.finished = True
        self._show(end="\n")
