"""The recovery-codes page keeps every number clear of every code, on a desktop and a phone."""

import base64

from django_otp.oath import TOTP

from haven.accounts.actions import create_user
from haven.accounts.models import Role

# A list number is a ::marker, which has no box of its own in the DOM. An outside
# marker ends where its item's content starts; its width is that of its text ("10. ")
# in the item's font, measured on a throwaway copy.
MEASURE = """items => items.map((item, index) => {
    const code = item.querySelector('code').getBoundingClientRect();
    const probe = document.createElement('span');
    probe.textContent = `${index + 1}. `;
    probe.style.font = getComputedStyle(item).font;
    probe.style.whiteSpace = 'pre';
    probe.style.position = 'absolute';
    document.body.append(probe);
    const number = probe.getBoundingClientRect().width;
    probe.remove();
    const own = item.getBoundingClientRect();
    const list = item.parentElement.getBoundingClientRect();
    return {
        code: [code.left, code.top, code.right, code.bottom],
        number: [code.left - number, own.top, code.left, own.bottom],
        item: [own.left, own.top, own.right, own.bottom],
        list: [list.left, list.top, list.right, list.bottom],
    };
})"""


def overlap(a, b) -> bool:
    return a[0] < b[2] - 0.5 and b[0] < a[2] - 0.5 and a[1] < b[3] - 0.5 and b[1] < a[3] - 0.5


def test_recovery_code_numbers_never_overlap_the_codes(page, shoot, transactional_db):
    user, one_time = create_user(email="ruslan@example.org", role=Role.CASEWORKER)
    page.goto("/accounts/login/")
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Password").fill(one_time)
    page.get_by_role("button", name="Continue").click()
    secret = page.get_by_test_id("totp-secret").inner_text().replace(" ", "")
    page.get_by_label("Six-digit code from your authenticator app").fill(
        f"{TOTP(base64.b32decode(secret)).token():06d}"
    )
    page.get_by_role("button", name="Confirm").click()
    items = page.get_by_test_id("recovery-codes").locator("li")
    assert items.count() == 10
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 800})
        shoot(page, f"{width}")
        boxes = items.evaluate_all(MEASURE)
        for n, box in enumerate(boxes, start=1):
            assert box["number"][2] - box["number"][0] > 5, f"at {width} px, no number {n}"
            # Numbers sit left of their code; a code stays within its item and the list.
            assert box["code"][2] <= box["item"][2] + 0.5, f"at {width} px, code {n} is clipped"
            assert box["list"][0] <= box["number"][0], f"at {width} px, number {n} leaves the list"
            assert box["code"][2] <= box["list"][2] + 0.5, (
                f"at {width} px, code {n} leaves the list"
            )
            for m, other in enumerate(boxes, start=1):
                assert not overlap(box["number"], other["code"]), (
                    f"at {width} px, number {n} overlaps code {m}: {box['number']} {other['code']}"
                )
                if m != n:
                    assert not overlap(box["code"], other["code"]), (
                        f"at {width} px, codes {n} and {m} overlap"
                    )
