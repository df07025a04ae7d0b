"""Playwright drives the system Chromium against a live Haven; screenshots go to test-artifacts."""

import os
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"
CHROMIUM = os.environ.get("HAVEN_CHROMIUM", "/usr/bin/chromium")
# Chromium's own background traffic would hit this machine's closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    # Playwright's sync API runs an event loop in this thread; the ORM calls that
    # tests make around it are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    tab = context.new_page()
    tab.set_default_timeout(15000)
    yield tab
    context.close()


@pytest.fixture
def shoot(request):
    ARTIFACTS.mkdir(exist_ok=True)

    def take(page, name):
        path = ARTIFACTS / f"{request.node.name}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    take.folder = ARTIFACTS
    return take


def sign_in_through_page(page, user, device, password="correct horse battery staple"):
    """Sign in as a person would: e-mail and password, then the authenticator's code."""
    from conftest import totp_code

    page.goto("/accounts/login/")
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Six-digit code from your authenticator app").fill(totp_code(device))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url("**/")


def pick(page, label, text):
    """Type ``text`` in the picker labelled ``label`` and take its first suggestion with
    the keyboard, as a person would."""
    field = page.get_by_label(label, exact=True)
    field.fill(text)
    field.locator("xpath=..").locator(".picker-list [role=option]").first.wait_for()
    field.press("ArrowDown")
    field.press("Enter")
