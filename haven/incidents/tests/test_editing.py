"""Editing and removing an incident's parts: acts, involvements, chains, citations and
links to cases. Removal asks first, is soft, keeps the history and is audited; read-only
members get 403 and outsiders 404, and neither changes anything."""

from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse

from conftest import sign_in
from haven.audit.models import AuditEntry
from haven.cases import actions as cases
from haven.incidents import actions
from haven.incidents.models import Act, Chain, Incident, InformationLink, Involvement
from haven.lib.fuzzy_dates import FuzzyDate
from haven.records.actions import delete_record
from haven.records.models import RecordVersion
from haven.sources.actions import add_source
from haven.tests.helpers import form_version, once_token, post_form
from haven.vocab.models import term


@pytest.fixture
def parts(personas, incident):
    """The incident with one of each part: an act with an involvement, a chain to a later
    incident, a citation, a case and a petition of it."""
    by, team = personas.member, personas.team
    act = incident.acts.get()
    later = actions.record_incident(
        team=team, by=by, title="Abduction", start=FuzzyDate.parse("2021-07")
    )
    case = cases.open_case(team=team, by=by, title="Protection of the brothers")
    petition = cases.plan_action(
        case,
        by=by,
        kind=term("action_type", "petition"),
        title="State protection",
        authority=term("authority", "ic_chechnya"),
        petition_type=term("petition_type", "state_protection"),
    )
    actions.link_intervention(incident, petition, by=by)
    source = add_source(team=team, by=by, kind="media", title="Novaya Gazeta report")
    return SimpleNamespace(
        incident=incident,
        act=act,
        involvement=act.involvements.get(),
        later=later,
        chain=actions.chain(incident, later, by=by, relation="precedes"),
        citation=actions.cite_source(
            incident, source, by=by, connection="media", reliability="B", credibility="3"
        ),
        case=case,
        petition=petition,
        source=source,
    )


def url(name, parts, **kwargs):
    return reverse(name, kwargs={"uuid": parts.incident.uuid, **kwargs})


def detail(parts):
    return reverse("incidents:detail", kwargs={"uuid": parts.incident.uuid})


def fresh(record):
    return type(record)._base_manager.get(pk=record.pk)


def versions(record):
    return list(
        RecordVersion.objects.filter(object_uuid=record.uuid)
        .order_by("number")
        .values_list("change", flat=True)
    )


def audited(action, record):
    return AuditEntry.objects.filter(action=action, object_id=str(record.uuid)).count()


# -- editing -------------------------------------------------------------------------


def test_an_act_is_edited(client, personas, parts):
    sign_in(client, personas.member)
    address = url("incidents:act_edit", parts, act=parts.act.uuid)
    assert "Torture" in client.get(address).content.decode()
    response = post_form(
        client,
        address,
        {
            "act_type": term("act_type", "ill_treatment").pk,
            "victim": parts.act.victim.pk,
            "start": "2020-04-12",
            "victim_status": "released",
            "consequences": "Broken ribs",
        },
    )
    assert response.status_code == 302 and response.url == detail(parts)
    act = fresh(parts.act)
    assert (act.act_type.code, act.victim_status, act.consequences) == (
        "ill_treatment",
        "released",
        "Broken ribs",
    )
    assert str(act.start) == str(FuzzyDate.parse("2020-04-12"))
    assert versions(act) == ["created", "updated"]
    assert audited("incidents.act.updated", act) == 1


def test_an_edit_after_someone_else_saved_is_refused(client, personas, parts):
    sign_in(client, personas.member)
    address = url("incidents:act_edit", parts, act=parts.act.uuid)
    page = client.get(address)
    actions.update_act(fresh(parts.act), by=personas.member, consequences="Theirs")
    response = client.post(
        address,
        {
            "act_type": parts.act.act_type.pk,
            "victim": parts.act.victim.pk,
            "victim_status": "unknown",
            "consequences": "Mine",
            "once": once_token(page),
            **form_version(page),
        },
    )
    assert response.status_code == 409
    assert fresh(parts.act).consequences == "Theirs"


def test_an_involvement_is_edited(client, personas, parts):
    sign_in(client, personas.member)
    address = url(
        "incidents:involvement_edit",
        parts,
        act=parts.act.uuid,
        involvement=parts.involvement.uuid,
    )
    response = post_form(
        client,
        address,
        {
            "perpetrator": parts.involvement.perpetrator.pk,
            "degree": "ordered",
            "affiliation": "Kadyrov's guard",
        },
    )
    assert response.status_code == 302
    involvement = fresh(parts.involvement)
    assert (involvement.degree, involvement.affiliation) == ("ordered", "Kadyrov's guard")
    assert audited("incidents.involvement.updated", involvement) == 1


def test_a_chain_is_edited_and_a_loop_refused(client, personas, parts):
    sign_in(client, personas.member)
    address = url("incidents:chain_edit", parts, chain=parts.chain.uuid)
    response = post_form(
        client, address, {"relation": "causes", "target": parts.later.pk, "note": "Fled after"}
    )
    assert response.status_code == 302
    chain = fresh(parts.chain)
    assert (chain.relation, chain.note) == ("causes", "Fled after")
    # A third incident that the later one leads to cannot be made to lead back.
    third = actions.record_incident(
        team=personas.team, by=personas.member, title="Return", start=FuzzyDate.parse("2021-08")
    )
    back = actions.chain(parts.later, third, by=personas.member, relation="precedes")
    address = reverse("incidents:chain_edit", kwargs={"uuid": third.uuid, "chain": back.uuid})
    response = post_form(client, address, {"relation": "precedes", "target": parts.incident.pk})
    assert response.status_code == 400
    assert "loop" in response.content.decode()
    assert fresh(back).target == third


def test_a_citation_is_edited(client, personas, parts):
    sign_in(client, personas.member)
    address = url("incidents:cite_edit", parts, link=parts.citation.uuid)
    page = client.get(address).content.decode()
    assert 'name="source"' not in page  # citing another source is a new citation
    response = post_form(
        client,
        address,
        {"connection": "media", "reliability": "A", "credibility": "1", "note": "Confirmed"},
    )
    assert response.status_code == 302
    citation = fresh(parts.citation)
    assert (citation.reliability, citation.credibility, citation.note) == ("A", "1", "Confirmed")
    assert citation.source == parts.source
    assert audited("incidents.informationlink.updated", citation) == 1


# -- removing ------------------------------------------------------------------------


def _remove(client, address):
    """Open the confirmation page (nothing happens yet), then confirm."""
    page = client.get(address)
    assert page.status_code == 200
    return page, post_form(client, address, {})


def test_removing_an_act_asks_first_and_takes_its_involvements_along(client, personas, parts):
    sign_in(client, personas.member)
    address = url("incidents:act_delete", parts, act=parts.act.uuid)
    page = client.get(address)
    assert "Remove the act: Torture against" in page.content.decode()
    assert fresh(parts.act).deleted_at is None  # asking removed nothing
    _page, response = _remove(client, address)
    assert response.status_code == 302 and response.url == detail(parts)
    act, involvement = fresh(parts.act), fresh(parts.involvement)
    assert act.deleted_at is not None and involvement.deleted_at is not None
    assert versions(act) == ["created", "deleted"]
    assert versions(involvement) == ["created", "deleted"]
    assert audited("incidents.act.deleted", act) == 1
    assert audited("incidents.involvement.deleted", involvement) == 1
    html = client.get(detail(parts)).content.decode()
    assert "No acts recorded yet." in html and "Removed; the history is kept." in html
    # The act's page parts are gone for everyone, as unknown ones are.
    assert client.get(address).status_code == 404


def test_removing_an_involvement(client, personas, parts):
    sign_in(client, personas.member)
    _page, response = _remove(
        client,
        url(
            "incidents:involvement_delete",
            parts,
            act=parts.act.uuid,
            involvement=parts.involvement.uuid,
        ),
    )
    assert response.status_code == 302
    assert fresh(parts.involvement).deleted_at is not None
    assert fresh(parts.act).deleted_at is None
    assert audited("incidents.involvement.deleted", parts.involvement) == 1
    assert "No perpetrator recorded." in client.get(detail(parts)).content.decode()


def test_removing_a_chain_from_either_incident(client, personas, parts):
    sign_in(client, personas.member)
    html = client.get(reverse("incidents:detail", kwargs={"uuid": parts.later.uuid}))
    address = reverse(
        "incidents:chain_delete", kwargs={"uuid": parts.later.uuid, "chain": parts.chain.uuid}
    )
    assert address in html.content.decode()  # the later incident offers it too
    _page, response = _remove(client, address)
    assert response.status_code == 302
    assert fresh(parts.chain).deleted_at is not None
    assert versions(parts.chain) == ["created", "deleted"]
    assert audited("incidents.chain.deleted", parts.chain) == 1
    assert "Not linked to other incidents." in client.get(detail(parts)).content.decode()


def test_a_chain_of_other_incidents_is_404_here(client, personas, parts):
    third = actions.record_incident(
        team=personas.team, by=personas.member, title="Return", start=FuzzyDate.parse("2021-08")
    )
    elsewhere = actions.chain(parts.later, third, by=personas.member, relation="precedes")
    sign_in(client, personas.member)
    address = url("incidents:chain_delete", parts, chain=elsewhere.uuid)
    assert client.get(address).status_code == 404
    assert client.post(address).status_code == 404
    assert fresh(elsewhere).deleted_at is None
    assert str(elsewhere.uuid) in AuditEntry.objects.filter(action="access.denied").last().summary


def test_removing_a_citation(client, personas, parts):
    sign_in(client, personas.member)
    _page, response = _remove(client, url("incidents:cite_delete", parts, link=parts.citation.uuid))
    assert response.status_code == 302
    assert fresh(parts.citation).deleted_at is not None
    assert fresh(parts.source).deleted_at is None
    assert audited("incidents.informationlink.deleted", parts.citation) == 1
    assert "No source cited." in client.get(detail(parts)).content.decode()


def test_unlinking_a_case_and_an_intervention(client, personas, parts):
    sign_in(client, personas.member)
    html = client.get(detail(parts)).content.decode()
    assert parts.case.code in html and "State protection" in html  # the page lists its cases
    _page, response = _remove(
        client, url("incidents:intervention_unlink", parts, action=parts.petition.uuid)
    )
    assert response.status_code == 302
    incident = fresh(parts.incident)
    assert not incident.interventions.exists() and incident.cases.get() == parts.case
    _page, response = _remove(client, url("incidents:case_unlink", parts, case=parts.case.uuid))
    assert response.status_code == 302
    assert not incident.cases.exists()
    assert fresh(parts.case).deleted_at is None
    entries = AuditEntry.objects.filter(object_id=str(incident.uuid)).order_by("seq")
    assert [e.summary for e in entries.filter(action="incidents.incident.case_unlinked")] == [
        f"case {parts.case.code}"
    ]
    assert entries.filter(action="incidents.incident.intervention_unlinked").count() == 1
    assert "Not linked to a case." in client.get(detail(parts)).content.decode()
    assert parts.incident not in parts.case.incidents.all()


# -- who may ---------------------------------------------------------------------------


def _every_part_route(parts):
    act, inv = parts.act.uuid, parts.involvement.uuid
    return [
        url("incidents:act_edit", parts, act=act),
        url("incidents:act_delete", parts, act=act),
        url("incidents:involvement_edit", parts, act=act, involvement=inv),
        url("incidents:involvement_delete", parts, act=act, involvement=inv),
        url("incidents:chain_edit", parts, chain=parts.chain.uuid),
        url("incidents:chain_delete", parts, chain=parts.chain.uuid),
        url("incidents:cite_edit", parts, link=parts.citation.uuid),
        url("incidents:cite_delete", parts, link=parts.citation.uuid),
        url("incidents:case_unlink", parts, case=parts.case.uuid),
        url("incidents:intervention_unlink", parts, action=parts.petition.uuid),
    ]


def _state(parts):
    incident = fresh(parts.incident)
    return (
        list(Act.objects.live().values_list("pk", "act_type", "consequences")),
        list(Involvement.objects.live().values_list("pk", "degree")),
        list(Chain.objects.live().values_list("pk", "relation")),
        list(InformationLink.objects.live().values_list("pk", "reliability")),
        list(incident.cases.values_list("pk", flat=True)),
        list(incident.interventions.values_list("pk", flat=True)),
        RecordVersion.objects.count(),
    )


@pytest.mark.parametrize("persona,status", [("read_only", 403), ("outsider", 404)])
def test_others_cannot_edit_or_remove_and_change_nothing(personas, parts, persona, status):
    client = Client()
    sign_in(client, getattr(personas, persona))
    before = _state(parts)
    full_edit = {
        "act_type": term("act_type", "threat").pk,
        "victim": parts.act.victim.pk,
        "perpetrator": parts.involvement.perpetrator.pk,
        "degree": "ordered",
        "relation": "causes",
        "target": parts.later.pk,
        "connection": "ngo",
        "reliability": "F",
        "credibility": "6",
        "victim_status": "dead",
    }
    for address in _every_part_route(parts):
        assert client.get(address).status_code == status, address
        assert client.post(address, full_edit).status_code == status, address
    assert _state(parts) == before
    assert Incident.objects.live().count() == 2


def test_the_incident_page_lists_its_live_cases_to_its_readers(client, personas, parts):
    other = cases.open_case(team=personas.team, by=personas.member, title="Relocation")
    actions.link_case(parts.incident, other, by=personas.member)
    delete_record(other, by=personas.member)
    sign_in(client, personas.read_only)
    html = client.get(detail(parts)).content.decode()
    assert reverse("cases:detail", kwargs={"uuid": parts.case.uuid}) in html
    assert parts.case.code in html and other.code not in html
