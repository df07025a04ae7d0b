"""The seed story's case on the personas' team, as the dossier tests read it.

The story of ``haven.cases.demo`` and ``haven.incidents.demo`` (two men; detention,
torture, abduction and forced return; the Investigative Committee's decision to grant
state protection), with the detention linked to the case, a testimony with an
evidence file, and two more people on it: a witness who refused consent for legal
action and one whose consent has expired.
"""

from __future__ import annotations

import hashlib
from datetime import date
from types import SimpleNamespace

import pytest

from haven.cases import actions as cases
from haven.cases import demo as cases_demo
from haven.cases.models import Consent
from haven.incidents import actions as incidents
from haven.incidents import demo as incidents_demo
from haven.incidents.models import InformationLink, Involvement
from haven.lib.fuzzy_dates import FuzzyDate
from haven.people.actions import add_person
from haven.sources import actions as sources
from haven.sources.vault import seal_bytes
from haven.vocab.models import term

EVIDENCE = b"%PDF-1.4\n" + "Показания Салмана Тагирова и Ислама Келоева. ".encode() * 40
WITNESS = "Зелимхан Ортаев"
WITNESS_LATIN = "Zelimkhan Ortaev"
WITNESS_PHONE = "+7 928 555-01-01"
LAPSED = "Аслан Дакаев"


@pytest.fixture
def story(personas):
    team, by = personas.team, personas.member
    case, (salman, islam), uncle, unit = cases_demo.story(team, by, by)
    detention, _flight, abduction, *_rest = incidents_demo.story(
        team, by, case, (salman, islam), uncle, unit
    )
    incidents.link_case(detention, case, by=by)

    witness = add_person(
        team=team,
        by=by,
        name=WITNESS,
        other_names=[WITNESS_LATIN],
        contacts=[{"kind": "phone", "value": WITNESS_PHONE}],
        birth_date="1997",
    )
    lapsed = add_person(team=team, by=by, name=LAPSED, birth_date="1995")
    cases.add_person_to_case(case, witness, by=by)
    cases.add_person_to_case(case, lapsed, by=by)
    legal = term("consent_purpose", "legal_action")
    cases.record_consent(
        witness,
        by=by,
        case=case,
        purpose=legal,
        status=Consent.Status.GIVEN,
        given_on=date(2020, 5, 1),
    )
    cases.record_consent(
        witness,
        by=by,
        case=case,
        purpose=legal,
        status=Consent.Status.REFUSED,
        given_on=date(2020, 6, 2),
    )
    cases.record_consent(
        lapsed,
        by=by,
        case=case,
        purpose=legal,
        status=Consent.Status.GIVEN,
        given_on=date(2020, 6, 2),
        expires_on=date(2021, 6, 1),
    )
    act = incidents.record_act(
        detention, by=by, act_type=term("act_type", "arbitrary_detention"), victim=witness
    )
    incidents.add_involvement(
        act,
        by=by,
        perpetrator=unit,
        degree=Involvement.Degree.DIRECT,
        affiliation="special police unit (fictional)",
    )
    incidents.update_incident(
        detention,
        by=by,
        description=f"Both men were held with {WITNESS_LATIN} for several days and beaten.",
    )
    testimony = sources.add_source(
        team=team,
        by=by,
        kind="testimony",
        title="Testimony of the two men",
        published=FuzzyDate.parse("2020-05"),
        reliability="B",
    )
    evidence = sources.attach_file(
        testimony, seal_bytes(EVIDENCE, "testimony.pdf", "application/pdf"), by=by
    )
    incidents.cite_source(
        detention,
        testimony,
        by=by,
        connection=InformationLink.Connection.VICTIM,
        reliability="B",
        credibility="2",
    )
    return SimpleNamespace(
        case=case,
        salman=salman,
        islam=islam,
        uncle=uncle,
        unit=unit,
        witness=witness,
        lapsed=lapsed,
        detention=detention,
        abduction=abduction,
        testimony=testimony,
        evidence=evidence,
        evidence_sha256=hashlib.sha256(EVIDENCE).hexdigest(),
    )


from haven.tests.conftest import world  # noqa: E402,F401 - one record of every kind
