"""The pickers' suggestions endpoint: POST only, behind CSRF, within the policy, audited."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from conftest import sign_in
from haven.accounts.models import Membership
from haven.accounts.tests.factories import TeamFactory
from haven.audit.models import AuditEntry
from haven.cases import actions as cases
from haven.people.actions import add_person

PICK = reverse("search:pick")


@pytest.fixture
def world(personas, person):
    by, team = personas.member, personas.team
    salman = add_person(team=team, by=by, name="Салман Тагиров")
    other = TeamFactory(name="Other desk")
    Membership.objects.create(team=other, user=personas.outsider, access="member")
    hidden = add_person(team=other, by=personas.outsider, name="Салман Тагаев")
    return {"ibragim": person, "salman": salman, "hidden": hidden, "other": other}


def pick(client, **data):
    response = client.post(PICK, data)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_a_latin_spelling_finds_the_cyrillic_name(client, personas, world):
    sign_in(client, personas.member)
    results = pick(client, kind="person", q="Salman Tagirov")
    assert results[0] == {
        "id": str(world["salman"].uuid),
        "label": f"{world['salman'].code} Салман Тагиров",
    }


def test_codes_and_phone_numbers(client, personas, world):
    sign_in(client, personas.member)
    assert pick(client, kind="person", q=world["salman"].code)[0]["id"] == str(world["salman"].uuid)
    assert pick(client, kind="person", q="89280001122")[0]["id"] == str(world["ibragim"].uuid)


def test_nothing_from_a_team_the_user_is_not_on(client, personas, world):
    hidden = world["hidden"]
    for persona in (personas.member, personas.administrator, personas.read_only):
        sign_in(client, persona)
        for text in ("Салман Тагаев", hidden.code):
            found = pick(client, kind="person", q=text)
            assert str(hidden.uuid) not in {result["id"] for result in found}, persona
    sign_in(client, personas.outsider)
    assert pick(client, kind="person", q=hidden.code)[0]["id"] == str(hidden.uuid)


def test_write_limits_to_records_the_user_may_change(client, personas, world):
    case = cases.open_case(team=personas.team, by=personas.member, title="Protection for Tagirov")
    sign_in(client, personas.read_only)
    assert pick(client, kind="case", q=case.code)[0]["id"] == str(case.uuid)
    assert pick(client, kind="case", q=case.code, write="1") == []
    sign_in(client, personas.member)
    assert pick(client, kind="case", q="Protection Tagirov", write="1")[0]["id"] == str(case.uuid)


def test_team_limits_to_one_team(client, personas, world):
    sign_in(client, personas.outsider)
    assert pick(client, kind="person", q=world["hidden"].code, team=world["other"].pk)
    assert pick(client, kind="person", q=world["hidden"].code, team=personas.team.pk) == []


def test_places_and_authorities(client, personas, world):
    sign_in(client, personas.member)
    assert pick(client, kind="place", q="Грозный")[0]["label"].endswith("Grozny")
    assert "Investigative Committee of Russia" in [
        r["label"] for r in pick(client, kind="authority", q="investigative")
    ]


def test_get_is_refused_and_a_bad_kind_is_a_clear_400(client, personas, world):
    sign_in(client, personas.member)
    assert client.get(PICK, {"kind": "person", "q": "Salman"}).status_code == 405
    response = client.post(PICK, {"kind": "users", "q": "admin"})
    assert response.status_code == 400 and response.json()["results"] == []


def test_csrf_is_required(personas, world):
    client = Client(enforce_csrf_checks=True)
    sign_in(client, personas.member)
    assert client.post(PICK, {"kind": "person", "q": "Salman"}).status_code == 403
    page = client.get(reverse("search:search"))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())[1]
    response = client.post(PICK, {"kind": "person", "q": "Salman"}, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200


def test_each_lookup_is_audited_without_what_was_typed(client, personas, world):
    sign_in(client, personas.member)
    before = AuditEntry.objects.filter(action="search.picker").count()
    pick(client, kind="person", q="Salman Tagirov")
    entry = AuditEntry.objects.filter(action="search.picker").order_by("-seq").first()
    assert AuditEntry.objects.filter(action="search.picker").count() == before + 1
    assert entry.actor_id == personas.member.pk
    assert "Salman" not in entry.summary and entry.summary == "person: 1 results"


def test_only_narrows_to_the_ids_a_form_lists_and_never_widens(client, personas, world):
    sign_in(client, personas.member)
    salman, ibragim = world["salman"], world["ibragim"]
    assert pick(client, kind="person", q=salman.code, only=f"{ibragim.uuid}") == []
    assert pick(client, kind="person", q=salman.code, only=f"{salman.uuid} {ibragim.uuid}")
    assert pick(client, kind="person", q=salman.code, only="") == []
    # Listing a record the user may not see does not make it visible.
    hidden = world["hidden"]
    assert pick(client, kind="person", q=hidden.code, only=str(hidden.uuid)) == []
    assert client.post(PICK, {"kind": "person", "q": "x", "only": "nope"}).status_code == 400


def test_a_case_page_suggests_only_the_persons_on_the_case(client, personas, world):
    case = cases.open_case(
        team=personas.team, by=personas.member, title="Protection", persons=[world["salman"]]
    )
    sign_in(client, personas.member)
    page = client.get(reverse("cases:action_new", kwargs={"uuid": case.uuid})).content.decode()
    assert f'data-only="{world["salman"].uuid}"' in page
