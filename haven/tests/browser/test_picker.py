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


def test_without_javascript_the_server_resolves_and_offers_to_add(
    browser, live_server, shoot, transactional_db
):
    from haven.cases.models import Case

    team = TeamFactory(name="North Caucasus desk")
    worker = UserFactory(email="worker@example.org", full_name="Marina")
    Membership.objects.create(team=team, user=worker)
    device = add_totp(worker)
    salekh = add_person(team=team, by=worker, name="Салех Магамадов")
    context = browser.new_context(
        base_url=live_server.url, locale="en-GB", java_script_enabled=False
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    sign_in_through_page(page, worker, device)

    page.goto("/cases/new/")
    page.get_by_label("Title:").fill("Protection for both")
    page.get_by_label("Persons at risk:").fill("Salekh Magamadov; Зелимхан Новый")
    page.get_by_role("button", name="Save").click()
    # The known name is chosen; the unknown one comes back with the offer to add it.
    assert page.get_by_label(f"{salekh.code} Салех Магамадов").is_checked()
    assert page.get_by_label("Title:").input_value() == "Protection for both"
    shoot(page, "offer")
    page.get_by_label("Add a new person named “Зелимхан Новый”").check()
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/cases/*/")
    case = Case.objects.get()
    assert sorted(p.name for p in case.persons.all()) == ["Зелимхан Новый", "Салех Магамадов"]
    context.close()
