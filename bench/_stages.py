"""Where an in-process search spends its time, stage by stage (``search_scale.py --stages``).

Each stage is one function of the engine (or a block the bench marks), timed on the wall
clock, with the time its SQL statements took beside it (everything sent while the stage
runs, through Django's execute wrapper). What no stage covers (reading the query, the
visibility querysets, putting the hits in order) is "the rest". The slowest tenth of the
queries are shown apart: they make the p95.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import time

# (label, module, function): the engine's own stages, in the order a search runs them.
ENGINE = [
    ("index lookup (both passes)", "haven.search.engine", "index_scores"),
    ("visible hits with facet columns", "haven.search.engine", "facet_rows"),
    ("facet counts", "haven.search.engine", "count_facets"),
    ("page decrypted and ranked", "haven.search.engine", "_rank_page"),
]
REST = "the rest"


class Stages:
    """Times the stages of each query run inside ``query()``; ``report()`` prints them."""

    def __init__(self, connection, on: bool = True) -> None:
        self.on = on  # off: every block runs as it is, nothing is timed or printed
        self._connection = connection
        self._active: list[str] = []
        self._current: dict[str, list[float]] | None = None
        self.queries: list[dict[str, list[float]]] = []  # label -> [wall, sql] per query
        self.labels = [label for label, _module, _name in ENGINE]

    @contextlib.contextmanager
    def installed(self):
        """The engine's stage functions wrapped for as long as the block runs."""
        if not self.on:
            yield self
            return
        saved = []
        for label, module_name, name in ENGINE:
            module = importlib.import_module(module_name)
            function = getattr(module, name)
            saved.append((module, name, function))
            setattr(module, name, self._wrapped(label, function))
        try:
            with self._connection.execute_wrapper(self._sql):
                yield self
        finally:
            for module, name, function in saved:
                setattr(module, name, function)

    def _wrapped(self, label: str, function):
        @functools.wraps(function)
        def timed(*args, **kwargs):
            with self.stage(label):
                return function(*args, **kwargs)

        return timed

    @contextlib.contextmanager
    def stage(self, label: str):
        if not self.on:
            yield
            return
        if label not in self.labels:
            self.labels.append(label)
        self._active.append(label)
        start = time.perf_counter()
        try:
            yield
        finally:
            self._active.pop()
            if self._current is not None:
                self._current.setdefault(label, [0.0, 0.0])[0] += time.perf_counter() - start

    def _sql(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            if self._current is not None:
                label = self._active[-1] if self._active else REST
                self._current.setdefault(label, [0.0, 0.0])[1] += time.perf_counter() - start

    @contextlib.contextmanager
    def query(self):
        """One query: every stage run inside the block counts for it."""
        if not self.on:
            yield
            return
        self._current = {}
        start = time.perf_counter()
        try:
            yield
        finally:
            current, self._current = self._current, None
            total = time.perf_counter() - start
            staged = sum(wall for label, (wall, _sql) in current.items() if label != REST)
            rest = current.setdefault(REST, [0.0, 0.0])
            rest[0] = total - staged
            current["total"] = [total, sum(sql for _wall, sql in current.values())]
            self.queries.append(current)

    def report(self, skip_first: bool = True) -> None:
        queries = self.queries[1:] if skip_first else self.queries
        if not queries:
            return
        slowest = sorted(queries, key=lambda q: -q["total"][0])[: max(1, len(queries) // 10)]

        def values(items, label, part=0):
            return sorted(q.get(label, [0.0, 0.0])[part] * 1000 for q in items)

        def mean(numbers):
            return sum(numbers) / len(numbers)

        print(
            f"  where the time goes in process ({len(queries)} queries; ms; SQL = its "
            f"statements' share):"
        )
        if self._connection.vendor == "sqlite":
            print(
                "  (on SQLite a statement's rows are read after it returns its first: SQL counts "
                "up to that row, the rest is in the stage's own time)"
            )
        print(
            f"  {'stage':<34}{'p50':>7}{'p95':>7}{'mean':>7}{'SQL':>7}{'slowest 10%':>13}{'SQL':>7}"
        )
        for label in [*self.labels, REST, "total"]:
            walls = values(queries, label)
            slow = values(slowest, label)
            print(
                f"  {label:<34}{walls[len(walls) // 2]:>7.1f}"
                f"{walls[min(len(walls) - 1, int(len(walls) * 0.95))]:>7.1f}"
                f"{mean(walls):>7.1f}{mean(values(queries, label, 1)):>7.1f}"
                f"{mean(slow):>13.1f}{mean(values(slowest, label, 1)):>7.1f}"
            )
