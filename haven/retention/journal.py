"""The erasure journal: one JSON line per erasure, ids only, kept outside the database.

It lives beside the key file (``erasures.jsonl`` in the instance folder, or
``HAVEN_ERASURE_JOURNAL``), not in the database, because a restored backup replaces
the database with an older one: a journal inside it would forget every erasure made
since. The key file is already what an operator must keep apart and carry to a new
machine; the journal goes with it.

A line is written (and synced) before the erasure's transaction commits: if the
commit then fails, the journal names an erasure that the next ``haven retention
reapply`` (or restore) completes, which errs on the side of the person erased.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction

from haven.lib.env import env_str


def journal_path() -> Path:
    configured = getattr(settings, "HAVEN_ERASURE_JOURNAL", None) or env_str(
        "HAVEN_ERASURE_JOURNAL", ""
    )
    if configured:
        return Path(configured)
    return Path(settings.HAVEN_KEY_FILE).with_name("erasures.jsonl")


def append(entry: dict) -> None:
    path = journal_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    line = json.dumps(entry, ensure_ascii=True, sort_keys=True) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line.encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)


class JournalError(ValueError):
    pass


def entries() -> list[dict]:
    path = journal_path()
    if not path.exists():
        return []
    found = []
    for number, line in enumerate(path.read_text(encoding="ascii").splitlines(), 1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
            entry["kind"], entry["uuid"], entry["records"]  # noqa: B018 - each must be there
        except (ValueError, KeyError, TypeError):
            raise JournalError(f"Line {number} of the erasure journal {path} is damaged.") from None
        found.append(entry)
    return found


def reapply_after_restore(sender, manifest, **kwargs) -> None:
    """Receiver of ``backups.signals.restored``: erase again what the journal names."""
    from haven.retention.actions import reapply

    reapply()
    transaction.on_commit(lambda: compact(erased_tables()))


def erased_tables() -> list[str]:
    """Every table an erasure writes to: those of the kinds it wipes, their history,
    their index and the copies of its tokens."""
    from django.apps import apps

    from haven.records.models import BlindTerm, RecordVersion, SensitiveRecord

    tables = [m._meta.db_table for m in apps.get_models() if issubclass(m, SensitiveRecord)]
    # Summaries that copy blind-index tokens (the reports' counted acts) are rewritten
    # by the erasure too: their old rows go with the index's.
    copies = [m._meta.db_table for m in apps.get_models() if getattr(m, "copies_index", False)]
    return [*tables, RecordVersion._meta.db_table, BlindTerm._meta.db_table, *copies]


def compact(tables: list[str] | None = None) -> str:
    """Give the space of erased values back so that their bytes leave the files.

    SQLite: checkpoint the WAL into the database and truncate it, rewrite the file
    (VACUUM), and truncate the WAL again. PostgreSQL: VACUUM FULL of ``tables`` (those an
    erasure wrote to; every table if None): a plain VACUUM frees the dead row versions
    but leaves their bytes in the pages until they are reused, which the test of the
    table files showed. Not the server's WAL, archives or replicas: docs/erasure.md.
    Must run outside a transaction; says what it did."""
    if connection.in_atomic_block:
        return "not compacted: inside a transaction"
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            cursor.execute("VACUUM")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            busy = cursor.fetchone()
            if busy and busy[0]:
                return "VACUUM done; the WAL is still in use by another connection"
            return "VACUUM and WAL checkpoint done"
        if connection.vendor == "postgresql":
            if tables is None:
                cursor.execute("VACUUM FULL")
            else:
                names = ", ".join(connection.ops.quote_name(t) for t in sorted(set(tables)))
                cursor.execute(f"VACUUM FULL {names}")
            return "VACUUM FULL done"
    return "nothing to do"
