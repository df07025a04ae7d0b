"""Incidents exported in the HURIDOCS Events Standard Formats and imported back."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from haven.accounts.tests.factories import TeamFactory
from haven.audit.models import AuditEntry
from haven.exchange.huridocs import EventsError, export_events, import_events
from haven.exchange.tests.conftest import empty_the_instance, membership
from haven.incidents import actions
from haven.incidents.models import Act, Chain, Incident, InformationLink, Involvement
from haven.lib.fuzzy_dates import FuzzyDate
from haven.locations.models import Location
from haven.people.actions import add_person
from haven.people.models import Person
from haven.sources.actions import add_source
from haven.sources.models import Source
from haven.tests.helpers import most_parameters
from haven.vocab.models import Term, term


@pytest.fixture
def documented(personas, person):
    """Two chained incidents: a detention (a vague date, an act with a perpetrator unit)
    and the threats that followed, cited from a media report."""
    member = personas.member
    detention = actions.record_incident(
        team=personas.team,
        by=member,
        title="Detention in Grozny",
        start=FuzzyDate.parse("~April 2020"),
        end=FuzzyDate.parse("May 2020"),
        location=Location.objects.get(name_en="Grozny"),
        description="Held for days at a police station.",
        stated_grounds="an opposition Telegram channel",
        documented_motive="sexual orientation",
        violation_status=Incident.ViolationStatus.CORROBORATED,
    )
    threats = actions.record_incident(
        team=personas.team,
        by=member,
        title="Threats by relatives",
        start=FuzzyDate.parse("summer 2021"),
        location=Location.objects.get(name_en="Chechen Republic"),
    )
    unit = add_person(team=personas.team, by=member, kind="group", name="Police unit No. 1")
    act = actions.record_act(
        detention,
        by=member,
        act_type=term("act_type", "torture"),
        victim=person,
        start=FuzzyDate.parse("2020-04-15"),
        victim_status=Act.VictimStatus.RELEASED,
        consequences="Broken ribs.",
    )
    actions.add_involvement(
        act, by=member, perpetrator=unit, degree="ordered", affiliation="special police"
    )
    actions.chain(detention, threats, by=member, relation="causes", note="after his release")
    report = add_source(
        team=personas.team,
        by=member,
        kind="media",
        title="Men detained in Grozny — a report",
        author="A news site",
        language="en",
        published=FuzzyDate.parse("2020-06"),
        reliability="B",
    )
    actions.cite_source(
        detention, report, by=member, connection="media", reliability="B", credibility="2"
    )
    return {"detention": detention, "threats": threats, "unit": unit, "report": report}


def _text(document) -> str:
    return json.dumps(document, ensure_ascii=False)


def test_a_pseudonymised_export_names_no_one(personas, person, documented):
    document = export_events(personas.member, team=personas.team)

    text = _text(document)
    for name in ("Ибрагим", "Selimkhanov", "Police unit No. 1", "A news site", "Men detained"):
        assert name not in text
    assert document["identifying"] is False
    assert [e["event_title"] for e in document["events"]] == [
        "Detention in Grozny",
        "Threats by relatives",
    ]
    (act,) = document["acts"]
    assert (act["victim"], act["type_of_act"]) == (person.code, "torture")
    (involvement,) = document["involvements"]
    assert involvement["perpetrator"] == documented["unit"].code
    assert involvement["degree_of_involvement"] == "ordered"
    persons = {p["person_record_number"]: p for p in document["persons"]}
    assert persons[person.code] == {
        "person_record_number": person.code,
        "counting_unit": "individual",
        "roles": ["victim"],
    }
    assert persons[documented["report"].code]["reliability_as_source"] == "B"
    (chain,) = document["chains_of_events"]
    assert chain["type_of_chain_of_events"] == "causes"
    (information,) = document["information"]
    assert information["reliability_of_information"] == "2"
    entry = AuditEntry.objects.get(action="exchange.events.exported")
    assert entry.actor == personas.member
    assert "pseudonymised" in entry.summary
    assert f"incidents.incident:{documented['detention'].uuid}" in entry.records
    assert f"people.person:{person.uuid}" in entry.records


def test_vague_dates_carry_their_date_type_and_range(personas, documented):
    document = export_events(personas.member, team=personas.team)
    detention, threats = document["events"]
    assert detention["initial_date"] == "2020-04-01"
    assert detention["initial_date_type"] == "estimated"
    assert detention["initial_date_precision"] == "month"
    assert detention["initial_date_estimated"] is True
    assert detention["final_date_latest"] == "2020-05-31"
    assert threats["initial_date_type"] == "estimated"
    assert (threats["initial_date_earliest"], threats["initial_date_latest"]) == (
        "2021-06-01",
        "2021-08-31",
    )
    assert threats["final_date"] is None and threats["final_date_type"] == "unknown"
    (act,) = document["acts"]
    assert (act["initial_date"], act["initial_date_type"]) == ("2020-04-15", "exact")
    assert detention["geographical_term"]["name_en"] == "Grozny"
    assert [p["name_en"] for p in detention["geographical_term"]["within"]] == [
        "Russia",
        "North Caucasian Federal District",
        "Chechen Republic",
    ]


def test_an_identifying_export_needs_the_role_and_a_reason(personas, person, documented):
    with pytest.raises(PermissionDenied):
        export_events(personas.member, team=personas.team, identifying=True, reason="court")
    with pytest.raises(ValidationError):
        export_events(personas.read_only, team=personas.team, identifying=True, reason=" ")
    assert not AuditEntry.objects.filter(action="exchange.events.exported").exists()

    document = export_events(
        personas.read_only, team=personas.team, identifying=True, reason="ECHR application"
    )
    persons = {p["person_record_number"]: p for p in document["persons"]}
    assert persons[person.code]["person_name"] == "Ибрагим Селимханов"
    assert persons[documented["report"].code]["title_of_source_material"].startswith("Men")
    entry = AuditEntry.objects.get(action="exchange.events.exported")
    assert "identifying" in entry.summary and "ECHR application" in entry.summary


def test_an_outsider_exports_nothing_of_the_team(personas, documented):
    document = export_events(personas.outsider)
    assert document["events"] == document["acts"] == document["persons"] == []
    document = export_events(personas.administrator)  # not a member: no bypass
    assert document["events"] == []


def test_events_come_back_the_same_in_an_empty_instance(personas, person, documented):
    first = export_events(personas.read_only, team=personas.team, identifying=True, reason="moving")
    empty_the_instance()
    assert not Term.objects.exists() and not Location.objects.exists()

    result = import_events(first, team=personas.team, by=personas.member, create_terms=True)

    assert result.counts == {
        "incidents.incident": 2,
        "people.person": 2,
        "incidents.act": 1,
        "incidents.involvement": 1,
        "incidents.chain": 1,
        "sources.source": 1,
        "incidents.informationlink": 1,
    }
    assert result.created_terms == ["act_type:torture"]
    again = export_events(personas.read_only, team=personas.team, identifying=True, reason="moving")
    for part in ("events", "acts", "involvements", "chains_of_events", "information"):
        assert again[part] == first[part], part
    assert again["persons"] == first["persons"]
    detention = Incident.objects.get(code=documented["detention"].code)
    assert detention.start == FuzzyDate.parse("~April 2020")
    assert detention.location.full_name == "Russia › North Caucasian Federal District › " + (
        "Chechen Republic › Grozny"
    )
    source = Source.objects.get(team=personas.team)
    assert not source.files.exists()  # metadata only: files travel in evidence bundles
    assert AuditEntry.objects.filter(action="exchange.events.imported", actor=personas.member)


def test_a_pseudonymised_document_imports_people_by_their_code(personas, person, documented):
    document = export_events(personas.member, team=personas.team)
    receiving = TeamFactory(name="Receiving desk")
    membership(receiving, personas.member)
    for event in document["events"]:
        event["event_record_number"] = event["event_record_number"].replace("I-", "I-Z")
    for part in ("acts", "chains_of_events", "information"):
        for item in document[part]:
            for key in ("event", "related_event"):
                if key in item:
                    item[key] = item[key].replace("I-", "I-Z")

    result = import_events(document, team=receiving, by=personas.member)

    victim = Act.objects.get(team=receiving).victim
    assert victim.name == person.code and victim.code != person.code  # the code was taken
    assert Involvement.objects.get(team=receiving).perpetrator.kind == "group"
    assert Chain.objects.get(team=receiving).relation == "causes"
    assert InformationLink.objects.get(team=receiving).source.title == documented["report"].code
    assert result.created_terms == result.created_places == []


def test_people_and_sources_of_the_team_are_found_by_their_code(personas, person, documented):
    document = export_events(personas.member, team=personas.team)
    _free_event_codes(personas.team)
    people = Person.objects.count()

    result = import_events(document, team=personas.team, by=personas.member)

    assert Person.objects.count() == people
    assert sorted(set(result.reused_persons)) == sorted({person.code, documented["unit"].code})
    assert result.reused_sources == [documented["report"].code]


def _free_event_codes(team) -> None:
    """Give the team's incidents other codes, so that a document exported from them
    imports into the same instance."""
    for index, pk in enumerate(Incident.objects.filter(team=team).values_list("pk", flat=True)):
        Incident.objects.filter(pk=pk).update(code=f"I-GONE{index:02d}")


def _date_unknown(event: dict) -> None:
    for key in [key for key in event if key.startswith("initial_date")]:
        del event[key]
    event["initial_date_type"] = "unknown"


def _unchanged(before: tuple) -> None:
    assert (Incident.objects.count(), Person.objects.count(), AuditEntry.objects.count()) == (
        before
    )


def _counts() -> tuple:
    return Incident.objects.count(), Person.objects.count(), AuditEntry.objects.count()


def test_unknown_types_of_act_are_refused_by_name_unless_created(personas, documented):
    document = export_events(personas.member, team=personas.team)
    receiving = TeamFactory(name="Receiving desk")
    membership(receiving, personas.member)
    _free_event_codes(personas.team)
    document["acts"][0]["type_of_act"] = "public_flogging"
    document["thesauri"]["type_of_act"].append(
        {"code": "public_flogging", "label_en": "Public flogging", "label_ru": "Порка"}
    )
    before = _counts()
    with pytest.raises(EventsError, match="public_flogging"):
        import_events(document, team=receiving, by=personas.member)
    _unchanged(before)

    result = import_events(document, team=receiving, by=personas.member, create_terms=True)
    assert result.created_terms == ["act_type:public_flogging"]
    assert Term.objects.get(code="public_flogging").label_ru == "Порка"


@pytest.mark.parametrize(
    "tamper, message",
    [
        (lambda d: d["involvements"][0].update(act="no-such-act"), "act names no-such-act"),
        (lambda d: d["acts"][0].update(victim="P-NOBODY"), "victim names P-NOBODY"),
        (lambda d: d["events"][0].update(initial_date_earliest="spring"), "not a date"),
        (lambda d: _date_unknown(d["events"][1]), "approximate date"),
        (lambda d: d["acts"][0].update(status_at_end_of_act="flying"), "status_at_end_of_act"),
        (lambda d: d.update(format="csv"), "not an ESF events document"),
        # Refused only when saved, after the incidents: they are undone too.
        (
            lambda d: d["chains_of_events"][0].update(
                related_event=d["events"][0]["event_record_number"]
            ),
            "cannot be chained to itself",
        ),
    ],
)
def test_a_bad_document_saves_nothing(personas, documented, tamper, message):
    document = export_events(personas.member, team=personas.team)
    _free_event_codes(personas.team)
    tamper(document)
    before = _counts()
    with pytest.raises(EventsError, match=message):
        import_events(document, team=personas.team, by=personas.member)
    _unchanged(before)


def test_events_already_here_are_refused(personas, documented):
    document = export_events(personas.member, team=personas.team)
    before = _counts()
    with pytest.raises(EventsError, match="already in this instance"):
        import_events(document, team=personas.team, by=personas.member)
    _unchanged(before)


def test_only_a_writing_member_imports_events(personas, documented):
    document = export_events(personas.member, team=personas.team)
    for who in (personas.read_only, personas.outsider, personas.administrator):
        with pytest.raises(PermissionDenied):
            import_events(document, team=personas.team, by=who)


def test_an_export_sends_as_many_parameters_for_many_incidents_as_for_two(personas, documented):
    """A team's tens of thousands of incidents must not become as many parameters of one
    statement (SQLite takes 32,766 at most, PostgreSQL 65,535): what belongs to them is
    asked for by subquery."""
    export = lambda: export_events(personas.member, team=personas.team)  # noqa: E731
    two = most_parameters(export)
    for number in range(5):
        incident = actions.record_incident(
            team=personas.team,
            by=personas.member,
            title=f"Another detention {number}",
            start=FuzzyDate.parse("2022"),
        )
        actions.chain(documented["detention"], incident, by=personas.member, relation="causes")
    assert len(export()["events"]) == 7
    assert most_parameters(export) == two


def test_an_import_asks_for_its_event_codes_in_bounded_statements(personas, documented):
    """A file with more events than one statement takes parameters is checked against
    the instance's codes 500 at a time."""
    from haven.exchange.references import existing

    codes = [documented["detention"].code] + [f"I-X{n:05d}" for n in range(1200)]
    most = most_parameters(lambda: existing(Incident, "code", codes))
    assert most <= 500
    assert existing(Incident, "code", codes) == {documented["detention"].code}
