"""Pickers in real forms: a person added from the picker, a choice kept when another
field is wrong, and a form that still works when nothing is typed in JavaScript."""

import uuid

import pytest
from django.urls import reverse

from conftest import sign_in
from haven.audit.models import AuditEntry
from haven.cases import actions as cases
from haven.cases.models import Case
from haven.people.models import Person
from haven.tests.helpers import post_form


@pytest.fixture
def member(client, personas):
    sign_in(client, personas.member)
    return personas.member


def test_a_case_for_a_person_typed_by_name_and_a_new_one(client, personas, person, member):
    url = reverse("cases:new")
    data = {
        "team": personas.team.pk,
        "title": "Protection for both",
        "opened_on": "2026-01-05",
        "persons_find": "Ibragim Selimkhanov; Зелимхан Новый",
    }
    response = post_form(client, url, data)
    # The unknown name comes back to choose: add it, or type again. Nothing is saved.
    assert response.status_code == 400
    page = response.content.decode()
    assert 'value="new:Зелимхан Новый"' in page
    assert f'name="persons" value="{person.uuid}" checked' in page
    assert 'value="Protection for both"' in page
    assert not Case.objects.exists() and Person.objects.count() == 1

    data.pop("persons_find")
    data["persons"] = [str(person.uuid), "new:Зелимхан Новый"]
    response = post_form(client, url, data)
    assert response.status_code == 302
    case = Case.objects.get()
    added = Person.objects.exclude(pk=person.pk).get()
    assert added.name == "Зелимхан Новый" and added.team == personas.team
    assert set(case.persons.all()) == {person, added}
    assert AuditEntry.objects.filter(
        action="people.person.created", actor=member, object_id=str(added.uuid)
    ).exists()


def test_no_new_person_when_the_form_is_refused(client, personas, member):
    url = reverse("cases:new")
    response = post_form(
        client, url, {"team": personas.team.pk, "title": "", "persons": ["new:Зелимхан Новый"]}
    )
    assert response.status_code == 400
    assert not Person.objects.exists()
    # The choice is kept on the page sent back.
    assert 'value="new:Зелимхан Новый" checked' in response.content.decode()


def test_a_person_added_to_a_case_from_its_page_goes_to_the_case_team(
    client, personas, person, member
):
    case = cases.open_case(team=personas.team, by=member, title="Protection")
    url = reverse("cases:add_person", kwargs={"uuid": case.uuid})
    detail = reverse("cases:detail", kwargs={"uuid": case.uuid})
    response = post_form(client, url, {"person_find": person.code}, token_from=detail)
    assert response.status_code == 302
    assert list(case.persons.all()) == [person]
    response = post_form(client, url, {"person": "new:Рамзан Третий"}, token_from=detail)
    assert response.status_code == 302
    added = case.persons.exclude(pk=person.pk).get()
    assert added.name == "Рамзан Третий" and added.team_id == case.team_id


def test_a_read_only_member_cannot_add_a_person_through_a_picker(client, personas, person):
    case = cases.open_case(team=personas.team, by=personas.member, title="Protection")
    sign_in(client, personas.read_only)
    url = reverse("cases:add_person", kwargs={"uuid": case.uuid})
    response = client.post(url, {"person": "new:Рамзан Третий"})
    assert response.status_code == 403
    assert Person.objects.count() == 1


def test_a_person_of_another_team_is_answered_as_an_unknown_one(client, personas, member):
    from haven.accounts.models import Membership
    from haven.accounts.tests.factories import TeamFactory
    from haven.people.actions import add_person

    other = TeamFactory(name="Other desk")
    Membership.objects.create(team=other, user=personas.outsider, access="member")
    hidden = add_person(team=other, by=personas.outsider, name="Аслан Бисултанов")
    case = cases.open_case(team=personas.team, by=member, title="Protection")
    url = reverse("cases:add_person", kwargs={"uuid": case.uuid})
    detail = reverse("cases:detail", kwargs={"uuid": case.uuid})

    def errors(value):
        response = post_form(client, url, {"person": value}, token_from=detail)
        assert response.status_code == 400
        page = response.content.decode()
        return page[page.index('<ul class="errorlist"') :][:200]

    assert errors(str(hidden.uuid)) == errors(str(uuid.uuid4())) == errors(str(hidden.pk))
    assert "not available" in errors(str(hidden.uuid))
    assert not case.persons.exists()


def test_the_picker_speaks_russian(client, personas, member):
    from django.utils import translation

    from haven.cases.forms import AddPersonForm

    case = cases.open_case(team=personas.team, by=member, title="Protection")
    with translation.override("ru"):
        form = AddPersonForm({"person_find": "Зелимхан Новый"}, case=case, user=member)
        assert not form.is_valid()
        html = form.as_div()
    assert "Никто не подходит под «Зелимхан Новый»" in html
    assert "Добавить нового человека по имени «Зелимхан Новый»" in html
    assert "Добавить нового человека по имени «{name}»" in html
    assert "Введите имя кириллицей или латиницей" in html
