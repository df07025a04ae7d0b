"""Two clicks on "Look for duplicates" at once, on PostgreSQL: one search, not two. (SQLite
serialises writers with its own write lock, which these threads cannot share in a test's
in-memory database; there the second click waits at BEGIN.)"""

import contextlib
import threading

import pytest
from django.db import connection

from haven.audit.tests.test_concurrent import in_thread
from haven.jobs.tests.test_queue import DATABASE_BACKEND
from haven.people import searching
from haven.people.models import DuplicateSearch

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the row lock is PostgreSQL's"),
    pytest.mark.django_db(transaction=True),
]


def test_two_clicks_at_once_start_one_search(personas, settings, monkeypatch):
    """Both clicks are let as far as asking whether a search is on its way, and meet
    there: unless the first holds the user's row locked until it commits, both find
    none and both start one."""
    settings.TASKS = DATABASE_BACKEND  # queued, not run at once
    meeting = threading.Barrier(2, timeout=2)
    asked = searching._on_its_way

    def met(user):
        with contextlib.suppress(threading.BrokenBarrierError):  # the other waits on the lock
            meeting.wait()
        return asked(user)

    monkeypatch.setattr(searching, "_on_its_way", met)
    clicks = [in_thread(searching.start, personas.member) for _ in range(2)]
    for thread, _outcome in clicks:
        thread.join(30)
    outcomes = [outcome for _thread, outcome in clicks]
    assert all("error" not in outcome for outcome in outcomes), outcomes
    assert DuplicateSearch.objects.count() == 1
    assert outcomes[0]["result"].pk == outcomes[1]["result"].pk
