"""A caseworker signs in, sees the reminders count in the header, reads them and clears them."""

import re
from datetime import timedelta

from django.utils import timezone

from conftest import add_totp
from haven.accounts.models import Membership
from haven.accounts.tests.factories import TeamFactory, UserFactory
from haven.cases import actions
from haven.tests.browser.conftest import sign_in_through_page
from haven.vocab.models import term


def _contrast(first: str, second: str) -> float:
    """WCAG contrast ratio of two CSS ``rgb(r, g, b)`` colours."""

    def luminance(colour: str) -> float:
        channels = [int(c) / 255 for c in re.findall(r"\d+", colour)[:3]]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_reminders_from_the_header(page, shoot, transactional_db):
    team = TeamFactory(name="Hotline")
    worker = UserFactory(email="worker@example.org", full_name="Zarema")
    colleague = UserFactory(email="colleague@example.org", full_name="Colleague")
    for user in (worker, colleague):
        Membership.objects.create(team=team, user=user, access=Membership.Access.MEMBER)
    case = actions.open_case(team=team, by=worker, title="Two brothers")
    actions.plan_action(
        case,
        by=worker,
        kind=term("action_type", "shelter"),
        title="Find a shelter",
        owner=worker,
        due_on=timezone.localdate() - timedelta(days=1),
    )
    handed = actions.open_case(team=team, by=colleague, title="Handed over", lead=worker)
    sign_in_through_page(page, worker, add_totp(worker))

    header = page.locator("header .reminders")
    assert header.inner_text().split() == ["Reminders", "2"]
    text, background = page.locator("header .reminders .badge").evaluate(
        "e => [getComputedStyle(e).color, getComputedStyle(e).backgroundColor]"
    )
    assert _contrast(text, background) >= 4.5, f"the count is {text} on {background}"
    header.click()
    page.wait_for_url("**/reminders/")
    for width in (390, 1366):  # ends wide: on a phone the header's links fold into Menu
        page.set_viewport_size({"width": width, "height": 800})
        shoot(page, f"{width}")
    assert page.get_by_role("link", name=handed.code).is_visible()
    assert page.get_by_role("cell", name="Find a shelter", exact=False).is_visible()

    page.get_by_role("button", name="Mark all as read").click()
    page.wait_for_url("**/reminders/")
    assert "1 notification marked as read." in page.content()
    assert page.locator("header .reminders").inner_text().split() == ["Reminders", "1"]

    worker.language = "ru"
    worker.save()
    page.reload()
    assert page.locator("header .reminders").inner_text().split() == ["Напоминания", "1"]
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 800})
        shoot(page, f"ru-{width}")
