"""Finding records that may be the same person, and merging them (reversibly).

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
"""

from __future__ import annotations

import functools
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import chain, combinations, product

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import UniqueConstraint
from django.utils import timezone
from django.utils.translation import gettext as _
from rapidfuzz.distance import OSA

from haven.audit.actions import record
from haven.lib.names import (
    GIVEN,
    MIN_PART,
    SURNAME,
    Parser,
    name_roles,
    name_terms,
    score_parsed,
    tokens,
)
from haven.lib.normalize import contact_terms, fold
from haven.people.models import Merge, Person, Relationship, require_shown
from haven.records.access import require_write
from haven.records.actions import save_record
from haven.records.signals import written

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


class _Keys:
    """Blocking keys of people's names, as small integers: each distinct word and each
    distinct set of name forms worked out once per run (namesakes and families repeat
    them), each key string numbered once."""

    def __init__(self) -> None:
        self._numbers: dict[str, int] = {}
        self._words: dict[str, tuple[frozenset, frozenset]] = {}
        self._people: dict[tuple, tuple[frozenset, frozenset, frozenset]] = {}
        self._pairs: dict[tuple, frozenset] = {}

    def word(self, word: str) -> tuple[frozenset, frozenset]:
        """(exact keys, one-edit keys) of one word: its skeleton readings (``sk:``) and
        the one-edit keys of its skeleton (``sd:``)."""
        if word not in self._words:
            terms = name_terms(word)
            self._words[word] = (
                frozenset(self._number(t) for t in terms if t.startswith("sk:")),
                frozenset(self._number(t) for t in terms if t.startswith("sd:")),
            )
        return self._words[word]

    def _number(self, term: str) -> int:
        return self._numbers.setdefault(term, len(self._numbers))

    def person(self, forms: tuple) -> tuple[frozenset, frozenset, frozenset]:
        """The pair keys, word keys and every key of a person's name forms.

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
        # Each entry: its exact keys, its one-edit keys and the words written for it.
        words: list[tuple[set, set, list]] = []
        every: set[int] = set()
        for form in forms:
            for word in tokens(form or ""):
                exact, fuzzy = self.word(word)
                every |= exact | fuzzy
                if not exact:
                    continue
                for known_exact, known_fuzzy, spelt in words:
                    if known_exact & exact or known_fuzzy & fuzzy:
                        known_exact |= exact
                        known_fuzzy |= fuzzy
                        spelt.append(word)
                        break
                else:
                    words.append((set(exact), set(fuzzy), [word]))
        pair_keys: set[int] = set()
        for one, other in combinations(words, 2):
            pair_keys |= self._pair_keys(one, other)
        word_keys: set[int] = set()
        for exact, fuzzy, _spelt in words:
            word_keys |= exact | fuzzy
        return frozenset(pair_keys), frozenset(word_keys), frozenset(every)

    def _pair_keys(self, one: tuple, other: tuple) -> frozenset:
        """The pair keys of two entries of a name, once per two sets of words written
        (a given name and a surname recur in many names)."""
        key = (tuple(one[2]), tuple(other[2]))
        found = self._pairs.get(key)
        if found is None:
            (exact_a, fuzzy_a, _), (exact_b, fuzzy_b, _) = one, other
            # A pair of keys as one number: the smaller in the high bits.
            keys = set()
            for a in exact_a:
                keys.update((a << 32 | b) if a < b else (b << 32 | a) for b in exact_b | fuzzy_b)
            for b in exact_b:
                keys.update((a << 32 | b) if a < b else (b << 32 | a) for a in fuzzy_a)
            found = self._pairs[key] = frozenset(keys)
        return found


def _full_date(person) -> str | None:
    """The birth date when it is known to the day, else None."""
    born = person.birth_date
    return str(born) if _to_the_day(born) else None


def _to_the_day(born) -> bool:
    """Whether a birth date is known to the day. 1 January is not: it is what forms and
    spreadsheets write when only the year is known (01.01.1985)."""
    return bool(born and born.day and not born.estimated and (born.month, born.day) != (1, 1))


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
    names: dict[int, list] = defaultdict(list)
    born_on: dict[tuple, list] = defaultdict(list)
    contacts: dict[str, list] = defaultdict(list)
    word_keys: dict[int, frozenset] = {}
    single: set[int] = set()
    # In the order of their pks, so that each group's members come sorted.
    for person in sorted(people, key=lambda person: person.pk):
        pk = person.pk
        pair_keys, word_keys[pk], every = keys.person(tuple(name_forms(person)))
        if not pair_keys and word_keys[pk]:
            single.add(pk)
        for key in pair_keys:
            names[key].append(pk)
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
    # one skeleton): each group is paired once.
    groups = {
        tuple(members)
        for members in chain(names.values(), born_on.values())
        if 1 < len(members) <= COMMON
    }
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
            one.year == other.year
            or one.year is None
            or other.year is None
            or (one.dated and other.dated)
            or (one.related and other.related)
        ):
            yield members
        return
    buckets: dict[tuple, list] = defaultdict(list)
    for pk in members:
        sort = sorts[pk]
        buckets[(sort.kind, sort.year)].append(pk)
    for bucket in buckets.values():
        yield from combinations(bucket, 2)
    if len(buckets) == 1:
        return
    for ((kind, year), one), ((other_kind, other_year), other) in combinations(buckets.items(), 2):
        if kind != other_kind:
            continue
        anyway = year is None or other_year is None
        for a in one:
            sort = sorts[a]
            if not (anyway or sort.dated or sort.related):
                continue
            for b in other:
                if anyway or (sort.dated and sorts[b].dated) or (sort.related and sorts[b].related):
                    yield (a, b) if a < b else (b, a)


def find(people, min_score: float = MIN_SCORE, timings: dict | None = None) -> list[Candidate]:
    """The pairs of ``people`` that may be one person, best first (see the module's
    docstring). ``timings``, if given, is filled with the seconds (and CPU seconds) spent
    pairing people (``blocking``) and comparing the pairs (``scoring``)."""
    people = list(people)
    by_pk = {p.pk: p for p in people}
    relatives: dict[int, set] = defaultdict(set)
    # By team rather than by a list of every person's pk (too many query parameters).
    teams = {p.team_id for p in people}
    for person_id, other_id in (
        Relationship.objects.live()
        .filter(person__team_id__in=teams)
        .values_list("person_id", "other_id")
    ):
        if person_id not in by_pk:
            continue
        relatives[person_id].add(other_id)
        relatives[other_id].add(person_id)
    found = []
    # Each name is parsed once, each pair of words compared once and each pair of names
    # scored once: words and whole names recur (namesakes, families, common given names).
    parse = Parser()
    words = _WordPairs(parse)
    forms = {p.pk: tuple(form for form in name_forms(p) if form) for p in people}
    parsed = _Parsed(parse)
    scored: dict[tuple, float] = {}
    differing: dict[tuple, bool] = {}

    related: dict[tuple, bool] = {}

    def family(one: tuple, other: tuple) -> bool:
        key = (one, other) if one <= other else (other, one)
        if key not in related:
            related[key] = _family(key[0], key[1], parse)
        return related[key]

    def differ(one: tuple, other: tuple) -> bool:
        key = (one, other) if one <= other else (other, one)
        if key not in differing:
            differing[key] = words.differ(key[0], key[1])
        return differing[key]

    def names_score(one: tuple, other: tuple) -> float:
        key = (one, other) if one <= other else (other, one)
        if key not in scored:
            scored[key] = words.names(parsed[key[0]], parsed[key[1]])
        return scored[key]

    places: dict[int, set[str]] = {}

    def place(pk: int) -> set[str]:
        if pk not in places:
            places[pk] = _places(by_pk[pk])
        return places[pk]

    # Pairs proposed on their names alone, by person: a name that fits two people who
    # are not one (Olga Umarova, beside Olga Umarovna Keloeva and Olga Khasanovna
    # Umarova; or beside two Olga Umarovas born in different years) is proposed for
    # neither without other evidence.
    on_name_alone: dict[int, list[int]] = defaultdict(list)
    partners: dict[int, list[int]] = defaultdict(list)
    # Read (and decrypted) once per person, not once per pair.
    kind = {p.pk: p.kind for p in people}
    born = {p.pk: p.birth_date for p in people}
    # Birth dates compared once per pair of distinct dates, each numbered once.
    dates: dict = {}
    date_of = {pk: dates.setdefault(day, len(dates)) for pk, day in born.items()}
    agreeing: dict[tuple[int, int], str | None] = {}
    # Two individuals (or two groups) born in different years and sharing no relative
    # score 1.0 - 0.3 at most, besides a shared contact (whose pairs come from the
    # contact keys anyway): under a min_score above that they are never paired.
    years_apart = 1.0 + _BIRTHS["different"] < min_score
    related_to_someone = set(relatives)
    sorts = {
        p.pk: _Sort(
            p.kind,
            born[p.pk].year if born[p.pk] and years_apart else None,
            _to_the_day(born[p.pk]),
            p.pk in related_to_someone,
        )
        for p in people
    }
    started = time.perf_counter(), time.process_time()
    pairs = candidate_pairs(people, sorts)
    blocked = time.perf_counter(), time.process_time()
    for (pa, pb), shared in pairs.items():
        if kind[pa] != kind[pb]:
            continue
        contact = shared > 0
        dated = (date_of[pa], date_of[pb])
        if dated in agreeing:
            births = agreeing[dated]
        else:
            births = agreeing[dated] = _births(born[pa], born[pb])
        common = (relatives[pa] & relatives[pb]) - {pa, pb} if pa in relatives else None
        # The names score 1 at most, and a place adds nothing to the score: a pair that
        # cannot reach min_score even so is left before its names are compared.
        bonus = _BIRTHS[births] + (0.25 if contact else 0.0) + (0.1 if common else 0.0)
        if 1.0 + bonus < min_score - 1e-9:
            continue
        same_place = _same_place(place(pa), place(pb))
        evidence = contact or bool(common) or same_place
        differs = None
        if not evidence:
            # Namesakes (each name has a word the other lacks) with nothing else shared
            # are never proposed: told apart before their names are scored.
            differs = differ(forms[pa], forms[pb])
            if differs:
                continue
        names = names_score(forms[pa], forms[pb])
        value = names
        if contact:
            value += 0.25
        value += _BIRTHS[births]
        if common:
            value += 0.1
        if value < min_score:
            continue
        a, b = by_pk[pa], by_pk[pb]
        if differs is None:
            differs = differ(forms[pa], forms[pb])
        if differs and family(forms[pa], forms[pb]):
            continue
        reasons = []
        if names >= 0.8:
            reasons.append(_name_reason(forms[pa], forms[pb], parsed, names))
        reasons += _reasons(a, b, contact, births, common, by_pk)
        if same_place:
            reasons.append(_("lived in the same place"))
        if differs:
            reasons.append(_("each name has a word the other lacks (another surname?)"))
        found.append(Candidate(a, b, round(min(value, 1.0), 2), reasons))
        partners[pa].append(pb)
        partners[pb].append(pa)
        if not (evidence or births in ("day", "year")):
            on_name_alone[pa].append(pb)
            on_name_alone[pb].append(pa)
    # Only partners the name fits count: Павлова Юлия, paired with her brother Мовсар
    # Павлов on the family's phone despite the names, is not ambiguous for it.
    fitting = {
        pk: [other for other in others if not differ(forms[pk], forms[other])]
        for pk, others in partners.items()
        if pk in on_name_alone
    }

    def not_one(one: int, other: int) -> bool:
        """Two people told apart by their names or their birth years."""
        if differ(forms[one], forms[other]):
            return True
        return _births(born[one], born[other]) == "different"

    ambiguous = {
        pk
        for pk, others in fitting.items()
        if any(not_one(one, other) for one, other in combinations(others, 2))
    }
    found = [
        c for c in found if not ({c.a.pk, c.b.pk} & ambiguous and c.b.pk in on_name_alone[c.a.pk])
    ]
    found.sort(key=lambda c: (-c.score, c.a.pk, c.b.pk))
    if timings is not None:
        done = time.perf_counter(), time.process_time()
        timings["blocking"] = blocked[0] - started[0], blocked[1] - started[1]
        timings["scoring"] = done[0] - blocked[0], done[1] - blocked[1]
    return found


# What the agreement of two birth dates (``_births``) adds to a pair's score.
_BIRTHS = {"day": 0.2, "year": 0.1, "typo": 0.0, "near": -0.1, "different": -0.3, None: 0.0}


class _Parsed(dict):
    """Each person's name forms parsed for ``score_parsed``, on first use: most people
    are in no pair that gets as far as comparing names."""

    def __init__(self, parse: Parser) -> None:
        super().__init__()
        self._parse = parse

    def __missing__(self, names: tuple) -> list:
        found = self[names] = [self._parse(form) for form in names]
        return found


def _reasons(a, b, contact: bool, births: str | None, common, by_pk: dict) -> list[str]:
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
    elif births == "different":
        reasons.append(_("different birth years"))
    if common:
        codes = ", ".join(sorted(by_pk[c].code for c in common if c in by_pk))
        reasons.append(_("related to the same people: %(codes)s") % {"codes": codes})
    return reasons


def _word_left_over(form: tuple, other: tuple, alike) -> bool:
    """Whether a word of the shorter of two parsed forms is left over once the words are
    matched one to one: at once when one of its words is like none of the other's."""
    if len(form) > len(other):
        form, other = other, form
    for word in form:
        if not any(alike(word, other_word) for other_word in other):
            return True
    return _matched(form, other, alike) < len(form)


def _family(forms_a: tuple, forms_b: tuple, parse) -> bool:
    """True when some form of each name says which word is the surname and which the
    given name (``name_roles``), and the two have one surname but other given names:
    brothers, a mother and a daughter. A shared phone or place is the family's, not
    evidence that they are one person; a surname may change, a given name does not."""
    for form_a, form_b in product(forms_a, forms_b):
        parts_a, parts_b = _parts(form_a), _parts(form_b)
        if GIVEN in parts_a and GIVEN in parts_b and SURNAME in parts_a and SURNAME in parts_b:
            one_surname = _alike(parts_a[SURNAME], parts_b[SURNAME], parse)
            if one_surname and not _alike(parts_a[GIVEN], parts_b[GIVEN], parse):
                return True
    return False


def _parts(form: str) -> dict[str, str]:
    """The words of a name form by the part they play, where their shape tells."""
    return {role: word for role, word in zip(name_roles(form), tokens(form), strict=True) if role}


def _alike(word: str, other: str, parse) -> bool:
    one, two = parse(word), parse(other)
    return bool(one and two) and _matched(one, two) == 1


# Skeleton endings of Russian patronymics (-ович, -евна, -ич, -инична); "c" is ч.
_PATRONYMIC_ENDINGS = ("vic", "vna", "icna", "ic")


def _is_patronymic(readings: list[str]) -> bool:
    return _is_patronymic_skeleton(readings[0])


@functools.cache
def _is_patronymic_skeleton(skeleton: str) -> bool:
    return len(skeleton) > 4 and skeleton.endswith(_PATRONYMIC_ENDINGS)


def _shortened(one: str, other: str) -> bool:
    """One word the start of the other, three or four letters of it: the short form of a
    given name (Rob, Robert; Alex, Alexander; Fred, Frederick)."""
    short, long = sorted((one.lower(), other.lower()), key=len)
    return 3 <= len(short) <= 4 < len(long) and long.startswith(short)


def _matched(form: tuple, other: tuple, alike=None) -> int:
    """How many words of ``form`` can be matched each with a different word of ``other``
    (a maximum matching, by augmenting paths: names have a handful of words); ``alike``
    says whether two words may match (``_words_alike``, or a ``_WordPairs``' cached one)."""
    alike = alike or _words_alike
    edges = [[j for j, other_word in enumerate(other) if alike(word, other_word)] for word in form]
    partner: dict[int, int] = {}

    def assign(i: int, seen: set[int]) -> bool:
        for j in edges[i]:
            if j not in seen:
                seen.add(j)
                if j not in partner or assign(partner[j], seen):
                    partner[j] = i
                    return True
        return False

    return sum(assign(i, set()) for i in range(len(form)))


def _words_alike(word: tuple, other: tuple) -> bool:
    """Whether two parsed words may be one word of a name: alike across scripts, one edit
    apart, or one the short form of the other. A patronymic matches only a patronymic:
    Alekseevna is not the surname Alekseeva."""
    (readings, typed), (other_readings, other_typed) = word, other
    return _is_patronymic(readings) == _is_patronymic(other_readings) and (
        any(
            OSA.distance(reading, other_reading, score_cutoff=1) <= 1
            for reading in readings
            for other_reading in other_readings
        )
        or _shortened(typed, other_typed)
    )


class _WordPairs:
    """Two people's names compared word by word for ``find``, each pair of words once:
    how similar they are (``Parser.similarity``) and whether they may be one word
    (``_words_alike``). A word's letters as typed say what its readings are, and both
    measures are symmetric, so a pair of words is one entry whichever comes first."""

    def __init__(self, parse: Parser) -> None:
        self._parse = parse
        self._pairs: dict[tuple[str, str], tuple[float, bool]] = {}
        self._weights: dict[tuple[str, ...], tuple[list[int], int, bool]] = {}
        self._forms: dict[str, tuple] = {}
        self._left: dict[tuple[str, str], bool] = {}

    def _pair(self, word: tuple, other: tuple) -> tuple[float, bool]:
        key = (word[1], other[1]) if word[1] <= other[1] else (other[1], word[1])
        found = self._pairs.get(key)
        if found is None:
            similarity = self._parse.similarity(word, other)
            found = self._pairs[key] = (similarity, _words_alike(word, other))
        return found

    def alike(self, word: tuple, other: tuple) -> bool:
        return self._pair(word, other)[1]

    def differ(self, names: tuple[str, ...], other_names: tuple[str, ...]) -> bool:
        """True when, however two people's name forms are paired, each has a word left
        over once the words are matched one to one (alike across scripts, or one edit
        apart). Each pair of forms is worked out once: forms recur (namesakes, families).

        One to one, so that the surname Umarova is not taken for the patronymic Umarovna
        that it also resembles. Words missing on one side only (Ivan Petrov, Ivan
        Ivanovich Petrov) are no conflict.
        """
        pairs = [
            (form, other)
            for form in names
            for other in other_names
            if self._form(form) and self._form(other)
        ]
        return bool(pairs) and all(self._left_over(form, other) for form, other in pairs)

    def _form(self, form: str) -> tuple:
        found = self._forms.get(form)
        if found is None:
            found = self._forms[form] = self._parse(form)
        return found

    def _left_over(self, form: str, other: str) -> bool:
        key = (form, other) if form <= other else (other, form)
        found = self._left.get(key)
        if found is None:
            found = self._left[key] = _word_left_over(
                self._form(key[0]), self._form(key[1]), self.alike
            )
        return found

    def names(self, forms: list, other_forms: list) -> float:
        """How alike two people's parsed name forms are: ``score_parsed`` of each form
        of each against all forms of the other, the best of each side, averaged --
        both ways round, as "Davis" matches "John Davis" fully but not the other way."""
        best = [0.0] * len(forms)
        other_best = [0.0] * len(other_forms)
        for i, form in enumerate(forms):
            if not form:
                continue
            for j, other in enumerate(other_forms):
                if not other:
                    continue
                rows = [[self._pair(word, word_b)[0] for word_b in other] for word in form]
                best[i] = max(best[i], self._directed(form, other, rows))
                columns = [list(column) for column in zip(*rows, strict=True)]
                other_best[j] = max(other_best[j], self._directed(other, form, columns))
        return (
            max((min(1.0, value) for value in best), default=0.0)
            + max((min(1.0, value) for value in other_best), default=0.0)
        ) / 2

    def _directed(self, form: tuple, other: tuple, rows: list[list[float]]) -> float:
        """``score_parsed(form, [other])`` from the similarities of their words (``rows``:
        one row per word of ``form``), before its cap at 1."""
        weights, total_weight, long = self._weigh(form)
        if long and len(other) > len(form):
            # A long word may be two of the other's run together: worked out in full.
            return score_parsed(form, [other], self._parse.similarity)
        total = 0.0
        for weight, row in zip(weights, rows, strict=True):
            total += weight * max(row)
        return total / total_weight

    def _weigh(self, form: tuple) -> tuple[list[int], int, bool]:
        """The weights ``score_parsed`` gives the words of a parsed form, their sum, and
        whether a word is long enough to be looked for as two words run together."""
        key = tuple(typed for _readings, typed in form)
        found = self._weights.get(key)
        if found is None:
            weights = [len(readings[0]) for readings, _typed in form]
            long = any(weight >= 2 * MIN_PART for weight in weights)
            found = self._weights[key] = (weights, sum(weights), long)
        return found


def _births(one, other) -> str | None:
    """How two birth dates agree: "day" (the same day, both known to the day), "year"
    (the same year), "typo" (known to the day, one digit apart: 1979-06-24 and
    1978-06-24), "near" (two digits apart: 1988-11-27 and 1998-12-27), "different", or
    None when either is unknown.

    An estimated date ("~1985") or 1 January agrees on its year at most. A typo is no
    evidence either way: one mistyped digit of a day otherwise shared is as likely a
    clerk's slip as another person. Two digits cost less than another year outright.
    """
    if not one or not other:
        return None
    if one.year == other.year:
        return "day" if _to_the_day(one) and one == other else "year"
    if _to_the_day(one) and _to_the_day(other):
        digits = zip(_digits(one), _digits(other), strict=True)
        wrong = sum(x != y for x, y in digits)
        if wrong <= 2:
            return "typo" if wrong == 1 else "near"
    return "different"


def _digits(day) -> str:
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"


def _same_place(one: set[str], other: set[str]) -> bool:
    """A place both lived in: the same name up to case, or, for names of five letters
    or more, one edit apart (Lonon, London)."""
    if one & other:
        return True
    return any(
        min(len(a), len(b)) >= 5 and OSA.distance(a, b, score_cutoff=1) <= 1
        for a in one
        for b in other
    )


def _places(person) -> set[str]:
    """The places a person has lived in, folded for comparison."""
    return {fold(move.get("place") or "").strip() for move in person.whereabouts or []} - {""}


def _name_reason(forms_a: tuple, forms_b: tuple, parsed: dict, score: float) -> str:
    """What a reviewer should know about two names that scored ``score``: the same name
    (some form of each has the same words, in any order, up to case and ё), the same
    name written in two scripts or transliterations (the same skeletons), or similar."""

    def words(form):
        return sorted(tokens(fold(form)))

    if any(words(a) == words(b) for a in forms_a for b in forms_b):
        return _("same name")

    def skeletons(parsed_form):
        return sorted(readings[0] for readings, _typed in parsed_form)

    if any(skeletons(a) == skeletons(b) for a in parsed[forms_a] for b in parsed[forms_b]):
        return _("names match across scripts (%(score).2f)") % {"score": score}
    return _("similar names (%(score).2f)") % {"score": score}


def _references(person):
    """(model, field name) of every foreign key that can point at a person."""
    # include_hidden: relations declared with related_name="+" count too.
    for relation in Person._meta.get_fields(include_hidden=True):
        if relation.one_to_many and relation.related_model is not Merge:
            yield relation.related_model, relation.field.name


def _twin(model, name: str, row, kept):
    """The values of ``row``'s unique link (case and person, say) when ``kept`` already
    has the same link, so moving ``row`` onto ``kept`` would break the constraint."""
    for constraint in model._meta.constraints:
        fields = getattr(constraint, "fields", ())
        if isinstance(constraint, UniqueConstraint) and name in fields:
            others = {
                f"{field}_id": getattr(row, f"{field}_id") for field in fields if field != name
            }
            if model._base_manager.filter(**others, **{name: kept}).exists():
                return others
    return None


@transaction.atomic
def merge(kept: Person, merged: Person, *, by) -> Merge:
    """Point everything about ``merged`` at ``kept`` and retire ``merged`` (soft delete)."""
    if kept.pk == merged.pk or kept.team_id != merged.team_id:
        raise ValidationError(_("Only two different people of one team can be merged."))
    require_write(by, kept)
    require_write(by, merged)
    require_shown(kept, by)
    require_shown(merged, by)
    if merged.sealed and not kept.sealed:
        # The sealed person's name forms would join a record every member can read.
        raise ValidationError(
            _("%(code)s is sealed: seal %(kept)s first, or keep %(code)s instead.")
            % {"code": merged.code, "kept": kept.code}
        )
    moved = []
    for model, name in _references(merged):
        for row in model._base_manager.filter(**{name: merged}):
            twin = _twin(model, name, row, kept)
            if twin is not None:
                # Both were on it (a case, say): drop the second link, remember it for undo.
                moved.append({"model": model._meta.label_lower, "link": twin, "field": name})
                row.delete()
                continue
            model._base_manager.filter(pk=row.pk).update(**{name: kept})
            written(model, [row.pk])
            moved.append({"model": model._meta.label_lower, "pk": row.pk, "field": name})
    before = list(kept.other_names or [])
    additions = [f for f in name_forms(merged) if f and f not in name_forms(kept)]
    kept.other_names = before + additions
    save_record(kept, by=by)
    merged.deleted_at = timezone.now()
    save_record(merged, by=by, change="deleted")
    result = Merge(team=kept.team, kept=kept, merged=merged, moved=moved, kept_name_forms=before)
    save_record(result, by=by)
    record(
        "people.person.merged",
        actor=by,
        target=kept,
        summary=f"{merged.code} into {kept.code}; {len(moved)} references moved",
    )
    return result


@transaction.atomic
def undo(result: Merge, *, by) -> None:
    from django.apps import apps

    if result.undone_at:
        raise ValidationError(_("This merge was already undone."))
    kept = Person.objects.get(pk=result.kept_id)
    merged = Person._base_manager.get(pk=result.merged_id)
    require_write(by, kept)
    require_shown(kept, by)
    for item in result.moved:
        if "case_link" in item:  # written by merges before links were handled generally
            item = {"model": "cases.caseperson", "link": {"case_id": item["case_link"]}}
            item["field"] = "person"
        model = apps.get_model(item["model"])
        if "link" in item:
            model._base_manager.get_or_create(**item["link"], **{item["field"]: merged})
            continue
        model._base_manager.filter(pk=item["pk"], **{item["field"]: kept}).update(
            **{item["field"]: merged}
        )
        written(model, [item["pk"]])
    kept.other_names = result.kept_name_forms
    save_record(kept, by=by)
    merged.deleted_at = None
    save_record(merged, by=by, change="restored")
    result.undone_at = timezone.now()
    save_record(result, by=by)
    record("people.person.unmerged", actor=by, target=kept, summary=f"{merged.code} restored")
