"""Rows become records: dates, places, terms, people across rows, problems with their
row and column, notes for what is not mapped."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from haven.imports.engine import Builder
from haven.imports.mapping import Mapping
from haven.incidents.models import Act, Incident, Involvement
from haven.locations.models import Location
from haven.people.models import Person
from haven.vocab.models import Term


@dataclass
class Sheet:
    columns: list
    data: list

    def rows(self):
        return iter(self.data)


def build(personas, mapping: dict, sheet: Sheet):
    builder = Builder(
        Mapping.from_json(mapping, columns=sheet.columns),
        team=personas.team,
        by=personas.member,
        columns=sheet.columns,
    )
    found = []
    for number, values in enumerate(sheet.rows(), start=2):
        built = builder.row(number, dict(zip(sheet.columns, values, strict=False)))
        builder.check(built)
        found.append(built)
    return builder, found


DETENTIONS = Sheet(
    ["date", "event", "victims", "unit", "place", "comment"],
    [
        ["08/21/13 12:00 AM", "Detention", "Магомед Магамадов; Ислам Бетиев", "ППС", "Grozny", "x"],
        ["09/01/13", "Detention", "Магомед Магамадов", "", "Nowhere-on-map", ""],
        ["31/31/13", "Детенция", "", "", "", ""],
    ],
)

MAPPING = {
    "target": "incidents",
    "dates": {"order": "MDY", "century": 50},
    "columns": {
        "date": {"field": "incident.start"},
        "event": {"field": "act.act_type", "values": {"Detention": "arbitrary_detention"}},
        "victims": {"field": "victim.name"},
        "unit": {"field": "perpetrator.name"},
        "place": {"field": "incident.location"},
    },
    "constants": {"incident.title": "Detention"},
}


@pytest.fixture
def gazetteer(db):
    from haven.locations.gazetteer import load

    load()


def test_rows_become_linked_records_with_problems_named(personas, gazetteer):
    _builder, (first, second, third) = build(personas, MAPPING, DETENTIONS)
    assert first.problems == []
    kinds = [type(r).__name__ for r in first.records]
    assert kinds == [
        "Person",
        "Person",
        "Person",
        "Incident",
        "Act",
        "Involvement",
        "Act",
        "Involvement",
    ]
    incident = next(r for r in first.records if isinstance(r, Incident))
    assert incident.start.earliest.isoformat() == "2013-08-21"
    assert incident.location.name_en == "Grozny"
    assert "comment: x" in incident.description
    act = next(r for r in first.records if isinstance(r, Act))
    assert act.act_type.code == "arbitrary_detention"
    # The same name on a later row is the same person, not a new one.
    assert [type(r).__name__ for r in second.records] == ["Incident", "Act"]
    assert second.reused and second.reused[0].name == "Магомед Магамадов"
    # An unknown place stays in the note as written.
    assert "place: Nowhere-on-map" in second.records[0].description
    messages = {(p.column, p.message.split(":")[0]) for p in third.problems}
    assert ("date", ["'31/31/13' is not a real date in the order MDY."][0]) in messages
    assert any(p.column == "event" and "Детенция" in p.message for p in third.problems)


def test_century_rule_and_day_first_order(personas, gazetteer):
    sheet = Sheet(["when"], [["04.12.87"], ["04.12.2011"], ["апрель 2020"], ["летом 2021"]])
    mapping = {
        "target": "incidents",
        "dates": {"order": "DMY", "century": 50},
        "columns": {"when": {"field": "incident.start"}},
        "constants": {"incident.title": "Rally"},
    }
    _builder, rows = build(personas, mapping, sheet)
    starts = [r.records[0].start for r in rows]
    assert [s.earliest.isoformat() for s in starts] == [
        "1987-12-04",
        "2011-12-04",
        "2020-04-01",
        "2021-06-01",
    ]
    assert starts[2].precision == "month"


def test_value_table_can_create_a_term_and_a_place(personas, gazetteer):
    from haven.records.bulk import create_records

    sheet = Sheet(
        ["date", "type", "victim", "town"], [["2013-08-21", "Chemical attack", "A B", "Ayn Tarma"]]
    )
    mapping = {
        "target": "incidents",
        "dates": {"order": "YMD"},
        "columns": {
            "date": {"field": "incident.start"},
            "type": {"field": "act.act_type", "values": {"Chemical attack": "new"}},
            "victim": {"field": "victim.name"},
            "town": {"field": "incident.location"},
        },
        "places": {"Ayn Tarma": "new"},
        "constants": {"incident.title": "Attack"},
    }
    _builder, (row,) = build(personas, mapping, sheet)
    assert row.problems == []
    # The import reads the file again with a builder of its own.
    builder = Builder(
        Mapping.from_json(mapping), team=personas.team, by=personas.member, columns=sheet.columns
    )
    builder.create_new_terms_and_places()
    assert Term.objects.filter(code="chemical_attack", label_en="Chemical attack").exists()
    assert Location.objects.filter(name_en="Ayn Tarma").exists()
    built = builder.row(2, dict(zip(sheet.columns, sheet.data[0], strict=False)))
    create_records(built.records, by=personas.member)
    act = Act.objects.get()
    assert act.act_type.code == "chemical_attack"
    assert act.incident.location.name_en == "Ayn Tarma"
    assert act.victim.name == "A B"
    assert Involvement.objects.count() == 0


def test_mapping_refuses_unknown_fields_and_columns(db):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        Mapping.from_json(
            {
                "target": "incidents",
                "columns": {"x": {"field": "incident.secret"}, "nope": {"field": "incident.title"}},
            },
            columns=["x"],
        )
    text = " ".join(refused.value.messages)
    assert "incident.secret" in text and "'nope' is not in this file" in text
    with pytest.raises(ValidationError):
        Mapping.from_json({"target": "accounts"})
    with pytest.raises(ValidationError):
        Mapping.from_json("{not json")


def test_existing_person_chosen_in_mapping_is_reused(personas, person, gazetteer):
    sheet = Sheet(["victim"], [["Ibragim Selimkhanov"]])
    mapping = {
        "target": "incidents",
        "columns": {"victim": {"field": "victim.name"}},
        "people": {"Ibragim Selimkhanov": str(person.uuid)},
        "constants": {"incident.title": "T", "incident.start": "2020", "act.act_type": "torture"},
    }
    _b, (row,) = build(personas, mapping, sheet)
    assert row.problems == []
    act = next(r for r in row.records if isinstance(r, Act))
    assert act.victim == person
    assert not any(isinstance(r, Person) for r in row.records)
