"""The statistics chart's key: each colour square stays a small square beside its label."""

from conftest import add_totp
from haven.accounts.models import Membership, Role, User
from haven.cases.demo import load_demo
from haven.tests.browser.conftest import sign_in_through_page


def test_the_chart_key_squares_stay_12_px(page, shoot, transactional_db):
    admin = User.objects.create_user(
        email="admin@example.org", password="correct horse battery staple", role=Role.ADMINISTRATOR
    )
    load_demo(admin, extra_cases=2, extra_incidents=20)
    Membership.objects.filter(user=admin).update(access=Membership.Access.MEMBER)
    sign_in_through_page(page, admin, add_totp(admin))
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 800})
        page.goto("/incidents/statistics/")
        shoot(page, f"{width}")
        chart = page.get_by_test_id("acts-per-month").bounding_box()
        assert chart["width"] > 200, f"at {width} px the chart itself shrank: {chart}"
        squares = page.locator(".legend li svg")
        assert squares.count() >= 2
        for n in range(squares.count()):
            box = squares.nth(n).bounding_box()
            assert (round(box["width"]), round(box["height"])) == (12, 12), (
                f"at {width} px, key square {n + 1} is {box['width']} x {box['height']} px"
            )
