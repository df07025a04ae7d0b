"""On PostgreSQL: after an erasure and the VACUUM that follows it, the table files hold
none of the erased ciphertext (the server's WAL still does: docs/erasure.md)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection

from haven.retention import actions, journal
from haven.retention.models import Reason
from haven.retention.tests.test_erasure import _blobs, _parts

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="reads the PostgreSQL cluster's own files"
)


def _table_files() -> bytes:
    with connection.cursor() as cursor:
        cursor.execute("CHECKPOINT")  # shared buffers to the files
        cursor.execute("SHOW data_directory")
        root = Path(cursor.fetchone()[0])
        cursor.execute(
            "SELECT pg_relation_filepath(c.oid) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname IN ('public', 'pg_toast') AND c.relkind IN ('r', 't', 'i')"
        )
        paths = [root / row[0] for row in cursor.fetchall() if row[0]]
    data = []
    for path in paths:
        data += [p.read_bytes() for p in path.parent.glob(path.name + "*") if p.is_file()]
    return b"".join(data)


def test_vacuum_leaves_no_erased_ciphertext_in_the_table_files(
    transactional_db, canary, coordinator
):
    needles = [part for blob in _blobs(_parts(canary)) for part in (blob[:20], blob[-20:])]
    assert sum(n in _table_files() for n in needles) >= len(needles) // 2  # control
    entry = actions.erase(canary.person, by=coordinator, reason=Reason.SUBJECT_REQUEST)
    assert journal.compact(entry.tables) == "VACUUM FULL done"
    left = sum(n in _table_files() for n in needles)
    assert left == 0, f"{left} of {len(needles)} pieces of ciphertext left in the table files"
