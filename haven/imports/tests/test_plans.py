"""The import's quick path makes the same records as the general one.

The quick path: records made from a plan per model (``haven.records.plans``), created
together by ``create_records`` (prepared rows, one loop per model for checks and
references, versions and audit rows as tuples, the counted acts recomputed once per
chunk). The general path: every record made by ``Model(**values)`` and saved by
``save_record``, one at a time, as a form's save does. Both import the same rows; every
field of every record (opened where encrypted), its version, its index tokens and its
audit entry must be equal, apart from what differs between any two records (ids, UUIDs,
codes, times).
"""

from __future__ import annotations

import pytest

from haven.audit.actions import verify_chain
from haven.audit.context import Channel, audit_context
from haven.audit.models import AuditEntry
from haven.imports import actions, pipeline
from haven.imports.engine import Builder
from haven.imports.mapping import Mapping
from haven.imports.readers import open_table
from haven.incidents.models import Act, Incident, InformationLink, Involvement
from haven.locations.models import Location
from haven.people.models import Person
from haven.records import plans
from haven.records.actions import save_record
from haven.records.masking import unmasked
from haven.records.models import BlindTerm, RecordVersion
from haven.reports import facts
from haven.sources.models import Source
from haven.vocab.models import term

MAPPING = {
    "target": "incidents",
    "dates": {"order": "DMY"},
    "columns": {
        "date": {"field": "incident.start"},
        "end": {"field": "incident.end"},
        "title": {"field": "incident.title"},
        "description": {"field": "incident.description"},
        "grounds": {"field": "incident.stated_grounds"},
        "place": {"field": "incident.location"},
        "act": {"field": "act.act_type", "values": {"Detention": "arbitrary_detention"}},
        "status": {"field": "act.victim_status", "values": {"out": "released"}},
        "victim": {"field": "victim.name"},
        "gender": {"field": "victim.gender", "values": {"m": "male", "f": "female"}},
        "born": {"field": "victim.birth_date"},
        "unit": {"field": "perpetrator.name"},
        "affiliation": {"field": "involvement.affiliation"},
        "link": {"field": "source.url"},
        # "comment" is not mapped: it is kept in the incident's description.
    },
    "constants": {"involvement.degree": "ordered"},
}
COLUMNS = [
    "date",
    "end",
    "title",
    "description",
    "grounds",
    "place",
    "act",
    "status",
    "victim",
    "gender",
    "born",
    "unit",
    "affiliation",
    "link",
    "comment",
]
ROWS = [
    # Two victims in one cell, a perpetrator, a known place, a source.
    [
        "02.04.2020",
        "05.04.2020",
        "Detention at the rally",
        "Held overnight.",
        "extremism",
        "Grozny",
        "Detention",
        "out",
        "Магомед Магамадов; Ислам Бетиев",
        "m",
        "1999",
        "ОМОН",
        "police",
        "https://example.org/a",
        "seen by a neighbour",
    ],
    # The same people, the same source again; an unknown place, kept in the note.
    [
        "03.04.2020",
        "",
        "Second detention",
        "",
        "",
        "Somewhere far",
        "Detention",
        "",
        "Магомед Магамадов",
        "",
        "",
        "ОМОН",
        "",
        "https://example.org/a",
        "",
    ],
    # No act, no people: an incident alone.
    [
        "summer 2021",
        "",
        "Threat by phone",
        "Calls at night.",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
    ],
    # A victim with a birth month and a gender, no perpetrator, no source.
    [
        "10.05.2021",
        "",
        "Search of a flat",
        "Phones taken.",
        "",
        "Грозный",
        "Detention",
        "",
        "Zelimkhan Tagirov",
        "f",
        "03.1990",
        "",
        "",
        "",
        "",
    ],
]
KINDS = (Person, Source, Incident, Act, Involvement, InformationLink)
# What differs between any two records, however they are made.
UNIQUE = {"id", "uuid", "code", "created_at", "updated_at"}


def _csv() -> bytes:
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerows(ROWS)
    return out.getvalue().encode()


def _quick_path(personas) -> None:
    job = actions.start_import(
        team=personas.team, by=personas.member, name="rows.csv", data=_csv(), mapping=MAPPING
    )
    job.status = job.Status.CHECKED
    job.save(update_fields=["status"])
    actions.queue_import(job, by=personas.member)
    actions.run_job(job, by=personas.member)


def _general_path(personas, monkeypatch) -> None:
    """Each record made by ``Model(**values)`` and saved by ``save_record``, in the order
    the row lists them (people, the incident, its acts and involvements, the source)."""
    monkeypatch.setattr(plans, "ENABLED", False)
    table = open_table(_csv(), name="rows.csv")
    builder = Builder(
        Mapping.from_json(MAPPING, columns=table.columns),
        team=personas.team,
        by=personas.member,
        columns=table.columns,
    )
    for number, values in actions.numbered(table):
        built = builder.row(number, dict(zip(table.columns, values, strict=False)))
        assert built.problems == []
        for record in built.records:
            # The ids of the records saved just before (as a verb is given saved ones).
            record._prepare_related_fields_for_save(operation_name="save")
            save_record(record, by=personas.member)
    monkeypatch.setattr(plans, "ENABLED", True)


def _related(value) -> object:
    """A reference as something both paths share: the other record's content."""
    if isinstance(value, Person):
        return ("person", value.name)
    if isinstance(value, Incident):
        return ("incident", value.title)
    if isinstance(value, Act):
        return ("act", value.victim.name, value.incident.title)
    if isinstance(value, Source):
        return ("source", value.url)
    return value


def _fields(record) -> dict:
    with unmasked():
        return {
            field.name: (
                _related(getattr(record, field.name))
                if field.is_relation
                else getattr(record, field.attname)
            )
            for field in record._meta.concrete_fields
            if field.name not in UNIQUE
        }


def _version(record) -> tuple:
    version = RecordVersion.objects.get(
        object_type=record._meta.label_lower, object_uuid=record.uuid
    )
    references = {f.name for f in record._meta.concrete_fields if f.is_relation} - {"team"}
    snapshot = {
        name: value
        for name, value in version.snapshot.items()
        if name not in UNIQUE and name not in references
    }
    return version.number, version.change, version.changed_fields, snapshot, version.changed_by


def _tokens(record) -> list[int]:
    return sorted(
        BlindTerm.objects.filter(
            record_id=record.pk,
            kind__app_label=record._meta.app_label,
            kind__model=record._meta.model_name,
        ).values_list("token", "team_id")
    )


def _entries(record) -> list[tuple]:
    return list(
        AuditEntry.objects.filter(object_id=str(record.uuid)).values_list(
            "action", "summary", "actor", "actor_label", "object_type", "channel", "records"
        )
    )


def _described(records) -> list[tuple]:
    return [(_fields(r), _version(r), _tokens(r), _entries(r)) for r in records]


@pytest.fixture
def places(db):
    return Location.objects.create(kind=Location.Kind.TOWN, name_en="Grozny", name_ru="Грозный")


@pytest.mark.parametrize("processes", ["one", "two"])
def test_the_quick_path_makes_what_the_general_path_makes(
    personas, places, monkeypatch, settings, processes
):
    term("act_type", "arbitrary_detention")
    written = []
    if processes == "two":
        # A chunk per row, each after the first prepared apart from its writing
        # (haven.imports.pipeline; in turns in this process, which holds the in-memory
        # test database; the first is imported while the second process would start):
        # the rows name people and a source that chunks before them made.
        settings.HAVEN_IMPORT_CHUNK_ROWS = 1
        monkeypatch.setattr(pipeline, "MODE", "inline")
        real = pipeline.write_chunk
        monkeypatch.setattr(
            pipeline,
            "write_chunk",
            lambda *args, **kwargs: written.append(1) or real(*args, **kwargs),
        )
    with audit_context(Channel.CLI, actor=personas.member):
        _quick_path(personas)
        assert len(written) == (3 if processes == "two" else 0)
        quick = {model: list(model.objects.order_by("pk")) for model in KINDS}
        _general_path(personas, monkeypatch)
    general = {
        model: list(model.objects.exclude(pk__in=[r.pk for r in quick[model]]).order_by("pk"))
        for model in KINDS
    }
    # Both paths made every kind, and the same number of each.
    assert {model: len(made) for model, made in quick.items()} == {
        Person: 4,
        Source: 1,
        Incident: 4,
        Act: 4,
        Involvement: 3,
        InformationLink: 2,
    }
    assert {model: len(made) for model, made in general.items()} == {
        model: len(made) for model, made in quick.items()
    }
    for model in KINDS:
        quick_described, general_described = _described(quick[model]), _described(general[model])
        for made, typed in zip(quick_described, general_described, strict=True):
            assert made == typed, model._meta.label
    # The defaults and values the rows leave to the models, as the general path has them.
    victim = quick[Person][0]
    assert (victim.kind, victim.sealed, victim.sealed_for, victim.other_names) == (
        "individual",
        False,
        [],
        [],
    )
    assert quick[Incident][0].location.name_en == "Grozny"
    assert quick[Involvement][0].degree == "ordered"
    # Every record has its tokens, its version and one audit entry; the chain holds.
    assert all(_tokens(person) for person in quick[Person])
    assert all(len(_entries(record)) == 1 for made in quick.values() for record in made)
    assert verify_chain().ok
    # The counted acts, recomputed once per chunk, are what the records say.
    assert facts.differences() == []


def same_as_model_init(plan: plans.RecordPlan, values: dict) -> list[str]:
    """The fields whose values differ between ``plan.new(values)`` and
    ``Model(**values)`` (made-anew defaults compared by type only): for the tests."""
    made, general = plan.new(dict(values)), plan.model(**values)
    differing = []
    for field in plan.model._meta.concrete_fields:
        ours, theirs = made.__dict__.get(field.attname), general.__dict__.get(field.attname)
        if field.has_default() and callable(field.default) and field.name not in values:
            if type(ours) is not type(theirs):
                differing.append(field.name)
        elif ours != theirs or type(ours) is not type(theirs):
            differing.append(field.name)
        if field.is_relation and field.is_cached(general) != field.is_cached(made):
            differing.append(f"{field.name} (cached)")
    if made._state.db != general._state.db or made._state.adding != general._state.adding:
        differing.append("_state")
    return differing


def test_a_plan_makes_what_model_init_makes(personas):
    incident = Incident(team=personas.team, title="t")
    person = Person(team=personas.team, name="n")
    act = Act(incident=incident, team=personas.team, victim=person)
    cases = [
        (Incident, {"team": personas.team, "title": "Detention", "location": None}),
        (Person, {"team": personas.team, "name": "Ислам", "gender": "male", "birth_date": None}),
        (Act, {"incident": incident, "team": personas.team, "victim": person, "consequences": ""}),
        (Involvement, {"act": act, "team": personas.team, "perpetrator": person}),
        (Source, {"team": personas.team, "kind": Source.Kind.MEDIA, "title": "t", "url": ""}),
        (InformationLink, {"incident": incident, "team": personas.team, "reliability": "F"}),
    ]
    for model, values in cases:
        assert same_as_model_init(plans.plan_for(model), values) == [], model
    # Made anew for each record, never shared: a UUID, a code, a list.
    first, second = (
        plans.new_record(Person, team=personas.team),
        plans.new_record(Person, team=personas.team),
    )
    assert first.uuid != second.uuid and first.code != second.code
    assert first.other_names == [] and first.other_names is not second.other_names


def test_a_plan_leaves_what_it_does_not_know_to_the_model(personas):
    # ``start`` is a property, not a field: Model.__init__ sets it.
    from haven.lib.fuzzy_dates import FuzzyDate

    made = plans.new_record(
        Incident, team=personas.team, title="t", start=FuzzyDate.parse("April 2020")
    )
    assert made.start_precision == "month"
    with pytest.raises(ValueError, match="must be a"):
        plans.new_record(Act, team=personas.team, victim=personas.team)
