"""Appenders at once on PostgreSQL: numbered without gaps or doubles, one chain, every
entry committed before ``record()`` returns, nothing left open when an append fails.

A read's entry outside any change is a transaction of its own sent in two messages
(``BEGIN``, the lock and the head; then ``INSERT`` and ``COMMIT``); an entry inside a
change takes the lock and reads the head in one message. Both must read the head only
once the lock is theirs. SQLite serialises writers with its own write lock, which these
threads cannot share in a test's in-memory database.
"""

import threading

import psycopg
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from haven.audit import actions
from haven.audit.actions import record, verify_chain
from haven.audit.models import AuditEntry

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the append lock is PostgreSQL's"),
    pytest.mark.django_db(transaction=True),
]


def in_thread(work, *args):
    """Run ``work`` on a thread of its own (its own connection), closing it after."""
    outcome = {}

    def run():
        try:
            outcome["result"] = work(*args)
        except BaseException as error:  # noqa: BLE001 (reported to the test below)
            outcome["error"] = error
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def committed_count() -> int:
    """The entries another connection sees: what is committed."""
    thread, outcome = in_thread(AuditEntry.objects.count)
    thread.join(30)
    return outcome["result"]


def test_a_read_alone_is_committed_in_two_messages():
    record("test.first")  # the keys are read the first time
    with CaptureQueriesContext(connection) as sent:
        entry = record("test.read", summary="alone")
    assert [query["sql"].split()[0] for query in sent.captured_queries] == ["BEGIN", "INSERT"]
    assert sent.captured_queries[1]["sql"].rstrip().endswith("COMMIT")
    assert connection.connection.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    assert committed_count() == 2
    assert AuditEntry.objects.get(seq=2).hash == entry.hash
    assert verify_chain().ok


def test_a_reader_waits_for_the_writer_holding_the_lock_and_follows_it():
    """The writer has appended and not committed; the reader, outside any transaction,
    must wait for the lock and then read the head the writer committed, not the one
    before it (which would give both the same number)."""
    record("test.first")
    appended, release = threading.Event(), threading.Event()

    def writer():
        with transaction.atomic():
            entry = record("test.write")
            appended.set()
            assert release.wait(30)
        return entry

    def reader():
        return record("test.read")

    writing, wrote = in_thread(writer)
    assert appended.wait(30)
    reading, read = in_thread(reader)
    reading.join(1)
    assert reading.is_alive(), "the reader did not wait for the append lock"
    release.set()
    writing.join(30)
    reading.join(30)
    assert "error" not in wrote and "error" not in read, (wrote, read)
    assert read["result"].seq == wrote["result"].seq + 1
    assert read["result"].prev_hash == wrote["result"].hash
    assert verify_chain().ok


def test_appenders_at_once_never_share_a_number_or_fork_the_chain():
    record("test.first")
    threads, each = 4, 12

    def append(n):
        for i in range(each):
            if i % 3 == 2:  # a change: its entry inside its transaction
                with transaction.atomic():
                    record("test.write", summary=f"{n}/{i}")
            else:  # a read: its entry alone
                record("test.read", summary=f"{n}/{i}")

    started = [in_thread(append, n) for n in range(threads)]
    for thread, _outcome in started:
        thread.join(120)
    assert all("error" not in outcome for _thread, outcome in started), started
    numbers = list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True))
    assert numbers == list(range(1, threads * each + 2))
    verdict = verify_chain()
    assert verdict.ok, verdict.problem
    assert verdict.count == threads * each + 1


def test_a_failed_append_alone_rolls_back_and_releases_the_lock(monkeypatch):
    record("test.first")
    monkeypatch.setattr(
        actions,
        "insert_sql",
        lambda model, fields, writer: (
            f"INSERT INTO no_such_table VALUES ({', '.join(['%s'] * len(fields))})"
        ),
    )
    with pytest.raises(Exception, match="no_such_table"):
        record("test.read")
    assert connection.connection.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    monkeypatch.undo()
    # Another connection can take the lock at once: it was released with the rollback.
    thread, outcome = in_thread(record, "test.after")
    thread.join(30)
    assert not thread.is_alive() and "error" not in outcome, outcome
    assert list(AuditEntry.objects.order_by("seq").values_list("action", flat=True)) == [
        "test.first",
        "test.after",
    ]
    assert verify_chain().ok
