"""The main pages on a laptop (1366 px) and a phone (390 px), in English and Russian: the
header is one line on the laptop, the modules fold behind Menu on the phone (which opens
by click and by keyboard), nothing but a table's own region scrolls sideways, and each
page says where it is (title and breadcrumbs). Screenshots go to test-artifacts/screens/."""

import pytest

from conftest import add_totp
from haven.accounts.models import Membership, Role, User
from haven.cases.demo import load_demo
from haven.cases.models import Case
from haven.incidents.models import Incident
from haven.people.models import Person
from haven.tests.browser.conftest import ARTIFACTS, sign_in_through_page

WORDS = {
    "en": {
        "trail": "Breadcrumb",
        "menu": "Menu",
        "modules": "Modules",
        "home": "Home",
        "cases": "Cases",
        "incidents": "Incidents",
        "people": "People",
        "sources": "Sources",
        "search": "Search",
        "edit": "Edit",
    },
    "ru": {
        "trail": "Навигационная цепочка",
        "menu": "Меню",
        "modules": "Разделы",
        "home": "Главная",
        "cases": "Дела",
        "incidents": "Инциденты",
        "people": "Люди",
        "sources": "Источники",
        "search": "Поиск",
        "edit": "Изменить",
    },
}


def _pages(words):
    """(name, path, the trail's steps) of the main pages."""
    case = Case.objects.order_by("opened_on").first()
    incident = Incident.objects.order_by("pk").first()
    person = next(p for p in Person.objects.all() if p.name == "Салман Тагиров")
    home = words["home"]
    return [
        ("dashboard", "/", []),
        ("cases", "/cases/", [home, words["cases"]]),
        ("case", f"/cases/{case.uuid}/", [home, words["cases"], case.code]),
        (
            "case-edit",
            f"/cases/{case.uuid}/edit/",
            [home, words["cases"], case.code, words["edit"]],
        ),
        ("incidents", "/incidents/", [home, words["incidents"]]),
        ("incident", f"/incidents/{incident.uuid}/", [home, words["incidents"], incident.code]),
        ("people", "/people/", [home, words["people"]]),
        ("person", f"/people/{person.uuid}/", [home, words["people"], person.code]),
        ("sources", "/sources/", [home, words["sources"]]),
        ("search", "/search/?q=Tagirov", [home, words["search"]]),
    ]


def _check_trail(page, words, expected):
    trail = page.get_by_role("navigation", name=words["trail"])
    if not expected:
        assert trail.count() == 0, "the dashboard is Home: no trail"
        return
    steps = trail.get_by_role("listitem")
    assert steps.all_inner_texts() == expected
    current = trail.locator("[aria-current=page]")
    assert current.count() == 1
    assert current.inner_text() == expected[-1]
    # The tab's title names the page and the section it is in.
    assert expected[-1] in page.title()
    if len(expected) > 2:
        assert expected[1] in page.title()


def _header_is_one_line(page):
    """Every visible part of the header shares one line: each one's box overlaps the
    vertical band of every other, and the header is no taller than one such line."""
    boxes = page.eval_on_selector_all(
        "header.top a, header.top summary, header.top button, header.top select",
        """nodes => nodes.filter(n => n.offsetParent !== null && n.closest('.dropdown ul') === null)
                       .map(n => { const r = n.getBoundingClientRect();
                                   return [r.top, r.bottom, n.textContent.trim()]; })""",
    )
    assert len(boxes) >= 8, boxes
    lowest_top = max(top for top, _b, _t in boxes)
    highest_bottom = min(bottom for _t, bottom, _n in boxes)
    assert lowest_top < highest_bottom, f"the header wraps: {boxes}"
    height = page.locator("header.top").evaluate("n => n.getBoundingClientRect().height")
    assert height < 64, f"the header is {height}px tall"


def _no_sideways_page_scroll(page, name):
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{name}: the page scrolls sideways ({width[0]} > {width[1]})"


def _menu_folds_and_opens(page, words):
    nav = page.get_by_role("navigation", name=words["modules"])
    cases = nav.get_by_role("link", name=words["cases"], exact=True)
    assert not cases.is_visible(), "the modules show on a phone before Menu is pressed"
    button = page.locator("summary", has_text=words["menu"])
    button.click()
    assert cases.is_visible()
    page.keyboard.press("Escape")
    assert not cases.is_visible(), "Escape leaves the menu open"
    # By keyboard alone: Tab to Menu, Enter opens it, Tab reaches the first module.
    page.locator(".brand").focus()
    for _step in range(6):
        page.keyboard.press("Tab")
        if button.evaluate("n => n === document.activeElement"):
            break
    assert button.evaluate("n => n === document.activeElement"), "Menu cannot be reached by Tab"
    page.keyboard.press("Enter")
    assert cases.is_visible()
    page.keyboard.press("Tab")
    assert cases.evaluate("n => n === document.activeElement")
    return button


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize("width", [390, 1366])
def test_main_pages_fit_and_say_where_you_are(
    browser, live_server, transactional_db, language, width
):
    admin = User.objects.create_user(
        email="admin@example.org", password="correct horse battery staple", role=Role.ADMINISTRATOR
    )
    load_demo(admin, extra_cases=2, extra_incidents=3)
    Membership.objects.filter(user=admin).update(access=Membership.Access.MEMBER)
    admin.full_name = "Администратор Константинопольский-Щедрин"
    admin.save()
    device = add_totp(admin)
    height = 844 if width == 390 else 768
    context = browser.new_context(
        base_url=live_server.url, locale="en-GB", viewport={"width": width, "height": height}
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    folder = ARTIFACTS / "screens"
    folder.mkdir(parents=True, exist_ok=True)
    words = WORDS[language]
    try:
        sign_in_through_page(page, admin, device)
        if language == "ru":
            if width == 390:
                page.locator("summary", has_text="Menu").click()
            with page.expect_navigation():
                page.get_by_label("Language").select_option("ru")
        for name, path, trail in _pages(words):
            page.goto(path)
            page.screenshot(path=str(folder / f"{name}-{language}-{width}.png"), full_page=True)
            _check_trail(page, words, trail)
            if width == 1366:
                _header_is_one_line(page)
            else:
                _no_sideways_page_scroll(page, name)
        if width == 390:
            page.goto("/")
            _menu_folds_and_opens(page, words)
            page.screenshot(path=str(folder / f"menu-open-{language}-{width}.png"))
        else:
            # A smaller laptop: the bar may take two lines, but the page never scrolls sideways.
            page.set_viewport_size({"width": 1024, "height": 768})
            page.goto("/cases/")
            _no_sideways_page_scroll(page, "cases at 1024 px")
            page.screenshot(path=str(folder / f"cases-{language}-1024.png"))
            page.set_viewport_size({"width": 1366, "height": 768})
            page.goto("/")
            admin_menu = page.locator(
                "summary", has_text="Administration" if language == "en" else "Администрирование"
            )
            admin_menu.click()
            page.screenshot(path=str(folder / f"administration-{language}-{width}.png"))
    finally:
        context.close()


def test_the_header_without_javascript(browser, live_server, transactional_db):
    """The menus are plain <details>: a laptop shows the modules in one line and a phone
    opens Menu with a tap, with no script at all."""
    admin = User.objects.create_user(
        email="admin@example.org", password="correct horse battery staple", role=Role.ADMINISTRATOR
    )
    device = add_totp(admin)
    folder = ARTIFACTS / "screens"
    folder.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(
        base_url=live_server.url,
        locale="en-GB",
        java_script_enabled=False,
        viewport={"width": 1366, "height": 768},
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        sign_in_through_page(page, admin, device)
        page.get_by_label("Language").select_option("ru")
        with page.expect_navigation():
            page.get_by_role("button", name="Switch").click()
        page.goto("/cases/")
        words = WORDS["ru"]
        nav = page.get_by_role("navigation", name=words["modules"])
        assert nav.get_by_role("link", name=words["cases"], exact=True).is_visible()
        _header_is_one_line(page)
        page.screenshot(path=str(folder / "no-script-ru-1366.png"))

        page.set_viewport_size({"width": 390, "height": 844})
        cases = nav.get_by_role("link", name=words["cases"], exact=True)
        assert not cases.is_visible()
        page.locator("summary", has_text=words["menu"]).click()
        assert cases.is_visible()
        _no_sideways_page_scroll(page, "cases without script")
        page.screenshot(path=str(folder / "no-script-menu-ru-390.png"))
    finally:
        context.close()
