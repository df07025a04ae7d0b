"""Find a demo person typed in the other script, with a typo."""

from conftest import add_totp
from haven.accounts.models import Membership, Role, User
from haven.cases.demo import load_demo
from haven.tests.browser.conftest import sign_in_through_page


def test_find_a_demo_person_in_the_other_script_with_a_typo(page, shoot, transactional_db):
    admin = User.objects.create_user(
        email="admin@example.org", password="correct horse battery staple", role=Role.ADMINISTRATOR
    )
    load_demo(admin, extra_cases=2, extra_incidents=3)
    Membership.objects.filter(user=admin).update(access=Membership.Access.MEMBER)
    device = add_totp(admin)
    sign_in_through_page(page, admin, device)
    page.goto("/search/")
    # The demo records "Салман Тагиров"; search in Latin, with one letter wrong.
    page.get_by_label("Search").first.fill("Salman Tagirow")
    page.get_by_role("button", name="Search").click()
    hits = page.locator(".hits li")
    assert "Салман Тагиров" in hits.first.inner_text()
    shoot(page, "en")
    page.get_by_role("button", name="People").click()
    assert all(
        "Салман" in text or "Тагиров" in text or "Tagirov" in text
        for text in hits.all_inner_texts()
    )
    with page.expect_navigation():
        page.get_by_label("Language").select_option("ru")
    page.get_by_label("Поиск").first.fill("Тагирофф")
    page.get_by_role("button", name="Поиск").click()
    assert "Салман Тагиров" in page.locator("ol.hits").first.inner_text()
    shoot(page, "ru")


def test_find_the_words_of_the_demo_narratives(page, shoot, transactional_db):
    admin = User.objects.create_user(
        email="admin@example.org", password="correct horse battery staple", role=Role.ADMINISTRATOR
    )
    load_demo(admin, extra_cases=0, extra_incidents=0)
    Membership.objects.filter(user=admin).update(access=Membership.Access.MEMBER)
    device = add_totp(admin)
    sign_in_through_page(page, admin, device)
    page.goto("/search/")
    # "beaten" is in the first request and in the first incident's description.
    page.get_by_label("Search").first.fill("beaten police")
    page.get_by_role("button", name="Search").click()
    texts = page.locator("[data-texts]")
    assert texts.get_by_role("heading", name="In texts").is_visible()
    assert texts.locator("mark", has_text="beaten").count() >= 2
    shoot(page, "words-en")
    page.get_by_label("Search").first.fill('"sexual orientation"')
    page.get_by_role("button", name="Search").click()
    assert "sexual orientation" in texts.locator("mark").first.inner_text()
    with page.expect_navigation():
        page.get_by_label("Language").select_option("ru")
    page.get_by_label("Поиск").first.fill("и в на")
    page.get_by_role("button", name="Поиск").click()
    assert page.locator("[data-texts-message]").is_visible()
    page.get_by_label("Поиск").first.fill("honour*")
    page.get_by_role("button", name="Поиск").click()
    assert page.locator("[data-texts] mark").first.inner_text().startswith("honour")
    shoot(page, "words-ru")
