"""An import in chunks with the next chunk prepared by a second process
(haven/imports/ahead.py) makes exactly the records an import in one process makes: people
and sources named again in later chunks are the same records, every record has its
version and audit entry, and a row with a problem in a prepared chunk stops the import
there with its row named, the chunks before it kept."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError

from haven.audit.actions import verify_chain
from haven.audit.models import AuditEntry
from haven.imports import actions, ahead
from haven.imports.models import ImportJob
from haven.incidents.models import Act, Incident, InformationLink
from haven.people.models import Person
from haven.records import blind
from haven.records.models import BlindTerm, RecordVersion
from haven.sources.models import Source

# Two rows a chunk: chunk 0 is built by the importing process, 1-3 by the second one.
ROWS = [
    ("2020-04-01", "Detention 1", "Магомед Магамадов", "https://a.example/1"),
    ("2020-04-02", "Detention 2", "Ислам Бетиев", "https://a.example/2"),
    ("2020-04-03", "Detention 3", "Магомед Магамадов", "https://a.example/1"),  # chunk 0's
    ("2020-04-04", "Detention 4", "Анзор Исаев", "https://a.example/3"),
    ("2020-04-05", "Detention 5", "Анзор Исаев", "https://a.example/3"),  # chunk 1's
    ("2020-04-06", "Detention 6", "Ислам Бетиев", "https://a.example/2"),  # chunk 0's
    ("2020-04-07", "Detention 7", "Adam Umarov", "https://a.example/4"),
    ("2020-04-08", "Detention 8", "Adam Umarov", "https://a.example/4"),  # same chunk
]
MAPPING = {
    "target": "incidents",
    "dates": {"order": "YMD"},
    "columns": {
        "date": {"field": "incident.start"},
        "title": {"field": "incident.title"},
        "act": {"field": "act.act_type", "values": {"Detention": "arbitrary_detention"}},
        "victim": {"field": "victim.name"},
        "link": {"field": "source.url"},
    },
}


def _csv(rows) -> bytes:
    lines = ["date,title,act,victim,link"]
    lines += [f"{date},{title},Detention,{victim},{link}" for date, title, victim, link in rows]
    return ("\n".join(lines) + "\n").encode()


def _queued(personas, rows) -> ImportJob:
    job = actions.start_import(
        team=personas.team, by=personas.member, name="d.csv", data=_csv(rows), mapping=MAPPING
    )
    # As after a check without problems (a row with a problem is let through on purpose).
    job.status = ImportJob.Status.CHECKED
    job.save(update_fields=["status"])
    return actions.queue_import(job, by=personas.member)


@pytest.fixture
def counted(monkeypatch):
    """The chunks the importing process took from the second process (waiting for each
    as long as it takes, which a busy machine may otherwise not give it)."""
    monkeypatch.setattr(ahead, "WAIT_SECONDS", 60)
    taken = []
    real = ahead.Ahead.take

    def take(self, index, vetting):
        built = real(self, index, vetting)
        taken.append((index, built is not None))
        return built

    monkeypatch.setattr(ahead.Ahead, "take", take)
    return taken


def _made() -> list[tuple]:
    return sorted(
        (act.incident.title, act.victim.name, link.source.url)
        for act in Act.objects.select_related("incident", "victim")
        for link in InformationLink.objects.filter(incident=act.incident).select_related("source")
    )


@pytest.mark.parametrize("prepared", [True, False])
def test_prepared_chunks_make_the_same_records(personas, settings, counted, prepared):
    settings.HAVEN_IMPORT_CHUNK_ROWS = 2
    settings.HAVEN_IMPORT_AHEAD = prepared
    job = actions.run_job(_queued(personas, ROWS), by=personas.member)
    assert job.status == ImportJob.Status.DONE and job.done_rows == len(ROWS)
    if prepared:
        assert counted == [(1, True), (2, True), (3, True)]
    else:
        assert counted == []
    assert _made() == sorted((title, victim, link) for _date, title, victim, link in ROWS)
    # One person per name and one source per address, whichever process built the row.
    assert Person.objects.count() == 4 and Source.objects.count() == 4
    assert Incident.objects.count() == Act.objects.count() == len(ROWS)
    records = 4 + 4 + 3 * len(ROWS)  # people, sources, incident + act + link per row
    versions = RecordVersion.objects.exclude(object_type="imports.importjob")
    assert versions.filter(number=1, change="created").count() == versions.count() == records
    entries = AuditEntry.objects.filter(action__endswith=".created")
    assert entries.exclude(action__startswith="imports.").count() == records
    assert verify_chain().ok
    # Each record's index rows are those of its values, and a name finds its person.
    for record in [*Person.objects.all(), *Incident.objects.all()]:
        stored = BlindTerm.objects.filter(
            kind=ContentType.objects.get_for_model(record), record_id=record.pk
        )
        assert sorted(stored.values_list("token", "team_id", "kind_id", "record_id")) == sorted(
            blind.token_rows(record)
        )
    for name in ("Магомед Магамадов", "Анзор Исаев", "Adam Umarov"):
        found = blind.matching(Person.objects.all(), "name", name)
        assert [person.name for person in found] == [name]


def test_a_problem_in_a_prepared_chunk_stops_there(personas, settings, counted):
    settings.HAVEN_IMPORT_CHUNK_ROWS = 2
    rows = [*ROWS[:4], ("2020-13-45", "Detention 5", "Анзор Исаев", ""), *ROWS[5:]]
    job = _queued(personas, rows)
    with pytest.raises(ValidationError, match="Row 6"):
        actions.run_job(job, by=personas.member)
    job.refresh_from_db()
    # Chunks 0 and 1 are whole; nothing of chunk 2 (rows 5-6 of the data, 6-7 of the sheet).
    assert job.done_rows == 4 and Incident.objects.count() == 4
    assert counted == [(1, True), (2, False)]


def test_a_value_sealed_ahead_is_written_only_while_it_is_still_the_value(personas):
    from haven.keys.fields import seal_ahead

    person = Person(team=personas.team, name="Магомед Магамадов", notes="seen in Grozny")
    field = Person._meta.get_field("name")
    seal_ahead(person)
    ahead = field.pre_save(person, True)
    assert ahead == field.pre_save(person, True)  # the one sealed ahead, written as is
    assert field.open(person, ahead) == "Магомед Магамадов"
    person.name = "Ислам Бетиев"  # changed since: sealed again
    again = field.pre_save(person, True)
    assert again != ahead and field.open(person, again) == "Ислам Бетиев"
    person.name = "Магомед Магамадов"
    person.uuid = uuid.uuid4()  # another row: sealed again, bound to it
    moved = field.pre_save(person, True)
    assert moved != ahead and field.open(person, moved) == "Магомед Магамадов"
