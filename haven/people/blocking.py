"""Blocking for the duplicate finder (``haven.people.duplicates``): which people of a
team are worth comparing at all. People meet on a shared contact, on the keys of two
words of their names (the same skeleton across scripts, one edit apart, a short form of
a given name), or on one word and the day of birth; a key shared by more than
``COMMON`` people says little and is skipped. Across birth years only people who may
be one are paired (a year unknown, both dated to the day, both related)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import chain, combinations

from haven.lib.names import Parser, reading_terms
from haven.lib.normalize import contact_terms
from haven.people.likeness import (
    WordPairs,
    known_to_the_day,
    without_titles,
)
from haven.people.short_forms import name_groups

COMMON = 100  # a key shared by more people of a team than this says little; skip it


def name_forms(person) -> list[str]:
    """Every form of a person's name: the name, the other name forms, the nicknames."""
    return [person.name, *(person.other_names or []), *(person.nicknames or [])]


def contact_keys(person) -> list[str]:
    """A person's contacts as ``contact_terms``' terms (a phone, an e-mail, a handle)."""
    return [
        term
        for contact in person.contacts or []
        for term in contact_terms(contact.get("value", ""))
    ]


def cleaned_forms(people) -> dict[int, tuple[str, ...]]:
    """Each person's name forms without titles (``without_titles``), and without empty
    ones, by pk: each distinct set of forms worked out once (namesakes, families)."""
    cleaned: dict[tuple, tuple] = {}
    forms = {}
    for person in people:
        written = tuple(name_forms(person))
        found = cleaned.get(written)
        if found is None:
            found = cleaned[written] = tuple(form for form in without_titles(written) if form)
        forms[person.pk] = found
    return forms


@dataclass(frozen=True)
class NumberedNames:
    """People's names as numbers, for the blocking and the scoring alike: each distinct
    name numbered once (``of``: pk -> number), and each name (``names``: by number) as
    its forms' words, numbered by ``words`` (``WordPairs.numbered_names``)."""

    of: dict[int, int]
    names: list[tuple[tuple[int, ...], ...]]
    words: WordPairs


def number_names(words: WordPairs, forms: Mapping[int, tuple]) -> NumberedNames:
    """The ``NumberedNames`` of people's name forms (pk -> ``cleaned_forms``)."""
    numbers: dict[tuple, int] = {}
    numbered: list[tuple] = []
    name_of = {}
    for pk, names in forms.items():
        name = words.numbered_names(names)
        number = numbers.get(name)
        if number is None:
            number = numbers[name] = len(numbered)
            numbered.append(name)
        name_of[pk] = number
    return NumberedNames(name_of, numbered, words)


class _Keys:
    """Blocking keys of people's names, as small integers: each distinct word and each
    distinct name (``NumberedNames``) worked out once per run (namesakes and families
    repeat them), each key string numbered once."""

    def __init__(self, names: NumberedNames) -> None:
        self._names = names
        self._numbers: dict[str, int] = {}
        self._words: dict[int, tuple[frozenset, frozenset, frozenset]] = {}
        self._people: dict[int, tuple[frozenset, set]] = {}
        self._pairs: dict[int | tuple, int] = {}
        # The pair keys of each two sets of words written, by number ("entries" below).
        self.pair_keys: list[frozenset] = []

    def word(self, number: int) -> tuple[frozenset, frozenset, frozenset]:
        """(exact keys, one-edit keys, both) of one numbered word: its skeleton readings
        (``sk:``) and the one-edit keys of its skeleton (``sd:``)."""
        found = self._words.get(number)
        if found is None:
            readings = self._names.words.word(number)[0]
            # A short form of a given name (Bill) also meets the name (William).
            terms = reading_terms(readings) | {f"sk:{name}" for name in name_groups(readings[0])}
            exact = frozenset(self._number(t) for t in terms if t.startswith("sk:"))
            fuzzy = frozenset(self._number(t) for t in terms if t.startswith("sd:"))
            found = self._words[number] = (exact, fuzzy, exact | fuzzy)
        return found

    def _number(self, term: str) -> int:
        return self._numbers.setdefault(term, len(self._numbers))

    def person(self, name: int) -> tuple[frozenset, set]:
        """The pair keys (as the numbers of ``pair_keys``' entries: sets of them that
        people share) and word keys of a name, by its number (``NumberedNames``).

        A pair key stands for two different words of the names: both spelt alike up to
        transliteration, or one of them within one edit. Pairs of words keep the groups
        small where single words would not (a team may have hundreds of Tagirovs, but
        few Salman Tagirovs). Word keys (a word spelt alike or within one edit) are for
        pairing with a person whose name has one word only, and with one word and the
        day of birth (a set shared by every person of the name: not to be changed).
        """
        found = self._people.get(name)
        if found is None:
            found = self._people[name] = self._person(self._names.names[name])
        return found

    def _person(self, forms: tuple) -> tuple[frozenset, set]:
        # One entry per word, whatever the script or spelling: Юсуп and Yusuf (one edit
        # apart) are one word of the name, not two.
        # Each entry: its exact keys, its one-edit keys, and the numbers of its words
        # (one number, or a set of them), which say what its keys are.
        words: list[list] = []
        every: set[int] = set()
        for form in forms:
            for number in form:
                exact, fuzzy, both = self.word(number)
                every |= both
                for entry in words:
                    if not entry[0].isdisjoint(exact) or not entry[1].isdisjoint(fuzzy):
                        if entry[2] != number:
                            merged = entry[2]
                            if not isinstance(merged, frozenset):
                                merged = frozenset((merged,))
                            entry[:] = (entry[0] | exact, entry[1] | fuzzy, merged | {number})
                        break
                else:
                    words.append([exact, fuzzy, number])
        if len(words) < 2:
            return frozenset(), every
        # The entries' numbers, by their words' numbers: one integer for two entries of
        # one word each (most), else the two words' numbers or sets of them.
        found = set()
        pairs = self._pairs
        for one, other in combinations(words, 2):
            words_a, words_b = one[2], other[2]
            if type(words_a) is int and type(words_b) is int:
                key = words_a << 32 | words_b
            else:
                key = (words_a, words_b)
            number = pairs.get(key)
            if number is None:
                number = pairs[key] = self._pair_keys(one[0], one[1], other[0], other[1])
            found.add(number)
        return frozenset(found), every

    def _pair_keys(self, exact_a, fuzzy_a, exact_b, fuzzy_b) -> int:
        """The number in ``pair_keys`` of a new entry: the pair keys of two entries of
        a name (their exact and one-edit keys). People whose names have the same two
        entries (a given name and a surname recur in many names, in either script) are
        listed under one number."""
        # A pair of keys as one number: the smaller in the high bits.
        keys = set()
        for a in exact_a:
            keys.update((a << 32 | b) if a < b else (b << 32 | a) for b in exact_b | fuzzy_b)
        for b in exact_b:
            keys.update((a << 32 | b) if a < b else (b << 32 | a) for a in fuzzy_a)
        self.pair_keys.append(frozenset(keys))
        return len(self.pair_keys) - 1


def _full_date(person) -> str | None:
    """The birth date when it is known to the day, else None."""
    born = person.birth_date
    return str(born) if known_to_the_day(born) else None


def candidate_pairs(
    people,
    sorts: dict | None = None,
    namesakes: Namesakes | None = None,
    names: NumberedNames | None = None,
    contacts: Mapping[int, list[str]] | None = None,
) -> dict[tuple[int, int], int]:
    """Pairs of people of one team that share a contact, or whose names agree on two
    different words (a shared first name or surname alone is not enough), or, for a
    name of one word, on that word: (lower pk, higher pk) -> how many contact keys the
    two share (0: they meet on their names only).

    The keys are the blind index's (``haven.lib.names``), computed here in memory from
    the names that are decrypted for scoring anyway, never stored in clear.

    ``sorts`` (pk -> ``Sort``): pairs that meet on their names only are left out when
    their sorts say they cannot be proposed (see ``_close_pairs``), and ``namesakes``
    (``Namesakes``) when they are namesakes with nothing else that could be shared.
    ``names`` (the people's ``NumberedNames``) and ``contacts`` (pk -> ``contact_keys``),
    when given, save working them out.
    """
    teams: dict[int, list] = defaultdict(list)
    for person in people:
        teams[person.team_id].append(person)
    if names is None:
        names = number_names(WordPairs(Parser()), cleaned_forms(people))
    if contacts is None:
        contacts = {person.pk: contact_keys(person) for person in people}
    keys = _Keys(names)
    on_names: set[tuple[int, int]] = set()
    on_contacts: Counter[tuple[int, int]] = Counter()
    for members in teams.values():
        _block(members, keys, names.of, contacts, on_names, on_contacts, sorts, namesakes)
    pairs = dict.fromkeys(on_names, 0)
    pairs.update(on_contacts)
    return pairs


def _block(
    people: list,
    keys: _Keys,
    name_of: Mapping[int, int],
    contact_keys: Mapping[int, list[str]],
    on_names: set,
    on_contacts: Counter,
    sorts,
    namesakes,
) -> None:
    """Add the candidate pairs of one team's people to ``on_names`` and ``on_contacts``
    (the number of contact keys each pair shares)."""
    names: dict[int, list] = defaultdict(list)  # entry of pair keys -> people
    born_on: dict[tuple, list] = defaultdict(list)
    contacts: dict[str, list] = defaultdict(list)
    # People by the number of their name: namesakes share its keys, worked out once.
    named: dict[int, list] = defaultdict(list)
    for person in people:
        pk = person.pk
        named[name_of[pk]].append(pk)
        born = _full_date(person)
        if born:
            # One word of the name and the day of birth: a given name written as a
            # nickname (Rob, Robert) or a surname changed leaves one word to meet on.
            for key in keys.person(name_of[pk])[1]:
                born_on[(key, born)].append(pk)
        for key in contact_keys[pk]:
            contacts[key].append(pk)
    single: set[int] = set()
    # Word keys only where a one-word name carries them: others pair on two words.
    wanted: set[int] = set()
    for name, members in named.items():
        pair_keys, every = keys.person(name)
        if not pair_keys and every:
            single.update(members)
            wanted |= every
        for entry in pair_keys:
            names[entry] += members
    words: dict[int, list] = defaultdict(list)
    for name, members in named.items() if wanted else ():
        for key in keys.person(name)[1] & wanted:
            words[key] += members
    # Many keys stand for one group of people (a word's one-edit keys, the readings of
    # one skeleton): each group is paired once. A pair key's people are those of the
    # entries that carry it; keys carried by the same entries are one group, found once
    # (a key is not listed with its people one by one: a name has dozens of keys).
    carriers: dict[int, list] = defaultdict(list)
    for entry in sorted(names):
        for key in keys.pair_keys[entry]:
            carriers[key].append(entry)
    # Each group's people sorted by pk.
    groups = {tuple(sorted(m)) for m in born_on.values() if 1 < len(m) <= COMMON}
    for entries in {tuple(entries) for entries in carriers.values()}:
        if len(entries) == 1:
            members = sorted(names[entries[0]])
        else:
            members = sorted(set(chain.from_iterable(names[entry] for entry in entries)))
        if 1 < len(members) <= COMMON:
            groups.add(tuple(members))
    for members in _not_within_another(groups):
        pairs = _close_pairs(members, sorts) if sorts else combinations(members, 2)
        on_names.update(namesakes.kept(pairs) if namesakes else pairs)
    for members in {tuple(sorted(m)) for m in words.values() if 1 < len(m) <= COMMON}:
        on_names.update(
            (pa, pb)
            for pa, pb in (_close_pairs(members, sorts) if sorts else combinations(members, 2))
            if pa in single or pb in single
        )
    for members in contacts.values():
        if 1 < len(members) <= COMMON:
            on_contacts.update(combinations(sorted(set(members)), 2))


def _not_within_another(groups):
    """The groups (tuples of pks) but those whose people are all in a bigger group: its
    pairs are that group's too. A name's variants make such groups: the people of two
    words in one spelling are among those of the two words in any spelling."""
    bigger: dict[int, list[frozenset]] = defaultdict(list)  # pk -> groups yielded with it
    for members in sorted(groups, key=len, reverse=True):
        whole = frozenset(members)
        if any(whole <= other for other in bigger[members[0]]):
            continue
        for pk in members:
            bigger[pk].append(whole)
        yield members


@dataclass(frozen=True)
class Namesakes:
    """What tells, in the blocking, that two people meeting on their names only are
    namesakes with nothing else they could share, whom ``find`` never proposes: the
    number of each person's name, or of its set of words (``names``: pk -> number),
    whether two names are namesakes' (``apart``: keyed by the two numbers as one
    integer, the smaller in the high bits), and who has something a namesake could
    share besides a contact (``sharing``: an e-mail or handle, a relative, a place; a
    shared contact pairs people on its own)."""

    names: Mapping[int, int]
    apart: Mapping[int, bool]
    sharing: set[int]

    def kept(self, pairs):
        """``pairs`` but those of namesakes who cannot both share something."""
        names, apart, sharing = self.names, self.apart, self.sharing
        for pa, pb in pairs:
            one, other = names[pa], names[pb]
            if (
                one == other
                or (pa in sharing and pb in sharing)
                or not apart[(one << 32 | other) if one < other else (other << 32 | one)]
            ):
                yield pa, pb


@dataclass(frozen=True, slots=True)
class Sort:
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
    evidence they might have could win back (see ``duplicates.find``)."""
    if len(members) == 2:  # most groups: decided without sorting them into buckets
        one, other = sorts[members[0]], sorts[members[1]]
        if one.kind == other.kind and (
            one.year is None
            or other.year is None
            or abs(one.year - other.year) <= 1  # that year or the next: duplicates._BIRTHS
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
