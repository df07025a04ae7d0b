"""A person is picked by typing a Latin spelling of a Cyrillic name, with the keyboard only."""

from conftest import add_totp
from haven.accounts.models import Membership
from haven.accounts.tests.factories import TeamFactory, UserFactory
from haven.cases import actions as cases
from haven.people.actions import add_person
from haven.tests.browser.conftest import sign_in_through_page


def test_pick_a_person_typed_in_latin_with_the_keyboard(page, shoot, transactional_db):
    team = TeamFactory(name="North Caucasus desk")
    worker = UserFactory(email="worker@example.org", full_name="Marina")
    Membership.objects.create(team=team, user=worker)
    device = add_totp(worker)
    salman = add_person(team=team, by=worker, name="Салман Тагиров")
    add_person(team=team, by=worker, name="Салех Магамадов")
    case = cases.open_case(team=team, by=worker, title="Protection in Grozny")
    sign_in_through_page(page, worker, device)

    page.goto(f"/cases/{case.uuid}/")
    page.get_by_text("Add a person at risk").click()
    field = page.get_by_role("combobox", name="Person")
    field.press_sequentially("Salman Tagirow", delay=30)  # Latin, one letter wrong
    options = page.locator(".picker-list [role=option]")
    options.first.wait_for()
    assert field.get_attribute("aria-expanded") == "true"
    assert options.first.inner_text() == f"{salman.code} Салман Тагиров"
    assert "Add a new person named" in options.last.inner_text()
    shoot(page, "suggestions")

    field.press("Escape")  # closes the list, keeps the text
    assert field.get_attribute("aria-expanded") == "false"
    assert field.input_value() == "Salman Tagirow"
    field.press("ArrowDown")  # opens it again
    options.first.wait_for()
    field.press("ArrowDown")
    assert options.first.get_attribute("aria-selected") == "true"
    assert field.get_attribute("aria-activedescendant") == options.first.get_attribute("id")
    field.press("Enter")  # chooses; the list closes, the form is not sent yet
    assert field.input_value() == f"{salman.code} Салман Тагиров"
    assert page.locator("input.picker-id").input_value() == str(salman.uuid)
    with page.expect_navigation():
        field.press("Enter")  # now sends the form
    assert list(case.persons.all()) == [salman]
    assert "Салман Тагиров" in page.content()
    shoot(page, "added")
