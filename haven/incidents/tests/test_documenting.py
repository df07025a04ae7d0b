"""Documenting fast: one form for an act type against several victims by several
perpetrators, on the incident page itself, and a new incident with its first acts."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from conftest import sign_in
from haven.audit.models import AuditEntry
from haven.incidents import actions
from haven.incidents.models import Act, Incident, Involvement
from haven.lib.fuzzy_dates import FuzzyDate
from haven.people.actions import add_person
from haven.tests.helpers import assert_queries_do_not_grow, once_tokens, post_form
from haven.vocab.models import term


def detail(incident):
    return reverse("incidents:detail", kwargs={"uuid": incident.uuid})


def add_acts(incident):
    return reverse("incidents:act_new", kwargs={"uuid": incident.uuid})


@pytest.fixture
def brothers(personas, person):
    """The seed story's two men and the police unit and officer who detained them."""
    by, team = personas.member, personas.team
    second = add_person(team=team, by=by, name="Салех Магамадов")
    unit = add_person(team=team, by=by, kind="group", name="ППСП Грозного")
    officer = add_person(team=team, by=by, name="Officer K.")
    return [person, second], [unit, officer]


def counts():
    return Act.objects.count(), Involvement.objects.count()


def test_one_submission_records_an_act_per_victim_with_every_perpetrator(
    client, personas, incident, brothers
):
    victims, perpetrators = brothers
    before = AuditEntry.objects.filter(action="incidents.act.created").count()
    sign_in(client, personas.member)
    response = post_form(
        client,
        add_acts(incident),
        {
            "act_type": term("act_type", "arbitrary_detention").pk,
            "victims": [v.pk for v in victims],
            "perpetrators": [p.pk for p in perpetrators],
            "degree": "direct",
            "affiliation": "special police",
            "victim_status": "released",
        },
        token_from=detail(incident),  # the form is on the incident page
    )
    assert response.status_code == 302
    assert response.url == detail(incident) + "#acts"
    new = Act.objects.filter(act_type__code="arbitrary_detention")
    assert sorted(act.victim.pk for act in new) == sorted(v.pk for v in victims)
    for act in new:
        assert (act.incident, act.victim_status) == (incident, "released")
        assert sorted(i.perpetrator.pk for i in act.involvements.all()) == sorted(
            p.pk for p in perpetrators
        )
        assert {i.affiliation for i in act.involvements.all()} == {"special police"}
    assert AuditEntry.objects.filter(action="incidents.act.created").count() == before + 2
    page = client.get(detail(incident)).content.decode()
    assert "2 acts recorded." in page
    assert page.count('data-testid="act"') == 3  # the fixture's and the two new ones


def test_an_error_on_one_victim_saves_none_of_them(personas, incident, brothers, other_team):
    victims, perpetrators = brothers
    stranger = add_person(team=other_team, by=personas.outsider, name="Someone else")
    before = counts()
    with pytest.raises(ValidationError):
        actions.record_acts(
            incident,
            by=personas.member,
            act_type=term("act_type", "torture"),
            victims=[*victims, stranger],  # the third one fails after two were saved
            perpetrators=perpetrators,
        )
    assert counts() == before
    with pytest.raises(ValidationError):
        actions.record_acts(
            incident,
            by=personas.member,
            act_type=term("act_type", "torture"),
            victims=victims,
            perpetrators=[perpetrators[0], stranger],
        )
    assert counts() == before


def test_a_mistake_shows_the_incident_page_again_with_it_marked(
    client, personas, incident, brothers
):
    victims, _perpetrators = brothers
    sign_in(client, personas.member)
    before = counts()
    response = post_form(
        client,
        add_acts(incident),
        {"victims": [v.pk for v in victims], "degree": "direct", "victim_status": "unknown"},
        token_from=detail(incident),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Detention in Grozny" in page and 'data-testid="add-acts"' in page
    assert "This field is required." in page
    assert counts() == before


def test_only_writing_members_get_the_form_and_the_buttons(client, personas, incident):
    sign_in(client, personas.member)
    page = client.get(detail(incident)).content.decode()
    assert 'data-testid="add-acts"' in page and len(once_tokens(page)) == 1
    assert "Edit the act" in page and "Remove the act" in page
    sign_in(client, personas.read_only)
    page = client.get(detail(incident)).content.decode()
    assert 'data-testid="add-acts"' not in page and once_tokens(page) == []
    assert "Edit the act" not in page and "Remove" not in page and "Unlink" not in page


def test_read_only_member_cannot_add_acts(client, personas, incident, brothers):
    victims, _perpetrators = brothers
    sign_in(client, personas.read_only)
    before = counts()
    response = client.post(
        add_acts(incident),
        {"act_type": term("act_type", "torture").pk, "victims": [v.pk for v in victims]},
    )
    assert response.status_code == 403
    assert counts() == before


def new_incident(**extra):
    return {
        "title": "Abduction in Nizhny Novgorod",
        "start": "2021-07",
        "violation_status": "alleged",
        "confidentiality": "restricted",
        **extra,
    }


def test_a_new_incident_takes_its_first_acts_in_the_same_submission(client, personas, brothers):
    victims, perpetrators = brothers
    sign_in(client, personas.member)
    response = post_form(
        client,
        reverse("incidents:new"),
        new_incident(
            team=personas.team.pk,
            act_type=term("act_type", "enforced_disappearance").pk,
            victims=[v.pk for v in victims],
            perpetrators=[perpetrators[0].pk],
            degree="ordered",
        ),
    )
    assert response.status_code == 302
    incident = Incident.objects.get()
    assert response.url == detail(incident)
    acts = list(incident.acts.all())
    assert sorted(act.victim.pk for act in acts) == sorted(v.pk for v in victims)
    assert {act.act_type.code for act in acts} == {"enforced_disappearance"}
    assert [(i.perpetrator, i.degree) for i in Involvement.objects.filter(act__in=acts)] == [
        (perpetrators[0], "ordered")
    ] * 2


def test_a_new_incident_without_acts_is_still_one_submission(client, personas):
    sign_in(client, personas.member)
    response = post_form(client, reverse("incidents:new"), new_incident(team=personas.team.pk))
    assert response.status_code == 302
    assert Incident.objects.get().acts.count() == 0


@pytest.mark.parametrize("which", ["type without victims", "victims without a type"])
def test_a_half_given_first_act_saves_nothing(client, personas, brothers, which):
    victims, _perpetrators = brothers
    act = (
        {"act_type": term("act_type", "enforced_disappearance").pk}
        if which == "type without victims"
        else {"victims": [v.pk for v in victims]}
    )
    sign_in(client, personas.member)
    response = post_form(
        client, reverse("incidents:new"), new_incident(team=personas.team.pk, **act)
    )
    assert response.status_code == 400
    assert "Abduction in Nizhny Novgorod" in response.content.decode()  # what was typed stays
    assert not Incident.objects.exists() and counts() == (0, 0)


def test_the_first_acts_take_only_the_chosen_teams_people(client, personas, brothers, other_team):
    """A member of two teams sees both teams' people; the acts stay within one team."""
    from haven.accounts.models import Membership

    Membership.objects.create(team=other_team, user=personas.member, access="member")
    stranger = add_person(team=other_team, by=personas.outsider, name="Someone else")
    sign_in(client, personas.member)
    response = post_form(
        client,
        reverse("incidents:new"),
        new_incident(
            team=personas.team.pk,
            act_type=term("act_type", "enforced_disappearance").pk,
            victims=[brothers[0][0].pk, stranger.pk],
        ),
    )
    assert response.status_code == 400
    assert "Choose people of the incident&#x27;s team." in response.content.decode()
    assert not Incident.objects.exists() and counts() == (0, 0)


def test_the_incident_page_does_not_grow_queries_with_its_acts(
    client, personas, incident, brothers
):
    victims, perpetrators = brothers
    sign_in(client, personas.member)

    def add_rows(n):
        for _ in range(n // 2):
            actions.record_acts(
                incident,
                by=personas.member,
                act_type=term("act_type", "threat"),
                victims=victims,
                perpetrators=perpetrators,
            )

    assert_queries_do_not_grow(client, detail(incident), add_rows)


def test_an_incident_whose_first_act_fails_is_not_saved(personas, brothers, other_team):
    victims, _perpetrators = brothers
    stranger = add_person(team=other_team, by=personas.outsider, name="Someone else")
    incidents = Incident.objects.count()
    with pytest.raises(ValidationError):
        actions.record_incident_with_acts(
            team=personas.team,
            by=personas.member,
            title="Abduction",
            start=FuzzyDate.parse("2021-07"),
            act_type=term("act_type", "enforced_disappearance"),
            victims=[*victims, stranger],
        )
    assert Incident.objects.count() == incidents
    assert counts() == (0, 0)
