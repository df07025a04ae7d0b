"""A person's vague dates (whereabouts, birth date), correcting and removing moves and
relationships, and the sections the person page gathers (sources, relationships)."""

import pytest
from django.urls import reverse

from conftest import sign_in
from haven.audit.models import AuditEntry
from haven.lib.fuzzy_dates import FuzzyDate
from haven.lib.partial_dates import PartialDate
from haven.people.actions import add_person, record_move, relate
from haven.people.models import Person, Relationship
from haven.records.models import RecordVersion
from haven.tests.helpers import post_form
from haven.vocab.models import term


def _page(client, person, language="en") -> str:
    client.cookies["haven-language"] = language
    return client.get(reverse("people:detail", kwargs={"uuid": person.uuid})).content.decode()


def _fresh(person) -> Person:
    return Person.objects.get(pk=person.pk)


# --- vague dates -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed,stored",
    [
        ("summer 2021", "summer 2021"),
        ("летом 2021", "summer 2021"),
        ("апреля 2020", "2020-04"),
        ("31.07.2021", "2021-07-31"),
        ("early 2021", "2021-01/2021-04"),
        ("~2020", "~2020"),
    ],
)
def test_a_move_takes_any_vague_date_incidents_take(client, personas, person, typed, stored):
    sign_in(client, personas.member)
    response = post_form(
        client,
        reverse("people:move", kwargs={"uuid": person.uuid}),
        {"place": "Нижний Новгород", "since": typed},
        token_from=reverse("people:detail", kwargs={"uuid": person.uuid}),
    )
    assert response.status_code == 302
    assert _fresh(person).whereabouts[-1]["since"] == stored


def test_moves_read_naturally_in_both_languages(client, personas, person):
    record_move(person, by=personas.member, place="Грозный", since="2020-06")  # as stored before
    record_move(person, by=personas.member, place="Нижний Новгород", since="летом 2021")
    sign_in(client, personas.member)
    english = _page(client, person)
    assert "since June 2020" in english and "since summer 2021" in english
    russian = _page(client, person, "ru")
    assert "с июня 2020" in russian and "с лета 2021" in russian


def test_an_unreadable_move_date_says_what_works_and_keeps_the_form(client, personas, person):
    sign_in(client, personas.member)
    client.cookies["haven-language"] = "ru"
    response = post_form(
        client,
        reverse("people:move", kwargs={"uuid": person.uuid}),
        {"place": "Нижний Новгород", "since": "прошлым летом", "note": "у тёти"},
        token_from=reverse("people:detail", kwargs={"uuid": person.uuid}),
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "летом 2020" in html and "около 2020" in html
    assert 'value="Нижний Новгород"' in html and 'value="у тёти"' in html
    assert _fresh(person).whereabouts == []


@pytest.mark.parametrize(
    "typed,stored,english",
    [
        ("1996", PartialDate(1996), "1996"),
        ("May 1996", PartialDate(1996, 5), "May 1996"),
        ("мая 1996", PartialDate(1996, 5), "May 1996"),
        ("~1996", PartialDate(1996, estimated=True), "about 1996"),
        ("около 1996", PartialDate(1996, estimated=True), "about 1996"),
        ("17.05.1996", PartialDate(1996, 5, 17), "May 17, 1996"),
    ],
)
def test_birth_dates_may_be_vague(client, personas, person, typed, stored, english):
    sign_in(client, personas.member)
    response = post_form(
        client,
        reverse("people:edit", kwargs={"uuid": person.uuid}),
        {"name": person.name, "kind": "individual", "birth_date": typed},
    )
    assert response.status_code == 302
    assert _fresh(person).birth_date == stored
    assert english in _page(client, person)


def test_a_birth_date_that_is_not_a_day_month_or_year_is_refused(client, personas, person):
    sign_in(client, personas.member)
    response = post_form(
        client,
        reverse("people:edit", kwargs={"uuid": person.uuid}),
        {"name": "Ибрагим С.", "kind": "individual", "birth_date": "summer 1996"},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Enter a year (1996), a month (May 1996)" in html
    assert 'value="Ибрагим С."' in html
    assert _fresh(person).birth_date is None


def test_birth_dates_stored_before_estimates_read_unchanged(personas):
    person = add_person(team=personas.team, by=personas.member, name="A", birth_date="1998-05")
    assert _fresh(person).birth_date == PartialDate(1998, 5)
    person = add_person(
        team=personas.team,
        by=personas.member,
        name="B",
        birth_date=PartialDate(1996, None, None, True),
    )
    assert _fresh(person).birth_date == PartialDate.parse("~1996")
    assert str(_fresh(person).birth_date) == "~1996"


def test_the_edit_form_shows_the_birth_date_in_words_and_saves_it_unchanged(
    client, personas, person
):
    from haven.people.actions import update_person

    update_person(person, by=personas.member, birth_date=PartialDate(1996, 5, estimated=True))
    sign_in(client, personas.member)
    client.cookies["haven-language"] = "ru"
    page = client.get(reverse("people:edit", kwargs={"uuid": person.uuid})).content.decode()
    assert 'value="около мая 1996"' in page
    assert _page(client, person, "ru").count("около мая 1996") == 1


# --- correcting and removing a move -------------------------------------------------------


@pytest.fixture
def moved(personas, person):
    record_move(person, by=personas.member, place="Грозный", since="2020")
    return record_move(person, by=personas.member, place="Нижний Новгорд", since="2020-06")


def test_a_move_is_corrected(client, personas, moved):
    sign_in(client, personas.member)
    url = reverse("people:move_edit", kwargs={"uuid": moved.uuid, "index": 1})
    form = client.get(url).content.decode()
    assert 'value="Нижний Новгорд"' in form and 'value="June 2020"' in form
    response = post_form(client, url, {"place": "Нижний Новгород", "since": "mid-2020"})
    assert response.status_code == 302
    moves = _fresh(moved).whereabouts
    assert [m["place"] for m in moves] == ["Грозный", "Нижний Новгород"]
    assert moves[1]["since"] == "2020-05/2020-08"


def test_a_move_corrected_after_someone_else_saved_is_refused(client, personas, moved):
    sign_in(client, personas.member)
    url = reverse("people:move_edit", kwargs={"uuid": moved.uuid, "index": 1})
    page = client.get(url)
    record_move(moved, by=personas.member, place="Москва", since="2021")
    from haven.tests.helpers import form_version, once_token

    response = client.post(
        url,
        {"place": "X", "since": "", "once": once_token(page), **form_version(page)},
    )
    assert response.status_code == 409
    assert [m["place"] for m in _fresh(moved).whereabouts][1] == "Нижний Новгорд"


def test_a_move_that_is_not_there_is_not_found(client, personas, moved):
    sign_in(client, personas.member)
    for name in ("people:move_edit", "people:move_remove"):
        url = reverse(name, kwargs={"uuid": moved.uuid, "index": 2})
        assert client.get(url).status_code == 404


def test_removing_a_move_asks_first_and_keeps_it_in_history(client, personas, moved):
    sign_in(client, personas.member)
    url = reverse("people:move_remove", kwargs={"uuid": moved.uuid, "index": 0})
    page = client.get(url).content.decode()
    assert "Remove the move to Грозный?" in page and "history keeps it" in page
    assert len(_fresh(moved).whereabouts) == 2  # asking changed nothing
    response = post_form(client, url, {})
    assert response.status_code == 302
    assert [m["place"] for m in _fresh(moved).whereabouts] == ["Нижний Новгорд"]
    versions = RecordVersion.objects.filter(object_uuid=moved.uuid).order_by("-number")
    assert [m["place"] for m in versions[1].snapshot["whereabouts"]] == [
        "Грозный",
        "Нижний Новгорд",
    ]
    assert AuditEntry.objects.filter(
        action="people.person.move_removed", object_id=str(moved.uuid)
    ).exists()


def test_the_read_only_member_sees_no_edit_links(client, personas, moved):
    sign_in(client, personas.read_only)
    html = _page(client, moved)
    assert reverse("people:move_edit", kwargs={"uuid": moved.uuid, "index": 0}) not in html
    assert reverse("people:move_remove", kwargs={"uuid": moved.uuid, "index": 0}) not in html
    url = reverse("people:move_remove", kwargs={"uuid": moved.uuid, "index": 0})
    assert client.post(url).status_code == 403
    assert len(_fresh(moved).whereabouts) == 2


# --- correcting and removing a relationship -----------------------------------------------


@pytest.fixture
def uncle(personas):
    return add_person(team=personas.team, by=personas.member, name="Руслан")


@pytest.fixture
def relationship(personas, person, uncle):
    return relate(uncle, person, kind=term("relationship", "relative"), by=personas.member)


def test_a_relationship_is_corrected(client, personas, uncle, relationship):
    sign_in(client, personas.member)
    url = reverse(
        "people:relationship_edit", kwargs={"uuid": uncle.uuid, "relationship": relationship.uuid}
    )
    assert client.get(url).status_code == 200
    response = post_form(
        client,
        url,
        {"kind": relationship.kind.pk, "other": relationship.other.pk, "note": "uncle"},
    )
    assert response.status_code == 302
    assert Relationship.objects.get(pk=relationship.pk).note == "uncle"
    assert "uncle" in _page(client, uncle)


def test_a_relationship_to_themself_is_refused(client, personas, uncle, relationship):
    sign_in(client, personas.member)
    url = reverse(
        "people:relationship_edit", kwargs={"uuid": uncle.uuid, "relationship": relationship.uuid}
    )
    response = post_form(client, url, {"kind": relationship.kind.pk, "other": uncle.pk})
    assert response.status_code == 400
    assert Relationship.objects.get(pk=relationship.pk).other_id == relationship.other_id


def test_a_relationship_of_another_person_is_not_found_here(
    client, personas, person, uncle, relationship
):
    sign_in(client, personas.member)
    url = reverse(
        "people:relationship_edit", kwargs={"uuid": person.uuid, "relationship": relationship.uuid}
    )
    assert client.get(url).status_code == 404


def test_removing_a_relationship_asks_first_and_is_soft(
    client, personas, person, uncle, relationship
):
    sign_in(client, personas.member)
    url = reverse(
        "people:relationship_remove",
        kwargs={"uuid": uncle.uuid, "relationship": relationship.uuid},
    )
    page = client.get(url).content.decode()
    assert "Remove this relationship?" in page and person.code in page
    assert post_form(client, url, {}).status_code == 302
    kept = Relationship.objects.get(pk=relationship.pk)
    assert kept.deleted_at is not None
    assert (
        RecordVersion.objects.filter(object_uuid=kept.uuid).order_by("-number").first().change
        == "deleted"
    )
    assert AuditEntry.objects.filter(
        action="people.relationship.deleted", object_id=str(kept.uuid)
    ).exists()
    assert url not in _page(client, uncle)
    assert "Relative of this person" not in _page(client, person)


def test_a_person_page_lists_relationships_recorded_on_others_pages(
    client, personas, person, uncle, relationship
):
    sign_in(client, personas.member)
    html = _page(client, person)
    assert uncle.code in html and "Relative of this person" in html
    assert "Родственник по отношению к этому человеку" in _page(client, person, "ru")


# --- the person's sources -------------------------------------------------------------------


def _incident_with_source(
    personas, victim, *, team=None, by=None, title="Testimony of a neighbour"
):
    from haven.incidents.actions import cite_source, record_act, record_incident
    from haven.sources.actions import add_source

    team, by = team or personas.team, by or personas.member
    incident = record_incident(
        team=team, by=by, title="Detention", start=FuzzyDate.parse("April 2020")
    )
    record_act(incident, by=by, act_type=term("act_type", "arbitrary_detention"), victim=victim)
    source = add_source(team=team, by=by, kind="testimony", title=title)
    link = cite_source(
        incident, source, by=by, connection="eyewitness", reliability="B", credibility="2"
    )
    return incident, source, link


def test_the_person_page_lists_the_sources_of_their_incidents(client, personas, person):
    incident, source, _ = _incident_with_source(personas, person)
    sign_in(client, personas.member)
    html = _page(client, person)
    assert "<h2>Sources</h2>" in html
    assert source.code in html and "Testimony of a neighbour" in html and incident.code in html
    assert "по инцидентам" in _page(client, person, "ru")


def test_a_removed_citation_or_source_is_not_listed(client, personas, person):
    from haven.records.actions import delete_record

    _, source, link = _incident_with_source(personas, person)
    _, other_source, _ = _incident_with_source(personas, person, title="Second source")
    delete_record(link, by=personas.member)
    delete_record(other_source, by=personas.member)
    sign_in(client, personas.member)
    html = _page(client, person)
    assert source.code not in html and other_source.code not in html
    assert "No source on this person's incidents." in html


def test_sources_section_is_read_through_the_policy_layer(personas, person):
    from haven.sources.selectors import person_sources

    _incident_with_source(personas, person)
    assert len(person_sources(personas.member, person)) == 1
    assert person_sources(personas.outsider, person) == []
    assert person_sources(personas.administrator, person) == []
