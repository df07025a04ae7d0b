"""Incidents: access by persona, the seed story's structure, filters, statistics, bad input."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from conftest import sign_in
from haven.incidents import actions
from haven.incidents.models import Act, Chain, Incident, Involvement
from haven.lib.fuzzy_dates import FuzzyDate
from haven.locations.models import Location, within
from haven.records.actions import delete_record
from haven.sources.actions import add_source
from haven.tests.access import check_access
from haven.tests.helpers import (
    CREATORS,
    EVERYONE,
    READERS,
    WRITERS,
    assert_queries_do_not_grow,
    post_form,
)
from haven.vocab.models import term


def place(name):
    return Location.objects.get(name_en=name)


def url(name, obj=None, **kwargs):
    if obj is not None:
        kwargs["uuid"] = obj.uuid
    return reverse(name, kwargs=kwargs)


def test_pages_by_persona(personas, incident):
    act = incident.acts.get()
    check_access(personas, "incidents:detail", url("incidents:detail", incident), READERS)
    for name in (
        "incidents:edit",
        "incidents:act_new",
        "incidents:chain_new",
        "incidents:cite_new",
        "incidents:link_case",
    ):
        check_access(personas, name, url(name, incident), WRITERS)
    check_access(
        personas,
        "incidents:involvement_new",
        url("incidents:involvement_new", incident, act=act.uuid),
        WRITERS,
    )
    check_access(personas, "incidents:list", url("incidents:list"), EVERYONE)
    check_access(personas, "incidents:statistics", url("incidents:statistics"), EVERYONE)
    check_access(personas, "incidents:new", url("incidents:new"), CREATORS)


def test_source_pages_by_persona(personas):
    source = add_source(team=personas.team, by=personas.member, kind="media", title="A report")
    check_access(personas, "sources:detail", url("sources:detail", source), READERS)
    check_access(personas, "sources:list", url("sources:list"), EVERYONE)
    check_access(personas, "sources:new", url("sources:new"), CREATORS)


def test_incident_page_shows_acts_perpetrators_and_grounds(client, personas, incident):
    sign_in(client, personas.read_only)
    html = client.get(url("incidents:detail", incident)).content.decode()
    for text in (
        "Torture",
        "Police unit",
        "special police",
        "an opposition Telegram channel",
        "sexual orientation",
        "April 2020",
    ):
        assert text in html


def test_text_is_encrypted_but_dates_filter(personas, incident):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT title, documented_motive FROM incidents_incident")
        title, motive = cursor.fetchone()
    assert b"Grozny" not in bytes(title) and b"orientation" not in bytes(motive)


def test_end_before_start_is_refused(client, personas):
    sign_in(client, personas.member)
    response = post_form(
        client,
        url("incidents:new"),
        {
            "team": personas.team.pk,
            "title": "x",
            "start": "2021-03",
            "end": "2020",
            "violation_status": "alleged",
            "confidentiality": "restricted",
        },
    )
    assert response.status_code == 400
    assert "The end is before the start" in response.content.decode()
    assert not Incident.objects.exists()
    with pytest.raises(ValidationError):
        actions.record_incident(
            team=personas.team,
            by=personas.member,
            title="x",
            start=FuzzyDate.parse("2021"),
            end=FuzzyDate.parse("2020"),
        )
    assert not Incident.objects.exists()


def test_vague_date_typo_is_explained(client, personas):
    sign_in(client, personas.member)
    response = client.post(
        url("incidents:new"),
        {
            "team": personas.team.pk,
            "title": "x",
            "start": "last summer",
            "violation_status": "alleged",
            "confidentiality": "restricted",
        },
    )
    assert response.status_code == 400
    assert "summer 2020" in response.content.decode()


def test_act_without_victim_is_refused(client, personas, incident):
    sign_in(client, personas.member)
    response = client.post(
        url("incidents:act_new", incident),
        {
            "act_type": term("act_type", "threat").pk,
            "victim_status": "unknown",
        },
    )
    assert response.status_code == 400
    assert incident.acts.count() == 1
    with pytest.raises(ValidationError, match="victim"):
        actions.record_act(
            incident, by=personas.member, act_type=term("act_type", "threat"), victim=None
        )
    assert incident.acts.count() == 1


def test_unknown_act_type_is_refused(client, personas, incident, person):
    sign_in(client, personas.member)
    wrong = term("threat_type", "abduction")
    response = client.post(
        url("incidents:act_new", incident),
        {
            "act_type": wrong.pk,
            "victim": person.pk,
            "victim_status": "unknown",
        },
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    with pytest.raises(ValidationError):
        actions.record_act(incident, by=personas.member, act_type=wrong, victim=person)
    assert incident.acts.count() == 1


def test_chain_that_loops_is_refused(personas, incident):
    later = [
        actions.record_incident(
            team=personas.team,
            by=personas.member,
            title=f"Step {n}",
            start=FuzzyDate.parse(f"202{n}"),
        )
        for n in (1, 2)
    ]
    actions.chain(incident, later[0], by=personas.member, relation="causes")
    actions.chain(later[0], later[1], by=personas.member, relation="precedes")
    with pytest.raises(ValidationError, match="loop"):
        actions.chain(later[1], incident, by=personas.member, relation="precedes")
    with pytest.raises(ValidationError, match="itself"):
        actions.chain(incident, incident, by=personas.member, relation="precedes")
    assert Chain.objects.count() == 2


def test_chain_page_shows_the_whole_story(client, personas, incident):
    flight = actions.record_incident(
        team=personas.team, by=personas.member, title="Flight", start=FuzzyDate.parse("summer 2020")
    )
    abduction = actions.record_incident(
        team=personas.team,
        by=personas.member,
        title="Abduction",
        start=FuzzyDate.parse("2021-02-04"),
    )
    actions.chain(incident, flight, by=personas.member, relation="causes")
    actions.chain(flight, abduction, by=personas.member, relation="precedes")
    sign_in(client, personas.member)
    html = client.get(url("incidents:detail", abduction)).content.decode()
    chain = html.split('data-testid="chain"')[1].split("</ol>")[0]
    assert chain.index("Detention in Grozny") < chain.index("Flight") < chain.index("Abduction")


def test_region_filter_includes_subregions(client, personas, incident):
    sign_in(client, personas.member)
    chechnya = place("Chechen Republic")
    assert place("Grozny") in within(chechnya)
    html = client.get(url("incidents:list"), {"region": chechnya.pk}).content.decode()
    assert "Detention in Grozny" in html
    html = client.get(url("incidents:list"), {"region": place("Republic of Dagestan").pk})
    assert "Detention in Grozny" not in html.content.decode()


def test_region_filter_ignores_deleted_acts(client, personas, incident, person):
    dagestan = place("Republic of Dagestan")
    act = actions.record_act(
        incident,
        by=personas.member,
        act_type=term("act_type", "threat"),
        victim=person,
        location=dagestan,
    )
    sign_in(client, personas.member)
    html = client.get(url("incidents:list"), {"region": dagestan.pk}).content.decode()
    assert "Detention in Grozny" in html
    delete_record(act, by=personas.member)
    html = client.get(url("incidents:list"), {"region": dagestan.pk}).content.decode()
    assert "Detention in Grozny" not in html


def test_date_filter_marks_vague_dates_possible(client, personas, incident):
    sign_in(client, personas.member)
    html = client.get(
        url("incidents:list"), {"since": "2020-04-15", "until": "2020-05-01"}
    ).content.decode()
    assert "Detention in Grozny" in html and ">possible<" in html
    html = client.get(
        url("incidents:list"), {"since": "2020-04-01", "until": "2020-04-30"}
    ).content.decode()
    assert "Detention in Grozny" in html and ">possible<" not in html
    html = client.get(url("incidents:list"), {"since": "2020-05-02"}).content.decode()
    assert "Detention in Grozny" not in html


def test_a_date_filter_outside_the_years_kept_says_so(client, personas, incident):
    sign_in(client, personas.member)
    html = client.get(url("incidents:list"), {"since": "0001-01-01"}).content.decode()
    assert "Give a year between 1000 and 2200." in html


def test_perpetrator_type_and_gender_filters(client, personas, incident, person):
    unit = Involvement.objects.get().perpetrator
    sign_in(client, personas.member)
    assert (
        "Detention"
        in client.get(url("incidents:list"), {"perpetrator": unit.code}).content.decode()
    )
    assert (
        "Detention"
        in client.get(
            url("incidents:list"), {"act_type": term("act_type", "torture").pk}
        ).content.decode()
    )
    assert (
        "Detention"
        not in client.get(
            url("incidents:list"), {"act_type": term("act_type", "killing").pk}
        ).content.decode()
    )
    assert (
        "Detention"
        not in client.get(url("incidents:list"), {"victim_gender": "female"}).content.decode()
    )


def test_statistics_count_only_what_the_viewer_may_see(client, personas, incident):
    sign_in(client, personas.member)
    html = client.get(url("incidents:statistics")).content.decode()
    assert 'data-testid="acts-per-month"' in html and "Chechen Republic" in html
    assert "1 act that you may see is counted" in html
    sign_in(client, personas.outsider)
    html = client.get(url("incidents:statistics")).content.decode()
    assert "0 acts that you may see are counted" in html
    assert "Chechen Republic" not in html


def test_person_page_has_an_incident_timeline(client, personas, incident, person):
    sign_in(client, personas.member)
    html = client.get(reverse("people:detail", kwargs={"uuid": person.uuid})).content.decode()
    assert 'data-testid="person-timeline"' in html and incident.code in html


def test_link_case_and_intervention(client, personas, incident):
    from haven.cases import actions as cases

    case = cases.open_case(team=personas.team, by=personas.member, title="Case")
    petition = cases.plan_action(
        case,
        by=personas.member,
        kind=term("action_type", "petition"),
        title="Protection",
        authority=term("authority", "ic_chechnya"),
        petition_type=term("petition_type", "state_protection"),
    )
    sign_in(client, personas.member)
    assert client.post(url("incidents:link_case", incident), {}).status_code == 400
    client.post(url("incidents:link_case", incident), {"action": petition.pk})
    assert list(incident.interventions.all()) == [petition]
    assert list(incident.cases.all()) == [case]


def test_gazetteer_has_every_federal_subject(db):
    regions = Location.objects.filter(kind="region")
    assert regions.count() == 83
    assert place("Grozny").full_name == (
        "Russia › North Caucasian Federal District › Chechen Republic › Grozny"
    )
    assert place("Grozny").name_ru == "Грозный"


def test_demo_incidents_follow_the_story(db, personas):
    from haven.cases.demo import load_demo

    load_demo(personas.administrator, extra_cases=1, extra_incidents=5)
    titles = {i.title for i in Incident.objects.all()}
    assert "Abduction of both men in Nizhny Novgorod" in titles
    assert Chain.objects.count() == 4
    assert Act.objects.filter(act_type__code="threat_killing_relatives").count() >= 2


def test_list_does_not_grow_queries(client, personas, person):
    made = [0]

    def add_rows(count):
        for _ in range(count):
            made[0] += 1
            incident = actions.record_incident(
                team=personas.team,
                by=personas.member,
                title=f"I{made[0]}",
                start=FuzzyDate.of_day(date(2020, 1, made[0])),
                location=place("Grozny"),
            )
            actions.record_act(
                incident, by=personas.member, act_type=term("act_type", "threat"), victim=person
            )

    add_rows(1)
    sign_in(client, personas.member)
    assert_queries_do_not_grow(client, url("incidents:list"), add_rows)


def test_list_names_each_act_type_once_with_a_count(client, personas, person):
    from haven.people.actions import add_person

    brother = add_person(team=personas.team, by=personas.member, name="Салман Тагиров")
    incident = actions.record_incident(
        team=personas.team,
        by=personas.member,
        title="Detention of both men",
        start=FuzzyDate.of_day(date(2020, 4, 12)),
        location=place("Grozny"),
    )
    for victim in (person, brother):
        actions.record_act(
            incident,
            by=personas.member,
            act_type=term("act_type", "arbitrary_detention"),
            victim=victim,
        )
    actions.record_act(
        incident, by=personas.member, act_type=term("act_type", "threat"), victim=person
    )
    sign_in(client, personas.member)
    html = client.get(url("incidents:list")).content.decode()
    assert "Arbitrary detention ×2, Threat" in html
    assert "Arbitrary detention, Arbitrary detention" not in html


def test_the_victims_gender_filter_sends_as_many_parameters_for_many_incidents(
    personas, incident, person
):
    """The gender is encrypted, so the matching incidents are found in Python; their ids
    go to the database as one list, not one parameter each (a team's tens of thousands
    would pass what one statement takes)."""
    from haven.incidents.forms import incident_listing
    from haven.people.actions import add_person
    from haven.records.actions import save_record

    def filtered():
        listing = incident_listing(personas.member, {"victim_gender": "male"})
        queryset = listing.rows
        _sql, params = queryset.query.sql_with_params()
        return [i.title for i in queryset], len(params)

    person.gender = "male"
    save_record(person, by=personas.member)
    titles, one = filtered()
    assert titles == ["Detention in Grozny"]
    for number in range(4):
        other = actions.record_incident(
            team=personas.team,
            by=personas.member,
            title=f"Arrest number {number}",
            start=FuzzyDate.parse("2021"),
        )
        victim = add_person(team=personas.team, by=personas.member, name=f"Victim {number}")
        victim.gender = "male"
        save_record(victim, by=personas.member)
        actions.record_act(
            other, by=personas.member, act_type=term("act_type", "torture"), victim=victim
        )
    titles, five = filtered()
    assert len(titles) == 5
    assert five == one
