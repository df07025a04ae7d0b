"""A caseworker's round of the redesigned pages: a person's page gathers the cases and
incidents other modules know of, a form sent twice saves once, and on a phone a wide
table scrolls under the keyboard."""

from conftest import add_totp
from haven.accounts.models import Membership, Role, User
from haven.cases.demo import load_demo
from haven.people.models import Person
from haven.tests.browser.conftest import sign_in_through_page


def _member(transactional_db):
    admin = User.objects.create_user(
        email="admin@example.org", password="correct horse battery staple", role=Role.ADMINISTRATOR
    )
    load_demo(admin, extra_cases=2, extra_incidents=3)
    Membership.objects.filter(user=admin).update(access=Membership.Access.MEMBER)
    return admin, add_totp(admin)


def test_person_page_sections_and_a_form_sent_twice(page, shoot, transactional_db):
    admin, device = _member(transactional_db)
    sign_in_through_page(page, admin, device)
    salman = next(p for p in Person.objects.all() if p.name == "Салман Тагиров")
    page.goto(f"/people/{salman.uuid}/")
    cases = page.locator("h2", has_text="Cases").locator("xpath=following-sibling::ul[1]")
    assert "Not on any case." not in cases.inner_text()
    assert page.get_by_test_id("person-timeline").is_visible()
    ids = page.eval_on_selector_all("[id]", "nodes => nodes.map(n => n.id)")
    assert len(ids) == len(set(ids)), "duplicate ids on the person page"
    shoot(page, "person-en")

    # A move recorded with a double click: the second submission saves nothing.
    page.get_by_text("Record a move").click()
    page.get_by_label("Where").fill("Nizhny Novgorod")
    page.locator("#id_move_since").fill("2021-02")
    button = page.locator("form[action$='/move/'] button[type=submit]")
    button.dblclick()
    # The second submission cancels the first page load in the browser; whichever answer
    # arrives last is shown: "updated", or "already sent" for the repeat.
    page.locator(".messages").wait_for()
    shoot(page, "moved")
    salman.refresh_from_db()
    moves = [m for m in salman.whereabouts if m["place"] == "Nizhny Novgorod"]
    assert len(moves) == 1

    with page.expect_navigation():
        page.get_by_label("Language").select_option("ru")
    page.goto("/people/new/")
    assert page.locator("h1").inner_text() == "Добавить человека"
    page.get_by_role("button", name="Сохранить").click()
    assert "Обязательное поле" in page.locator("main form").inner_text()
    shoot(page, "new-person-ru-refused")


def test_a_wide_table_on_a_phone_takes_the_keyboard(browser, live_server, shoot, transactional_db):
    admin, device = _member(transactional_db)
    context = browser.new_context(
        base_url=live_server.url, locale="en-GB", viewport={"width": 375, "height": 740}
    )
    phone = context.new_page()
    try:
        sign_in_through_page(phone, admin, device)
        phone.goto("/incidents/")
        region = phone.get_by_role("region", name="Incidents")
        scroll_width, client_width = region.evaluate("n => [n.scrollWidth, n.clientWidth]")
        assert scroll_width > client_width, "the table fits: nothing to scroll"
        region.focus()
        phone.keyboard.press("ArrowRight")
        phone.keyboard.press("ArrowRight")
        phone.keyboard.press("ArrowRight")
        # Scrolling may be smooth: wait for it rather than read it at once.
        phone.wait_for_function("n => n.scrollLeft > 0", arg=region.element_handle())
        shoot(phone, "incidents-phone")
    finally:
        context.close()
