"""A documenter of a large team looks for duplicates: the page starts the search in the
background, shows its step while it runs, then the pairs; a merge takes its pair off the
list. In English and Russian, on a laptop and a phone."""

from django.utils import timezone
from playwright.sync_api import expect

from conftest import add_totp
from haven.accounts.models import Membership
from haven.accounts.tests.factories import TeamFactory, UserFactory
from haven.people.actions import add_person
from haven.people.models import DuplicateSearch
from haven.tests.browser.conftest import sign_in_through_page
from haven.tests.browser.test_screens import _no_sideways_page_scroll


def test_duplicates_of_a_large_team_are_found_in_the_background(
    page, shoot, transactional_db, settings
):
    settings.HAVEN_DUPLICATES_IN_REQUEST = 2  # the people below are "many", merged or not
    team = TeamFactory(name="Documentation")
    worker = UserFactory(email="documenter@example.org", full_name="Documenter")
    Membership.objects.create(team=team, user=worker, access=Membership.Access.MEMBER)
    first = add_person(team=team, by=worker, name="Салех Магамадов", birth_date="1999-05-04")
    add_person(team=team, by=worker, name="Salekh Magamadow", birth_date="1999-05-04")
    add_person(team=team, by=worker, name="Ислам Бетиев", birth_date="1995")
    add_person(team=team, by=worker, name="Islam Betiev", birth_date="1995")
    sign_in_through_page(page, worker, add_totp(worker))

    page.goto("/people/duplicates/")
    assert "Your teams have 4 people" in page.locator("main").inner_text()
    page.get_by_role("button", name="Look for duplicates").click()
    page.wait_for_url("**/people/duplicates/")
    rows = page.locator("table tbody tr")
    assert rows.count() == 2
    assert "names match across scripts" in rows.first.inner_text()
    assert "among 4 people" in page.locator("main").inner_text()
    for width in (390, 1366):
        page.set_viewport_size({"width": width, "height": 800})
        page.reload()
        shoot(page, f"found-{width}")
        # The table scrolls in its own region; its hidden "Actions" title once widened
        # the whole page on a phone.
        _no_sideways_page_scroll(page, f"possible duplicates at {width} px")

    row = rows.filter(has_text=first.code)
    row.get_by_role("button", name=f"Keep {first.code}").click()
    page.wait_for_url("**/people/duplicates/")
    assert page.locator("table tbody tr").count() == 1  # the merged pair has left
    assert first.code not in page.locator("table tbody").inner_text()

    # While the worker works, the page says which step it is on and updates that part in
    # place (focus stays where it is); when the search is done, it shows the pairs.
    running = DuplicateSearch.objects.create(
        created_by=worker,
        status=DuplicateSearch.Status.RUNNING,
        step=DuplicateSearch.Step.READING,
        people=3,
        started_at=timezone.now(),
    )
    page.goto("/people/duplicates/")
    status = page.get_by_role("status")
    assert status.inner_text() == "Step 1 of 2: reading 3 people."
    assert page.get_by_role("button", name="Look again").count() == 0
    undo = page.get_by_role("button", name="Undo")
    undo.focus()
    shoot(page, "running-en")
    DuplicateSearch.objects.filter(pk=running.pk).update(step=DuplicateSearch.Step.COMPARING)
    expect(status).to_have_text("Step 2 of 2: comparing 3 people.", timeout=10000)
    assert page.evaluate("document.activeElement.textContent") == "Undo"  # not reloaded
    page.get_by_label("Language").select_option("ru")
    expect(page.get_by_role("status")).to_have_text("Шаг 2 из 2: сравнение записей о людях (3).")
    shoot(page, "running-ru")
    with page.expect_navigation():  # done: the page loads again, with the pairs
        DuplicateSearch.objects.filter(pk=running.pk).update(
            status=DuplicateSearch.Status.DONE, finished_at=timezone.now()
        )
    expect(page.locator("main")).to_contain_text("Найдено")
