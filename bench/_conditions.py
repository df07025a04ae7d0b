"""The conditions a benchmark's figures were taken under, printed beside them.

A figure without its conditions cannot be compared with a later one: the code may have
changed, the machine may have been busy, the data may have come from the disk or from
memory. Each script calls ``start()`` before measuring and ``Conditions.report()`` after,
which prints one line such as

    conditions: commit 9c72de9 (+uncommitted changes), sqlite, 2 CPUs, load 0.31 before ->
    1.92 after (1-minute average; ...), reference work 26 ms before -> 27 ms after (...),
    data generated in this process (page cache warm)

and a warning when the machine was busy before the measurement started (load above half
a core per core).

The load does not tell how fast the machine is. On a virtual machine the same idle
machine ran the same search bench at p95 51.5 ms and, within the hour, 39.7 ms; one fixed
piece of work took from 25 to 49 ms from one second to the next, its CPU time rising with
it, with nothing else running and no time reported stolen by the host in ``/proc/stat``
(the host's other guests share the hardware). So the line also gives the time of a fixed
piece of reference work (Python and SQLite, as a search does them; the median of seven
runs, before and after measuring: higher is a slower machine). Figures are comparable
only when their reference times are close.
"""

from __future__ import annotations

import gc
import os
import random
import sqlite3
import statistics
import subprocess
import time
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


def page_cache(paths: Path | list[Path], what: str = "database file") -> str:
    """How much of a file (or of several, summed) the OS holds in memory now (util-linux
    ``fincore``), e.g. "database file 100% in the page cache": a re-opened instance is cold
    only if it is not still cached from its generation. Empty when it cannot be told."""
    files = [paths] if isinstance(paths, Path) else list(paths)
    if not files:
        return ""
    try:
        out = subprocess.run(
            ["fincore", "--bytes", "--noheadings", "--raw", "-o", "RES,SIZE", *map(str, files)],  # noqa: S607
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        resident = sum(int(value) for value in out[0::2])
        size = sum(int(value) for value in out[1::2])
    except (OSError, subprocess.CalledProcessError, ValueError):
        return ""
    if not out:
        return ""
    share = resident / size if size else 1.0
    return f"{what} {share:.0%} in the page cache before measuring ({size / 2**20:,.0f} MB)"


def database_cache(connection) -> str:
    """``page_cache`` of the database a Django ``connection`` uses: its file on SQLite; on
    PostgreSQL the files of its database, when the server runs on this machine and its
    data folder may be read (a superuser's connection, as ``scripts/with-postgres``
    gives). Empty when it cannot be told."""
    from django.db import DatabaseError

    if connection.vendor == "sqlite":
        return page_cache(Path(connection.settings_dict["NAME"]))
    if connection.vendor != "postgresql":
        return ""
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_setting('data_directory'), oid FROM pg_database "
                "WHERE datname = current_database()"
            )
            directory, oid = cursor.fetchone()
            cursor.execute("SHOW shared_buffers")
            buffers = cursor.fetchone()[0]
        folder = Path(directory) / "base" / str(oid)
        files = [path for path in folder.iterdir() if path.is_file()]
    except (DatabaseError, OSError):
        return ""
    cached = page_cache(files, "database files")
    return f"{cached}, shared_buffers {buffers}" if cached else f"shared_buffers {buffers}"


def reference_ms(runs: int = 7) -> float:
    """Milliseconds of a fixed piece of work, the median of ``runs``: building and grouping
    20,000 rows in an in-memory SQLite database, then as many dictionary and string
    operations in Python (what a search spends its time on). About 25 ms at the best of
    times on the 2-CPU virtual machines Haven is measured on; the same work every time,
    so that a higher figure means a slower machine, not different work."""
    rng = random.Random(1)
    rows = [(rng.randrange(2_000), rng.randrange(50_000)) for _ in range(20_000)]
    times = []
    # Without the collector: in a process holding a generated instance, the objects the
    # work makes set off collections that walk all of it (49 ms before, 30 after).
    collecting = gc.isenabled()
    gc.disable()
    try:
        for _ in range(runs):
            times.append(_reference_run(rows))
    finally:
        if collecting:
            gc.enable()
    return statistics.median(times) * 1000


def _reference_run(rows: list[tuple[int, int]]) -> float:
    """Seconds of one run of the reference work."""
    start = time.perf_counter()
    database = sqlite3.connect(":memory:")
    database.execute("CREATE TABLE t (token INTEGER, record INTEGER)")
    database.executemany("INSERT INTO t VALUES (?, ?)", rows)
    database.execute("CREATE INDEX t_token ON t (token, record)")
    grouped = database.execute(
        "SELECT record, COUNT(*) FROM t WHERE token < 1000 GROUP BY record"
    ).fetchall()
    database.close()
    counts: dict[str, int] = {}
    for token, record in rows:
        key = f"{token:x}:{record % 97}"
        counts[key] = counts.get(key, 0) + len(key)
    assert grouped and counts  # noqa: S101 - the work was done
    return time.perf_counter() - start


@dataclass
class Conditions:
    load_before: float
    commit: str
    reference_before: float | None = None

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
        if self.reference_before is not None:
            parts.append(
                f"reference work {self.reference_before:.0f} ms before -> {reference_ms():.0f} "
                "ms after (fixed Python and SQLite work, median of 7: higher is a slower "
                "machine)"
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
    """Note the conditions before measuring: the load now, the code measured and the time
    of the reference work."""
    load = os.getloadavg()[0]  # before the reference work raises it
    return Conditions(load_before=load, commit=commit(), reference_before=reference_ms())


DAMON = Path("/sys/kernel/mm/damon/admin/kdamonds")


def memory_reclaimer(root: Path = DAMON) -> str:
    """What the kernel's proactive reclaimer (DAMON) does with idle memory, when it runs:
    "the kernel pages out memory idle for 60 s or more (DAMON)". On such a machine a
    database file read a minute ago is on the disk again, however much memory is free,
    so a re-opened instance is cold even when a run just before read it. Empty when no
    such scheme runs (or it cannot be told)."""
    try:
        for kdamond in root.iterdir():
            if (kdamond / "state").read_text().strip() != "on":
                continue
            for context in (kdamond / "contexts").glob("[0-9]*"):
                aggregate_us = int(
                    (context / "monitoring_attrs/intervals/aggr_us").read_text().strip()
                )
                for scheme in (context / "schemes").glob("[0-9]*"):
                    if (scheme / "action").read_text().strip() != "pageout":
                        continue
                    age = int((scheme / "access_pattern/age/min").read_text().strip())
                    return (
                        f"the kernel pages out memory idle for {age * aggregate_us / 1e6:.0f} s "
                        "or more (DAMON), however much is free"
                    )
    except (OSError, ValueError):
        return ""
    return ""


def read_into_memory(connection, relations: list[str]) -> str:
    """Read the database's pages that a search looks up into the page cache, as a server
    whose searches have touched them holds them (``--warm``); returns what was read, for
    the conditions line. PostgreSQL: ``relations`` (tables and indexes) through
    ``pg_prewarm``; SQLite: the whole database file, which holds them all."""
    start = time.perf_counter()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
            cursor.execute(
                "SELECT pg_size_bytes(current_setting('shared_buffers')), "
                "SUM(pg_relation_size(relation::regclass)) FROM unnest(%s::text[]) AS relation",
                [relations],
            )
            buffers, size = (int(value) for value in cursor.fetchone())
            # Into the server's own buffers when they hold it all with room to spare: a
            # page in the OS's cache only still costs a copy into them at each read.
            mode = "buffer" if size < 0.8 * buffers else "read"
            for relation in relations:
                cursor.execute("SELECT pg_prewarm(%s::regclass, %s)", [relation, mode])
        where = (
            "PostgreSQL's shared buffers"
            if mode == "buffer"
            else "the page cache (more than PostgreSQL's shared buffers hold)"
        )
        what = f"{', '.join(relations)} ({size / 2**30:.1f} GB) into {where}"
    else:
        path = Path(connection.settings_dict["NAME"])
        size = 0
        with path.open("rb", buffering=0) as handle:
            while chunk := handle.read(8 << 20):
                size += len(chunk)
        what = f"the database file ({size / 2**30:.1f} GB) into the page cache"
    return f"warm: {what} read in {time.perf_counter() - start:.0f} s before measuring"


GENERATED = "data generated in this process (page cache warm)"
REOPENED = "data re-opened from disk (first pass may read it cold)"
