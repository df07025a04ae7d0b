"""A person asks for help from a browser with JavaScript off, keeps the receipt, comes
back to read the caseworker's answer, and the request becomes a case: in both languages.

The public side is found by field names, not labels, so the test does not depend on
the translations of the day."""

import pytest

from conftest import add_totp
from haven.accounts.models import Membership
from haven.accounts.tests.factories import TeamFactory, UserFactory
from haven.cases.models import Case
from haven.tests.browser.conftest import sign_in_through_page

PDF = b"%PDF-1.4\n" + b"what happened " * 40


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_request_from_a_phone_without_javascript_becomes_a_case(
    browser, page, live_server, shoot, settings, transactional_db, tmp_path, lang
):
    team = TeamFactory(name="Hotline")
    caseworker = UserFactory(email="hotline@example.org", full_name="Lena")
    Membership.objects.create(team=team, user=caseworker)
    device = add_totp(caseworker)
    settings.HAVEN_INTAKE_TEAM = "Hotline"
    settings.HAVEN_INTAKE_MIN_FILL_SECONDS = 0
    statement = tmp_path / "statement.pdf"
    statement.write_bytes(PDF)

    phone = browser.new_context(
        base_url=live_server.url,
        java_script_enabled=False,
        viewport={"width": 390, "height": 800},
        locale="ru-RU" if lang == "ru" else "en-GB",
    )
    person = phone.new_page()
    person.goto(f"/help/?lang={lang}")
    assert person.locator("html").get_attribute("lang") == lang
    assert person.locator("a.exit").get_attribute("rel") == "noreferrer"
    person.locator("textarea[name=what]").fill("Police came to my flat in Grozny twice.")
    person.locator("input[name=place]").fill("Grozny")
    person.locator("input[name=urgency][value=immediate]").check()
    person.locator("input[name=contact]").fill("Signal +7 900 111 22 33")
    person.locator("input[name=consent][value=yes]").check()
    person.locator("input[name=files]").set_input_files(str(statement))
    shoot(person, f"{lang}-1-form")
    person.locator("button[type=submit]").click()
    receipt = person.locator(".receipt").inner_text().strip()
    assert len(receipt) == 24
    shoot(person, f"{lang}-2-receipt")
    assert phone.cookies() == []  # nothing stored in the browser

    sign_in_through_page(page, caseworker, device)
    page.goto("/intake/")
    shoot(page, f"{lang}-3-queue")
    page.get_by_role("link", name=page.locator("td a").first.inner_text()).first.click()
    page.get_by_label("Message to the person:").fill("We can help. Are you safe tonight?")
    page.get_by_role("button", name="Send message").click()
    page.wait_for_url("**/cases/requests/*/")
    assert "1 file" in page.content()

    person.goto(f"/help/r/?lang={lang}")
    person.locator("input[name=receipt]").fill(receipt.lower())
    person.locator("button[type=submit]").click()
    assert "We can help. Are you safe tonight?" in person.content()
    person.locator("textarea[name=text]").fill("Yes, at my aunt's.")
    person.locator("button[type=submit]").click()
    assert "Yes, at my aunt's." in person.content()
    shoot(person, f"{lang}-4-conversation")
    assert phone.cookies() == []
    phone.close()

    page.reload()
    page.get_by_label("Case title:").fill("Evacuation from Grozny")
    page.get_by_role("button", name="Open case").click()
    page.wait_for_url("**/cases/*/")
    content = page.content()
    assert "We can help. Are you safe tonight?" in content and "at my aunt" in content
    shoot(page, f"{lang}-5-case")
    assert Case.objects.count() == 1
