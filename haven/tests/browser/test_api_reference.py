"""The API's reference page draws the schema under Haven's strict CSP, and a token made
on the account page works at once."""

import json
import urllib.request

from conftest import add_totp
from haven.accounts.models import Membership, Role, User
from haven.accounts.tests.factories import TeamFactory
from haven.tests.browser.conftest import sign_in_through_page


def test_the_reference_renders_without_csp_violations(page, shoot, transactional_db, live_server):
    user = User.objects.create_user(
        email="bot-owner@example.org", password="correct horse battery staple", role=Role.CASEWORKER
    )
    Membership.objects.create(team=TeamFactory(name="Hotline"), user=user)
    sign_in_through_page(page, user, add_totp(user))
    violations, errors = [], []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => "
        "console.error('CSP ' + e.violatedDirective + ' ' + e.blockedURI))"
    )
    page.goto("/api/v1/docs/")
    page.locator(".opblock-tag", has_text="requests").first.wait_for()
    page.get_by_text("File a request for help").first.wait_for()
    shoot(page, "reference")
    violations = [text for text in errors if text.startswith("CSP")]
    assert violations == [], violations
    assert errors == [], errors

    # A token made on the account page, shown once, files a request at once.
    page.goto("/accounts/tokens/")
    page.get_by_label("Name").fill("Hotline bot")
    page.get_by_label("Requests: write").check()
    page.get_by_role("button", name="Create the token").click()
    secret = page.locator(".secret").inner_text().strip()
    shoot(page, "token")
    request = urllib.request.Request(  # noqa: S310 - the live test server
        f"{live_server.url}/api/v1/requests/",
        data=json.dumps({"channel": "hotline", "summary": "A call for help."}).encode(),
        headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request) as response:  # noqa: S310
        assert response.status == 201
    page.goto("/accounts/tokens/")
    assert "never" not in page.locator("tbody tr").first.inner_text()
