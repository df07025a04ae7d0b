from __future__ import annotations

from types import SimpleNamespace

import pytest

from haven.accounts.models import Membership, Role
from haven.accounts.tests.factories import UserFactory

NAME = "Зелимхан Канарейкин"
PHONE = "+7 928 555-01-99"
NOTE = "Hid at the Soloveykin flat"
EVIDENCE = b"%PDF-1.4\n" + b"Canary testimony of Kanareykin " * 40


@pytest.fixture(autouse=True)
def erasure_journal(settings, tmp_path):
    settings.HAVEN_ERASURE_JOURNAL = str(tmp_path / "erasures.jsonl")
    return tmp_path / "erasures.jsonl"


@pytest.fixture
def coordinator(personas):
    user = UserFactory(email="coordinator@example.org", role=Role.COORDINATOR)
    Membership.objects.create(team=personas.team, user=user, access=Membership.Access.MEMBER)
    from conftest import add_totp

    add_totp(user)
    return user


@pytest.fixture
def canary(personas, django_capture_on_commit_callbacks):
    """A person with a history, a relationship, a request, a case, an act of which they
    are the victim, and a source (with an evidence file) about that act only."""
    from haven.cases import actions as cases
    from haven.incidents import actions as incidents
    from haven.lib.fuzzy_dates import FuzzyDate
    from haven.people.actions import add_person, relate, update_person
    from haven.sources import actions as sources
    from haven.sources.vault import seal_bytes
    from haven.vocab.models import term

    by, team = personas.member, personas.team
    with django_capture_on_commit_callbacks(execute=True):
        person = add_person(
            team=team, by=by, name=NAME, contacts=[{"kind": "phone", "value": PHONE}]
        )
        update_person(person, by=by, notes=NOTE)
        other = add_person(team=team, by=by, name="Муслим Другой")
        relationship = relate(person, other, kind=term("relationship", "relative"), by=by)
        case = cases.open_case(team=team, by=by, title="Protection of K.", persons=[person, other])
        request = cases.record_request(
            team=team,
            by=by,
            channel=term("channel", "hotline"),
            summary=f"{NAME} called from {PHONE}",
            requester=person,
        )
        incident = incidents.record_incident(
            team=team, by=by, title="Detention", start=FuzzyDate.parse("2020-04")
        )
        act = incidents.record_act(
            incident, by=by, act_type=term("act_type", "arbitrary_detention"), victim=person
        )
        source = sources.add_source(
            team=team, by=by, kind="testimony", title=f"Testimony of {NAME}"
        )
        incidents.cite_source(
            incident, source, by=by, connection="victim", reliability="B", credibility="2"
        )
        evidence = sources.attach_file(source, seal_bytes(EVIDENCE, "k.pdf"), by=by)
    return SimpleNamespace(
        person=person,
        other=other,
        relationship=relationship,
        case=case,
        request=request,
        incident=incident,
        act=act,
        source=source,
        evidence=evidence,
    )
