"""Records the export tests share: one of each kind on the personas' team, full of
values that a pseudonymised export must never carry, and a record of another team."""

from __future__ import annotations

import hashlib
import io
import zipfile
from types import SimpleNamespace

import pytest
from django.urls import reverse

from haven.accounts.models import Membership
from haven.accounts.tests.factories import TeamFactory
from haven.cases import actions as cases
from haven.incidents import actions as incidents
from haven.lib.fuzzy_dates import FuzzyDate
from haven.lib.partial_dates import PartialDate
from haven.locations.models import Location
from haven.people.actions import add_person
from haven.sources import actions as sources
from haven.vocab.models import term

# What identifies people: none of it may be in a pseudonymised export.
NAME = "Ибрагим Селимханов"
LATIN_NAME = "Ibragim Selimkhanov"
PHONE = "+7 928 000-11-22"
ADDRESS = "ул. Канареечная, д. 5, Грозный"
NOTE = "Hides at his cousin's flat."
UNIT = "Police unit Terek"
AFFILIATION = "special police regiment"
CASE_TITLE = "Protection of Ibragim"
CASE_SUMMARY = "Fled after the April detention."
INCIDENT_TITLE = "Detention of Ibragim in Grozny"
DESCRIPTION = "Held for twelve days at the Terek base."
GROUNDS = "an opposition Telegram channel"
CONSEQUENCES = "Broken ribs."
SOURCE_TITLE = "Testimony of Ibragim"
SOURCE_AUTHOR = "Ibragim himself"
THEIR_NAME = "Another desk's witness"
REQUEST_SUMMARY = "Calls from a neighbour's phone at night."
REQUESTER_AS_GIVEN = "Ибрагим с рынка"
CANARIES = [
    REQUEST_SUMMARY,
    REQUESTER_AS_GIVEN,
    NAME,
    LATIN_NAME,
    PHONE,
    ADDRESS,
    NOTE,
    UNIT,
    AFFILIATION,
    CASE_TITLE,
    CASE_SUMMARY,
    INCIDENT_TITLE,
    DESCRIPTION,
    GROUNDS,
    CONSEQUENCES,
    SOURCE_TITLE,
    SOURCE_AUTHOR,
    "1996-05-17",
]

REASON = "Court filing for the ECHR application"


@pytest.fixture
def world(personas):
    """A person at risk (with contacts, whereabouts, a birth date), a perpetrator unit,
    a case, an incident with an act and one without, a source citing it; and another
    team's person, case, incident and source."""
    by, team = personas.member, personas.team
    person = add_person(
        team=team,
        by=by,
        name=NAME,
        other_names=[LATIN_NAME],
        contacts=[{"kind": "phone", "value": PHONE}],
        whereabouts=[{"place": ADDRESS, "since": "2021-06", "note": ""}],
        birth_date=PartialDate(1996, 5, 17),
        gender="male",
        notes=NOTE,
    )
    unit = add_person(team=team, by=by, kind="group", name=UNIT)
    case = cases.open_case(
        team=team, by=by, title=CASE_TITLE, summary=CASE_SUMMARY, persons=[person]
    )
    incident = incidents.record_incident(
        team=team,
        by=by,
        title=INCIDENT_TITLE,
        description=DESCRIPTION,
        start=FuzzyDate.parse("2020-04"),
        location=Location.objects.get(name_en="Grozny"),
        stated_grounds=GROUNDS,
    )
    act = incidents.record_act(
        incident,
        by=by,
        act_type=term("act_type", "torture"),
        victim=person,
        consequences=CONSEQUENCES,
    )
    incidents.add_involvement(
        act, by=by, perpetrator=unit, degree="direct", affiliation=AFFILIATION
    )
    incidents.link_case(incident, case, by=by)
    cases.record_request(
        team=team,
        by=by,
        channel=term("channel", "hotline"),
        summary=REQUEST_SUMMARY,
        requester=person,
        requester_name=REQUESTER_AS_GIVEN,
        urgency="immediate",
    )
    quiet = incidents.record_incident(
        team=team, by=by, title="Threats by phone", start=FuzzyDate.parse("summer 2021")
    )
    source = sources.add_source(
        team=team, by=by, kind="testimony", title=SOURCE_TITLE, author=SOURCE_AUTHOR
    )
    incidents.cite_source(
        incident, source, by=by, connection="victim", reliability="B", credibility="2"
    )
    theirs = TeamFactory(name="Other desk")
    Membership.objects.create(team=theirs, user=personas.outsider, access=Membership.Access.MEMBER)
    stranger = add_person(team=theirs, by=personas.outsider, name=THEIR_NAME)
    their_case = cases.open_case(
        team=theirs, by=personas.outsider, title="Their case", persons=[stranger]
    )
    their_incident = incidents.record_incident(
        team=theirs, by=personas.outsider, title="Their incident", start=FuzzyDate.parse("2019")
    )
    incidents.record_act(
        their_incident, by=personas.outsider, act_type=term("act_type", "threat"), victim=stranger
    )
    their_source = sources.add_source(
        team=theirs, by=personas.outsider, kind="media", title="Their source"
    )
    return SimpleNamespace(
        person=person,
        unit=unit,
        case=case,
        incident=incident,
        act=act,
        quiet=quiet,
        source=source,
        stranger=stranger,
        their_case=their_case,
        their_incident=their_incident,
        their_source=their_source,
    )


def download(client, kind, *, list_data=None, status=200, **choices):
    """POST the export form of ``kind`` (with the list's ``list_data``) and read the
    whole file: (response, bytes)."""
    data = dict(list_data or {})
    data.update({f"export-{name}": value for name, value in choices.items()})
    data.setdefault("export-format", "csv")
    data.setdefault("export-variant", "pseudonymised")
    response = client.post(reverse("exports:download", kwargs={"kind": kind}), data)
    assert response.status_code == status, (response.status_code, _text(response))
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


def _text(response) -> str:
    return "" if response.streaming else response.content.decode()[:2000]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def xlsx_parts(data: bytes) -> dict[str, str]:
    """Every XML part of a workbook, by its name."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {
            name: archive.read(name).decode("utf-8")
            for name in archive.namelist()
            if name.endswith(".xml")
        }


def readable(data: bytes, fmt: str) -> str:
    """An export's text as a reader would find it (a workbook unzipped)."""
    if fmt == "xlsx":
        return "\n".join(xlsx_parts(data).values())
    return data.decode("utf-8-sig")


def add_rows(personas, kind: str, count: int) -> None:
    """``count`` more records of ``kind``, each with what its export reads (people on a
    case, acts with perpetrators and places, citations, a consent record)."""
    by, team = personas.member, personas.team
    grozny = Location.objects.get(name_en="Grozny")
    for n in range(count):
        person = add_person(
            team=team,
            by=by,
            name=f"Person {kind} {n}",
            whereabouts=[{"place": "Grozny", "since": "2021", "note": ""}],
        )
        case = cases.open_case(team=team, by=by, title=f"Case {n}", persons=[person])
        cases.record_consent(
            person, by=by, case=case, purpose=term("consent_purpose", "referral"), status="given"
        )
        if kind in ("incidents", "sources"):
            incident = incidents.record_incident(
                team=team,
                by=by,
                title=f"Incident {n}",
                start=FuzzyDate.parse("2020"),
                location=grozny,
            )
            act = incidents.record_act(
                incident,
                by=by,
                act_type=term("act_type", "threat"),
                victim=person,
                location=grozny,
            )
            incidents.add_involvement(act, by=by, perpetrator=person, degree="ordered")
            incidents.link_case(incident, case, by=by)
        if kind == "requests":
            cases.record_request(
                team=team,
                by=by,
                channel=term("channel", "signal"),
                summary=f"Request {n}",
                requester=person,
                requester_name=f"As given {n}",
                assignee=by,
            )
            if kind == "sources":
                source = sources.add_source(team=team, by=by, kind="media", title=f"S {n}")
                incidents.cite_source(
                    incident,
                    source,
                    by=by,
                    connection="media",
                    reliability="C",
                    credibility="3",
                )
