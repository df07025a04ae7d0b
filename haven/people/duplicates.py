"""Finding records that may be the same person (merging them: ``haven.people.merging``;
how alike two names, dates and places are: ``haven.people.likeness``).

Candidates are people of one team who share a contact, or whose names share the
search keys of ``haven.lib.names`` (the same skeleton across scripts, or one edit
apart) on two different words. The keys are computed in memory from the names,
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

A place both lived in (up to a typo) and an e-mail or handle a typo apart add a little
to the score of people not born in other years: a clerk's slip in a town or an address
is common, and two people of one name, year and town are rarer than one written twice.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain, combinations

from django.utils.translation import gettext as _

from haven.lib.inserts import collector_paused
from haven.lib.names import (
    Parser,
    name_terms,
    skeleton,
    tokens,
)
from haven.lib.normalize import contact_terms
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
    without_titles,
)
from haven.people.models import Person, Relationship
from haven.people.short_forms import name_groups

COMMON = 100  # a key shared by more people of a team than this says little; skip it
MIN_SCORE = 0.75


@dataclass
class Candidate:
    a: Person
    b: Person
    score: float
    reasons: list[str] = field(default_factory=list)


def name_forms(person) -> list[str]:
    """Every form of a person's name: the name, the other name forms, the nicknames."""
    return [person.name, *(person.other_names or []), *(person.nicknames or [])]


class Proposals(Sequence):
    """The pairs ``find`` proposes, best first: how many at once, the people of each
    pair read in full when it is shown (a page of the review list, the lines the command
    prints), not all of them at the end of a search over a whole team. A pair whose
    person was removed (or can no longer be read) by then is left out of what is shown.
    Equal to a list of the same candidates."""

    def __init__(self, pairs: list[tuple], read: Callable[[set], dict]) -> None:
        self._pairs = pairs  # (pk, pk, score, reasons)
        self._read = read  # pks -> {pk: person}

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
        persons = self._read({pk for pa, pb, _score, _reasons in pairs for pk in (pa, pb)})
        return [
            Candidate(persons[pa], persons[pb], score, reasons)
            for pa, pb, score, reasons in pairs
            if pa in persons and pb in persons
        ]


class _Keys:
    """Blocking keys of people's names, as small integers: each distinct word and each
    distinct set of name forms worked out once per run (namesakes and families repeat
    them), each key string numbered once."""

    def __init__(self) -> None:
        self._numbers: dict[str, int] = {}
        self._words: dict[str, tuple[frozenset, frozenset]] = {}
        self._people: dict[tuple, tuple[frozenset, frozenset, frozenset]] = {}
        self._pairs: dict[tuple, int] = {}
        # The pair keys of each two sets of words written, by number ("entries" below).
        self.pair_keys: list[frozenset] = []

    def word(self, word: str) -> tuple[frozenset, frozenset, frozenset]:
        """(exact keys, one-edit keys, both) of one word: its skeleton readings (``sk:``)
        and the one-edit keys of its skeleton (``sd:``). A word without exact keys (a
        skeleton under two letters) has none at all."""
        found = self._words.get(word)
        if found is None:
            # A short form of a given name (Bill) also meets the name (William).
            terms = name_terms(word) + [f"sk:{name}" for name in name_groups(skeleton(word))]
            exact = frozenset(self._number(t) for t in terms if t.startswith("sk:"))
            fuzzy = frozenset(self._number(t) for t in terms if t.startswith("sd:"))
            found = self._words[word] = (exact, fuzzy, exact | fuzzy)
        return found

    def _number(self, term: str) -> int:
        return self._numbers.setdefault(term, len(self._numbers))

    def person(self, forms: tuple) -> tuple[frozenset, frozenset, frozenset]:
        """The pair keys (as the numbers of ``pair_keys``' entries: sets of them that
        people share), word keys and every key of a person's name forms.

        A pair key stands for two different words of the names: both spelt alike up to
        transliteration, or one of them within one edit. Pairs of words keep the groups
        small where single words would not (a team may have hundreds of Tagirovs, but
        few Salman Tagirovs). Word keys (a word spelt alike or within one edit) are for
        pairing with a person whose name has one word only. Every key: the keys of each
        word of the names, as written, for pairing on one word and the day of birth.
        """
        found = self._people.get(forms)
        if found is None:
            found = self._people[forms] = self._person(forms)
        return found

    def _person(self, forms: tuple) -> tuple[frozenset, frozenset, frozenset]:
        # One entry per word, whatever the script or spelling: Юсуп and Yusuf (one edit
        # apart) are one word of the name, not two.
        # Each entry: its exact keys and its one-edit keys.
        words: list[list] = []
        every: set[int] = set()
        known = self._words
        for form in forms:
            for word in tokens(form) if form else ():
                exact, fuzzy, both = known.get(word) or self.word(word)
                if not exact:
                    continue
                every |= both
                for entry in words:
                    if not entry[0].isdisjoint(exact) or not entry[1].isdisjoint(fuzzy):
                        entry[0] = entry[0] | exact
                        entry[1] = entry[1] | fuzzy
                        break
                else:
                    words.append([exact, fuzzy])
        if len(words) < 2:
            pair_keys: frozenset = frozenset()
        else:
            pair_keys = frozenset(
                self._pair_keys(*one, *other) for one, other in combinations(words, 2)
            )
        # The word keys are every word's keys: a word without exact keys has none.
        word_keys = frozenset(every)
        return pair_keys, word_keys, word_keys

    def _pair_keys(self, exact_a, fuzzy_a, exact_b, fuzzy_b) -> int:
        """The number of the pair keys of two entries of a name in ``pair_keys``, worked
        out once per two entries' keys (a given name and a surname recur in many names,
        in either script): people whose names have the same two entries are listed under
        one number."""
        key = (exact_a, fuzzy_a, exact_b, fuzzy_b)
        found = self._pairs.get(key)
        if found is None:
            # A pair of keys as one number: the smaller in the high bits.
            keys = set()
            for a in exact_a:
                keys.update((a << 32 | b) if a < b else (b << 32 | a) for b in exact_b | fuzzy_b)
            for b in exact_b:
                keys.update((a << 32 | b) if a < b else (b << 32 | a) for a in fuzzy_a)
            found = self._pairs[key] = len(self.pair_keys)
            self.pair_keys.append(frozenset(keys))
        return found


def _full_date(person) -> str | None:
    """The birth date when it is known to the day, else None."""
    born = person.birth_date
    return str(born) if known_to_the_day(born) else None


def candidate_pairs(people, sorts: dict | None = None) -> dict[tuple[int, int], int]:
    """Pairs of people of one team that share a contact, or whose names agree on two
    different words (a shared first name or surname alone is not enough), or, for a
    name of one word, on that word: (lower pk, higher pk) -> how many contact keys the
    two share (0: they meet on their names only).

    The keys are the blind index's (``haven.lib.names``), computed here in memory from
    the names that are decrypted for scoring anyway, never stored in clear.

    ``sorts`` (pk -> ``_Sort``): pairs that meet on their names only are left out when
    their sorts say they cannot be proposed (see ``_close_pairs``).
    """
    teams: dict[int, list] = defaultdict(list)
    for person in people:
        teams[person.team_id].append(person)
    keys = _Keys()
    on_names: set[tuple[int, int]] = set()
    on_contacts: Counter[tuple[int, int]] = Counter()
    for members in teams.values():
        _block(members, keys, on_names, on_contacts, sorts)
    pairs = dict.fromkeys(on_names, 0)
    pairs.update(on_contacts)
    return pairs


def _block(people: list, keys: _Keys, on_names: set, on_contacts: Counter, sorts) -> None:
    """Add the candidate pairs of one team's people to ``on_names`` and ``on_contacts``
    (the number of contact keys each pair shares)."""
    names: dict[int, list] = defaultdict(list)  # entry of pair keys -> people
    born_on: dict[tuple, list] = defaultdict(list)
    contacts: dict[str, list] = defaultdict(list)
    word_keys: dict[int, frozenset] = {}
    single: set[int] = set()
    # In the order of their pks, so that each group's members come sorted.
    for person in sorted(people, key=lambda person: person.pk):
        pk = person.pk
        pair_keys, word_keys[pk], every = keys.person(tuple(without_titles(name_forms(person))))
        if not pair_keys and word_keys[pk]:
            single.add(pk)
        for entry in pair_keys:
            names[entry].append(pk)
        born = _full_date(person)
        if born:
            # One word of the name and the day of birth: a given name written as a
            # nickname (Rob, Robert) or a surname changed leaves one word to meet on.
            for key in every:
                born_on[(key, born)].append(pk)
        for contact in person.contacts or []:
            for key in contact_terms(contact.get("value", "")):
                contacts[key].append(pk)
    # Word keys only where a one-word name carries them: others pair on two words.
    wanted = set().union(*(word_keys[pk] for pk in single))
    words: dict[int, list] = defaultdict(list)
    for pk, found in word_keys.items():
        for key in found & wanted:
            words[key].append(pk)
    # Many keys stand for one group of people (a word's one-edit keys, the readings of
    # one skeleton): each group is paired once. A pair key's people are those of the
    # entries that carry it; keys carried by the same entries are one group, found once
    # (a key is not listed with its people one by one: a name has dozens of keys).
    carriers: dict[int, list] = defaultdict(list)
    for entry in sorted(names):
        for key in keys.pair_keys[entry]:
            carriers[key].append(entry)
    groups = {tuple(members) for members in born_on.values() if 1 < len(members) <= COMMON}
    for entries in {tuple(entries) for entries in carriers.values()}:
        if len(entries) == 1:
            members = names[entries[0]]
        else:
            members = sorted(set(chain.from_iterable(names[entry] for entry in entries)))
        if 1 < len(members) <= COMMON:
            groups.add(tuple(members))
    for members in groups:
        on_names.update(_close_pairs(members, sorts) if sorts else combinations(members, 2))
    for members in {tuple(m) for m in words.values() if 1 < len(m) <= COMMON}:
        on_names.update(
            (pa, pb)
            for pa, pb in (_close_pairs(members, sorts) if sorts else combinations(members, 2))
            if pa in single or pb in single
        )
    for members in contacts.values():
        if 1 < len(members) <= COMMON:
            on_contacts.update(combinations(sorted(set(members)), 2))


@dataclass(frozen=True)
class _Sort:
    """What tells, before their names are compared, that two people meeting on their
    names only cannot be proposed: ``kind`` (an individual or a group) and ``year`` of
    birth (None: unknown), unless both are ``dated`` to the day (a typo of the year?)
    or both are ``related`` to someone (the same relatives?)."""

    kind: str
    year: int | None
    dated: bool
    related: bool


def _close_pairs(members: tuple, sorts: dict):
    """The pairs of ``members`` (sorted pks) that ``find`` may propose on their names:
    one kind, and the same birth year, or a year unknown, or both dated to the day, or
    both related to someone; pairs born in other years lose more than the other
    evidence they might have could win back (see ``find``)."""
    if len(members) == 2:  # most groups: decided without sorting them into buckets
        one, other = sorts[members[0]], sorts[members[1]]
        if one.kind == other.kind and (
            one.year is None
            or other.year is None
            or abs(one.year - other.year) <= 1  # the same year, or the next (see _BIRTHS)
            or (one.dated and other.dated)
            or (one.related and other.related)
        ):
            yield members
        return
    buckets: dict[tuple, list] = defaultdict(list)
    # Who may be paired across years: one born in a year unknown with anyone of their
    # kind born in a known one; those dated to the day, and those related to someone,
    # with each other.
    unknown, known, dated, related = [], [], [], []
    for pk in members:
        sort = sorts[pk]
        buckets[(sort.kind, sort.year)].append(pk)
        if sort.year is None:
            unknown.append(pk)
        else:
            known.append(pk)
            if sort.dated:
                dated.append(pk)
            if sort.related:
                related.append(pk)
    for bucket in buckets.values():
        yield from combinations(bucket, 2)
    if len(buckets) == 1:
        return
    for a in unknown if known else ():
        kind = sorts[a].kind
        for b in known:
            if sorts[b].kind == kind:
                yield (a, b) if a < b else (b, a)
    # The same kind born in the next year (see _BIRTHS).
    for (kind, year), one in buckets.items():
        other = buckets.get((kind, year + 1)) if year is not None else None
        for a in one if other else ():
            for b in other:
                yield (a, b) if a < b else (b, a)
    for across in (dated, related):
        for a, b in combinations(across, 2):  # (members come sorted)
            one_sort, other_sort = sorts[a], sorts[b]
            if one_sort.kind == other_sort.kind and one_sort.year != other_sort.year:
                yield a, b


def find(people, min_score: float = MIN_SCORE, timings: dict | None = None) -> Proposals:
    """The pairs of ``people`` (a queryset, or a list of people) that may be one person,
    best first (see the module's docstring), their people read from the queryset as they
    are shown (``Proposals``). ``timings``, if given, is filled with the seconds and CPU
    seconds spent reading the people (``reading``), decrypting what is compared of them
    (``decrypting``), pairing them (``blocking``) and comparing the pairs (``scoring``)."""
    with collector_paused():
        return _find(people, min_score, Clock(timings))


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
    forms = {p.pk: tuple(form for form in without_titles(name_forms(p)) if form) for p in people}
    parsed = _Parsed(parse)
    scored: dict[tuple, float] = {}

    related: dict[tuple, bool] = {}

    def family(one: tuple, other: tuple) -> bool:
        key = (one, other) if one <= other else (other, one)
        if key not in related:
            related[key] = one_family(key[0], key[1], parse)
        return related[key]

    # Each person's name forms as numbered words (``WordPairs.numbered_names``), on first
    # use: most pairs that meet are namesakes, told apart by these.
    numbered = _Numbered(words, forms)

    def differ(one: int, other: int) -> bool:
        """Whether two people's names are namesakes' (``WordPairs.differ``)."""
        return words.differ_numbered(numbered[one], numbered[other])

    def names_score(one: int, other: int) -> float:
        """How alike two people's names are (``WordPairs.names``), once per two names."""
        names, other_names = numbered[one], numbered[other]
        key = (names, other_names) if names <= other_names else (other_names, names)
        found = scored.get(key)
        if found is None:
            found = scored[key] = words.names(*key)
        return found

    # Pairs proposed on their names alone, by person: a name that fits two people who
    # are not one (Olga Umarova, beside Olga Umarovna Keloeva and Olga Khasanovna
    # Umarova; or beside two Olga Umarovas born in different years) is proposed for
    # neither without other evidence.
    on_name_alone: dict[int, list[int]] = defaultdict(list)
    partners: dict[int, list[int]] = defaultdict(list)
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
        p.pk: _Sort(
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
    about = {
        p.pk: (p.kind, date_of[p.pk], _written_contacts(p) or (), places_lived(p) or ())
        for p in people
    }

    def reasons(pa, pb, names, contact, births, common, near, shared_place, differs) -> list:
        found = []
        if names >= 0.8:
            found.append(name_reason(forms[pa], forms[pb], parsed, names))
        found += _reasons(by_pk[pa], contact, births, common, by_pk)
        if near:
            found.append(_("nearly the same e-mail or handle (a typo?)"))
        if shared_place:
            found.append(_("lived in the same place"))
        if differs:
            found.append(_("each name has a word the other lacks (another surname?)"))
        return found

    clock.lap("scoring")  # preparing to: as the scoring's caches do
    pairs = candidate_pairs(people, sorts)
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
        bonus = _BIRTHS[births] + (0.25 if contact else 0.0) + (0.1 if common else 0.0)
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
            differs = words.differ_numbered(numbered[pa], numbered[pb])
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
        # The reasons are written for the pairs still proposed at the end.
        found.append((pa, pb, value, (names, contact, births, common, near, shared_place, differs)))
        partners[pa].append(pb)
        partners[pb].append(pa)
        if not (evidence or births in ("day", "year")):
            on_name_alone[pa].append(pb)
            on_name_alone[pb].append(pa)
    # Only partners the name fits count: Павлова Юлия, paired with her brother Мовсар
    # Павлов on the family's phone despite the names, is not ambiguous for it.
    fitting = {
        pk: [other for other in others if not differ(pk, other)]
        for pk, others in partners.items()
        if pk in on_name_alone
    }

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

    ambiguous = {
        pk
        for pk, others in fitting.items()
        if any(not_one(one, other) for one, other in combinations(others, 2))
    }
    found = [
        (pa, pb, round(min(value, 1.0), 2), why)
        for pa, pb, value, why in found
        if not ({pa, pb} & ambiguous and pb in on_name_alone[pa])
    ]
    found.sort(key=lambda c: (-c[2], c[0], c[1]))
    found = [(pa, pb, score, reasons(pa, pb, *why)) for pa, pb, score, why in found]
    clock.lap("scoring")
    if persons is None:  # read from the queryset: the records of the pairs shown only
        return Proposals(found, people_query.in_bulk)
    return Proposals(found, lambda pks: {pk: persons[pk] for pk in pks})


class _Joined:
    """The people that pairs join (A-B and B-C join A and C): a union-find forest."""

    def __init__(self, pairs) -> None:
        self._parent: dict[int, int] = {}
        for one, other in pairs:
            self._parent[self.root(one)] = self.root(other)

    def root(self, pk: int) -> int:
        parent = self._parent
        while parent.get(pk, pk) != pk:
            parent[pk] = parent.get(parent[pk], parent[pk])  # halve the path
            pk = parent[pk]
        return pk


# What an e-mail or handle a typo apart, and a place both lived in, add to a pair's score
# (a contact both have adds 0.25, a relative both have 0.1).
_NEAR, _PLACE = 0.15, 0.1

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


def _written_contacts(person) -> list[str]:
    """A person's e-mails and handles as ``contact_terms``' terms (not their phones)."""
    return [
        term
        for contact in person.contacts or []
        for term in contact_terms(contact.get("value", ""))
        if not term.startswith("phone:")
    ]


class _Numbered(dict):
    """Each person's name forms as ``WordPairs.numbered_names``, by pk, on first use."""

    def __init__(self, words: WordPairs, forms: dict) -> None:
        super().__init__()
        self._words = words
        self._forms = forms

    def __missing__(self, pk: int) -> tuple:
        found = self[pk] = self._words.numbered_names(self._forms[pk])
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
