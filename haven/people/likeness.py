"""How alike two people's names, birth dates and places are, for the duplicate finder
(``haven.people.duplicates``): words matched one to one across scripts and typos, a
patronymic only with a patronymic, short forms of given names, families (one surname,
two given names), birth dates that agree to the day, the year, or one digit off, and
places one letter apart. Titles (Mrs., Sir, Dr.) and ordinals (1st) are no words of a
name; a short or familiar form of a given name (Bill, Peggy, Саша: ``short_forms``) is
the name."""

from __future__ import annotations

import functools
import re
from itertools import product

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from rapidfuzz.distance import OSA

from haven.lib.names import GIVEN, MIN_PART, SURNAME, Parser, name_roles, or_joined, tokens
from haven.lib.normalize import fold
from haven.people.short_forms import one_given_name

# Words written before or after a name that are no part of it: forms of address,
# honours, generations. Lower case, without their dots. Ranks and peerages (Baron,
# Earl, Major) are left in: they are surnames too.
TITLES = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "miss",
        "mx",
        "dr",
        "sir",
        "dame",
        "lady",
        "lord",
        "rev",
        "revd",
        "reverend",
        "prof",
        "hon",
        "jr",
        "jnr",
        "sr",
        "snr",
        "bt",
        "bart",
        "esq",
    ]
)
_ORDINAL = re.compile(r"\d+(st|nd|rd|th)", re.IGNORECASE)


def without_titles(forms) -> list[str]:
    """Name forms without the titles and ordinals written beside the name (Mrs.
    Parsons, Sir Edmund, Thomas 1st Chudleigh); a form that is nothing but titles is
    kept as written."""
    kept = []
    for form in forms:
        words = tokens(form or "")
        name = [w for w in words if w.lower() not in TITLES and not _ORDINAL.fullmatch(w)]
        kept.append(" ".join(name) if name and len(name) < len(words) else form)
    return kept


def known_to_the_day(born) -> bool:
    """Whether a birth date is known to the day. 1 January is not: it is what forms and
    spreadsheets write when only the year is known (01.01.1985)."""
    return bool(born and born.day and not born.estimated and (born.month, born.day) != (1, 1))


def _word_left_over(form: tuple, other: tuple, alike) -> bool:
    """Whether a word of the shorter of two parsed forms is left over once the words are
    matched one to one: at once when one of its words is like none of the other's."""
    if len(form) > len(other):
        form, other = other, form
    for word in form:
        if not any(alike(word, other_word) for other_word in other):
            return True
    return matched(form, other, alike) < len(form)


def one_family(forms_a: tuple, forms_b: tuple, parse) -> bool:
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
    return bool(one and two) and matched(one, two) == 1


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


def matched(form: tuple, other: tuple, alike=None) -> int:
    """How many words of ``form`` can be matched each with a different word of ``other``
    (a maximum matching, by augmenting paths: names have a handful of words); ``alike``
    says whether two words may match (``_words_alike``, or a ``WordPairs``' cached one)."""
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
    apart (in their readings or as typed), one the start of the other, or one a known
    short form of the other (Bill, William; Саша, Aleksandr). A patronymic matches only a
    patronymic: Alekseevna is not the surname Alekseeva.

    One edit as typed, because a reading can make a slip look like more than one: the
    readings of Zelimkahn and Зелимхан, of Tiur and Тимур, are two edits apart (the
    letters kh and the i that a reading drops), the letters typed (zelimkahn, zelimkhan)
    one."""
    (readings, typed), (other_readings, other_typed) = word, other
    return _is_patronymic(readings) == _is_patronymic(other_readings) and (
        any(
            OSA.distance(reading, other_reading, score_cutoff=1) <= 1
            for reading in readings
            for other_reading in other_readings
        )
        or OSA.distance(typed, other_typed, score_cutoff=1) <= 1
        or _shortened(typed, other_typed)
        or one_given_name(readings[0], other_readings[0])
    )


# How alike a given name and its short form are (Bill, William) when their letters say
# less: as alike as one name in two transliterations.
SHORT_FORM_SIMILARITY = 0.9


def _matched_in_turn(short: tuple, long: tuple, alike: list[set]) -> bool:
    """Whether each word of ``short`` is matched with a different word of ``long`` when
    each takes the first still free that is alike to it (``alike``: by word number).
    True proves a matching one to one; False proves nothing (``matched`` tells)."""
    free = list(long)
    for word in short:
        alike_to = alike[word]
        for index, other in enumerate(free):
            if other in alike_to:
                del free[index]
                break
        else:
            return False
    return True


class WordPairs:
    """Two people's names compared word by word for ``find``, each pair of words once:
    how similar they are (``Parser.similarity``) and whether they may be one word
    (``_words_alike``). A word's letters as typed say what its readings are, and both
    measures are symmetric, so a pair of words is one entry whichever comes first."""

    def __init__(self, parse: Parser) -> None:
        self._parse = parse
        self._pairs: dict[tuple[str, str], tuple[float, bool]] = {}
        self._weights: dict[tuple[int, ...], tuple[list[int], int, bool]] = {}
        self._forms: dict[str, tuple] = {}
        self._left: dict[tuple, bool] = {}
        # For telling namesakes apart (most pairs that meet are namesakes): each distinct
        # word numbered once, a form as the numbers of its words, and whether two words
        # are alike kept under one integer per pair of numbers, and by word: the words
        # it was compared with, and those alike to it.
        self._numbers: dict[str, int] = {}
        self._numbered: list[tuple] = []
        self._form_numbers: dict[str, tuple[int, ...]] = {}
        self._alike_numbers: dict[int, bool] = {}
        self._compared_with: list[set[int]] = []
        self._alike_to: list[set[int]] = []
        self._similar_numbers: dict[int, float] = {}  # the same, for the similarity
        self._boosted: set[int] = set()  # words alike to another as its short form
        self._names_numbers: dict[tuple[str, ...], tuple[tuple[int, ...], ...]] = {}

    def _pair(self, word: tuple, other: tuple) -> tuple[float, bool]:
        key = (word[1], other[1]) if word[1] <= other[1] else (other[1], word[1])
        found = self._pairs.get(key)
        if found is None:
            similarity = self._parse.similarity(word, other)
            if one_given_name(word[0][0], other[0][0]):
                similarity = max(similarity, SHORT_FORM_SIMILARITY)
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
        return self.differ_numbered(self.numbered_names(names), self.numbered_names(other_names))

    def differ_numbered(self, ones: tuple, others: tuple) -> bool:
        """``differ`` of two people's ``numbered_names``."""
        if not ones or not others:
            return False
        compared, alike = self._compared_with, self._alike_to
        for form in ones:
            for other in others:
                short, long = (other, form) if len(form) > len(other) else (form, other)
                # Most pairs that meet are namesakes, told apart here at once by a word
                # alike to none of the other's (as _word_left_over starts); the rest in
                # full. Set operations: this runs for most pairs of people that meet.
                for word in short:
                    if not compared[word].issuperset(long):
                        self._compare(word, long)
                    if alike[word].isdisjoint(long):
                        break  # this word is left over
                else:
                    # Each word has one alike to it. Matched in turn, each with the first
                    # still free, most are matched one to one at once; else in full.
                    if _matched_in_turn(short, long, alike) or not self._left_over(form, other):
                        return False
        return True

    def _compare(self, word: int, others: tuple[int, ...]) -> None:
        """Whether a numbered word is alike to each of ``others``, kept by word."""
        for other in others:
            if other not in self._compared_with[word]:
                self._compared_with[word].add(other)
                self._compared_with[other].add(word)
                if self._numbers_alike(word, other):
                    self._alike_to[word].add(other)
                    self._alike_to[other].add(word)

    def numbered_names(self, names: tuple[str, ...]) -> tuple[tuple[int, ...], ...]:
        """A person's name forms with a word to compare, each as the numbers of its
        words: for ``differ_numbered``."""
        found = self._names_numbers.get(names)
        if found is None:
            numbered = (self._numbered_form(form) for form in names)
            found = self._names_numbers[names] = tuple(form for form in numbered if form)
        return found

    def word(self, number: int) -> tuple:
        """The parsed word (``Parser``) that ``numbered_names`` numbered ``number``."""
        return self._numbered[number]

    def _form(self, form: str) -> tuple:
        found = self._forms.get(form)
        if found is None:
            found = self._forms[form] = self._parse(form)
        return found

    def _left_over(self, form: tuple[int, ...], other: tuple[int, ...]) -> bool:
        key = (form, other) if form <= other else (other, form)
        found = self._left.get(key)
        if found is None:
            found = self._left[key] = _word_left_over(key[0], key[1], self._numbers_alike)
        return found

    def _numbered_form(self, form: str) -> tuple[int, ...]:
        found = self._form_numbers.get(form)
        if found is None:
            numbers = []
            for word in self._form(form):
                number = self._numbers.get(word[1])
                if number is None:
                    number = self._numbers[word[1]] = len(self._numbered)
                    self._numbered.append(word)
                    self._compared_with.append(set())
                    self._alike_to.append(set())
                numbers.append(number)
            found = self._form_numbers[form] = tuple(numbers)
        return found

    def _numbers_alike(self, one: int, other: int) -> bool:
        """``_words_alike`` of two numbered words."""
        key = (one << 32 | other) if one < other else (other << 32 | one)
        found = self._alike_numbers.get(key)
        if found is None:
            found = self._alike_numbers[key] = _words_alike(
                self._numbered[one], self._numbered[other]
            )
        return found

    def names(self, ones: tuple, others: tuple) -> float:
        """How alike two people's name forms are, as ``numbered_names``: ``score_parsed``
        of each form of each against all forms of the other, the best of each side,
        averaged -- both ways round, as "Davis" matches "John Davis" fully but not the
        other way."""
        best = []
        other_best = [0.0] * len(others)
        similar = self._similar_numbers
        for form in ones:
            form_best = 0.0
            for j, other in enumerate(others):
                rows = []
                for word in form:
                    row = []
                    for other_word in other:
                        if word < other_word:
                            key = word << 32 | other_word
                        else:
                            key = other_word << 32 | word
                        value = similar.get(key)
                        if value is None:
                            value = similar[key] = self._similar_words(word, other_word)
                        row.append(value)
                    rows.append(row)
                form_best = max(form_best, self._directed(form, other, rows))
                columns = [list(column) for column in zip(*rows, strict=True)]
                other_best[j] = max(other_best[j], self._directed(other, form, columns))
            best.append(form_best)
        return (
            max((min(1.0, value) for value in best), default=0.0)
            + max((min(1.0, value) for value in other_best), default=0.0)
        ) / 2

    def _directed(self, form: tuple, other: tuple, rows: list[list[float]]) -> float:
        """``score_parsed(form, [other])`` of two numbered forms from the similarities of
        their words (``rows``: one row per word of ``form``), before its cap at 1."""
        weights, total_weight, long = self._weigh(form)
        total = 0.0
        if long and len(other) > len(form):
            # A long word may be two of the other's run together (``or_joined``); as
            # in ``score_parsed``, a short form counts for no more than its letters.
            numbered, boosted = self._numbered, self._boosted
            words = tuple(numbered[word] for word in other)
            for word, weight, row in zip(form, weights, rows, strict=True):
                parsed = numbered[word]
                if word in boosted:
                    row = [self._parse.similarity(parsed, other_word) for other_word in words]
                value = max(row)
                if weight >= 2 * MIN_PART:
                    value = or_joined(parsed, words, value, self._parse.joined_similarity)
                total += weight * value
            return total / total_weight
        for weight, row in zip(weights, rows, strict=True):
            total += weight * max(row)
        return total / total_weight

    def _similar_words(self, word: int, other: int) -> float:
        """How similar two numbered words are (``_pair``); a word counted as the short
        form of the other above what its letters say is kept in ``_boosted``."""
        one, other_word = self._numbered[word], self._numbered[other]
        value = self._pair(one, other_word)[0]
        if value != self._parse.similarity(one, other_word):
            self._boosted.update((word, other))
        return value

    def _weigh(self, form: tuple) -> tuple[list[int], int, bool]:
        """The weights ``score_parsed`` gives the words of a numbered form, their sum, and
        whether a word is long enough to be looked for as two words run together."""
        found = self._weights.get(form)
        if found is None:
            weights = [len(self._numbered[word][0][0]) for word in form]
            long = any(weight >= 2 * MIN_PART for weight in weights)
            found = self._weights[form] = (weights, sum(weights), long)
        return found


def birth_agreement(one, other) -> str | None:
    """How two birth dates agree: "day" (the same day, both known to the day), "year"
    (the same year), "typo" (known to the day, one digit apart: 1979-06-24 and
    1978-06-24), "near" (two digits apart: 1988-11-27 and 1998-12-27), "adjacent"
    (years one apart, not both known to the day: 1850 and 1851), "different", or None
    when either is unknown.

    An estimated date ("~1985") or 1 January agrees on its year at most. A typo is no
    evidence either way: one mistyped digit of a day otherwise shared is as likely a
    clerk's slip as another person. Two digits cost less than another year outright,
    and so does the year next to it: a year worked out from an age ("aged 35") is one
    off half the time.
    """
    if not one or not other:
        return None
    if one.year == other.year:
        return "day" if known_to_the_day(one) and one == other else "year"
    if known_to_the_day(one) and known_to_the_day(other):
        digits = zip(_digits(one), _digits(other), strict=True)
        wrong = sum(x != y for x, y in digits)
        if wrong <= 2:
            return "typo" if wrong == 1 else "near"
    elif abs(one.year - other.year) == 1:
        return "adjacent"
    return "different"


def _digits(day) -> str:
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"


def same_place(one: set[str], other: set[str]) -> bool:
    """A place both lived in: the same name up to case, or, for names of five letters
    or more, one edit apart (Lonon, London)."""
    if one & other:
        return True
    return any(
        min(len(a), len(b)) >= 5 and OSA.distance(a, b, score_cutoff=1) <= 1
        for a in one
        for b in other
    )


def near_contact(one: list[str], other: list[str]) -> bool:
    """An e-mail or handle of each (``contact_terms``' terms), of one kind, a typo apart:
    one edit from eight characters, two from twelve (robert255@smith.net and
    roberta25@smith.net). Phones are left out: a family's numbers often differ in a
    digit or two."""
    for a in one:
        kind, _sep, a_value = a.partition(":")
        for b in other:
            if not b.startswith(kind + ":"):
                continue
            shortest = min(len(a_value), len(b) - len(kind) - 1)
            allowed = 2 if shortest >= 12 else 1 if shortest >= 8 else 0
            if allowed and OSA.distance(a, b, score_cutoff=allowed) <= allowed:
                return True
    return False


def places_lived(person) -> set[str]:
    """The places a person has lived in, folded for comparison."""
    return {fold(move.get("place") or "").strip() for move in person.whereabouts or []} - {""}


def name_reason(forms_a: tuple, forms_b: tuple, parsed: dict, score: float) -> str:
    """What a reviewer should know about two names that scored ``score``: the same name
    (some form of each has the same words, in any order, up to case and ё), the same
    name written in two scripts or transliterations (the same skeletons), a given name
    written in one and its short form in the other (William, Bill), or similar. The score
    is written as the language writes numbers (0,97 in Russian)."""
    shown = number_format(round(score, 2), 2)  # rounded: number_format cuts the digits off

    def words(form):
        return sorted(tokens(fold(form)))

    if any(words(a) == words(b) for a in forms_a for b in forms_b):
        return _("same name")

    def skeletons(parsed_form):
        return sorted(readings[0] for readings, _typed in parsed_form)

    if any(skeletons(a) == skeletons(b) for a in parsed[forms_a] for b in parsed[forms_b]):
        return _("names match across scripts (%(score)s)") % {"score": shown}
    if any(
        one_given_name(word[0][0], other[0][0])
        for a in parsed[forms_a]
        for b in parsed[forms_b]
        for word in a
        for other in b
    ):
        return _("names match with a short form of a given name (%(score)s)") % {"score": shown}
    return _("similar names (%(score)s)") % {"score": shown}
