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


def test_a_case_is_told_in_the_order_it_happened_and_its_parts_change(
    page, shoot, transactional_db
):
    """Entered late, the story still reads in the order it happened; a note is
    corrected, a person taken off the case after a confirmation page."""
    from datetime import date

    from haven.cases import actions
    from haven.cases.models import CaseNote
    from haven.vocab.models import term

    team = TeamFactory(name="North Caucasus desk")
    worker = UserFactory(email="worker@example.org", full_name="Marina")
    Membership.objects.create(team=team, user=worker)
    device = add_totp(worker)
    salekh = add_person(team=team, by=worker, name="Салех Магамадов")
    ismail = add_person(team=team, by=worker, name="Исмаил Исаев")
    case = actions.open_case(
        team=team,
        by=worker,
        title="Two young men from Grozny",
        persons=[salekh, ismail],
        opened_on=date(2020, 4, 28),
    )
    actions.plan_action(
        case, by=worker, kind=term("action_type", "evacuation"), title="Evacuation to a shelter"
    )
    sign_in_through_page(page, worker, device)
    case_url = f"/cases/{case.uuid}/"
    page.goto(case_url)
    choose(page, "Status:", "Active")
    page.get_by_label("In effect from:").fill("2020-04-29")
    page.get_by_role("button", name="Change status").click()
    page.get_by_label("Note:").fill("Abducted from the shelter and taken back to Chechnya.")
    page.get_by_label("Happened on:").fill("2021-07-20")
    page.get_by_role("button", name="Add note").click()
    page.get_by_role("link", name="Evacuation to a shelter", exact=True).click()
    choose(page, "Status:", "Done")
    page.get_by_label("Done on:").fill("May 2020")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"**{case_url}")

    events = page.locator("ol.events li").all_inner_texts()
    assert [text.split(" — ")[0].strip() for text in events] == [
        "April 28, 2020",
        "April 29, 2020",
        "May 2020",
        "July 20, 2021",
    ]
    shoot(page, "en-case")

    page.get_by_role("link", name="Edit").last.click()  # the note's
    page.get_by_label("Note:").fill("Abducted from the shelter on 20 July 2021.")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"**{case_url}")
    assert CaseNote.objects.get().text == "Abducted from the shelter on 20 July 2021."

    page.get_by_role("link", name=f"Remove {ismail.code} from the case").click()
    assert "Исмаил Исаев will no longer be a person at risk" in page.content()
    shoot(page, "en-remove-person")
    page.get_by_role("button", name="Remove").click()
    page.wait_for_url(f"**{case_url}")
    assert list(case.current_persons()) == [salekh]
    assert page.get_by_text("Person removed from the case.").is_visible()

    with page.expect_navigation():
        page.get_by_label("Language").select_option("ru")
    assert "(внесено " in page.locator("ol.events").inner_text()
    shoot(page, "ru-case")
