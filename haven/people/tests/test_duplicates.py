"""Duplicate people: found across scripts with reasons, merged keeping everything, undone."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from conftest import sign_in
from haven.cases import actions as cases
from haven.incidents import actions as incidents
from haven.incidents.models import Act
from haven.lib.fuzzy_dates import FuzzyDate
from haven.people.actions import add_person, relate, remove_person
from haven.people.blocking import candidate_pairs
from haven.people.duplicates import find
from haven.people.merging import merge, undo
from haven.people.models import Person
from haven.records.models import RecordVersion
from haven.tests.access import check_access
from haven.tests.helpers import EVERYONE, NOT_THEIRS
from haven.vocab.models import term


@pytest.fixture
def pair(personas):
    by, team = personas.member, personas.team
    cyrillic = add_person(
        team=team,
        by=by,
        name="Салех Магамадов",
        birth_date="1999",
        contacts=[{"kind": "phone", "value": "+7 928 111-22-33"}],
    )
    latin = add_person(
        team=team,
        by=by,
        name="Salekh Magamadow",
        birth_date="1999-05",
        contacts=[{"kind": "phone", "value": "89281112233"}],
    )
    add_person(team=team, by=by, name="Ismail Isayev")
    return cyrillic, latin


def test_pair_found_with_reasons(personas, pair):
    candidates = find(Person.objects.all())
    assert len(candidates) == 1
    found = candidates[0]
    assert {found.a, found.b} == set(pair)
    reasons = " ".join(found.reasons)
    assert "names match across scripts" in reasons
    assert "share a contact" in reasons and "same birth year 1999" in reasons


def test_different_birth_years_lower_the_score(personas):
    by, team = personas.member, personas.team
    add_person(team=team, by=by, name="Ислам Келоев", birth_date="1980")
    add_person(team=team, by=by, name="Islam Keloev", birth_date="2002")
    assert find(Person.objects.all()) == []


def test_other_teams_are_never_paired(personas, pair):
    from haven.accounts.models import Membership
    from haven.accounts.tests.factories import TeamFactory

    other = TeamFactory()
    Membership.objects.create(team=other, user=personas.outsider)
    add_person(team=other, by=personas.outsider, name="Салех Магамадов", birth_date="1999")
    assert len(find(Person.objects.all())) == 1


def test_merge_keeps_everything_and_undo_restores_it(personas, pair, person):
    kept, merged = pair
    by = personas.member
    case = cases.open_case(team=personas.team, by=by, title="Case", persons=[kept, merged])
    incident = incidents.record_incident(
        team=personas.team, by=by, title="Detention", start=FuzzyDate.parse("2020-04")
    )
    act = incidents.record_act(incident, by=by, act_type=term("act_type", "torture"), victim=merged)
    relate(person, merged, kind=term("relationship", "relative"), by=by)
    result = merge(kept, merged, by=by)
    assert Act.objects.get(pk=act.pk).victim == kept
    assert list(case.persons.all()) == [kept]
    kept = Person.objects.get(pk=kept.pk)
    assert "Salekh Magamadow" in kept.other_names
    assert not Person.objects.visible_to(by).filter(pk=merged.pk).exists()
    assert RecordVersion.objects.filter(object_uuid=merged.uuid).exists()  # history kept
    undo(result, by=by)
    assert Act.objects.get(pk=act.pk).victim == merged
    assert set(case.persons.all()) == {kept, merged}
    assert Person.objects.visible_to(by).filter(pk=merged.pk).exists()
    assert "Salekh Magamadow" not in Person.objects.get(pk=kept.pk).other_names


def test_review_page_merge_and_undo(client, personas, pair):
    kept, merged = pair
    sign_in(client, personas.member)
    html = client.get(reverse("people:duplicates")).content.decode()
    assert kept.code in html and merged.code in html and "names match" in html
    client.post(reverse("people:merge"), {"kept": kept.uuid, "merged": merged.uuid})
    assert not Person.objects.visible_to(personas.member).filter(pk=merged.pk).exists()
    from haven.people.models import Merge

    result = Merge.objects.get()
    client.post(reverse("people:unmerge", kwargs={"uuid": result.uuid}))
    assert Person.objects.visible_to(personas.member).filter(pk=merged.pk).exists()
    again = client.post(reverse("people:unmerge", kwargs={"uuid": result.uuid}), follow=True)
    assert "already undone" in again.content.decode()


def test_pages_by_persona(personas, pair):
    from haven.people.models import Merge

    check_access(personas, "people:duplicates", reverse("people:duplicates"), EVERYONE)
    check_access(
        personas,
        "people:merge",
        reverse("people:merge"),
        {"read_only": 403, **NOT_THEIRS},
        method="post",
        data={"kept": pair[0].uuid, "merged": pair[1].uuid},
    )
    result = merge(pair[0], pair[1], by=personas.member)
    url = reverse("people:unmerge", kwargs={"uuid": Merge.objects.get(pk=result.pk).uuid})
    check_access(personas, "people:unmerge", url, {"member": 405, "outsider": 405})
    check_access(
        personas,
        "people:unmerge",
        url,
        {"read_only": 403, **NOT_THEIRS},
        method="post",
    )


def test_undoing_a_merge_of_another_team_is_refused_like_any_record(client, personas, pair):
    from haven.audit.models import AuditEntry
    from haven.people.models import Merge

    result = merge(pair[0], pair[1], by=personas.member)
    sign_in(client, personas.outsider)
    response = client.post(reverse("people:unmerge", kwargs={"uuid": result.uuid}))
    assert response.status_code == 404
    entry = AuditEntry.objects.order_by("-seq").first()
    assert (entry.action, entry.actor) == ("access.denied", personas.outsider)
    assert Merge.objects.get(pk=result.pk).undone_at is None


def test_cli_lists_codes_not_names(personas, pair, capsys):
    call_command("people", "duplicates")
    printed = capsys.readouterr()
    out = printed.out
    assert pair[0].code in out and pair[1].code in out and "1 candidate pairs" in out
    assert "Магамадов" not in out and "Magamadow" not in out
    # What it is doing goes to stderr, step by step, so that the pairs can be piped.
    steps = printed.err.splitlines()
    assert steps[0] == "reading and decrypting 3 people…"
    assert steps[1].startswith("read in ") and steps[1].endswith(" s; comparing them…")


def test_merge_moves_references_declared_without_a_reverse_name(personas, pair):
    from haven.cases.models import Request

    kept, merged = pair
    request = cases.record_request(
        team=personas.team,
        by=personas.member,
        channel=term("channel", "hotline"),
        requester=merged,
        summary="call",
    )
    other = add_person(team=personas.team, by=personas.member, name="Friend")
    relation = relate(other, merged, kind=term("relationship", "friend"), by=personas.member)
    merge(kept, merged, by=personas.member)
    assert Request.objects.get(pk=request.pk).requester == kept
    from haven.people.models import Relationship

    assert Relationship.objects.get(pk=relation.pk).other == kept


def test_one_shared_word_pairs_only_a_one_word_name(personas):
    by, team = personas.member, personas.team
    salman = add_person(team=team, by=by, name="Салман Тагиров", other_names=["Salman Tagirov"])
    adam = add_person(team=team, by=by, name="Адам Тагиров", other_names=["Adam Tagirov"])
    alone = add_person(team=team, by=by, name="Тагирофф")
    pairs = candidate_pairs(list(Person.objects.all()))
    # The surname written in two scripts is still one word: Salman and Adam are not paired.
    assert (min(salman.pk, adam.pk), max(salman.pk, adam.pk)) not in pairs
    assert {(min(alone.pk, other.pk), max(alone.pk, other.pk)) for other in (salman, adam)} <= set(
        pairs
    )


def test_a_typo_in_either_word_still_pairs(personas):
    by, team = personas.member, personas.team
    a = add_person(team=team, by=by, name="Зелимхан Дакаев")
    b = add_person(team=team, by=by, name="Zelimkhan Dakayef")
    c = add_person(team=team, by=by, name="Zelimhan Dakaev")
    d = add_person(team=team, by=by, name="Zelimkan Dakaev")
    pairs = candidate_pairs(list(Person.objects.all()))
    for x, y in ((a, b), (a, c), (a, d), (b, d)):
        assert (min(x.pk, y.pk), max(x.pk, y.pk)) in pairs


def test_one_word_spelt_two_ways_is_still_one_word(personas):
    by, team = personas.member, personas.team
    a = add_person(team=team, by=by, name="Юсуп Ахмедов", other_names=["Yusuf Akhmedov"])
    b = add_person(team=team, by=by, name="Юсуп Байсаров", other_names=["Yusuf Baysarov"])
    assert (min(a.pk, b.pk), max(a.pk, b.pk)) not in candidate_pairs(list(Person.objects.all()))


def test_a_merge_recorded_before_links_were_generic_still_undoes(personas, pair):
    """Merges saved by earlier versions list a shared case link as {"case_link": id}."""
    kept, merged = pair
    by = personas.member
    case = cases.open_case(team=personas.team, by=by, title="Case", persons=[kept, merged])
    result = merge(kept, merged, by=by)
    assert result.moved == [
        {"model": "cases.caseperson", "link": {"case_id": case.pk}, "field": "person"}
    ]
    result.moved = [{"case_link": case.pk}]
    result.save()
    undo(result, by=by)
    assert set(case.persons.all()) == {kept, merged}


def test_a_person_is_never_paired_with_a_group(personas):
    by, team = personas.member, personas.team
    phone = [{"kind": "phone", "value": "+7 928 000-11-22"}]
    add_person(team=team, by=by, name="Ислам Бетиев", birth_date="1995", contacts=phone)
    add_person(team=team, by=by, name="Родственники Ислама Бетиева", kind="group", contacts=phone)
    add_person(team=team, by=by, name="Islam Betiev", birth_date="1995")
    found = find(Person.objects.all())
    assert [{c.a.kind, c.b.kind} for c in found] == [{Person.Kind.INDIVIDUAL}]


def test_two_groups_of_one_name_are_still_paired(personas):
    by, team = personas.member, personas.team
    add_person(team=team, by=by, name="Родственники Бетиева", kind="group")
    add_person(team=team, by=by, name="Rodstvenniki Betieva", kind="group")
    assert len(find(Person.objects.all())) == 1


@pytest.mark.parametrize(
    ("one", "other", "reason"),
    [
        ("Ислам Бетиев", "ислам бетиев", "same name"),
        ("Ислам Бетиев", "Бетиев Ислам", "same name"),
        ("Ислам Бетиев", "Islam Betiev", "names match across scripts"),
        ("Salekh Magamadov", "Salekh Magamadow", "names match across scripts"),
        ("Ислам Бетиев", "Ислам Бетиеа", "similar names"),
        ("William Hale", "Bill Hale", "names match with a short form of a given name"),
    ],
)
def test_the_reason_says_what_matched_in_the_names(personas, one, other, reason):
    by, team = personas.member, personas.team
    add_person(team=team, by=by, name=one)
    add_person(team=team, by=by, name=other)
    (found,) = find(Person.objects.all())
    name_reasons = [r for r in found.reasons if "name" in r]
    assert len(name_reasons) == 1 and name_reasons[0].startswith(reason), found.reasons


def test_the_review_page_says_same_name_for_identical_names(client, personas):
    by, team = personas.member, personas.team
    add_person(team=team, by=by, name="Ислам Бетиев", birth_date="1995")
    add_person(team=team, by=by, name="Ислам Бетиев", birth_date="1995")
    sign_in(client, personas.member)
    html = client.get(reverse("people:duplicates")).content.decode()
    assert "same name" in html and "across scripts" not in html


def _compared(candidates) -> list[tuple]:
    return [(c.a.pk, c.b.pk, c.score, c.reasons) for c in candidates]


def test_people_read_from_a_queryset_or_given_as_a_list_give_the_same_pairs(personas, pair):
    from haven.people.actions import record_move

    by, team = personas.member, personas.team
    a = add_person(team=team, by=by, name="Петров Иван Иванович", birth_date="1980-03-04")
    b = add_person(team=team, by=by, name="Ivan Ivanovich Petrov", birth_date="1980")
    add_person(team=team, by=by, name="Сидоров Иван Иванович", birth_date="1980-03-04")
    record_move(a, by=by, place="Грозный", since="2019")
    record_move(Person.objects.get(pk=b.pk), by=by, place="грозный")
    from_queryset = find(Person.objects.all())
    assert len(from_queryset) == 2
    assert _compared(from_queryset) == _compared(find(list(Person.objects.all())))


def test_the_people_of_a_pair_are_read_when_it_is_shown(personas, pair, django_assert_num_queries):
    """The pairs are counted at once and their people read as they are shown, in one
    query for a page; a person removed meanwhile leaves the pair out of what is shown."""
    found = find(Person.objects.live())
    assert len(found) == 1
    with django_assert_num_queries(1):
        (shown,) = found[:50]
    assert {shown.a, shown.b} == set(pair)
    remove_person(pair[1], by=personas.member)
    assert len(found) == 1
    assert found[:50] == [] and list(found) == []


def test_a_sealed_person_is_compared_as_the_reader_may_see_them(personas, pair):
    from haven.people.actions import seal_person
    from haven.records.masking import reading_as

    cyrillic, latin = pair
    seal_person(latin, by=personas.member, members=[personas.member])
    # Nobody reading: the sealed name reads as the code, its contacts as nothing.
    assert find(Person.objects.all()) == []
    with reading_as(personas.member):
        (found,) = find(Person.objects.all())
    assert {found.a, found.b} == {cyrillic, latin}


def test_a_name_that_does_not_open_is_compared_as_damaged_and_reported(personas, pair):
    from django.db import connection

    from haven.audit.models import AuditEntry

    cyrillic, latin = pair
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM people_person WHERE id = %s", [latin.pk])
        blob = bytearray(bytes(cursor.fetchone()[0]))
        blob[-5] ^= 0x01
        cursor.execute("UPDATE people_person SET name = %s WHERE id = %s", [bytes(blob), latin.pk])
    # A shared phone and birth year alone do not make a pair.
    assert find(Person.objects.all()) == []
    assert AuditEntry.objects.filter(action="record.damaged", object_id=str(latin.uuid)).exists()


def test_a_names_score_in_the_reasons_is_written_as_the_language_writes_numbers(personas):
    from django.utils import translation

    by, team = personas.member, personas.team
    add_person(team=team, by=by, name="Ислам Бетиев", birth_date="1990")
    add_person(team=team, by=by, name="Islam Betiev", birth_date="1990")
    with translation.override("en"):
        (english,) = find(Person.objects.all())
        assert english.reasons[0] == "names match across scripts (0.99)"
    with translation.override("ru"):
        (russian,) = find(Person.objects.all())
        assert russian.reasons[0] == "имена совпадают в разных алфавитах (0,99)"


def test_a_names_score_in_the_reasons_is_rounded_not_cut_short():
    from django.utils import translation

    from haven.lib.names import Parser
    from haven.people.duplicates import _Parsed
    from haven.people.likeness import name_reason

    parsed = _Parsed(Parser())  # the reasons' cache of parsed names
    with translation.override("en"):
        assert name_reason(("Ислам Бетиев",), ("Islam Betiev",), parsed, 0.996).endswith("(1.00)")
        assert name_reason(("Ислам Бетиев",), ("Islam Betiev",), parsed, 0.984).endswith("(0.98)")
    with translation.override("ru"):
        assert name_reason(("Ислам Бетиев",), ("Islam Betiev",), parsed, 0.987).endswith("(0,99)")
