"""Finding records that may be the same person (merging them: ``haven.people.merging``;
how alike two names, dates and places are: ``haven.people.likeness``).

Candidates (``haven.people.blocking``) are people of one team who share a contact, or
whose names share the search keys of ``haven.lib.names`` (the same skeleton across
scripts, or one edit apart) on two different words. The keys are computed in memory from the names,
which are decrypted to score the pairs anyway. Each pair is scored on its names,
birth years, shared contacts, relatives and places, and the reasons are kept to
show a reviewer why. An individual is never paired with a group: "Relatives of
Islam Betiev" shares his name and his phone, but is not him.

Names that agree on some words but where each has a word the other lacks -- Ivan
Ivanovich Petrov and Ivan Ivanovich Sidorov: one given name and patronymic, two
surnames -- are namesakes, not one person written twice, however well the shared
words match and even with one birth year: such a pair is proposed only when other
evidence agrees (a shared contact, relative or place). One surname with two given
names is a family (brothers, a mother and her daughter): a shared phone or place is
theirs, and such a pair is never proposed.

Birth dates known to the day count for more than a year: the same day adds to the
score (but is no evidence that two surnames are one: namesakes share days too), and
one word of the name with the same day of birth makes a candidate pair, so that Rob
Backhouse meets Robert Backhouse. A day one digit off is taken for a typo, neither for
nor against. 1 January counts as the year only: it is what is written when only the
year is known. A short form of a given name (Rob, Alex) is no other name.

A shared e-mail or handle counts for more than a shared phone: a family, a shelter or a
lawyer's office shares a phone more often than an address, and a family (one surname,
two given names) is never proposed whatever it shares.

A place both lived in (up to a typo) and an e-mail or handle a typo apart add a little
to the score of people not born in other years: a clerk's slip in a town or an address
is common, and two people of one name, year and town are rarer than one written twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import combinations

from django.utils.translation import gettext as _

from haven.lib.inserts import collector_paused
from haven.lib.names import (
    Parser,
)
from haven.people.blocking import (
    Namesakes,
    Sort,
    candidate_pairs,
    cleaned_forms,
    contact_keys,
    number_names,
)
from haven.people.compared import Clock, read_compared
from haven.people.likeness import (
    WordPairs,
    birth_agreement,
    known_to_the_day,
    name_reason,
    near_contact,
    one_family,
    places_lived,
    same_place,
)
from haven.people.models import Person, Relationship

MIN_SCORE = 0.75


@dataclass
class Candidate:
    a: Person
    b: Person
    score: float
    reasons: list[str] = field(default_factory=list)


class Proposals(Sequence):
    """The pairs ``find`` proposes, best first: how many at once, the people of each
    pair read in full, and the reasons written, when it is shown (a page of the review
    list, the lines the command prints), not all of them at the end of a search over a
    whole team. A pair whose person was removed (or can no longer be read) by then is
    left out of what is shown. Equal to a list of the same candidates."""

    def __init__(self, pairs: list[tuple], read: Callable[[set], dict], explain: Callable) -> None:
        self._pairs = pairs  # (pk, pk, score, what the reasons are written from)
        self._read = read  # pks -> {pk: person}
        self._explain = explain  # _Reasons: (pk, pk, what, the people read) -> reasons

    def __len__(self) -> int:
        return len(self._pairs)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return self._shown(self._pairs[index])
        shown = self._shown([self._pairs[index]])
        if not shown:
            raise LookupError("a person of this pair was removed since it was found")
        return shown[0]

    def __iter__(self) -> Iterator[Candidate]:
        for start in range(0, len(self._pairs), 500):
            yield from self._shown(self._pairs[start : start + 500])

    def __eq__(self, other) -> bool:
        if isinstance(other, Proposals | list):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def _shown(self, pairs: list[tuple]) -> list[Candidate]:
        # The pairs' people and, for pairs kept by a background search, the relatives
        # they have in common (their codes are a reason): one read for the whole page.
        wanted = {pk for pa, pb, _score, _why in pairs for pk in (pa, pb)}
        persons = self._read(wanted | self._explain.related(pairs))
        return [
            Candidate(persons[pa], persons[pb], score, self._explain(pa, pb, why, persons))
            for pa, pb, score, why in pairs
            if pa in persons and pb in persons
        ]


def find(
    people,
    min_score: float = MIN_SCORE,
    timings: dict | None = None,
    progress: Callable[[str], None] | None = None,
) -> Proposals:
    """The pairs of ``people`` (a queryset, or a list of people) that may be one person,
    best first (see the module's docstring), their people read from the queryset as they
    are shown (``Proposals``). ``timings``, if given, is filled with the seconds and CPU
    seconds spent reading the people (``reading``), decrypting what is compared of them
    (``decrypting``), pairing them (``blocking``) and comparing the pairs (``scoring``);
    ``progress``, if given, is called with the name of each stretch of that work as it
    ends (a phase may come in more than one stretch: "reading" and "scoring" do)."""
    with collector_paused():
        return _find(people, min_score, Clock(timings, progress))


def _find(people, min_score: float, clock: Clock) -> Proposals:
    seen, persons = read_compared(people, clock)
    by_pk = {p.pk: p for p in seen}
    relatives: dict[int, set] = defaultdict(set)
    # By team rather than by a list of every person's pk (too many query parameters).
    teams = {p.team_id for p in seen}
    for person_id, other_id in (
        Relationship.objects.live()
        .filter(person__team_id__in=teams)
        .values_list("person_id", "other_id")
    ):
        if person_id not in by_pk:
            continue
        relatives[person_id].add(other_id)
        relatives[other_id].add(person_id)
    clock.lap("reading")
    people_query, people = people, seen
    found = []
    # Each name is parsed once, each pair of words compared once and each pair of names
    # scored once: words and whole names recur (namesakes, families, common given names).
    parse = Parser()
    words = WordPairs(parse)
    forms = cleaned_forms(people)
    scored: dict[int, float] = {}

    related: dict[tuple, bool] = {}

    def family(one: tuple, other: tuple) -> bool:
        key = (one, other) if one <= other else (other, one)
        if key not in related:
            related[key] = one_family(key[0], key[1], parse)
        return related[key]

    # Each person's name forms as numbered words (``WordPairs.numbered_names``), and
    # each distinct name numbered in turn (``name_of``: pk -> its number), for the
    # blocking and the scoring: most pairs that meet are namesakes, told apart by these,
    # once per two names (``apart``).
    numbered_names = number_names(words, forms)
    name_of, numbered = numbered_names.of, numbered_names.names
    # Whether two names are namesakes' does not depend on the order of their words
    # (Петров Иван Иванович, Иван Иванович Петров): told once per two sets of words,
    # each numbered in turn (``set_of``: pk -> its number).
    sets: dict[tuple, int] = {}
    set_of_name = [
        sets.setdefault(tuple(sorted(tuple(sorted(form)) for form in name)), len(sets))
        for name in numbered
    ]
    set_of = {pk: set_of_name[number] for pk, number in name_of.items()}
    apart = _Apart(words, list(sets))

    def differ(one: int, other: int) -> bool:
        """Whether two people's names are namesakes' (``WordPairs.differ``)."""
        a, b = set_of[one], set_of[other]
        return apart[(a << 32 | b) if a < b else (b << 32 | a)]

    def names_score(one: int, other: int) -> float:
        """How alike two people's names are (``WordPairs.names``), once per two names."""
        a, b = name_of[one], name_of[other]
        key = (a << 32 | b) if a < b else (b << 32 | a)
        found = scored.get(key)
        if found is None:
            names, other_names = numbered[a], numbered[b]
            if other_names < names:
                names, other_names = other_names, names
            found = scored[key] = words.names(names, other_names)
        return found

    # Pairs proposed on their names alone, by person: a name that fits two people who
    # are not one (Olga Umarova, beside Olga Umarovna Keloeva and Olga Khasanovna
    # Umarova; or beside two Olga Umarovas born in different years) is proposed for
    # neither without other evidence.
    on_name_alone: dict[int, set[int]] = defaultdict(set)
    # Only partners the name fits count: Павлова Юлия, paired with her brother Мовсар
    # Павлов on the family's phone despite the names, is not ambiguous for it.
    fitting: dict[int, list[int]] = defaultdict(list)
    # Read (and decrypted) once per person, not once per pair.
    born = {p.pk: p.birth_date for p in people}
    # Birth dates compared once per pair of distinct dates, each numbered once.
    dates: dict = {}
    date_of = {pk: dates.setdefault(day, len(dates)) for pk, day in born.items()}
    agreeing: dict[int, str | None] = {}
    # Two individuals (or two groups) born in different years and sharing no relative
    # score 1.0 - 0.3 at most, besides a shared contact (whose pairs come from the
    # contact keys anyway): under a min_score above that they are never paired.
    years_apart = 1.0 + _BIRTHS["different"] < min_score
    related_to_someone = set(relatives)
    sorts = {
        p.pk: Sort(
            p.kind,
            born[p.pk].year if born[p.pk] and years_apart else None,
            known_to_the_day(born[p.pk]),
            p.pk in related_to_someone,
        )
        for p in people
    }
    # What the pairs ask of each person, read once per person, in one place (a pair
    # looks each of its people up once): their kind, the number of their birth date,
    # their e-mails and handles (shared phones pair people in the blocking) and the
    # places they lived in.
    contacts = {p.pk: contact_keys(p) for p in people}
    about = {
        p.pk: (p.kind, date_of[p.pk], _written(contacts[p.pk]) or (), places_lived(p) or ())
        for p in people
    }

    # Who could share something with a namesake other than a contact (which pairs
    # people anyway): the blocking leaves out namesakes who cannot.
    sharing = {pk for pk, (_kind, _date, written, places) in about.items() if written or places}
    clock.lap("scoring")  # preparing to: as the scoring's caches do
    namesakes = Namesakes(set_of, apart, sharing | related_to_someone)
    pairs = candidate_pairs(people, sorts, namesakes, numbered_names, contacts)
    clock.lap("blocking")
    for (pa, pb), shared in pairs.items():
        kind_a, date_a, written_a, places_a = about[pa]
        kind_b, date_b, written_b, places_b = about[pb]
        if kind_a != kind_b:
            continue
        contact = shared > 0
        dated = date_a << 32 | date_b
        births = agreeing.get(dated, agreeing)
        if births is agreeing:
            births = agreeing[dated] = birth_agreement(born[pa], born[pb])
        common = (relatives[pa] & relatives[pb]) - {pa, pb} if pa in relatives else None
        # The names score 1 at most: a pair that cannot reach min_score even with a
        # contact and a place is left before either is compared, and one that cannot
        # with those it has is left before its names are.
        # A typo'd e-mail or a place counts only for people not born in other years (so
        # that pairs born years apart still need a contact or relative, as the blocking
        # above assumes).
        if not contact:
            held = 0.0
        elif written_a and written_b and not set(written_a).isdisjoint(written_b):
            held = _WRITTEN  # an e-mail or handle both have
        else:
            held = _PHONE
        bonus = _BIRTHS[births] + held + (0.1 if common else 0.0)
        weighs = births != "different"
        if 1.0 + bonus + (_NEAR + _PLACE if weighs else 0.0) < min_score - 1e-9:
            continue
        # Most people have no e-mail or handle, many no place.
        near = bool(not contact and written_a and written_b and near_contact(written_a, written_b))
        shared_place = bool(places_a and places_b and same_place(places_a, places_b))
        if weighs:
            bonus += (_NEAR if near else 0.0) + (_PLACE if shared_place else 0.0)
        if 1.0 + bonus < min_score - 1e-9:
            continue
        evidence = contact or near or bool(common) or shared_place
        differs = None
        if not evidence:
            # Namesakes (each name has a word the other lacks) with nothing else shared
            # are never proposed: told apart before their names are scored.
            differs = differ(pa, pb)
            if differs:
                continue
        names = names_score(pa, pb)
        value = names + bonus
        if value < min_score:
            continue
        if differs is None:
            differs = differ(pa, pb)
        if differs and family(forms[pa], forms[pb]):
            continue
        # What the reasons are written from, when a pair still proposed is shown.
        found.append((pa, pb, value, (names, contact, births, common, near, shared_place, differs)))
        if not differs:
            fitting[pa].append(pb)
            fitting[pb].append(pa)
        if not (evidence or births in ("day", "year")):
            on_name_alone[pa].add(pb)
            on_name_alone[pb].add(pa)

    # Two people proposed as one, or joined by proposals (A-B and B-C join A and C),
    # are not told apart, whatever their years: a name that fits both (John Hale, beside
    # John Hale 1820 and John Hale 1826) fits one person. Only proposals on more than
    # the name count: those on the name alone are what is in question.
    joined = _Joined((pa, pb) for pa, pb, _value, _why in found if pb not in on_name_alone[pa])

    def not_one(one: int, other: int) -> bool:
        """Two people told apart by their names or their birth years, and not joined
        by proposals."""
        if joined.root(one) == joined.root(other):
            return False
        if differ(one, other):
            return True
        dated = date_of[one] << 32 | date_of[other]
        births = agreeing.get(dated, agreeing)
        if births is agreeing:
            births = agreeing[dated] = birth_agreement(born[one], born[other])
        return births == "different"

    # A name fits no one proposed as one, on more than the name, with a person it is
    # told apart from (by a word of the name, or by the year): Madina Bisultanova 1967,
    # proposed with Мадина Ахмедовна Бисултанова 1967 on name and year, is not
    # Bisultanova Madina LomAliovna. Only people proposed as one without a word of the
    # name against it count: namesakes proposed on a shared phone are two people as
    # likely as one.
    clusters = _Joined(
        (pa, pb) for pa, pb, _value, why in found if not why[-1] and pb not in on_name_alone[pa]
    ).clusters()
    root_of = {pk: root for root, members in clusters.items() for pk in members}
    conflicts: dict[int, bool] = {}

    def conflict(pk: int, root: int | None) -> bool:
        """Whether someone proposed as one with the people of ``root`` is told apart
        from ``pk``; once per person and set."""
        if root is None:
            return False
        key = pk << 32 | root
        found = conflicts.get(key)
        if found is None:
            found = conflicts[key] = any(not_one(pk, member) for member in clusters[root])
        return found

    # A pair on the names alone that would join people told apart: one of them and
    # someone proposed as one with the other on more than the name. (The pair itself
    # is not told apart: it would not have been proposed on its names alone.)
    contradictions = set()
    for pk, partners in on_name_alone.items():
        root = root_of.get(pk)
        left = {
            partner
            for partner in partners
            if (root is not None or partner in root_of)
            and (other_root := root_of.get(partner)) != root
            and (conflict(pk, other_root) or conflict(partner, root))
        }
        if left:
            contradictions.update((pk, partner) for partner in left)
            fitting[pk] = [partner for partner in fitting[pk] if partner not in left]
    ambiguous = {
        pk
        for pk in on_name_alone
        if any(not_one(one, other) for one, other in combinations(fitting.get(pk, ()), 2))
    }
    found = [
        (pa, pb, round(min(value, 1.0), 2), why)
        for pa, pb, value, why in found
        if (pa, pb) not in contradictions
        and not ((pa in ambiguous or pb in ambiguous) and pb in on_name_alone[pa])
    ]
    found.sort(key=lambda c: (-c[2], c[0], c[1]))
    explain = _Reasons(found, forms, by_pk)
    clock.lap("scoring")
    if persons is None:  # read from the queryset: the records of the pairs shown only
        return Proposals(found, people_query.in_bulk, explain)
    return Proposals(found, lambda pks: {pk: persons[pk] for pk in pks}, explain)


class _Reasons:
    """Why a proposed pair may be one person, written when the pair is shown: from what
    ``find`` kept of the pair (how alike the names are, a contact, the births' agreement,
    relatives in common, a typo'd e-mail, a place, whether each name has a word the other
    lacks), and the name forms, birth dates and codes of the people of the proposals
    only, not the whole team's. (The pairs a background search kept have their own,
    ``haven.people.kept``.)"""

    def __init__(self, found: list[tuple], forms: dict, by_pk: dict) -> None:
        shown = {pk for pa, pb, _score, _why in found for pk in (pa, pb)}
        related = {pk for *_pair, why in found for pk in why[3] or ()}
        self._forms = {pk: forms[pk] for pk in shown}
        self._people = {pk: by_pk[pk] for pk in shown | related if pk in by_pk}
        self._parsed = _Parsed(Parser())

    def related(self, pairs: list[tuple]) -> set[int]:
        """People to read with the people of ``pairs`` to write their reasons: none, as
        they were kept from the search."""
        return set()

    def __call__(self, pa: int, pb: int, why: tuple, shown: dict) -> list[str]:
        forms = self._forms
        return self.written(why, forms[pa], forms[pb], self._people[pa], self._people)

    def written(self, why: tuple, forms_a, forms_b, a, people: dict) -> list[str]:
        """The reasons of the pair of ``a`` (its name forms ``forms_a``) and the person
        whose name forms are ``forms_b``; ``people`` by pk, for the codes of relatives."""
        names, contact, births, common, near, shared_place, differs = why
        found = _reasons(a, contact, births, common, people)
        if near:
            found.append(_("nearly the same e-mail or handle (a typo?)"))
        if shared_place:
            found.append(_("lived in the same place"))
        if differs:
            found.append(_("each name has a word the other lacks (another surname?)"))
        # How alike the names are, when they count for much, or when nothing else does:
        # a pair proposed on its names alone always says so.
        if names >= 0.8 or not (contact or common or near or shared_place):
            found.insert(0, name_reason(forms_a, forms_b, self._parsed, names))
        return found


class _Joined:
    """The people that pairs join (A-B and B-C join A and C): a union-find forest."""

    def __init__(self, pairs) -> None:
        self._parent: dict[int, int] = {}
        for one, other in pairs:
            self._parent[self.root(one)] = self.root(other)

    def clusters(self) -> dict[int, list[int]]:
        """The people of each set joined (of two people or more), by its root."""
        found = defaultdict(list)
        for pk in list(self._parent):
            found[self.root(pk)].append(pk)
        for root, members in found.items():
            if root not in self._parent:  # a root is its own parent: listed once
                members.append(root)
        return found

    def root(self, pk: int) -> int:
        parent = self._parent
        while parent.get(pk, pk) != pk:
            parent[pk] = parent.get(parent[pk], parent[pk])  # halve the path
            pk = parent[pk]
        return pk


# What an e-mail or handle a typo apart, and a place both lived in, add to a pair's score
# (a contact both have adds 0.25, a relative both have 0.1).
_NEAR, _PLACE = 0.15, 0.1

# What a shared contact adds to a pair's score: a phone (a family's, a shelter's), or an
# e-mail or handle, which is more nearly one person's own.
_PHONE, _WRITTEN = 0.25, 0.4

# What the agreement of two birth dates (``birth_agreement``) adds to a pair's score.
_BIRTHS = {
    "day": 0.2,
    "year": 0.1,
    "typo": 0.0,
    "near": -0.1,
    "adjacent": -0.3,
    "different": -0.3,
    None: 0.0,
}


def _written(contacts: list[str]) -> list[str]:
    """The e-mails and handles of a person's ``contact_keys`` (not their phones)."""
    return [term for term in contacts if not term.startswith("phone:")]


class _Apart(dict):
    """Whether two names are namesakes' (``WordPairs.differ_numbered``), worked out on
    first use, under the numbers of the two names as one integer (the smaller in the
    high bits)."""

    def __init__(self, words: WordPairs, numbered: list) -> None:
        super().__init__()
        self._words = words
        self._numbered = numbered

    def __missing__(self, key: int) -> bool:
        numbered = self._numbered
        found = self[key] = self._words.differ_numbered(
            numbered[key >> 32], numbered[key & 0xFFFFFFFF]
        )
        return found


class _Parsed(dict):
    """Each person's name forms parsed for ``score_parsed``, on first use: most people
    are in no pair that gets as far as comparing names."""

    def __init__(self, parse: Parser) -> None:
        super().__init__()
        self._parse = parse

    def __missing__(self, names: tuple) -> list:
        found = self[names] = [self._parse(form) for form in names]
        return found


def _reasons(a, contact: bool, births: str | None, common, by_pk: dict) -> list[str]:
    """Why a proposed pair's evidence other than names and places counts."""
    reasons = []
    if contact:
        reasons.append(_("share a contact"))
    if births == "day":
        # Agreement, not evidence that two surnames are one: namesakes share a day too.
        reasons.append(_("same birth date %(date)s") % {"date": a.birth_date.label()})
    elif births == "year":
        reasons.append(_("same birth year %(year)s") % {"year": a.birth_date.year})
    elif births == "typo":
        reasons.append(_("birth dates one digit apart (a typo?)"))
    elif births == "near":
        reasons.append(_("birth dates two digits apart"))
    elif births == "adjacent":
        reasons.append(_("birth years one apart"))
    elif births == "different":
        reasons.append(_("different birth years"))
    if common:
        codes = ", ".join(sorted(by_pk[c].code for c in common if c in by_pk))
        reasons.append(_("related to the same people: %(codes)s") % {"codes": codes})
    return reasons
