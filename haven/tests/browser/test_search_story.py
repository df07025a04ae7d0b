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
    assert "Салман Тагиров" in page.locator(".hits").inner_text()
    shoot(page, "ru")
