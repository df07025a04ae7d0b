"""The trail above each page (Home › Cases › C-0042 › Edit) and the tab's title, in both
languages; a record the user may not see is never named in it."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from conftest import sign_in
from haven.cases import actions

TRAIL = re.compile(r'<nav class="trail" aria-label="([^"]+)"><ol>(.*?)</ol></nav>', re.S)
STEP = re.compile(r'<li><a href="([^"]+)"( aria-current="page")?>([^<]*)</a></li>')
TITLE = re.compile(r"<title>(.*?)</title>", re.S)


@pytest.fixture
def case(personas, person):
    return actions.open_case(
        team=personas.team, by=personas.member, title="Two brothers", persons=[person]
    )


def trail_of(response) -> list[tuple[str, str, bool]]:
    """(label, link, is the current page) of each step, or [] without a trail."""
    found = TRAIL.search(response.content.decode())
    if found is None:
        return []
    return [(label, href, bool(current)) for href, current, label in STEP.findall(found[2])]


def title_of(response) -> str:
    return TITLE.search(response.content.decode())[1]


def test_a_case_page_sits_under_cases(client, personas, case):
    sign_in(client, personas.member)
    response = client.get(reverse("cases:detail", kwargs={"uuid": case.uuid}))
    assert trail_of(response) == [
        ("Home", "/", False),
        ("Cases", "/cases/", False),
        (case.code, f"/cases/{case.uuid}/", True),
    ]
    assert title_of(response) == f"{case.code} · Cases · Haven"
    # The header marks the section the page is in, and only that one.
    assert response.content.decode().count('aria-current="true"') == 1
    assert '<a href="/cases/" aria-current="true">Cases</a>' in response.content.decode()


def test_an_edit_page_names_the_record_then_the_verb_in_russian(client, personas, case):
    sign_in(client, personas.member)
    with translation.override("ru"):
        client.cookies["django_language"] = "ru"
        response = client.get(
            reverse("cases:edit", kwargs={"uuid": case.uuid}), HTTP_ACCEPT_LANGUAGE="ru"
        )
    assert 'aria-label="Навигационная цепочка"' in response.content.decode()
    labels = [label for label, _href, _current in trail_of(response)]
    assert labels == ["Главная", "Дела", case.code, "Изменить"]
    assert trail_of(response)[-1][2], "the last step is the current page"


def test_a_form_about_a_record_names_it_without_showing_it(client, personas, case):
    """The plan-an-action page does not render the case itself: its code comes through
    the policy layer."""
    sign_in(client, personas.member)
    response = client.get(reverse("cases:action_new", kwargs={"uuid": case.uuid}))
    assert [label for label, _h, _c in trail_of(response)] == [
        "Home",
        "Cases",
        case.code,
        "Plan an action",
    ]
    assert title_of(response) == f"Plan an action · {case.code} · Cases · Haven"


def test_a_person_removal_page(client, personas, person):
    sign_in(client, personas.member)
    response = client.get(reverse("people:delete", kwargs={"uuid": person.uuid}))
    assert [label for label, _h, _c in trail_of(response)] == [
        "Home",
        "People",
        person.code,
        "Delete",
    ]


def test_an_outsider_is_never_told_the_code(client, personas, case):
    sign_in(client, personas.outsider)
    for name in ("cases:detail", "cases:edit", "cases:action_new"):
        response = client.get(reverse(name, kwargs={"uuid": case.uuid}))
        assert response.status_code == 404
        assert case.code not in response.content.decode()
        labels = [label for label, _h, _c in trail_of(response)]
        assert labels[:2] == ["Home", "Cases"]
        assert labels[-1] == "Not found"
        if name != "cases:detail":
            assert labels[2] == "Case"


def test_lists_and_the_dashboard(client, personas):
    sign_in(client, personas.member)
    assert trail_of(client.get("/")) == [], "the dashboard is Home"
    response = client.get(reverse("incidents:statistics"))
    assert [label for label, _h, _c in trail_of(response)] == ["Home", "Incidents", "Statistics"]
    assert title_of(response) == "Statistics · Incidents · Haven"


def test_no_trail_before_sign_in(client, db):  # the login page asks whether a lockdown is on
    response = client.get(reverse("accounts:login"))
    assert trail_of(response) == []
