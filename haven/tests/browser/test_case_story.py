"""The seed story in the browser: a request for help becomes a case, the risk is
assessed, a petition for state protection is filed and granted."""

from conftest import add_totp
from haven.accounts.models import Membership
from haven.accounts.tests.factories import TeamFactory, UserFactory
from haven.cases.models import Case, CaseAction
from haven.people.actions import add_person
from haven.tests.browser.conftest import pick, sign_in_through_page


def choose(page, label, option):
    page.get_by_label(label, exact=True).select_option(label=option)


def test_from_request_to_protection_granted(page, shoot, transactional_db):
    team = TeamFactory(name="North Caucasus desk")
    lawyer = UserFactory(email="lawyer@example.org", full_name="Andrei")
    Membership.objects.create(team=team, user=lawyer)
    device = add_totp(lawyer)
    salman = add_person(team=team, by=lawyer, name="Салман Тагиров", other_names=["Salman Tagirov"])
    sign_in_through_page(page, lawyer, device)

    page.goto("/cases/requests/new/")
    choose(page, "Team:", "North Caucasus desk")
    choose(page, "Channel:", "Telegram")
    page.get_by_label("Received at:").fill("2020-04-28T23:00")
    pick(page, "Requester:", salman.code)
    page.get_by_label("Summary:").fill(
        "Two young men detained and beaten by police in Grozny ask to leave the region."
    )
    choose(page, "Urgency:", "Immediate danger")
    page.get_by_role("button", name="Save").click()
    page.get_by_label("Case title:").fill("Two young men from Grozny")
    page.get_by_role("button", name="Open case").click()
    page.wait_for_url("**/cases/*/")
    case_url = page.url
    choose(page, "Status:", "Active")
    page.get_by_role("button", name="Change status").click()
    page.wait_for_url(case_url)

    page.get_by_role("link", name="Assess the risk").click()
    page.get_by_label("Assessed on:").fill("2021-02-05")
    page.get_by_label("Family").check()
    page.get_by_label("State agents").check()
    page.get_by_label("Honour killing").check()
    page.get_by_label("Abduction").check()
    page.get_by_label("Likelihood (1–5):").fill("5")
    page.get_by_label("Impact (1–5):").fill("5")
    choose(page, "Overall level:", "Critical")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(case_url)

    page.get_by_role("link", name="File a petition").click()
    page.get_by_label("What:").fill("Request for state protection")
    pick(page, "Authority:", "Investigative Committee, Chechen Republic")
    choose(page, "Petition type:", "Request for state protection")
    page.get_by_label("Filed on:").fill("2021-02-12")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(case_url)

    page.get_by_role("link", name="Record the decision").click()
    choose(page, "Decision:", "Granted")
    page.get_by_label("Decision date:").fill("2021-01-01")  # before the filing: refused
    page.get_by_role("button", name="Save").click()
    assert "before the filing date" in page.locator(".errorlist").first.inner_text()
    page.get_by_label("Decision date:").fill("2021-03-18")
    page.get_by_label("Measures granted:").fill("Protection granted; measures not specified.")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(case_url)

    case = Case.objects.get()
    petition = CaseAction.objects.get(case=case)
    assert petition.decision == "granted" and case.risk_level == "critical"
    assert page.locator(".badge.decision-granted").first.is_visible()
    shoot(page, "en-case")
    page.get_by_test_id("timeline").screenshot(path=str(shoot.folder / "case-timeline-en.png"))

    with page.expect_navigation():
        page.get_by_label("Language").select_option("ru")
    assert page.get_by_role("heading", name="Хронология").is_visible()
    assert page.locator(".badge.decision-granted").first.inner_text() == "Удовлетворено"
    shoot(page, "ru-case")
    page.get_by_test_id("timeline").screenshot(path=str(shoot.folder / "case-timeline-ru.png"))
