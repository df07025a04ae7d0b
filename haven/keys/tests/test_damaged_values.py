"""One damaged ciphertext is contained: the pages that list the record keep working for
the whole team, the value shows as damaged, the damage is audited and found by a check."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse

from conftest import sign_in
from haven.audit.models import AuditEntry
from haven.keys import fields
from haven.people.actions import add_person, update_person
from haven.people.models import Person

pytestmark = pytest.mark.django_db


def flip_one_byte(person, column="name", at=-5):
    table = Person._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [person.pk])
        blob = bytearray(bytes(cursor.fetchone()[0]))
        blob[at] ^= 0x01
        cursor.execute(f"UPDATE {table} SET {column} = %s WHERE id = %s", [bytes(blob), person.pk])
    fields._reported.clear()


@pytest.fixture
def damaged(personas, person):
    other = add_person(
        team=personas.team, by=personas.member, name="Ислам Бетиев", nicknames=["Исик"]
    )
    flip_one_byte(person)
    return person, other


@pytest.mark.parametrize(
    "page",
    [
        lambda p: reverse("people:list"),
        lambda p: reverse("people:duplicates"),
        lambda p: reverse("people:detail", kwargs={"uuid": p.uuid}),
        lambda p: reverse("people:edit", kwargs={"uuid": p.uuid}),
        lambda p: reverse("search:search") + "?q=Ибрагим+Селимханов",
    ],
    ids=["list", "duplicates", "detail", "edit", "search"],
)
def test_pages_listing_a_damaged_value_still_answer(client, personas, damaged, page):
    person, other = damaged
    sign_in(client, personas.member)
    response = client.get(page(person))
    assert response.status_code == 200
    text = response.content.decode()
    if "duplicates" not in response.request["PATH_INFO"]:
        assert "[damaged value]" in text or "Ибрагим" not in text


def test_the_list_and_the_pages_show_damage_and_the_rest_as_usual(client, personas, damaged):
    person, other = damaged
    sign_in(client, personas.member)
    text = client.get(reverse("people:list")).content.decode()  # codes only
    assert person.code in text and other.code in text
    text = client.get(reverse("people:detail", kwargs={"uuid": person.uuid})).content.decode()
    assert '<span class="damaged">[damaged value]</span>' in text
    text = client.get(reverse("people:list"), {"q": "Бетиев"}).content.decode()
    assert "Ислам Бетиев" in text


def test_damage_is_audited_once_per_value(client, personas, damaged):
    person, _ = damaged
    sign_in(client, personas.member)
    client.get(reverse("people:detail", kwargs={"uuid": person.uuid}))
    client.get(reverse("people:detail", kwargs={"uuid": person.uuid}))
    entries = AuditEntry.objects.filter(action="record.damaged")
    assert [(e.object_id, e.summary) for e in entries] == [
        (str(person.uuid), "field name does not decrypt")
    ]


def test_saving_the_record_keeps_the_damaged_bytes_and_a_new_value_repairs_it(personas, damaged):
    person, _ = damaged
    table = Person._meta.db_table

    def stored():
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT name FROM {table} WHERE id = %s", [person.pk])
            return bytes(cursor.fetchone()[0])

    before = stored()
    person = Person.objects.get(pk=person.pk)
    update_person(person, by=personas.member, name="", notes="Seen in Moscow.")
    assert stored() == before  # not erased by an edit that left the stand-in empty
    update_person(person, by=personas.member, name="Ибрагим Селимханов")
    assert Person.objects.get(pk=person.pk).name == "Ибрагим Селимханов"


def test_the_record_check_lists_every_damaged_value(personas, damaged, capsys):
    person, _ = damaged
    with pytest.raises(CommandError, match="1 damaged value"):
        call_command("records", "verify")
    out = capsys.readouterr().out
    assert f"people.person {person.uuid} name" in out
    update_person(Person.objects.get(pk=person.pk), by=personas.member, name="Ибрагим")
    call_command("records", "verify")
    assert "no damaged value" in capsys.readouterr().out


def test_opening_a_page_together_opens_what_reading_would_and_contains_damage(personas, damaged):
    """``open_all`` (an API list page's values opened before they are shown) gives each
    instance the values reading them would give, leaves fields it was not asked for
    sealed, and keeps a damaged value as damaged, audited once."""
    person, other = damaged
    page = list(Person.objects.filter(pk__in=[person.pk, other.pk]).order_by("pk"))
    expected = [
        (p.name, p.notes)
        for p in Person.objects.filter(pk__in=[person.pk, other.pk]).order_by("pk")
    ]

    def sealed(instance):
        return {name for name, value in instance.__dict__.items() if type(value) is fields.Sealed}

    before = [sealed(instance) for instance in page]
    assert all("name" in names and len(names) > 1 for names in before)

    fields.open_all(page, {"name"})

    assert [sealed(instance) for instance in page] == [names - {"name"} for names in before]
    assert [(p.name, p.notes) for p in page] == expected
    damaged_one = next(p for p in page if p.pk == person.pk)
    assert isinstance(damaged_one.__dict__["name"], fields.Damaged)
    assert str(damaged_one.name) == "[damaged value]"
    assert AuditEntry.objects.filter(action="record.damaged").count() == 1


def test_an_empty_list_that_is_the_default_is_stored_as_null_and_reads_back_empty(personas):
    """Its ciphertext's length said it was empty; sealing it cost an import five seals a
    person. A list with something in it is sealed as before."""
    from django.db import connection

    saved = add_person(team=personas.team, by=personas.member, name="Адам Исаев", nicknames=["А"])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT contacts, other_names, nicknames FROM people_person WHERE id = %s", [saved.pk]
        )
        contacts, other_names, nicknames = cursor.fetchone()
    assert contacts is None and other_names is None
    assert bytes(nicknames)[:1] != b"[" and b"\xd0\x90" not in bytes(nicknames)
    again = Person.objects.get(pk=saved.pk)
    assert (again.contacts, again.other_names, again.nicknames) == ([], [], ["А"])
