"""The incident form pages (sent twice, a wrong act in the address) and the person page's
"Incidents" section."""

import pytest
from django.urls import reverse

from conftest import sign_in
from haven.audit.models import AuditEntry
from haven.incidents import actions
from haven.incidents.models import Chain, Incident, InformationLink, Involvement
from haven.lib.fuzzy_dates import FuzzyDate
from haven.people.actions import add_person
from haven.people.sections import sections_for
from haven.records.actions import delete_record
from haven.sources.actions import add_source
from haven.tests.helpers import once_token, post_form
from haven.vocab.models import term


def url(name, incident=None, **kwargs):
    if incident is not None:
        kwargs["uuid"] = incident.uuid
    return reverse(name, kwargs=kwargs)


def _send_twice(client, address, data):
    """Post one form page's token twice, as a double click would."""
    token = once_token(client.get(address))
    first = client.post(address, {**data, "once": token})
    second = client.post(address, {**data, "once": token})
    assert first.status_code == 302, first.content.decode()[:2000]
    assert second.status_code == 302
    return second


def test_a_new_incident_sent_twice_is_saved_once(client, personas):
    sign_in(client, personas.member)
    second = _send_twice(
        client,
        url("incidents:new"),
        {
            "team": personas.team.pk,
            "title": "Detention",
            "start": "2020-04",
            "violation_status": "alleged",
            "confidentiality": "restricted",
        },
    )
    assert Incident.objects.count() == 1
    assert second.url == url("incidents:list")


def test_parts_sent_twice_are_saved_once(client, personas, incident, person):
    later = actions.record_incident(
        team=personas.team, by=personas.member, title="Flight", start=FuzzyDate.parse("2020")
    )
    source = add_source(team=personas.team, by=personas.member, kind="media", title="A report")
    act = incident.acts.get()
    sign_in(client, personas.member)
    _send_twice(
        client,
        url("incidents:act_new", incident),
        {
            "act_type": term("act_type", "threat").pk,
            "victims": [person.pk],
            "degree": "direct",
            "victim_status": "unknown",
        },
    )
    assert incident.acts.count() == 2
    _send_twice(
        client,
        url("incidents:involvement_new", incident, act=act.uuid),
        {"perpetrator": person.pk, "degree": "ordered"},
    )
    assert act.involvements.count() == 2  # the fixture's and this one
    _send_twice(
        client, url("incidents:chain_new", incident), {"relation": "causes", "target": later.pk}
    )
    assert Chain.objects.count() == 1
    _send_twice(
        client,
        url("incidents:cite_new", incident),
        {"source": source.pk, "connection": "media", "reliability": "B", "credibility": "2"},
    )
    assert InformationLink.objects.count() == 1


def test_edit_changes_the_incident(client, personas, incident):
    sign_in(client, personas.member)
    page = client.get(url("incidents:edit", incident)).content.decode()
    assert "Detention in Grozny" in page
    response = post_form(
        client,
        url("incidents:edit", incident),
        {
            "title": "Detention and torture",
            "start": "2020-04",
            "violation_status": "corroborated",
            "confidentiality": "restricted",
        },
    )
    assert response.status_code == 302
    incident = Incident.objects.get(pk=incident.pk)
    assert (incident.title, incident.violation_status, incident.team) == (
        "Detention and torture",
        "corroborated",
        personas.team,
    )


@pytest.mark.parametrize("which", ["another incident's", "deleted"])
def test_involvement_for_a_wrong_act_is_404_and_on_the_record(
    client, personas, incident, person, which
):
    if which == "deleted":
        act = incident.acts.get()
        delete_record(act, by=personas.member)
    else:
        other = actions.record_incident(
            team=personas.team, by=personas.member, title="Other", start=FuzzyDate.parse("2021")
        )
        act = actions.record_act(
            other, by=personas.member, act_type=term("act_type", "threat"), victim=person
        )
    address = url("incidents:involvement_new", incident, act=act.uuid)
    involvements = Involvement.objects.filter(act=act).count()
    sign_in(client, personas.member)
    before = AuditEntry.objects.filter(action="access.denied").count()
    assert client.get(address).status_code == 404
    response = client.post(address, {"perpetrator": person.pk, "degree": "direct"})
    assert response.status_code == 404
    denied = AuditEntry.objects.filter(action="access.denied").order_by("seq")
    assert denied.count() == before + 2
    assert denied.last().actor == personas.member
    assert str(act.uuid) in denied.last().summary
    assert Involvement.objects.filter(act=act).count() == involvements


def test_person_section_shows_the_acts_as_victim_and_perpetrator(client, personas, incident):
    unit = Involvement.objects.get().perpetrator
    victim = incident.acts.get().victim
    gone = actions.record_incident(
        team=personas.team, by=personas.member, title="Withdrawn", start=FuzzyDate.parse("2019")
    )
    withdrawn = actions.add_involvement(
        actions.record_act(
            gone, by=personas.member, act_type=term("act_type", "killing"), victim=victim
        ),
        by=personas.member,
        perpetrator=unit,
        degree="direct",
    )
    delete_record(withdrawn, by=personas.member)
    section = dict((shown.name, context) for shown, context in sections_for(personas.member, unit))
    assert [(act.incident, role) for act, role in section["incidents"]["acts"]] == [
        (incident, "perpetrator")
    ]
    assert [event.kind for event in section["incidents"]["timeline"]["events"]] == ["perpetrator"]
    sign_in(client, personas.read_only)
    html = client.get(reverse("people:detail", kwargs={"uuid": unit.uuid})).content.decode()
    assert "<h2>Incidents</h2>" in html and 'data-testid="person-timeline"' in html
    assert incident.code in html and "as perpetrator" in html and gone.code not in html
    html = client.get(reverse("people:detail", kwargs={"uuid": victim.uuid})).content.decode()
    assert incident.code in html and gone.code in html and "as victim" in html


def test_person_section_without_acts_says_so(client, personas):
    nobody = add_person(team=personas.team, by=personas.member, name="Not involved")
    sign_in(client, personas.member)
    html = client.get(reverse("people:detail", kwargs={"uuid": nobody.uuid})).content.decode()
    assert "Not part of any documented incident." in html
    assert 'data-testid="person-timeline"' not in html
