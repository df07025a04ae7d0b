"""Documenting the seed story's abduction in the browser: the incident, its acts and
perpetrators, and its place in the chain of events."""

from conftest import add_totp
from haven.accounts.models import Membership
from haven.accounts.tests.factories import TeamFactory, UserFactory
from haven.incidents import actions
from haven.incidents.models import Act, Incident, Involvement
from haven.lib.fuzzy_dates import FuzzyDate
from haven.people.actions import add_person
from haven.tests.browser.conftest import pick, sign_in_through_page


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
    pick(page, "Place:", "Nizhny Novgorod")
    page.get_by_label("Stated grounds:").fill("none given")
    page.get_by_label("Documented motive:").fill("their sexual orientation")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/incidents/*/")
    incident_url = page.url

    # The form that adds acts is on the incident page itself.
    page.get_by_role("link", name="Add an act").click()
    assert page.url == incident_url + "#add-acts"
    form = page.get_by_test_id("add-acts")
    choose(form, "Type of act:", "Enforced disappearance or abduction")
    pick(form, "Victims:", "Salman Tagirov")
    pick(form, "Perpetrators (persons or groups):", unit.code)
    choose(form, "The perpetrators' part:", "Carried it out")
    form.get_by_text("More details").click()
    choose(form, "Victims' status at the end:", "Returned against their will")
    form.get_by_label("Affiliation at the time:").fill("special police unit")
    shoot(page, "add-acts")
    form.get_by_role("button", name="Add acts").click()
    page.wait_for_url(incident_url + "#acts")
    assert "1 act recorded." in page.content()
    incident_url = incident_url.split("#")[0]

    abduction = Incident.objects.exclude(pk__in=[detention.pk, flight.pk]).get()
    page.goto(f"/incidents/{flight.uuid}/chains/new/")
    choose(page, "This incident:", "precedes")
    pick(page, "Incident:", abduction.code)
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

    # A part is edited on its own page and removed after a confirmation.
    page.locator(".act li").get_by_role("link", name="Edit").click()
    page.get_by_label("Degree:").select_option(label="Ordered it")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(incident_url)
    assert "Ordered it" in page.locator(".act").inner_text()
    page.get_by_role("link", name="Remove the act").click()
    assert page.get_by_role("heading", name="Remove the act").is_visible()
    shoot(page, "remove-act")
    page.get_by_role("button", name="Remove").click()
    page.wait_for_url(incident_url)
    assert "No acts recorded yet." in page.content()
    assert Act.objects.get(incident=abduction).deleted_at is not None
    assert Involvement.objects.get().deleted_at is not None

    with page.expect_navigation():
        page.get_by_label("Language").select_option("ru")
    assert page.get_by_role("heading", name="Цепочка событий").is_visible()
    assert page.get_by_role("heading", name="Добавить действия").is_visible()
    assert "Действия пока не записаны." in page.content()
    shoot(page, "ru")
