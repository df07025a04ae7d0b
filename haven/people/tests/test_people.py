"""People: encrypted at rest, visible only to the team, versioned, found by blind index."""

import pytest
from django.db import connection
from django.urls import reverse

from conftest import sign_in
from haven.audit.models import AuditEntry
from haven.people.actions import update_person
from haven.people.models import Person
from haven.records.models import RecordVersion
from haven.tests.access import check_access

NOT_THEIRS = {"administrator": 404, "outsider": 404}


def test_detail_by_persona(personas, person):
    url = reverse("people:detail", kwargs={"uuid": person.uuid})
    check_access(personas, "people:detail", url, {"member": 200, "read_only": 200, **NOT_THEIRS})


def test_edit_by_persona(personas, person):
    url = reverse("people:edit", kwargs={"uuid": person.uuid})
    check_access(personas, "people:edit", url, {"member": 200, "read_only": 403, **NOT_THEIRS})
    check_access(
        personas,
        "people:edit",
        url,
        {"read_only": 403, **NOT_THEIRS},
        method="post",
        data={"name": "X", "kind": "individual"},
    )


def test_history_delete_restore_by_persona(personas, person):
    history = reverse("people:history", kwargs={"uuid": person.uuid})
    check_access(
        personas, "people:history", history, {"member": 200, "read_only": 200, **NOT_THEIRS}
    )
    version = RecordVersion.objects.get(object_uuid=person.uuid)
    restore = reverse("people:restore", kwargs={"uuid": person.uuid, "version": version.uuid})
    check_access(
        personas, "people:restore", restore, {"member": 405, "read_only": 405, "outsider": 405}
    )
    check_access(
        personas, "people:restore", restore, {"read_only": 403, **NOT_THEIRS}, method="post"
    )
    delete = reverse("people:delete", kwargs={"uuid": person.uuid})
    check_access(personas, "people:delete", delete, {"read_only": 403, **NOT_THEIRS}, method="post")


def test_list_and_new_by_persona(personas, person):
    check_access(
        personas,
        "people:list",
        reverse("people:list"),
        {"member": 200, "read_only": 200, "outsider": 200, "administrator": 200},
    )
    check_access(
        personas,
        "people:new",
        reverse("people:new"),
        {"member": 200, "read_only": 403, "outsider": 403, "administrator": 403},
    )


def test_list_shows_only_own_team(client, personas, person):
    sign_in(client, personas.outsider)
    assert "Ибрагим" not in client.get(reverse("people:list")).content.decode()
    sign_in(client, personas.member)
    html = client.get(reverse("people:list")).content.decode()
    assert person.code in html and "Ибрагим" in html


def test_name_is_not_stored_in_clear(person):
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, notes, contacts FROM people_person")
        row = cursor.fetchone()
    for column in row:
        raw = bytes(column)
        assert "Ибрагим".encode() not in raw
        assert b"April" not in raw and b"928" not in raw


def test_views_are_audited(client, personas, person):
    sign_in(client, personas.read_only)
    client.get(reverse("people:detail", kwargs={"uuid": person.uuid}))
    entry = AuditEntry.objects.order_by("-seq").first()
    assert (entry.action, entry.object_id, entry.actor) == (
        "people.person.viewed",
        str(person.uuid),
        personas.read_only,
    )
    sign_in(client, personas.outsider)
    client.get(reverse("people:detail", kwargs={"uuid": person.uuid}))
    entry = AuditEntry.objects.order_by("-seq").first()
    assert (entry.action, entry.actor) == ("access.denied", personas.outsider)
    assert "Ибрагим" not in entry.summary


def test_create_edit_through_pages(client, personas):
    sign_in(client, personas.member)
    response = client.post(
        reverse("people:new"),
        {
            "name": "Zelimkhan",
            "kind": "individual",
            "team": personas.team.pk,
            "birth_date": "1998-05",
            "contacts": "zelim@example.org\n+7 900 111 22 33",
        },
    )
    assert response.status_code == 302
    person = Person.objects.get()
    assert str(person.birth_date) == "1998-05"
    assert [c["kind"] for c in person.contacts] == ["email", "phone"]
    bad = client.post(
        reverse("people:edit", kwargs={"uuid": person.uuid}),
        {"name": "Zelimkhan", "kind": "individual", "birth_date": "May 98"},
    )
    assert bad.status_code == 400
    assert "Enter a year" in bad.content.decode()
    person.refresh_from_db()
    assert str(person.birth_date) == "1998-05"


def test_history_diff_and_restore(client, personas, person):
    update_person(person, by=personas.member, notes="Moved to Nizhny Novgorod.")
    sign_in(client, personas.member)
    page = client.get(reverse("people:history", kwargs={"uuid": person.uuid}))
    html = page.content.decode()
    assert "Detained in April 2020." in html and "Moved to Nizhny Novgorod." in html
    first = RecordVersion.objects.get(object_uuid=person.uuid, number=1)
    client.post(reverse("people:restore", kwargs={"uuid": person.uuid, "version": first.uuid}))
    person = Person.objects.get(pk=person.pk)
    assert person.notes == "Detained in April 2020."
    assert RecordVersion.objects.filter(object_uuid=person.uuid).count() == 3
    assert RecordVersion.objects.get(object_uuid=person.uuid, number=3).change == "restored"


def test_delete_is_soft(client, personas, person):
    sign_in(client, personas.member)
    client.post(reverse("people:delete", kwargs={"uuid": person.uuid}))
    assert client.get(reverse("people:detail", kwargs={"uuid": person.uuid})).status_code == 404
    assert Person.objects.filter(pk=person.pk).exists()
    assert RecordVersion.objects.filter(object_uuid=person.uuid, change="deleted").exists()


@pytest.mark.parametrize(
    "query", ["89280001122", "+7 (928) 000-11-22", "ибрагим", "SELIMKHANOV", "Селимханов"]
)
def test_blind_lookup(client, personas, person, query):
    sign_in(client, personas.member)
    page = client.post(reverse("people:list"), {"q": query})
    assert person.code in page.content.decode()


def test_blind_lookup_hides_other_teams(client, personas, person):
    sign_in(client, personas.outsider)
    page = client.post(reverse("people:list"), {"q": "ибрагим"})
    assert person.code not in page.content.decode()


def test_list_queries_do_not_grow(client, personas, django_assert_max_num_queries):
    from haven.people.actions import add_person

    for n in range(30):
        add_person(team=personas.team, by=personas.member, name=f"Person {n}")
    sign_in(client, personas.member)
    with django_assert_max_num_queries(15):
        assert client.get(reverse("people:list")).status_code == 200


def test_move_and_relate_by_persona(personas, person):
    for name in ("people:move", "people:relate"):
        target = reverse(name, kwargs={"uuid": person.uuid})
        check_access(personas, name, target, {"member": 405, "read_only": 405})
        check_access(personas, name, target, {"read_only": 403, **NOT_THEIRS}, method="post")


def test_whereabouts_history_and_relationships(client, personas, person):
    from haven.people.actions import add_person
    from haven.vocab.models import term

    uncle = add_person(team=personas.team, by=personas.member, name="Руслан")
    sign_in(client, personas.member)
    bad = client.post(
        reverse("people:move", kwargs={"uuid": person.uuid}),
        {"place": "Нижний Новгород", "since": "summer"},
    )
    assert bad.status_code == 400
    assert "Enter a year" in bad.content.decode()
    for place, since in [("Нижний Новгород", "2020-06"), ("Грозный", "2021-02")]:
        client.post(
            reverse("people:move", kwargs={"uuid": person.uuid}), {"place": place, "since": since}
        )
    person = Person.objects.get(pk=person.pk)
    assert [m["place"] for m in person.whereabouts] == ["Нижний Новгород", "Грозный"]
    assert person.current_whereabouts["since"] == "2021-02"
    client.post(
        reverse("people:relate", kwargs={"uuid": uncle.uuid}),
        {"kind": term("relationship", "relative").pk, "other": person.pk, "note": "uncle"},
    )
    html = client.get(reverse("people:detail", kwargs={"uuid": uncle.uuid})).content.decode()
    assert person.code in html and "uncle" in html


def test_restoring_a_version_from_before_a_move_keeps_the_team(personas, person):
    from haven.accounts.models import Membership
    from haven.accounts.tests.factories import TeamFactory
    from haven.records.actions import move_record, restore_version

    other = TeamFactory(name="Other desk")
    Membership.objects.create(team=other, user=personas.member)
    move_record(person, other, by=personas.member)
    first = RecordVersion.objects.get(object_uuid=person.uuid, number=1)
    restore_version(Person.objects.get(pk=person.pk), first, by=personas.member)
    person = Person.objects.get(pk=person.pk)
    assert person.team == other
    assert RecordVersion.objects.get(object_uuid=person.uuid, number=3).change == "restored"
