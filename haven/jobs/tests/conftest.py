import pytest
from django_tasks_db.management.commands import db_worker


@pytest.fixture(autouse=True)
def _worker_keeps_the_test_connection(monkeypatch):
    """The worker loop closes stale connections between tasks. Run in a test, it would
    close the one holding the test's transaction: SQLite's in-memory database ignores
    that, PostgreSQL does not."""
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
