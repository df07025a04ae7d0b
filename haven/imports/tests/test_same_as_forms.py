"""An imported row makes the records the forms' verbs make for the same values: the same
decrypted fields, history versions, blind-index tokens and audit entries."""

from __future__ import annotations

from haven.audit.actions import verify_chain
from haven.audit.context import Channel, audit_context
from haven.audit.models import AuditEntry
from haven.imports import actions
from haven.incidents.actions import record_act, record_incident
from haven.incidents.models import Act, Incident
from haven.lib.fuzzy_dates import FuzzyDate
from haven.people.actions import add_person
from haven.people.models import Person
from haven.records.history import content_fields
from haven.records.models import BlindTerm, RecordVersion
from haven.vocab.models import term

MAPPING = {
    "target": "incidents",
    "dates": {"order": "DMY"},
    "columns": {
        "date": {"field": "incident.start"},
        "title": {"field": "incident.title"},
        "description": {"field": "incident.description"},
        "act": {"field": "act.act_type", "values": {"Detention": "arbitrary_detention"}},
        "victim": {"field": "victim.name"},
    },
}
ROWS = [
    ("02.04.2020", "Detention of Магомед Магамадов", "Held.", "Detention", "Магомед Магамадов"),
    ("03.04.2020", "Detention of Ислам Бетиев", "Held.", "Detention", "Ислам Бетиев"),
]
# Ids, codes and times differ between any two records; the rest must not.
UNIQUE = {"id", "uuid", "code", "created_at", "updated_at", "incident", "victim"}


def _import(personas):
    data = "date,title,description,act,victim\n" + "".join(",".join(r) + "\n" for r in ROWS)
    job = actions.start_import(
        team=personas.team, by=personas.member, name="rows.csv", data=data.encode(), mapping=MAPPING
    )
    job.status = job.Status.CHECKED
    job.save(update_fields=["status"])
    actions.queue_import(job, by=personas.member)
    actions.run_job(job, by=personas.member)


def _by_forms(personas):
    for day, title, description, _act, victim in ROWS:
        incident = record_incident(
            team=personas.team,
            by=personas.member,
            title=title,
            description=description,
            start=FuzzyDate.of_day(_day(day)),
        )
        person = add_person(team=personas.team, by=personas.member, name=victim)
        record_act(
            incident,
            by=personas.member,
            act_type=term("act_type", "arbitrary_detention"),
            victim=person,
        )


def _day(text: str):
    from datetime import date

    day, month, year = (int(part) for part in text.split("."))
    return date(year, month, day)


def _content(record) -> dict:
    return {
        field.name: getattr(record, field.attname)
        for field in content_fields(type(record))
        if field.name not in UNIQUE
    }


def _version(record) -> tuple:
    version = RecordVersion.objects.get(
        object_type=record._meta.label_lower, object_uuid=record.uuid
    )
    snapshot = {name: value for name, value in version.snapshot.items() if name not in UNIQUE}
    return version.number, version.change, version.changed_fields, snapshot


def _tokens(record) -> list[int]:
    return sorted(
        BlindTerm.objects.filter(
            record_id=record.pk,
            kind__app_label=record._meta.app_label,
            kind__model=record._meta.model_name,
        ).values_list("token", flat=True)
    )


def _entries(record) -> list[tuple]:
    return list(
        AuditEntry.objects.filter(object_id=str(record.uuid)).values_list(
            "action", "summary", "actor", "object_type"
        )
    )


def _described(records) -> list[tuple]:
    return [(_content(r), _version(r), _tokens(r), _entries(r)) for r in records]


def test_an_imported_row_is_what_the_forms_make(personas):
    with audit_context(Channel.CLI, actor=personas.member):
        _import(personas)
        imported = (
            list(Incident.objects.order_by("pk")),
            list(Person.objects.order_by("pk")),
            list(Act.objects.order_by("pk")),
        )
        _by_forms(personas)
    by_forms = [
        list(model.objects.exclude(pk__in=[r.pk for r in made]).order_by("pk"))
        for model, made in zip((Incident, Person, Act), imported, strict=True)
    ]
    assert [len(made) for made in imported] == [2, 2, 2]
    for made, typed in zip(imported, by_forms, strict=True):
        described = _described(made)
        assert all(entries for _c, _v, _t, entries in described)
        if type(made[0]) is not Act:  # an act without consequences has no index terms
            assert all(tokens for _c, _v, tokens, _e in described)
        assert described == _described(typed)
    # Each act points at its own incident and victim, however they were made.
    for act in [*imported[2], *by_forms[2]]:
        assert act.victim.name in act.incident.title
    assert verify_chain().ok
