"""Counting rows of querysets that every page repeats, in one statement compiled once.

The header shows counts on every page (reminders due, public requests waiting). Each is a
``visible_to`` queryset with a few joins and subqueries: the database answers it in a
fraction of a millisecond, but Django spends several milliseconds of CPU building the
querysets and compiling their SQL, on every page, for the same user and the same day.

``counts(key, build)`` compiles the querysets ``build()`` returns into one statement,
``SELECT (SELECT COUNT(*) FROM (...)), (...)``, keeps it under ``key`` and runs it. What
the querysets read from the database (memberships, leads, states, dates) is read when the
statement runs, so a count is never stale and nothing has to be invalidated on a write.
What is frozen is what their *construction* read from Python: ``key`` must hold all of it
(the user's id, the date a "due" condition compares with) and ``build`` must not read
the database (a queryset that evaluates another one while it is built would freeze that
answer).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence

from django.core.exceptions import EmptyResultSet
from django.db import connections, models

# Statements kept per process: one per user and day for each header count.
KEPT = 2000

_statements: OrderedDict = OrderedDict()
_lock = threading.Lock()


def counts(key: Hashable, build: Callable[[], Sequence[models.QuerySet]]) -> list[int]:
    """The number of rows of each queryset ``build()`` returns, in one statement, compiled
    the first time ``key`` is asked for (on the querysets' database)."""
    with _lock:
        found = _statements.get(key)
        if found is not None:
            _statements.move_to_end(key)
    if found is None:
        found = _compile(build())
        with _lock:
            _statements[key] = found
            while len(_statements) > KEPT:
                _statements.popitem(last=False)
    using, sql, params = found
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchone())


def _compile(querysets: Sequence[models.QuerySet]) -> tuple[str, str, tuple]:
    using = {queryset.db for queryset in querysets}
    if len(using) != 1:
        raise ValueError(f"counts() takes querysets of one database, not {sorted(using)}")
    parts, params = [], []
    for number, queryset in enumerate(querysets):
        # Counting the primary keys counts the rows ``.count()`` counts (joins included);
        # the order and anything selected besides are dropped as ``.count()`` drops them.
        query = queryset.order_by().values("pk").query
        try:
            sql, values = query.get_compiler(using=queryset.db).as_sql()
        except EmptyResultSet:  # ``.none()``, or a filter on an empty list
            parts.append("0")
            continue
        # Django's compiled SQL, its values kept apart as parameters.
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) counted_{number})")  # noqa: S608
        params.extend(values)
    return using.pop(), "SELECT " + ", ".join(parts), tuple(params)


def forget() -> None:
    """Drop every compiled statement (tests that change how a count is built)."""
    with _lock:
        _statements.clear()
