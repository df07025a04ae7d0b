"""Documenting the seed story's abduction in the browser: the incident, its acts and
perpetrators, and its place in the chain of events."""

from conftest import add_totp
from haven.accounts.models import Membership
from haven.accounts.tests.factories import TeamFactory, UserFactory
from haven.incidents import actions
from haven.incidents.models import Act, Incident, Involvement
from haven.lib.fuzzy_dates import FuzzyDate
from haven.people.actions import add_person
from haven.tests.browser.conftest import sign_in_through_page


def choose(page, label, option):
    page.get_by_label(label, exact=True).select_option(label=option)


def test_document_the_abduction_and_open_its_chain(page, shoot, transactional_db):
    team = TeamFactory(name="North Caucasus desk")
    documenter = UserFactory(email="documenter@example.org", full_name="Lena")
    Membership.objects.create(team=team, user=documenter)
    device = add_totp(documenter)
    salman = add_person(team=team, by=documenter, name="Салман Тагиров")
    unit = add_person(team=team, by=documenter, kind="group", name="Police unit (fictional)")
    detention = actions.record_incident(
        team=team, by=documenter, title="Detention and torture", start=FuzzyDate.parse("2020-04")
    )
    flight = actions.record_incident(
        team=team, by=documenter, title="Flight from Chechnya", start=FuzzyDate.parse("summer 2020")
    )
    actions.chain(detention, flight, by=documenter, relation="causes")
    sign_in_through_page(page, documenter, device)

    page.goto("/incidents/new/")
    choose(page, "Team:", "North Caucasus desk")
    page.get_by_label("Title:").fill("Abduction in Nizhny Novgorod")
    page.get_by_label("When (start):").fill("2021-02-04")
    page.get_by_label("Until (end):").fill("2020-12")  # before the start: refused
    page.get_by_role("button", name="Save").click()
    assert "The end is before the start" in page.locator(".errorlist").first.inner_text()
    page.get_by_label("Until (end):").fill("")
    page.get_by_label("Place:").select_option(label="\u2003\u2003\u2003Nizhny Novgorod")
    page.get_by_label("Stated grounds:").fill("none given")
    page.get_by_label("Documented motive:").fill("their sexual orientation")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/incidents/*/")
    incident_url = page.url

    page.get_by_role("link", name="Add an act").click()
    choose(page, "Type of act:", "Enforced disappearance or abduction")
    choose(page, "Victim:", f"{salman.code} Салман Тагиров")
    choose(page, "Victim's status at the end:", "Returned against their will")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(incident_url)
    page.get_by_role("link", name="Add who did it").click()
    choose(page, "Perpetrator (person or group):", f"{unit.code} Police unit (fictional)")
    choose(page, "Degree:", "Carried it out")
    page.get_by_label("Affiliation at the time:").fill("special police unit")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(incident_url)

    abduction = Incident.objects.exclude(pk__in=[detention.pk, flight.pk]).get()
    page.goto(f"/incidents/{flight.uuid}/chains/new/")
    choose(page, "This incident:", "precedes")
    choose(page, "Incident:", f"{abduction.code} Abduction in Nizhny Novgorod")
    page.get_by_role("button", name="Save").click()

    page.goto(incident_url)
    chain = page.get_by_test_id("chain")
    items = chain.locator("li").all_inner_texts()
    assert [("Detention" in t, "Flight" in t, "Abduction" in t) for t in items] == [
        (True, False, False),
        (False, True, False),
        (False, False, True),
    ]
    assert Act.objects.get(incident=abduction).victim == salman
    assert Involvement.objects.get().perpetrator == unit
    shoot(page, "en")
    with page.expect_navigation():
        page.get_by_label("Language").select_option("ru")
    assert page.get_by_role("heading", name="Цепочка событий").is_visible()
    assert "Насильственное исчезновение" in page.locator(".act h3").first.inner_text()
    shoot(page, "ru")
