"""A team archive imported into an empty instance reproduces the same records.

The suite runs on SQLite and on PostgreSQL (``scripts/with-postgres``), so this file
checks the round trip on both.
"""

from __future__ import annotations

import io
import json

import pytest

from haven.accounts.actions import add_member, create_team
from haven.audit.models import AuditEntry
from haven.exchange.archive import ArchiveError, export_team, import_team
from haven.exchange.tests.conftest import empty_the_instance, fingerprint
from haven.locations.models import Location
from haven.people.models import Person
from haven.records.blind import matching
from haven.records.models import RecordVersion
from haven.vocab.models import Term


def _archive(team, by) -> dict:
    out = io.StringIO()
    export_team(team, by=by, out=out)
    return json.loads(out.getvalue())


def test_an_archive_restores_every_record_in_an_empty_instance(rich_team):
    team, worker = rich_team["team"], rich_team["worker"]
    before = fingerprint(team, leave_out={rich_team["forgotten"]})
    assert all(before.values()), [kind for kind, rows in before.items() if not rows]
    data = _archive(team, worker)
    labels = {key: dict(value) for key, value in data["terms"].items()}

    # It holds the live records and the deleted ones they point to; evidence stays out.
    assert "sources.evidencefile" not in data["records"]
    assert "sources.evidencefile" in data["left_out"]
    people = {entry["uuid"] for entry in data["records"]["people.person"]}
    assert rich_team["forgotten"] not in people  # deleted, and nothing points to it
    assert str(rich_team["merged"].uuid) in people  # deleted, but a merge names it
    sources = {entry["uuid"]: entry for entry in data["records"]["sources.source"]}
    assert sources[str(rich_team["deleted_source"].uuid)]["deleted_at"] is not None
    read = AuditEntry.objects.filter(action="exchange.archive.exported").get()
    assert read.actor == worker
    assert f"people.person:{rich_team['kept'].uuid}" in read.records
    assert len(read.records) == sum(data["counts"].values())

    empty_the_instance()
    assert not Term.objects.exists() and not Location.objects.exists()
    assert not Person._base_manager.exists()
    restored = create_team("North Caucasus desk (restored)")
    add_member(restored, worker)
    result = import_team(data, team=restored, by=worker)

    after = fingerprint(restored)
    for kind in before:
        assert after[kind] == before[kind], f"{kind} differs after the round trip"
    assert result.total == sum(len(rows) for rows in before.values())
    assert result.missing_users == []

    # What the empty instance lacked was created from the archive, labels and all.
    assert sorted(result.created_terms) == sorted(labels)
    for key, entry in labels.items():
        vocabulary, code = key.split(":")
        created = Term.objects.get(vocabulary=vocabulary, code=code)
        assert (created.label_en, created.label_ru) == (entry["label_en"], entry["label_ru"])
    assert "Russia › North Caucasian Federal District › Chechen Republic › Grozny" in (
        result.created_places
    )

    # Each record was saved as a new one: a version, its index terms, its audit entry.
    salman = Person.objects.get(uuid=rich_team["kept"].uuid)
    versions = RecordVersion.objects.filter(object_uuid=salman.uuid)
    assert [(v.change, v.changed_by) for v in versions] == [("created", worker)]
    assert salman in matching(Person.objects.all(), "name", "Салман Тагиров")
    assert AuditEntry.objects.filter(action="people.person.created", object_id=str(salman.uuid))
    merged = Person._base_manager.get(uuid=rich_team["merged"].uuid)
    assert merged.deleted_at is not None
    assert [v.change for v in RecordVersion.objects.filter(object_uuid=merged.uuid)] == [
        "created",
        "deleted",
    ]
    assert merged not in matching(Person._base_manager.all(), "name", merged.name)
    entry = AuditEntry.objects.filter(action="exchange.archive.imported").get()
    assert entry.actor == worker
    assert f"{result.total} records" in entry.summary

    # The same archive a second time (into another team): refused, nothing saved.
    other = create_team("Second desk")
    add_member(other, worker)
    versions, entries = RecordVersion.objects.count(), AuditEntry.objects.count()
    with pytest.raises(ArchiveError, match="already in this instance"):
        import_team(data, team=other, by=worker)
    assert not Person._base_manager.filter(team=other).exists()
    assert (RecordVersion.objects.count(), AuditEntry.objects.count()) == (versions, entries)
