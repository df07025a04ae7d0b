"""The whole seed story, entered in the browser as a caseworker would, in English and in
Russian, counting the forms sent.

Two young men write for help after police in Grozny detained and tortured them in April
2020; they are evacuated in the summer, abducted and returned in February 2021,
threatened by relatives; the organisation petitions the Investigative Committee, which
grants state protection. The story is entered from the request to the decision, with a
captured news page cited as the source and the men's consent to legal action, and must
take no more than 30 form submissions, signing in included.
"""

from datetime import date

import pytest

from conftest import add_totp
from haven.accounts.models import Membership
from haven.accounts.tests.factories import TeamFactory, UserFactory
from haven.cases.models import Case, CaseAction
from haven.incidents.models import Act, Incident, InformationLink
from haven.sources.models import Source
from haven.vocab.models import Term, Vocabulary

MOST_SUBMISSIONS = 30

# A saved copy of a news page, written for this test (not a copy of any real article).
SAVED_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Chechnya grants state protection to two young men</title>
<meta name="author" content="Newsroom"><meta property="article:published_time"
content="2021-03-18"></head><body><article><h1>Chechnya grants state protection to two
young men</h1><p>Investigators in Chechnya have granted state protection to Salekh
Magamadov and Ismail Isaev after a rights group petitioned the Investigative Committee,
saying that the two men face threats from their relatives.</p><p>The two men were detained
by police in Grozny in April 2020 and later fled the region. In February 2021 they were
seized in Nizhny Novgorod and taken back to Chechnya.</p><p>The lawyer of the group said
the state had recognised that the two men are in danger.</p></article></body></html>
"""

WORDS = {
    "en": {
        "april": "April 2020",
        "summer": "summer 2020",
        "february": "February 2021",
        "march": "March 2021",
        "timeline": "Timeline",
        "granted": "Granted",
    },
    "ru": {
        "april": "апрель 2020",
        "summer": "летом 2020",
        "february": "февраль 2021",
        "march": "в марте 2021",
        "timeline": "Хронология",
        "granted": "Удовлетворено",
    },
}


def term(vocabulary, code) -> str:
    return str(Term.objects.of(vocabulary).get(code=code).pk)


def send(page, form):
    """Send ``form`` with its submit button and wait for the page it leads to."""
    with page.expect_navigation():
        form.locator("button[type=submit]").last.click()


def pick(form, name, text, *, new=False):
    """Type in the picker ``name`` and take the first suggestion (or the offer to add a
    new person), with the keyboard or a click, as a person would."""
    box = form.locator(f"[name={name}_find]")
    box.fill(text)
    options = box.locator("xpath=..").locator(".picker-list [role=option]")
    options.first.wait_for()
    if new:
        options.last.click()
    else:
        box.press("ArrowDown")
        box.press("Enter")


def sign_in(page, user, device, password="correct horse battery staple"):
    """E-mail and password, then the authenticator's code, whatever the page's language."""
    from conftest import totp_code

    page.goto("/accounts/login/")
    form = page.locator("main form:has([name=email])")
    form.locator("[name=email]").fill(user.email)
    form.locator("[name=password]").fill(password)
    send(page, form)
    form = page.locator("main form:has([name=code])").first
    form.locator("[name=code]").fill(totp_code(device))
    send(page, form)


def main_form(page):
    return page.locator("main form.narrow").last


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_seed_story_in_at_most_thirty_submissions(page, shoot, transactional_db, language):
    words = WORDS[language]
    team = TeamFactory(name="North Caucasus desk")
    worker = UserFactory(email="worker@example.org", full_name="Marina", language=language)
    Membership.objects.create(team=team, user=worker)
    device = add_totp(worker)
    sent = []
    page.on(
        "request",
        lambda r: sent.append(r.url) if r.method == "POST" and r.is_navigation_request() else None,
    )
    sign_in(page, worker, device)

    # The request for help, from one of the men, and the case opened from it.
    page.goto("/cases/requests/new/")
    form = main_form(page)
    form.locator("[name=channel]").select_option(term(Vocabulary.CHANNEL, "telegram"))
    form.locator("[name=received_at]").fill("2020-04-28T23:00")
    pick(form, "requester", "Салех Магамадов", new=True)
    form.locator("[name=summary]").fill(
        "Two young men detained and beaten by police in Grozny ask to leave the region."
    )
    form.locator("[name=urgency]").select_option("immediate")
    send(page, form)
    form = page.locator("form:has([name=title])").last
    form.locator("[name=title]").fill("Two young men from Grozny")
    send(page, form)
    page.wait_for_url("**/cases/*/")
    case_url = page.url
    form = page.locator("form:has([name=person_find])")
    page.locator("details:has([name=person_find]) > summary").click()
    pick(form, "person", "Исмаил Исаев", new=True)
    send(page, form)

    # The first incident: detention and torture in April 2020, by a police unit.
    page.locator(f"a[href$='?case={page.url.rstrip('/').rsplit('/', 1)[1]}']").click()
    form = main_form(page)
    form.locator("[name=title]").fill("Detention and torture in Grozny")
    form.locator("[name=start]").fill(words["april"])
    form.locator("[name=act_type]").select_option(term(Vocabulary.ACT_TYPE, "arbitrary_detention"))
    pick(form, "victims", "Magamadov")
    pick(form, "victims", "Isaev")
    pick(form, "perpetrators", "Special police of Grozny", new=True)
    send(page, form)
    form = page.locator("form:has([name=victims_find])").last
    form.locator("[name=act_type]").select_option(term(Vocabulary.ACT_TYPE, "torture"))
    pick(form, "victims", "Magamadov")
    pick(form, "victims", "Isaev")
    pick(form, "perpetrators", "Special police")
    send(page, form)

    # The evacuation, done in the summer.
    page.goto(case_url + "actions/new/")
    form = main_form(page)
    form.locator("[name=kind]").select_option(term(Vocabulary.ACTION_TYPE, "evacuation"))
    form.locator("[name=title]").fill("Evacuation to Nizhny Novgorod")
    pick(form, "persons", "Magamadov")
    pick(form, "persons", "Isaev")
    form.locator("[name=status]").select_option("done")
    form.locator("[name=done]").fill(words["summer"])
    send(page, form)

    # The abduction in February 2021, by the same unit; the threats from relatives.
    for title, start, act, perpetrator, new in (
        ("Abduction in Nizhny Novgorod", words["february"], "enforced_disappearance",
         "Special police", False),
        ("Threats from relatives", words["march"], "threat", "Relatives of the two men", True),
    ):  # fmt: skip
        page.goto(f"/incidents/new/?case={case_url.rstrip('/').rsplit('/', 1)[1]}")
        form = main_form(page)
        form.locator("[name=title]").fill(title)
        form.locator("[name=start]").fill(start)
        form.locator("[name=act_type]").select_option(term(Vocabulary.ACT_TYPE, act))
        pick(form, "victims", "Magamadov")
        pick(form, "victims", "Isaev")
        pick(form, "perpetrators", perpetrator, new=new)
        send(page, form)
    threats_url = page.url

    # The risk, assessed after the threats.
    page.goto(case_url + "risk/")
    form = main_form(page)
    form.locator("[name=assessed_on]").fill("2021-03-05")
    for vocabulary, code in (
        (Vocabulary.THREAT_SOURCE, "family"),
        (Vocabulary.THREAT_SOURCE, "state_agents"),
        (Vocabulary.THREAT_TYPE, "honour_killing"),
        (Vocabulary.THREAT_TYPE, "abduction"),
    ):
        form.locator(f"input[value='{term(vocabulary, code)}']").check()
    form.locator("[name=likelihood]").fill("5")
    form.locator("[name=impact]").fill("5")
    form.locator("[name=level]").select_option("critical")
    send(page, form)

    # The petition to the Investigative Committee and its decision.
    page.goto(case_url + "petitions/new/")
    form = main_form(page)
    form.locator("[name=title]").fill("Request for state protection")
    pick(form, "persons", "Magamadov")
    pick(form, "persons", "Isaev")
    pick(form, "authority", "Investigative Committee")
    form.locator("[name=petition_type]").select_option(
        term(Vocabulary.PETITION_TYPE, "state_protection")
    )
    form.locator("[name=filed_on]").fill("2021-03-10")
    send(page, form)
    page.locator("a[href*='/decision/']").first.click()
    form = main_form(page)
    form.locator("[name=decision]").select_option("granted")
    form.locator("[name=decision_on]").fill("2021-03-18")
    form.locator("[name=measures]").fill("State protection granted; measures not specified.")
    send(page, form)

    # The news page, kept as a source and cited for the threats.
    page.goto("/sources/capture/")
    form = main_form(page)
    form.locator("[name=page]").set_input_files(
        {"name": "protection.html", "mimeType": "text/html", "buffer": SAVED_PAGE.encode()}
    )
    send(page, form)
    source = Source.objects.get()
    page.goto(threats_url + "sources/new/")
    form = main_form(page)
    pick(form, "source", source.code)
    send(page, form)

    # Consent to legal action.
    page.goto(case_url + "consents/new/")
    form = main_form(page)
    pick(form, "person", "Magamadov")
    form.locator("[name=purpose]").select_option(term(Vocabulary.CONSENT_PURPOSE, "legal_action"))
    form.locator("[name=status]").select_option("given")
    send(page, form)

    # What was entered is what happened.
    case = Case.objects.get()
    assert {p.name for p in case.current_persons()} == {"Салех Магамадов", "Исмаил Исаев"}
    incidents = Incident.objects.filter(cases=case)
    assert incidents.count() == 3
    assert Act.objects.filter(incident__in=incidents).count() == 8
    assert sorted((i.start.earliest, i.start.latest) for i in incidents) == [
        (date(2020, 4, 1), date(2020, 4, 30)),
        (date(2021, 2, 1), date(2021, 2, 28)),
        (date(2021, 3, 1), date(2021, 3, 31)),
    ]
    petition = CaseAction.objects.get(case=case, kind__code="petition")
    assert petition.decision == "granted" and case.risk_level == "critical"
    assert petition.persons.count() == 2  # one petition for both men
    evacuation = CaseAction.objects.get(case=case, kind__code="evacuation")
    assert evacuation.status == "done"
    assert (evacuation.done.earliest, evacuation.done.latest) == (
        date(2020, 6, 1),
        date(2020, 8, 31),
    )
    cited = InformationLink.objects.get(source=source).incident
    assert cited.title == "Threats from relatives"

    page.goto(case_url)
    assert page.get_by_role("heading", name=words["timeline"]).is_visible()
    assert words["granted"] in page.locator(".badge.decision-granted").first.inner_text()
    shoot(page, f"case-{language}")
    print(f"seed story ({language}): {len(sent)} form submissions")  # noqa: T201
    assert len(sent) <= MOST_SUBMISSIONS, sent
