"""The audit chain: appends link up, and raw-SQL tampering is found and located."""

from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from haven.audit.actions import record, verify_chain
from haven.audit.models import GENESIS_HASH, AuditEntry

TABLE = AuditEntry._meta.db_table


@pytest.fixture
def chain(db):
    return [record(f"test.event{n}", summary=f"entry {n}") for n in range(1, 6)]


def raw(sql, params=()):
    """Run SQL as someone with write access to the database file or server would."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Run the deferred foreign-key checks first: PostgreSQL will not alter a
            # table with pending trigger events.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER USER")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER USER")


def test_entries_link_into_a_chain(chain):
    assert chain[0].seq == 1
    assert chain[0].prev_hash == GENESIS_HASH
    for before, after in zip(chain, chain[1:], strict=False):
        assert after.prev_hash == before.hash
        assert after.seq == before.seq + 1
    verdict = verify_chain()
    assert verdict.ok
    assert (verdict.count, verdict.head) == (5, chain[-1].hash)


def test_empty_log_verifies(db):
    assert verify_chain().ok


def test_edit_is_found(chain):
    raw(f"UPDATE {TABLE} SET summary = %s WHERE seq = 3", ["nothing happened"])
    verdict = verify_chain()
    assert not verdict.ok
    assert verdict.position == 3
    assert "edited" in verdict.problem


def test_deletion_is_found(chain):
    raw(f"DELETE FROM {TABLE} WHERE seq = 2")
    verdict = verify_chain()
    assert (verdict.ok, verdict.position) == (False, 2)


def test_insertion_is_found(chain):
    forged = AuditEntry(
        seq=99, at=chain[1].at, action="login.succeeded", prev_hash=chain[1].hash, hash="f" * 64
    )
    # Make room after entry 2 (in two steps: seq is unique at every row update).
    raw(f"UPDATE {TABLE} SET seq = seq + 1000 WHERE seq >= 3")
    raw(f"UPDATE {TABLE} SET seq = seq - 999 WHERE seq >= 1000")
    raw(
        f"INSERT INTO {TABLE} (seq, at, actor_label, channel, action, object_type, object_id,"
        " summary, records, prev_hash, hash, seal)"
        " VALUES (3, %s, '', '', %s, '', '', '', '[]', %s, %s, '')",
        [forged.at, forged.action, forged.prev_hash, forged.compute_hash()],
    )
    verdict = verify_chain()
    assert not verdict.ok
    assert verdict.position == 3


def test_reordering_is_found(chain):
    raw(f"UPDATE {TABLE} SET seq = 1000 WHERE seq = 2")
    raw(f"UPDATE {TABLE} SET seq = 2 WHERE seq = 4")
    raw(f"UPDATE {TABLE} SET seq = 4 WHERE seq = 1000")
    verdict = verify_chain()
    assert (verdict.ok, verdict.position) == (False, 2)


def test_truncation_of_oldest_entries_is_found(chain):
    raw(f"DELETE FROM {TABLE} WHERE seq = 1")
    assert verify_chain().position == 1


def test_verify_command_reports_ok_and_failure(chain, capsys):
    call_command("audit", "verify")
    out = capsys.readouterr().out
    assert out.startswith("OK: 5 entries, head ")
    assert chain[-1].hash in out
    raw(f"UPDATE {TABLE} SET action = 'x' WHERE seq = 4")
    with pytest.raises(CommandError, match="broken at entry 4"):
        call_command("audit", "verify")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
@pytest.mark.parametrize("sql", [f"UPDATE {TABLE} SET summary = 'x'", f"DELETE FROM {TABLE}"])
def test_postgresql_refuses_update_and_delete(chain, sql):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
    assert AuditEntry.objects.count() == 5


def test_record_describes_target_by_uuid(personas):
    entry = record("test.target", target=personas.member)
    assert entry.object_type == "accounts.user"
    assert entry.object_id == str(personas.member.uuid)


def rechain_from(seq: int, summary: str) -> None:
    """What a forger with write access does: edit entry ``seq``, then recompute the
    hashes of it and of every entry after it, so the plain chain is whole again."""
    raw(f"UPDATE {TABLE} SET summary = %s WHERE seq = %s", [summary, seq])
    prev = AuditEntry.objects.get(seq=seq - 1).hash if seq > 1 else GENESIS_HASH
    for entry in AuditEntry.objects.filter(seq__gte=seq).order_by("seq"):
        entry.prev_hash = prev
        entry.hash = entry.compute_hash()
        raw(
            f"UPDATE {TABLE} SET prev_hash = %s, hash = %s WHERE seq = %s",
            [prev, entry.hash, entry.seq],
        )
        prev = entry.hash


def test_a_rewritten_and_rechained_log_is_caught_without_the_key(chain):
    rechain_from(3, "forged")
    verdict = verify_chain()
    assert (verdict.ok, verdict.position) == (False, 3)
    assert "seal does not match" in verdict.problem
    with pytest.raises(CommandError, match="broken at entry 3: its seal does not match"):
        call_command("audit", "verify")


def test_an_entry_without_a_seal_is_caught(chain):
    raw(f"UPDATE {TABLE} SET seal = '' WHERE seq = 5")
    assert (verify_chain().ok, verify_chain().position) == (False, 5)


def test_the_migration_seals_an_older_log_up_to_its_first_break(chain):
    """An instance upgraded from before seals: its verified entries get sealed once;
    entries from a break on stay unsealed, so the break is still reported."""
    import importlib

    from django.db import connection as conn

    migration = importlib.import_module(
        "haven.audit.migrations.0004_entries_sealed_with_a_key_outside_the_database"
    )
    raw(f"UPDATE {TABLE} SET seal = ''")
    raw(f"UPDATE {TABLE} SET summary = 'edited' WHERE seq = 4")
    from django.apps import apps

    def execute(sql):
        with conn.cursor() as cursor:
            if conn.vendor == "postgresql":
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(sql)

    # The migration's own schema editor, as far as the data step uses it.
    migration.seal_existing(apps, SimpleNamespace(connection=conn, execute=execute))
    seals = dict(AuditEntry.objects.values_list("seq", "seal"))
    assert all(seals[n] for n in (1, 2, 3)) and not seals[4] and not seals[5]
    verdict = verify_chain()
    assert (verdict.ok, verdict.position) == (False, 4)
    assert "edited" in verdict.problem
