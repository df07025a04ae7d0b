"""People: encrypted at rest, visible only to the team, versioned, found by blind index."""

from html.parser import HTMLParser

import pytest
from django.db import connection
from django.urls import reverse

from conftest import sign_in
from haven.audit.models import AuditEntry
from haven.people.actions import update_person
from haven.people.models import Person
from haven.records.models import RecordVersion
from haven.tests.access import check_access
from haven.tests.helpers import (
    CREATORS,
    EVERYONE,
    NOT_THEIRS,
    READERS,
    WRITERS,
    assert_queries_do_not_grow,
    once_token,
    once_tokens,
    post_form,
)


def test_detail_by_persona(personas, person):
    url = reverse("people:detail", kwargs={"uuid": person.uuid})
    check_access(personas, "people:detail", url, READERS)


def test_edit_by_persona(personas, person):
    url = reverse("people:edit", kwargs={"uuid": person.uuid})
    check_access(personas, "people:edit", url, WRITERS)
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
    check_access(personas, "people:history", history, READERS)
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
    check_access(personas, "people:list", reverse("people:list"), EVERYONE)
    check_access(personas, "people:new", reverse("people:new"), CREATORS)


def test_list_shows_only_own_team(client, personas, person):
    sign_in(client, personas.outsider)
    assert "Ибрагим" not in client.get(reverse("people:list")).content.decode()
    sign_in(client, personas.member)
    html = client.get(reverse("people:list")).content.decode()
    # Pseudonyms by default: the list shows the code; a lookup by name shows the name.
    assert person.code in html and "Ибрагим" not in html
    html = client.post(reverse("people:list"), {"q": "Ибрагим"}).content.decode()
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
    response = post_form(
        client,
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


def test_delete_asks_first(client, personas, person):
    sign_in(client, personas.member)
    detail = client.get(reverse("people:detail", kwargs={"uuid": person.uuid})).content.decode()
    url = reverse("people:delete", kwargs={"uuid": person.uuid})
    assert f'href="{url}"' in detail  # the person page links to the question, it deletes nothing
    page = client.get(url)
    assert page.status_code == 200
    assert f"Delete {person.code}?" in page.content.decode()
    assert "Ибрагим Селимханов" in page.content.decode()
    assert Person.objects.visible_to(personas.member).filter(pk=person.pk).exists()


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


def test_list_queries_do_not_grow(client, personas):
    from haven.people.actions import add_person

    made = [0]

    def add_rows(count):
        for _ in range(count):
            made[0] += 1
            add_person(team=personas.team, by=personas.member, name=f"Person {made[0]}")

    add_rows(1)
    sign_in(client, personas.member)
    assert_queries_do_not_grow(client, reverse("people:list"), add_rows)


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
    page = reverse("people:detail", kwargs={"uuid": person.uuid})
    move = reverse("people:move", kwargs={"uuid": person.uuid})
    bad = post_form(client, move, {"place": "Нижний Новгород", "since": "summer"}, token_from=page)
    assert bad.status_code == 400
    assert "summer 2020" in bad.content.decode()  # the accepted forms, by example
    for place, since in [("Нижний Новгород", "2020-06"), ("Грозный", "2021-02")]:
        post_form(client, move, {"place": place, "since": since}, token_from=page)
    person = Person.objects.get(pk=person.pk)
    assert [m["place"] for m in person.whereabouts] == ["Нижний Новгород", "Грозный"]
    assert person.current_whereabouts["since"] == "2021-02"
    post_form(
        client,
        reverse("people:relate", kwargs={"uuid": uncle.uuid}),
        {"kind": term("relationship", "relative").pk, "other": person.pk, "note": "uncle"},
        token_from=reverse("people:detail", kwargs={"uuid": uncle.uuid}),
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


def test_a_new_person_sent_twice_is_saved_once(client, personas):
    sign_in(client, personas.member)
    url = reverse("people:new")
    data = {"name": "Zelimkhan", "kind": "individual", "team": personas.team.pk}
    data["once"] = once_token(client.get(url))
    first = client.post(url, data)
    second = client.post(url, data, follow=True)
    assert first.status_code == 302 and second.status_code == 200
    assert "already sent" in second.content.decode()
    assert Person.objects.count() == 1


def test_a_move_or_relationship_sent_twice_is_saved_once(client, personas, person):
    from haven.people.actions import add_person
    from haven.people.models import Relationship
    from haven.vocab.models import term

    uncle = add_person(team=personas.team, by=personas.member, name="Руслан")
    sign_in(client, personas.member)
    page = client.get(reverse("people:detail", kwargs={"uuid": person.uuid}))
    move_token, relate_token = once_tokens(page)
    move = {"place": "Грозный", "since": "2021-02", "once": move_token}
    relation = {
        "kind": term("relationship", "relative").pk,
        "other": uncle.pk,
        "once": relate_token,
    }
    for _ in range(2):
        client.post(reverse("people:move", kwargs={"uuid": person.uuid}), move)
        client.post(reverse("people:relate", kwargs={"uuid": person.uuid}), relation)
    assert len(Person.objects.get(pk=person.pk).whereabouts) == 1
    assert Relationship.objects.filter(person=person).count() == 1


@pytest.mark.parametrize("field", ["team", "deleted_at", "code"])
def test_update_person_refuses_what_has_its_own_verb(personas, person, field):
    from django.utils import timezone

    from haven.accounts.tests.factories import TeamFactory

    value = {"team": TeamFactory(name="Other desk"), "deleted_at": timezone.now(), "code": "P-1"}
    with pytest.raises(TypeError, match=field):
        update_person(person, by=personas.member, notes="changed", **{field: value[field]})
    person = Person.objects.get(pk=person.pk)
    assert (person.team, person.deleted_at, person.notes) == (
        personas.team,
        None,
        "Detained in April 2020.",
    )
    assert RecordVersion.objects.filter(object_uuid=person.uuid).count() == 1


def test_people_of_two_teams_are_not_related(client, personas, person):
    from django.core.exceptions import ValidationError

    from haven.accounts.models import Membership
    from haven.accounts.tests.factories import TeamFactory
    from haven.people.actions import add_person, relate
    from haven.people.models import Relationship
    from haven.vocab.models import term

    other_team = TeamFactory(name="Other desk")
    Membership.objects.create(team=other_team, user=personas.member)
    stranger = add_person(team=other_team, by=personas.member, name="Чужой")
    kind = term("relationship", "relative")
    with pytest.raises(ValidationError) as refused:
        relate(person, stranger, kind=kind, by=personas.member)
    assert "other" in refused.value.message_dict
    with pytest.raises(ValidationError):
        relate(person, person, kind=kind, by=personas.member)
    sign_in(client, personas.member)
    response = post_form(
        client,
        reverse("people:relate", kwargs={"uuid": person.uuid}),
        {"kind": kind.pk, "other": stranger.pk},
        token_from=reverse("people:detail", kwargs={"uuid": person.uuid}),
    )
    assert response.status_code == 400
    assert person.code in response.content.decode()
    assert not Relationship.objects.exists()


class _Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.ids += [value for name, value in attrs if name == "id"]


def _duplicate_ids(response) -> list[str]:
    parser = _Ids()
    parser.feed(response.content.decode())
    return sorted({i for i in parser.ids if parser.ids.count(i) > 1})


def test_person_page_ids_are_unique(client, personas, person):
    sign_in(client, personas.member)
    page = client.get(reverse("people:detail", kwargs={"uuid": person.uuid}))
    assert 'name="note"' in page.content.decode()
    assert _duplicate_ids(page) == []
    # With a sent form open again, its errors shown.
    bad = post_form(
        client,
        reverse("people:move", kwargs={"uuid": person.uuid}),
        {"place": "", "since": "summer", "note": "x"},
        token_from=reverse("people:detail", kwargs={"uuid": person.uuid}),
    )
    assert bad.status_code == 400
    assert _duplicate_ids(bad) == []


def test_person_page_shows_registered_sections(client, personas, person, settings):
    import copy

    from haven.people import sections

    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["APP_DIRS"] = False
    templates[0]["OPTIONS"]["loaders"] = [
        (
            "django.template.loaders.locmem.Loader",
            {"test/section.html": "<h2>{{ section.heading }} of {{ person.code }}</h2>"},
        ),
        "django.template.loaders.filesystem.Loader",
        "django.template.loaders.app_directories.Loader",
    ]
    settings.TEMPLATES = templates
    seen = []

    def build(user, shown):
        seen.append((user, shown))
        return {"heading": "Test section"} if shown.pk == person.pk else None

    sections.register("test-section", "test/section.html", build)
    try:
        sign_in(client, personas.member)
        html = client.get(reverse("people:detail", kwargs={"uuid": person.uuid})).content.decode()
        assert f"<h2>Test section of {person.code}</h2>" in html
        assert seen == [(personas.member, person)]
    finally:
        del sections._SECTIONS["test-section"]


def test_restoring_another_persons_version_is_not_found(client, personas, person):
    from haven.people.actions import add_person

    other = add_person(team=personas.team, by=personas.member, name="Другой")
    update_person(person, by=personas.member, notes="Moved.")
    theirs = RecordVersion.objects.get(object_uuid=other.uuid)
    sign_in(client, personas.member)
    response = client.post(
        reverse("people:restore", kwargs={"uuid": person.uuid, "version": theirs.uuid})
    )
    assert response.status_code == 404
    assert Person.objects.get(pk=person.pk).notes == "Moved."


def test_history_reads_as_text_not_python(client, personas, person):
    from haven.accounts.models import Membership
    from haven.accounts.tests.factories import TeamFactory
    from haven.people.actions import record_move
    from haven.records.actions import move_record

    update_person(person, by=personas.member, other_names=["Ibragim Selimkhanov", "Ибрагим"])
    record_move(
        person, by=personas.member, place="Нижний Новгород", since="2020-06", note="shelter"
    )
    update_person(person, by=personas.member, gender="male")
    other = TeamFactory(name="Other desk")
    Membership.objects.create(team=other, user=personas.member)
    move_record(Person.objects.get(pk=person.pk), other, by=personas.member)
    sign_in(client, personas.member)
    html = client.get(reverse("people:history", kwargs={"uuid": person.uuid})).content.decode()
    for raw in ("[&#x27;", "{&#x27;", "[{", "&#x27;kind&#x27;"):
        assert raw not in html, f"raw Python {raw!r} on the history page"
    assert "Ibragim Selimkhanov, Ибрагим" in html
    assert "+7 928 000-11-22" in html
    assert "Нижний Новгород · since June 2020 — shelter" in html
    assert ">Male<" in html
    assert f">{personas.team.name}<" in html and ">Other desk<" in html
    assert f">{personas.team.pk}<" not in html and f">{other.pk}<" not in html


def test_a_stale_edit_is_refused_instead_of_overwriting(client, personas, person):
    """Two people open the same edit page; the second to send is told, not silently
    overwriting the first, keeps what they typed, and can then save on purpose."""
    from haven.tests.helpers import form_version

    edit = reverse("people:edit", kwargs={"uuid": person.uuid})
    sign_in(client, personas.member)
    first, second = client.get(edit), client.get(edit)
    saved = client.post(edit, {"name": "Ibragim A.", "kind": "individual", **form_version(first)})
    assert saved.status_code == 302
    refused = client.post(
        edit, {"name": "Ibragim Aliev", "kind": "individual", **form_version(second)}
    )
    assert refused.status_code == 409
    page = refused.content.decode()
    assert "Someone else saved this record after you opened it" in page
    assert 'value="Ibragim Aliev"' in page  # what they typed is kept
    person.refresh_from_db()
    assert person.name == "Ibragim A."
    again = client.post(
        edit, {"name": "Ibragim Aliev", "kind": "individual", **form_version(refused)}
    )
    assert again.status_code == 302
    person.refresh_from_db()
    assert person.name == "Ibragim Aliev"
    # A post that carries no version at all is not taken as current either.
    blind = client.post(edit, {"name": "Someone", "kind": "individual"})
    assert blind.status_code == 409
    person.refresh_from_db()
    assert person.name == "Ibragim Aliev"
