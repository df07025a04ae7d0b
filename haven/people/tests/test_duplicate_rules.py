"""Duplicate people: the rules that tell one person from namesakes and relatives --
names across scripts, short forms and titles, birth dates, places, e-mails, groups."""

import pytest

from haven.people.actions import add_person, relate
from haven.people.blocking import candidate_pairs
from haven.people.duplicates import find
from haven.people.models import Person
from haven.vocab.models import term

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
    from haven.people.actions import record_move

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


def test_a_shared_e_mail_counts_for_more_than_a_shared_phone(personas):
    """King and Riley King, born a year apart, in one town: with the same phone they are
    not proposed (a family's phone), with the same e-mail they are."""
    from haven.people.actions import record_move

    by, team = personas.member, personas.team

    def pair(contact):
        made = [
            add_person(team=team, by=by, name=name, birth_date=born, contacts=[contact])
            for name, born in (("King", "1984-04-19"), ("Riley King", "1985-03-20"))
        ]
        for person in made:
            record_move(Person.objects.get(pk=person.pk), by=by, place="Aberdeen")
        return made

    phoned = pair({"kind": "phone", "value": "+44 20 7946 0958"})
    mailed = pair({"kind": "email", "value": "riley.k@zavala.com"})
    found = find(Person.objects.all())
    assert _pair_of(found, *mailed) and not _pair_of(found, *phoned)
    (by_phone,) = _pair_of(find(Person.objects.all(), min_score=0.0), *phoned)
    (by_mail,) = _pair_of(found, *mailed)
    assert "share a contact" in by_mail.reasons and "different birth years" in by_mail.reasons
    assert by_mail.score > by_phone.score


def test_a_family_sharing_an_e_mail_is_still_never_proposed(personas):
    by, team = personas.member, personas.team
    mail = [{"kind": "email", "value": "mikhailovy@mail.ru"}]
    add_person(team=team, by=by, name="Мурад Юсупович Михайлов", birth_date="1990", contacts=mail)
    add_person(team=team, by=by, name="Михайлов Юсуп Юсупович", birth_date="1990", contacts=mail)
    assert find(Person.objects.all(), min_score=0.0) == []


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


def test_a_name_fits_no_one_proposed_as_one_with_a_person_it_is_told_apart_from(personas):
    """Madina Bisultanova 1967 is proposed as Мадина Ахмедовна Бисултанова (name and
    year): she is not Bisultanova Madina LomAliovna, who fits Мадина ЛомАлиовна alone."""
    by, team = personas.member, personas.team
    akhmedovna = add_person(
        team=team, by=by, name="Мадина Ахмедовна Бисултанова", birth_date="1967"
    )
    short = add_person(team=team, by=by, name="Madina Bisultanova", birth_date="1967")
    lomalievna = add_person(
        team=team, by=by, name="Бисултанова Мадина ЛомАлиовна", birth_date="1970"
    )
    latin = add_person(team=team, by=by, name="Bisultanova Madina LomAliovna")
    found = find(Person.objects.all())
    assert _pair_of(found, akhmedovna, short)
    assert _pair_of(found, lomalievna, latin)
    assert not _pair_of(found, short, latin)


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


def test_the_blocking_leaves_out_namesakes_who_cannot_share_anything():
    """Pairs of people whose names are namesakes' (``apart``) are kept only where both
    could share something besides a contact; one name, or names not told apart, always."""
    from haven.people.blocking import Namesakes

    # People 1 and 2 have name 0, person 3 name 1 (a namesake's), person 4 name 2 (not).
    names = {1: 0, 2: 0, 3: 1, 4: 2}
    apart = {0 << 32 | 1: True, 0 << 32 | 2: False, 1 << 32 | 2: True}
    pairs = [(1, 2), (1, 3), (2, 3), (1, 4), (3, 4)]
    assert list(Namesakes(names, apart, sharing=set()).kept(pairs)) == [(1, 2), (1, 4)]
    assert list(Namesakes(names, apart, sharing={2, 3}).kept(pairs)) == [(1, 2), (2, 3), (1, 4)]


def test_words_matched_in_turn_prove_a_matching_and_otherwise_leave_it_to_the_full_one():
    """Words 0 and 1 against 2 and 3: word 0 is alike to both, word 1 to 2 only. Taken
    in turn, 0 takes 2 and leaves 1 nothing (no proof either way); 1 first matches both."""
    from haven.lib.names import Parser
    from haven.people.likeness import WordPairs, _matched_in_turn

    alike = [{2, 3}, {2}, {0, 1}, {0}]
    assert not _matched_in_turn((0, 1), (2, 3), alike)
    assert _matched_in_turn((1, 0), (2, 3), alike)
    # A name whose words fit the other's only one way round is still one person's.
    words = WordPairs(Parser())
    assert not words.differ(("Ivan Ivanov",), ("Ivanov Ivan",))
    assert words.differ(("Ivan Petrov",), ("Ivan Sidorov",))


@pytest.mark.parametrize(
    ("form", "other"),
    [
        ("Salmantagirov", "Салман Тагиров Исаевич"),  # two words run together
        ("Tagirovsalman", "Salman Tagirov"),
        ("Magomedov Islam", "Магомедов Ислам Русланович"),
        ("Magamadov Islam", "Ислам Русланович Магомедов"),
        ("Abdulkadyrov", "Abdul Kadyrov"),
        ("Zelimkhan", "Зелимхан Пётрович Новиков"),
        ("Mohammed", "Mo Hammed Ali"),
    ],
)
def test_a_long_word_against_more_words_scores_as_with_every_two_words_run_together(form, other):
    """``score_parsed`` skips two words run together where their lengths alone say they
    cannot beat a word of the name; the score is what every pair run together gives."""
    from haven.lib.names import _similarity, joined_words, parse, score_parsed

    words, name = parse(form), parse(other)
    total = 0.0
    for word in words:
        value = max(_similarity(word, other_word) for other_word in name)
        if len(word[0][0]) >= 6 and len(name) > len(words):
            value = max(value, *(_similarity(word, pair) for pair in joined_words(name)))
        total += len(word[0][0]) * value
    expected = min(1.0, total / sum(len(word[0][0]) for word in words))
    assert score_parsed(words, [name]) == expected
    if form == "Salmantagirov":
        assert expected > 0.9  # found only as two words run together


def test_a_group_whose_people_are_all_in_a_bigger_one_is_paired_with_it_only():
    import random
    from itertools import combinations

    from haven.people.blocking import _not_within_another

    groups = {(1, 2, 3), (1, 2), (2, 3), (2, 3, 4), (5, 6), (1, 3, 5)}
    assert sorted(_not_within_another(groups)) == [(1, 2, 3), (1, 3, 5), (2, 3, 4), (5, 6)]
    # Whatever the groups, their pairs are those of all of them.
    chance = random.Random(7)
    for _ in range(200):
        groups = {
            tuple(sorted(chance.sample(range(12), chance.randint(2, 6))))
            for _ in range(chance.randint(1, 8))
        }
        kept = list(_not_within_another(groups))
        assert len(kept) < len(groups) or set(kept) == groups
        assert {p for g in kept for p in combinations(g, 2)} == {
            p for g in groups for p in combinations(g, 2)
        }


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Bill Salmantagirov", "William Salman Tagirov"),  # a short form and words run together
        ("Sasha Magomedov", "Александр Ибрагимович Магомедов"),
        ("Salmantagirov", "Салман Тагиров Исаевич"),
        ("Bill Smith", "William Smith"),
        ("Magomedov Islam", "Магомедов Ислам Русланович"),
    ],
)
def test_names_compared_by_word_numbers_score_as_the_parsed_names_both_ways(one, other):
    """``WordPairs.names``, from the similarities of numbered words, is ``score_parsed``
    both ways round, averaged: a short form counts as alike as ``SHORT_FORM_SIMILARITY``
    except against a name with more words and a long word, where words run together are
    tried and the letters alone count."""
    from haven.lib.names import MIN_PART, Parser, _similarity, parse, score_parsed
    from haven.people.likeness import SHORT_FORM_SIMILARITY, WordPairs
    from haven.people.short_forms import one_given_name

    def short_form(word, other_word):
        similarity = _similarity(word, other_word)
        if one_given_name(word[0][0], other_word[0][0]):
            return max(similarity, SHORT_FORM_SIMILARITY)
        return similarity

    def directed(form, other_form):
        long = any(len(word[0][0]) >= 2 * MIN_PART for word in form)
        if long and len(other_form) > len(form):
            return score_parsed(form, [other_form])
        return score_parsed(form, [other_form], short_form)

    a, b = parse(one), parse(other)
    words = WordPairs(Parser())
    found = words.names(words.numbered_names((one,)), words.numbered_names((other,)))
    assert found == (directed(a, b) + directed(b, a)) / 2


def test_an_initial_is_no_key_whatever_letter_it_is(personas):
    """A one-letter word has no blocking keys: E. Lewis (E is listed as a short form of
    a few names) meets Edward Lewis on the surname, as J. Lewis meets John Lewis."""
    by, team = personas.member, personas.team
    pairs = []
    for initial, full in (("E. Lewis", "Edward Lewis"), ("J. Lewis", "John Lewis")):
        a = add_person(team=team, by=by, name=initial, birth_date="1850")
        b = add_person(team=team, by=by, name=full, birth_date="1850")
        pairs.append((min(a.pk, b.pk), max(a.pk, b.pk)))
    found = candidate_pairs(list(Person.objects.all()))
    assert [pair in found for pair in pairs] == [True, True]
