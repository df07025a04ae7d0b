"""A sealed person: the name forms and contacts reach the members named, no one else.

The walk requests every page of the route table as a member who is not named and
looks for the sealed person's name forms and contact in each answer; then the
lookups (the people list's, the search page's, a picker's), the exports and the API.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from conftest import sign_in
from haven.api.tests.conftest import ApiClient, token_for
from haven.audit.models import AuditEntry
from haven.people.actions import record_move, seal_person, unseal_person, update_person
from haven.people.models import Person
from haven.tests.test_routes import ROUTES

# The victim's name forms and contact, set before sealing (the world's own names are
# also in the search page's hint).
NAME = "Альви Хасанбеков"
SEALED_FORMS = ("Альви", "Хасанбеков", "Alvi", "Khasanbekov", "Альвик", "+7 928 555-01-02")


@pytest.fixture
def sealed(personas, world):
    """``world.victim`` sealed by the member, who alone is named."""
    victim = world.victim
    update_person(
        victim,
        by=personas.member,
        name=NAME,
        other_names=["Alvi Khasanbekov"],
        nicknames=["Альвик"],
        contacts=[{"kind": "phone", "value": "+7 928 555-01-02"}],
    )
    return seal_person(victim, by=personas.member, members=[personas.member])


def _leaks(content: bytes) -> list[str]:
    return [form for form in SEALED_FORMS if form.encode() in content]


def _signed_in(user) -> Client:
    client = Client()
    sign_in(client, user)
    return client


def test_every_page_shows_the_code_only_to_a_member_not_named(personas, world, sealed):
    """The read-only member (not named) opens every page of the route table they may."""
    reader = _signed_in(personas.read_only)
    walked = 0
    for name, entry in sorted(ROUTES.items()):
        if entry.get.get("read_only") != 200:
            continue
        url = reverse(name, kwargs=entry.kwargs(world))
        response = reader.get(url)
        assert response.status_code == 200, f"GET {url}: {response.status_code}"
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert not _leaks(body), f"{name} ({url}) shows {_leaks(body)} to a member not named"
        walked += 1
    assert walked > 30  # the walk did reach the pages
    # The pages that list the person do show them, by code.
    for url in (
        reverse("people:list"),
        reverse("people:detail", kwargs={"uuid": sealed.uuid}),
        reverse("incidents:detail", kwargs={"uuid": world.incident.uuid}),
        reverse("people:detail", kwargs={"uuid": world.person.uuid}),  # its relationship
    ):
        assert sealed.code in reader.get(url).content.decode(), url


def test_the_member_named_sees_the_name(personas, world, sealed):
    member = _signed_in(personas.member)
    html = member.get(reverse("people:detail", kwargs={"uuid": sealed.uuid})).content.decode()
    assert NAME in html and "+7 928 555-01-02" in html
    html = member.get(reverse("incidents:detail", kwargs={"uuid": world.incident.uuid}))
    assert NAME in html.content.decode()
    found = member.post(reverse("people:list"), {"q": "Хасанбеков"}).content.decode()
    assert sealed.code in found and NAME in found


def test_the_search_finds_a_sealed_person_for_the_member_named_only(personas, sealed):
    member, reader = _signed_in(personas.member), _signed_in(personas.read_only)
    for query in ("Хасанбеков", "Alvi Khasanbekov", "+7 928 555-01-02"):
        response = member.post(reverse("search:search"), {"q": query})
        assert sealed.code in response.content.decode(), f"the member named misses {query!r}"
        response = reader.post(reverse("search:search"), {"q": query})
        # Not found, nor counted: a count would say someone of that name is there.
        assert sealed.code not in response.content.decode(), query
        assert response.context["total"] == len(response.context["hits"]), query


def test_every_view_of_a_sealed_person_page_is_on_the_record(personas, sealed):
    url = reverse("people:detail", kwargs={"uuid": sealed.uuid})
    _signed_in(personas.read_only).get(url)
    _signed_in(personas.member).get(url)
    entries = AuditEntry.objects.filter(
        action="people.person.sealed_viewed", object_id=str(sealed.uuid)
    ).order_by("seq")
    assert [(e.actor, e.summary) for e in entries] == [
        (personas.read_only, "code only"),
        (personas.member, "name shown"),
    ]
    assert AuditEntry.objects.filter(action="people.person.sealed", actor=personas.member).exists()


def test_lookups_do_not_find_a_sealed_person_by_name_or_contact(personas, sealed):
    reader = _signed_in(personas.read_only)
    for query in ("Хасанбеков", "Alvi Khasanbekov", "+7 928 555-01-02"):
        found = reader.post(reverse("people:list"), {"q": query}).content.decode()
        assert sealed.code not in found, f"the people list finds {query!r}"
        found = reader.post(reverse("search:search"), {"q": query}).content.decode()
        assert sealed.code not in found, f"the search finds {query!r}"
        assert not _leaks(found.replace(query, "").encode())  # the box keeps the query
    # By the code, as anyone may.
    found = reader.post(reverse("people:list"), {"q": sealed.code}).content.decode()
    assert sealed.code in found and not _leaks(found.encode())


def test_exports_and_the_api_show_the_code(personas, world, sealed):
    reader = _signed_in(personas.read_only)  # a lawyer: may make identifying exports
    for kind in ("people", "incidents", "cases"):
        response = reader.post(
            reverse("exports:download", kwargs={"kind": kind}),
            {
                "export-format": "json",
                "export-variant": "identifying",
                "export-reason": "For the court in Grozny, case file",
            },
        )
        assert response.status_code == 200, kind
        body = b"".join(response.streaming_content)
        assert not _leaks(body), f"the {kind} export carries {_leaks(body)}"
        if kind == "people":
            assert sealed.code.encode() in body and "Ибрагим".encode() in body
    api = ApiClient(token_for(personas.read_only)[1])
    for url in (
        "/api/v1/people/",
        f"/api/v1/people/{sealed.uuid}/",
        f"/api/v1/incidents/{world.incident.uuid}/",
    ):
        response = api.get(url)
        assert response.status_code == 200, url
        assert not _leaks(response.content), f"{url} carries {_leaks(response.content)}"
        assert sealed.code in response.content.decode(), url
    for query in ("Хасанбеков", sealed.code):
        response = api.post("/api/v1/search/", {"query": query})
        assert response.status_code == 200, response.content
        assert not _leaks(response.content), f"the API's search carries {_leaks(response.content)}"
    named = ApiClient(token_for(personas.member)[1]).get(f"/api/v1/people/{sealed.uuid}/")
    assert NAME in named.content.decode()
    # A named member's identifying export names them: a streamed file is read for its maker.
    personas.member.role = "coordinator"
    personas.member.save(update_fields=["role"])
    for fmt in ("csv", "xlsx"):
        response = _signed_in(personas.member).post(
            reverse("exports:download", kwargs={"kind": "people"}),
            {
                "export-format": fmt,
                "export-variant": "identifying",
                "export-reason": "For the court in Grozny, case file",
            },
        )
        body = b"".join(response.streaming_content)
        if fmt == "csv":
            assert NAME.encode() in body
        else:
            assert body.startswith(b"PK")


def test_a_member_not_named_cannot_change_or_unseal_the_person(personas, sealed):
    from haven.accounts.models import Membership
    from haven.accounts.tests.factories import UserFactory

    other = UserFactory()
    Membership.objects.create(team=sealed.team, user=other, access=Membership.Access.MEMBER)
    client = _signed_in(other)
    for name in ("people:edit", "people:seal"):
        url = reverse(name, kwargs={"uuid": sealed.uuid})
        assert client.get(url).status_code == 403, name
        assert client.post(url, {}).status_code == 403, name
    with pytest.raises(PermissionDenied):
        update_person(Person.objects.get(pk=sealed.pk), by=other, name="P-0")
    with pytest.raises(PermissionDenied):
        unseal_person(Person.objects.get(pk=sealed.pk), by=other)
    # A move recorded by them keeps the real name: saving reads the real values.
    record_move(Person.objects.get(pk=sealed.pk), by=other, place="Москва")
    seal_person(Person.objects.get(pk=sealed.pk), by=personas.member, members=[other])
    person = Person.objects.get(pk=sealed.pk)
    from haven.audit.context import audit_context

    with audit_context("cli", actor=other):
        assert person.name == NAME
        assert person.whereabouts[-1]["place"] == "Москва"


def test_sealing_names_members_of_the_team_only(personas, sealed):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        seal_person(sealed, by=personas.member, members=[personas.outsider])


def test_the_seal_page_seals_and_unseals(personas, world):
    member = _signed_in(personas.member)
    url = reverse("people:seal", kwargs={"uuid": world.person.uuid})
    assert "Named members" in member.get(url).content.decode()
    response = member.post(url, {"sealed": "on", "members": [str(personas.member.pk)]})
    assert response.status_code == 302
    person = Person.objects.get(pk=world.person.pk)
    assert person.sealed and person.sealed_for == [personas.member.pk]
    reader = _signed_in(personas.read_only)
    html = reader.get(reverse("people:detail", kwargs={"uuid": person.uuid})).content.decode()
    assert "Ибрагим" not in html and person.code in html
    assert member.post(url, {}).status_code == 302
    assert not Person.objects.get(pk=world.person.pk).sealed
    html = reader.get(reverse("people:detail", kwargs={"uuid": person.uuid})).content.decode()
    assert "Ибрагим" in html


def test_a_team_archive_needs_a_member_named_on_each_sealed_person(personas, sealed):
    """An archive carries every name and not the seal: a member not named may not make one."""
    import io

    from haven.accounts.models import Membership
    from haven.accounts.tests.factories import UserFactory
    from haven.exchange.archive.format import ArchiveError
    from haven.exchange.archive.writing import export_team

    other = UserFactory()
    Membership.objects.create(team=sealed.team, user=other, access=Membership.Access.MEMBER)
    with pytest.raises(ArchiveError, match=sealed.code):
        export_team(sealed.team, by=other, out=io.StringIO())
    out = io.StringIO()
    export_team(sealed.team, by=personas.member, out=out)
    assert NAME in out.getvalue()
