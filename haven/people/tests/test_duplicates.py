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
from haven.people.duplicates import candidate_pairs, find
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
    out = capsys.readouterr().out
    assert pair[0].code in out and pair[1].code in out and "1 candidate pairs" in out
    assert "Магамадов" not in out and "Magamadow" not in out


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


NAMESAKES = [
    ("Петров Иван Иванович", "Сидоров Иван Иванович"),
    ("Ivan Ivanovich Petrov", "Иван Иванович Сидоров"),
    ("Магомедова Хеда Ахмедовна", "Хеда Ахмедовна Исаева"),
]


@pytest.mark.parametrize(("one", "other"), NAMESAKES)
def test_one_given_name_and_patronymic_with_two_surnames_are_not_proposed(personas, one, other):
    by, team = personas.member, personas.team
    a = add_person(team=team, by=by, name=one, birth_date="1985")
    b = add_person(team=team, by=by, name=other, birth_date="1985-03")
    # They are candidates (two words agree, one birth year) ...
    assert (min(a.pk, b.pk), max(a.pk, b.pk)) in candidate_pairs(list(Person.objects.all()))
    # ... but namesakes without other evidence, whatever the threshold.
    assert find(Person.objects.all(), min_score=0.0) == []


def _namesakes(personas):
    by, team = personas.member, personas.team
    a = add_person(team=team, by=by, name="Петров Иван Иванович", birth_date="1985")
    b = add_person(team=team, by=by, name="Ivan Ivanovich Sidorov", birth_date="1985")
    return a, b


def test_namesakes_with_a_shared_contact_are_proposed_with_the_conflict_said(personas):
    a, b = _namesakes(personas)
    for person in (a, b):
        person.contacts = [{"kind": "phone", "value": "+7 928 555-01-23"}]
        person.save()
    (found,) = find(Person.objects.all())
    assert {found.a, found.b} == {a, b}
    assert "share a contact" in found.reasons
    assert any("another surname" in reason for reason in found.reasons)


def test_namesakes_with_a_shared_relative_are_proposed(personas):
    from haven.people.actions import relate

    a, b = _namesakes(personas)
    mother = add_person(team=personas.team, by=personas.member, name="Петрова Мария")
    for person in (a, b):
        relate(mother, person, kind=term("relationship", "relative"), by=personas.member)
    (found,) = find(Person.objects.filter(pk__in=[a.pk, b.pk, mother.pk]))
    assert {found.a, found.b} == {a, b}


def test_namesakes_with_a_shared_place_are_proposed(personas):
    from haven.people.actions import record_move

    a, b = _namesakes(personas)
    record_move(a, by=personas.member, place="Грозный", since="2019")
    assert find(Person.objects.all(), min_score=0.0) == []
    record_move(Person.objects.get(pk=b.pk), by=personas.member, place="грозный")
    (found,) = find(Person.objects.all())
    assert "lived in the same place" in found.reasons


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Петров Иван Иванович", "Ivan Petrov"),  # a word missing on one side only
        ("Петров Иван Иванович", "Petrova Ivan Ivanovich"),  # one edit: the same surname
        ("Петров Иван Иванович", "Иван Иванович Петров"),  # another order
    ],
)
def test_names_that_do_not_conflict_are_still_proposed(personas, one, other):
    by, team = personas.member, personas.team
    add_person(team=team, by=by, name=one, birth_date="1985")
    add_person(team=team, by=by, name=other, birth_date="1985")
    (found,) = find(Person.objects.all())
    assert not any("another surname" in reason for reason in found.reasons)


def test_a_person_is_never_paired_with_a_group_whatever_the_evidence(personas):
    from haven.people.actions import record_move, relate

    by, team = personas.member, personas.team
    phone = [{"kind": "phone", "value": "+7 928 000-11-22"}]
    person = add_person(team=team, by=by, name="Бетиев Ислам", birth_date="1995", contacts=phone)
    group = add_person(team=team, by=by, name="Бетиев Ислам", kind="group", contacts=phone)
    uncle = add_person(team=team, by=by, name="Uncle")
    for member in (person, group):
        relate(uncle, member, kind=term("relationship", "relative"), by=by)
        record_move(Person.objects.get(pk=member.pk), by=by, place="Гудермес")
    assert find(Person.objects.all(), min_score=0.0) == []


def test_a_surname_is_not_matched_with_a_patronymic(personas):
    """Умарова resembles Умаровна (one edit), but one is a surname, the other a patronymic."""
    by, team = personas.member, personas.team
    add_person(team=team, by=by, name="Келоева Ольга Умаровна", birth_date="1971")
    add_person(team=team, by=by, name="Умарова Ольга Умаровна", birth_date="1971")
    add_person(team=team, by=by, name="Zarema Alekseeva")
    add_person(team=team, by=by, name="Zarema Alekseyevna Abdulayeva")
    assert find(Person.objects.all(), min_score=0.0) == []


def test_a_short_name_that_fits_two_different_people_is_proposed_for_neither(personas):
    by, team = personas.member, personas.team
    short = add_person(team=team, by=by, name="Olga Umarova")
    first = add_person(team=team, by=by, name="Умарова Ольга Хасановна", birth_date="1964")
    assert [{c.a, c.b} for c in find(Person.objects.all())] == [{short, first}]
    add_person(team=team, by=by, name="Ольга Шамилевна Умарова", birth_date="1961")
    assert find(Person.objects.all()) == []
    # Evidence still counts: the same phone makes the pair again.
    for person in (short, first):
        person.contacts = [{"kind": "phone", "value": "+7 928 444-55-66"}]
        person.save()
    assert [{c.a, c.b} for c in find(Person.objects.all())] == [{short, first}]


def _pair_of(found, a, b):
    return [c for c in found if {c.a.pk, c.b.pk} == {a.pk, b.pk}]


def test_one_word_and_the_day_of_birth_make_a_candidate_pair(personas):
    """A given name written short (Rob) leaves one word to meet on: the surname, with
    the same day of birth, is enough to compare them; 1 January is not a day."""
    by, team = personas.member, personas.team
    a = add_person(team=team, by=by, name="Robert Backhouse", birth_date="1854-03-12")
    b = add_person(team=team, by=by, name="Rob Backhouse", birth_date="1854-03-12")
    c = add_person(team=team, by=by, name="Robert Fairfield", birth_date="1861-01-01")
    d = add_person(team=team, by=by, name="Rowan Fairfield", birth_date="1861-01-01")
    pairs = candidate_pairs(list(Person.objects.all()))
    assert (min(a.pk, b.pk), max(a.pk, b.pk)) in pairs
    assert (min(c.pk, d.pk), max(c.pk, d.pk)) not in pairs


def test_a_short_form_of_a_given_name_is_no_other_name(personas):
    by, team = personas.member, personas.team
    a = add_person(team=team, by=by, name="Robert Backhouse", birth_date="1854-03-12")
    b = add_person(team=team, by=by, name="Rob Backhouse", birth_date="1854-03-12")
    (found,) = _pair_of(find(Person.objects.all()), a, b)
    assert "same birth date" in " ".join(found.reasons)
    assert not any("another surname" in reason for reason in found.reasons)


def test_the_same_day_of_birth_is_not_evidence_against_another_surname(personas):
    by, team = personas.member, personas.team
    add_person(team=team, by=by, name="Петров Иван Иванович", birth_date="1985-03-12")
    add_person(team=team, by=by, name="Сидоров Иван Иванович", birth_date="1985-03-12")
    assert find(Person.objects.all(), min_score=0.0) == []


def test_birth_dates_one_digit_apart_are_not_different_years(personas):
    by, team = personas.member, personas.team
    a = add_person(team=team, by=by, name="Ислам Келоев", birth_date="1980-05-17")
    b = add_person(team=team, by=by, name="Islam Keloev", birth_date="1981-05-17")
    (found,) = _pair_of(find(Person.objects.all()), a, b)
    assert "birth dates one digit apart (a typo?)" in found.reasons
    assert "different birth years" not in found.reasons


def test_birth_dates_two_digits_apart_cost_less_than_another_year(personas):
    by, team = personas.member, personas.team
    a = add_person(team=team, by=by, name="Ислам Келоев", birth_date="1988-11-27")
    b = add_person(team=team, by=by, name="Islam Keloev", birth_date="1998-12-27")
    c = add_person(team=team, by=by, name="Ислам Келоев", birth_date="1988")
    d = add_person(team=team, by=by, name="Islam Keloev", birth_date="1998")
    (near,) = find(Person.objects.filter(pk__in=[a.pk, b.pk]), min_score=0.0)
    (years,) = find(Person.objects.filter(pk__in=[c.pk, d.pk]), min_score=0.0)
    assert near.score > years.score
    assert "birth dates two digits apart" in near.reasons


def test_one_january_agrees_on_the_year_only(personas):
    by, team = personas.member, personas.team
    add_person(team=team, by=by, name="Ислам Келоев", birth_date="1980-01-01")
    add_person(team=team, by=by, name="Islam Keloev", birth_date="1980-01-01")
    (found,) = find(Person.objects.all())
    assert "same birth year 1980" in found.reasons


def test_a_place_spelt_one_letter_off_is_the_same_place(personas):
    from haven.people.actions import record_move

    a, b = _namesakes(personas)
    record_move(a, by=personas.member, place="Гудермес", since="2019")
    record_move(Person.objects.get(pk=b.pk), by=personas.member, place="Гудермесс")
    (found,) = find(Person.objects.all())
    assert "lived in the same place" in found.reasons


def test_one_surname_with_another_given_name_is_family_whatever_they_share(personas):
    """Brothers share a surname, often a phone and a place: that is no evidence that
    they are one person, as it is for namesakes with two surnames."""
    from haven.people.actions import record_move

    by, team = personas.member, personas.team
    phone = [{"kind": "phone", "value": "+7 928 455-25-42"}]
    a = add_person(team=team, by=by, name="Мурад Юсупович Михайлов", birth_date="1990")
    b = add_person(team=team, by=by, name="Михайлов Юсуп Юсупович", birth_date="1990")
    for person in (a, b):
        person.contacts = phone
        person.save()
        record_move(Person.objects.get(pk=person.pk), by=by, place="Гудермес")
    assert (min(a.pk, b.pk), max(a.pk, b.pk)) in candidate_pairs(list(Person.objects.all()))
    assert find(Person.objects.all(), min_score=0.0) == []


def test_a_partner_the_name_does_not_fit_makes_no_ambiguity(personas):
    """Юлия Магомедовна Павлова shares a phone with a namesake of another surname; her
    own name written in Latin letters still fits her alone."""
    by, team = personas.member, personas.team
    phone = [{"kind": "phone", "value": "+7 928 226-69-96"}]
    full = add_person(
        team=team, by=by, name="Павлова Юлия Магомедовна", birth_date="1983", contacts=phone
    )
    add_person(team=team, by=by, name="Исаева Юлия Магомедовна", birth_date="1983", contacts=phone)
    latin = add_person(team=team, by=by, name="Pavlova Iuliia")
    assert _pair_of(find(Person.objects.all()), full, latin)


def test_a_name_that_fits_two_people_of_different_years_is_proposed_for_neither(personas):
    by, team = personas.member, personas.team
    short = add_person(team=team, by=by, name="Olga Umarova")
    first = add_person(team=team, by=by, name="Ольга Умарова", birth_date="1964")
    assert _pair_of(find(Person.objects.all()), short, first)
    add_person(team=team, by=by, name="Ольга Умарова", birth_date="1990")
    assert find(Person.objects.all()) == []


def test_other_birth_years_are_left_out_only_where_they_cannot_reach_the_score(personas):
    by, team = personas.member, personas.team
    add_person(team=team, by=by, name="Ислам Келоев", birth_date="1980")
    add_person(team=team, by=by, name="Islam Keloev", birth_date="2002")
    assert find(Person.objects.all()) == []
    (found,) = find(Person.objects.all(), min_score=0.5)
    assert "different birth years" in found.reasons


def test_other_birth_years_with_a_shared_contact_are_still_proposed(personas):
    by, team = personas.member, personas.team
    phone = [{"kind": "phone", "value": "+7 928 444-55-66"}]
    add_person(team=team, by=by, name="Ислам Келоев", birth_date="1980", contacts=phone)
    add_person(team=team, by=by, name="Islam Keloev", birth_date="2002", contacts=phone)
    (found,) = find(Person.objects.all())
    assert "share a contact" in found.reasons and "different birth years" in found.reasons


def test_relatives_are_read_in_one_query_whatever_the_number_of_people(personas):
    """A list of every person's pk as query parameters overflows SQLite's limit over a
    large team (300,000 people)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    by, team = personas.member, personas.team

    def relationship_queries():
        with CaptureQueriesContext(connection) as queries:
            find(Person.objects.all())
        return [q["sql"] for q in queries if "relationship" in q["sql"]]

    add_person(team=team, by=by, name="Салех Магамадов")
    few = relationship_queries()
    for number in range(20):
        add_person(team=team, by=by, name=f"Адам Тагиров {number}")
    assert relationship_queries() == few and len(few) == 1


def test_a_place_both_lived_in_adds_to_the_score(personas):
    from haven.people.actions import record_move

    by, team = personas.member, personas.team
    a = add_person(team=team, by=by, name="Ислам Келоев")
    b = add_person(team=team, by=by, name="Islam Kelaev")
    (apart,) = find(Person.objects.all(), min_score=0.0)
    assert apart.score <= 0.9
    record_move(a, by=by, place="Гудермес", since="2019")
    record_move(Person.objects.get(pk=b.pk), by=by, place="гудермес")
    (together,) = find(Person.objects.all(), min_score=0.0)
    assert together.score == pytest.approx(apart.score + 0.1)


def test_an_e_mail_a_typo_apart_is_evidence(personas):
    by, team = personas.member, personas.team

    def email(value):
        return [{"kind": "email", "value": value}]

    a = add_person(team=team, by=by, name="Robert Allen", contacts=email("robert255@smith.net"))
    b = add_person(team=team, by=by, name="Robert Alan", contacts=email("roberta25@smith.net"))
    c = add_person(team=team, by=by, name="Robert Alen", contacts=email("rob@other.org"))
    found = _pair_of(find(Person.objects.all(), min_score=0.0), a, b)
    (near,) = found
    assert "nearly the same e-mail or handle (a typo?)" in near.reasons
    (plain,) = _pair_of(find(Person.objects.all(), min_score=0.0), a, c)
    assert near.score > plain.score
    assert "nearly the same e-mail or handle (a typo?)" not in plain.reasons


def test_a_place_or_an_e_mail_a_typo_apart_does_not_join_other_birth_years(personas):
    """Born in other years, two people still need a contact or a relative they share: a
    town or an e-mail a letter apart is not enough (brothers, namesakes)."""
    from haven.people.actions import record_move

    by, team = personas.member, personas.team
    a = add_person(
        team=team,
        by=by,
        name="Ислам Келоев",
        birth_date="1980",
        contacts=[{"kind": "email", "value": "keloev.islam@mail.ru"}],
    )
    b = add_person(
        team=team,
        by=by,
        name="Islam Keloev",
        birth_date="2002",
        contacts=[{"kind": "email", "value": "keloev.islam@mail.ry"}],
    )
    record_move(a, by=by, place="Гудермес", since="2019")
    record_move(Person.objects.get(pk=b.pk), by=by, place="Гудермес")
    assert find(Person.objects.all()) == []
    (found,) = find(Person.objects.all(), min_score=0.5)
    assert found.score < 0.75 and "different birth years" in found.reasons


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


@pytest.mark.parametrize(
    ("short", "full"),
    [
        ("Bill Hale", "William Hale"),
        ("Peggy Hale", "Margaret Hale"),
        ("Саша Петров", "Aleksandr Petrov"),
        ("Sasha Petrov", "Александр Петров"),
    ],
)
def test_a_familiar_form_of_a_given_name_is_the_name(personas, short, full):
    """Bill is William, Peggy Margaret, Саша Александр (in either script): not another
    given name of one family, and they meet without a birth date to meet on."""
    by, team = personas.member, personas.team
    a = add_person(team=team, by=by, name=short, birth_date="1850")
    b = add_person(team=team, by=by, name=full, birth_date="1850")
    assert (min(a.pk, b.pk), max(a.pk, b.pk)) in candidate_pairs(list(Person.objects.all()))
    (found,) = _pair_of(find(Person.objects.all()), a, b)
    assert "same birth year 1850" in found.reasons
    assert not any("another surname" in reason for reason in found.reasons)


def test_two_short_forms_of_one_name_are_not_one_name(personas):
    """Fred and Will may both be Wilfred's, but Fred is also Frederick's and Alfred's,
    Will William's: Fred Hale and Will Hale may be brothers."""
    by, team = personas.member, personas.team
    add_person(team=team, by=by, name="Fred Hale", birth_date="1850")
    add_person(team=team, by=by, name="Will Hale", birth_date="1850")
    assert find(Person.objects.all(), min_score=0.0) == []


@pytest.mark.parametrize(
    ("titled", "plain"),
    [("Mrs. Elizabeth Corbett", "Elizabeth Corbett"), ("Thomas 1st Chudleigh", "Thomas Chudleigh")],
)
def test_titles_and_ordinals_are_no_words_of_the_name(personas, titled, plain):
    by, team = personas.member, personas.team
    a = add_person(team=team, by=by, name=titled, birth_date="1846")
    b = add_person(team=team, by=by, name=plain, birth_date="1846")
    (found,) = _pair_of(find(Person.objects.all()), a, b)
    assert "same name" in found.reasons


def test_a_title_alone_is_not_taken_for_another_given_name(personas):
    """Mrs. Corbett and Elizabeth Corbett: not one surname with two given names."""
    by, team = personas.member, personas.team
    a = add_person(team=team, by=by, name="Mrs. Corbett", birth_date="1846")
    b = add_person(team=team, by=by, name="Elizabeth Corbett", birth_date="1846")
    assert _pair_of(find(Person.objects.all()), a, b)


def test_a_name_that_fits_two_people_proposed_as_one_fits_one_person(personas):
    """John Hale born 1820 and John Hale born 1826 share a phone: proposed as one
    person, they do not make a third John Hale, without a year, ambiguous."""
    by, team = personas.member, personas.team
    phone = [{"kind": "phone", "value": "+7 928 444-55-66"}]
    a = add_person(team=team, by=by, name="John Hale", birth_date="1820", contacts=phone)
    b = add_person(team=team, by=by, name="John Hale", birth_date="1826", contacts=phone)
    short = add_person(team=team, by=by, name="John Hale")
    found = find(Person.objects.all())
    assert _pair_of(found, a, b)
    assert _pair_of(found, short, a) and _pair_of(found, short, b)


def test_birth_years_one_apart_count_against_less_where_a_place_agrees(personas):
    """A year worked out from an age is often one off: Frank Moore born 1850 and born
    1851, both of Leeds, are proposed; without the place they are not."""
    from haven.people.actions import record_move

    by, team = personas.member, personas.team
    a = add_person(team=team, by=by, name="Frank Moore", birth_date="1850")
    b = add_person(team=team, by=by, name="Frank Moore", birth_date="1851")
    assert find(Person.objects.all()) == []
    for person in (a, b):
        record_move(Person.objects.get(pk=person.pk), by=by, place="Leeds")
    (found,) = find(Person.objects.all())
    assert "birth years one apart" in found.reasons
    assert "different birth years" not in found.reasons
