"""The conditions a benchmark's figures were taken under, printed beside them.

A figure without its conditions cannot be compared with a later one: the code may have
changed, the machine may have been busy, the data may have come from the disk or from
memory. Each script calls ``start()`` before measuring and ``Conditions.report()`` after,
which prints one line such as

    conditions: commit 9c72de9 (+uncommitted changes), sqlite, 2 CPUs, load 0.31 before ->
    1.92 after (1-minute average; ...), data generated in this process (page cache warm)

and a warning when the machine was busy before the measurement started (load above half
a core per core).
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUSY_PER_CPU = 0.5


def commit() -> str:
    """The short commit of the code measured, and whether haven/ or bench/ differ from it."""
    try:
        head = _git("rev-parse", "--short", "HEAD").strip()
        dirty = _git("status", "--porcelain", "--", "haven", "bench").strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown commit (no git)"
    return f"{head} (+uncommitted changes)" if dirty else head


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", *args],  # noqa: S607 (git from PATH, as a developer runs it)
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def cpus() -> int:
    """CPUs this process may run on (fewer than the machine's under a CPU mask)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def page_cache(path: Path) -> str:
    """How much of a file the OS holds in memory now (util-linux ``fincore``), e.g.
    "database file 100% in the page cache": a re-opened instance is cold only if it is not
    still cached from its generation. Empty when it cannot be told."""
    try:
        out = subprocess.run(
            ["fincore", "--bytes", "--noheadings", "--raw", "-o", "RES,SIZE", str(path)],  # noqa: S607
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        resident, size = int(out[0]), int(out[1])
    except (OSError, subprocess.CalledProcessError, IndexError, ValueError):
        return ""
    share = resident / size if size else 1.0
    return f"database file {share:.0%} in the page cache before measuring ({size / 2**20:,.0f} MB)"


@dataclass
class Conditions:
    load_before: float
    commit: str

    def report(self, *, database: str | None = None, cache: str = "", notes: str = "") -> str:
        """Print the conditions line (and a warning on a busy machine); return the line.

        ``database`` is the engine's vendor name, or None when no database was used;
        ``cache`` says whether the data was just written by this process (page cache warm)
        or re-opened (first pass cold); ``notes`` adds anything else the figures depend on
        (warm-up queries left out, workers).
        """
        load_after = os.getloadavg()[0]
        count = cpus()
        parts = [f"commit {self.commit}"]
        if database:
            parts.append(database)
        parts.append(f"{count} CPUs")
        parts.append(
            f"load {self.load_before:.2f} before -> {load_after:.2f} after (1-minute average; "
            "after counts the measurement's own processes)"
        )
        if cache:
            parts.append(cache)
        if notes:
            parts.append(notes)
        line = "conditions: " + ", ".join(parts)
        print(line)
        # Only the load before says whether something else was running: a bench that
        # starts a server and a client raises the average itself.
        if self.load_before > BUSY_PER_CPU * count:
            print(
                f"  warning: figures taken on a busy machine (load {self.load_before:.2f} "
                f"before starting, on {count} CPUs): wall-clock times are inflated; compare "
                "CPU times or rerun when idle"
            )
        return line


def start() -> Conditions:
    """Note the conditions before measuring: the load now, and the code measured."""
    return Conditions(load_before=os.getloadavg()[0], commit=commit())


GENERATED = "data generated in this process (page cache warm)"
REOPENED = "data re-opened from disk (first pass may read it cold)"
