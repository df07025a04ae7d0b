"""Finding people's names across scripts, transliterations and typos, through blind indexes.

A name token in either script is reduced to a Latin *skeleton*: Cyrillic is transliterated
with one iuliia schema, then Latin of any origin goes through the same folding, so the
spellings that transliteration systems and everyday use give for one Cyrillic name collapse:

    Магамадов, Magamadov, Magamadow, Magamadoff  -> magamadov
    Исаев, Isaev, Isayev, Isaiev, Isajev           -> isaev
    Зелимхан, Zelimkhan, Zelimhan                  -> zelimhan
    Щукин, Shchukin, Schukin, Šukin, Ščukin        -> wukin

The skeleton alphabet is Latin with four letters given one meaning each, so that one sound
is one letter and a typo costs one edit: ``w`` is ш/щ (sh, sch, shch, š), ``c`` is ч (ch,
tch, č), ``j`` is ж/дж (zh, dzh, dj, ž), ``q`` is ц (ts, tz). A few Latin letters read
differently by system -- a bare c is к/с in Victor and Alexander but ц in Kuznecov, x is кс
or х (Xalid), j is й or ж/дж (John, Janna) -- so a Latin token can have up to two more
*readings* besides its skeleton.

Terms (``name_terms``), per token with a skeleton of two letters or more:

- ``sk:<skeleton>``, and ``sk:`` for each other reading of a Latin token;
- ``sd:`` for the skeleton's head (first ``SD_SPAN`` letters) and every string made by
  deleting one letter of it. Strings within one edit (insertion, deletion, substitution,
  transposition) share a ``sd:`` key -- symmetric deletion, done on the skeleton so that a
  typo on top of a transliteration variant is still one edit. A typo past the head leaves
  the head whole, which caps the terms of a token at ``SD_SPAN + 4`` (12).

A query (``query_terms``) looks up more than it would index: the full terms of each of its
readings, and of each longer token with one letter deleted or two neighbours swapped, which
turns many two-edit cases (an extra letter and a wrong one; a broken "kh") into one edit,
and the ``sk:`` terms of the halves of a long token cut anywhere (two names typed without
a space). The index holds no more for it. Candidates that share any term are decrypted (only those
the user may see) and ranked by ``score``.

What the terms reveal to someone holding the database but not the key, within one field's
scope (terms are HMAC'd per scope, so nothing links them across fields):

- ``sk:`` -- which records share a name token up to transliteration (like ``word:``, but
  across scripts and spellings), and how often each skeleton occurs: frequent surnames
  stand out and can be guessed from outside knowledge of a region's names. A reading term
  also tells that a Latin token has a bare c, an x or a j.
- ``sd:`` -- which records have *similar* name tokens (within one edit of the head): a
  similarity graph between records, finer than ``sk:``'s equality. The number of a
  token's ``sd:`` terms gives the length of its skeleton up to ``SD_SPAN``. Short deletion
  variants are shared by many unrelated names, so their frequencies say little.
- the count of terms per record: roughly how many tokens its names have, and how long.

The trade-off: more fuzzy keys find more typos, but return more candidates per query (each
to decrypt and check) and link more records as similar. Deletions at distance one cost
``len + 1`` keys per token and keep candidates to tens in a pool of 20,000 name tokens;
distance two would cost ``~len**2 / 2`` keys and reveal a much denser similarity graph.
Prefix or n-gram keys were not used: they link every name that starts alike (all the
Magomed- names) and return hundreds of candidates. Two typos are found when the query's
repairs or the head cap bring them down to one edit (see bench/name_search.py for rates).
"""

from __future__ import annotations

import functools
import re
import unicodedata

import iuliia
from rapidfuzz.distance import OSA, Indel

from haven.lib.normalize import fold, terms_for_all, word_terms

__all__ = ["SD_SPAN", "Parser", "name_terms", "query_terms", "score", "skeleton", "tokens"]

# The schema only decides how Cyrillic enters the folding below; wikipedia's is the
# spelling closest to what people type (Isayev, Yevgeny, Zelimkhan, Shchukin).
SCHEMA = iuliia.WIKIPEDIA
SD_SPAN = 8
MIN_REPAIR = 4  # shortest query token whose deletion and swap variants are looked up
MIN_PART = 3  # shortest word looked for inside a longer query token (words run together)
# Longest query token that is repaired or cut in two: longer than any name's word. Each
# variant re-reads the whole token, so the work grows with the square of its length (a
# few thousand letters kept a request busy for minutes); a longer token is looked up as typed.
LONGEST_REPAIR = 40

# Words are split at anything but letters, digits, combining marks (ALA-LC's i͡a) and the
# apostrophes and primes that systems write inside a word (Il'yas, Ilʹi͡as, Il`yas).
_SPLIT = re.compile(r"[^\w\u0300-\u036f'\"`ʹʺʼʻ’‘”“·]+|_")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[a-z]")
_NOT_LETTER = re.compile(r"[^a-z]")
# Apostrophes, soft/hard-sign marks of scholarly systems, and the Chechen palochka; in
# Cyrillic the soft and hard signs themselves, which most systems drop (the vowel letters
# after them carry the glide: Ильяс is Ilyas, Ilias, Il'yas).
_MARKS = str.maketrans("", "", "'\"`ʹʺʼʻ’‘”“·\u04c0\u04cfьъ")
# Letters that look alike, for tokens typed with a keyboard layout switched mid-word.
_TO_CYRILLIC = str.maketrans("aeopcxyk", "аеорсхук")
_TO_LATIN = str.maketrans("аеорсхук", "aeopcxyk")
# Letters whose sound has its own spelling in the folding: stripping the mark would lose it.
_LETTERS = str.maketrans(
    {
        "š": "sh",
        "ş": "sh",
        "ŝ": "shch",
        "ž": "zh",
        "č": "ch",
        "ć": "ch",
        "ü": "iu",
        "ű": "iu",
        "ö": "e",
        "ő": "e",
        "ä": "e",
        "ñ": "ni",
        "â": "ia",  # я and ю in GOST 7.79 and ISO 9:1995
        "û": "iu",
        "ß": "ss",
        "æ": "ae",
        "œ": "e",
        "ø": "o",
        "ł": "l",
        "đ": "d",
        "ð": "d",
        "þ": "th",
        "ı": "i",
    }
)

# Each rule folds the spellings that transliteration systems, other languages' spellings
# of the same sound and everyday use give for one Russian sound. Capitals stand for the
# single-letter sounds until the end (W ш/щ, C ч, J ж/дж, Q ц), so later rules cannot
# take them apart.
_HEAD = [
    (r"w", "v"),  # Magamadow
    (r"qu(?=[aou])", "kv"),
    (r"q", "k"),
    (r"ph", "f"),
    (r"(?<=[tg])h", ""),  # Ligthart, Ghassan; rh stays: Arhip is Архип
    (r"(tsch|tch)", "C"),  # Tschechow, Kourotchkine
    (r"(shch|shh|sch|sh)", "W"),  # shch (passports), shh (GOST 7034), sch (mosmetro, German)
    (r"ch", "C"),
    (r"(dzh|zh)", "J"),  # Dzhabrail, Zhanna
    (r"(ts|tz)", "Q"),
]
# Some Latin letters read differently in everyday and Western spellings (Victor, Alexander,
# Czarnecki, Djabrail) and in the scholarly systems (Kuznecov, Xalid, Konovalecz, Djurin):
# the first reading is the skeleton, the others one more ``sk:`` term each and query readings.
_EVERYDAY = [
    (r"ck", "k"),
    (r"cz", "C"),
    (r"dj", "J"),
    (r"x", "ks"),
    (r"c(?=[eiy])", "s"),
    (r"c", "k"),
]
_SCHOLARLY = [(r"cz", "Q"), (r"x", "h"), (r"c", "Q")]
_TAIL = [
    (r"kh", "h"),  # Zelimkhan, Zelimhan
    (r"[yj]", "i"),  # й and vowel glides: y, j, i, ĭ (Yury, Jurij, Iurii)
    (r"gu(?=[ei])", "g"),  # Serguei, Miguel
    (r"ou", "u"),  # Iouri, Aioub (French)
    (r"(?<=[^aeiou])i(?=u)", ""),  # Lyudmila, Ludmila
    (r"i+[eo]", "e"),  # ye/ie/je and yo/io/jo for е and ё: Yevgeny, Isayev, Fyodor, Dmitriyev
    # Avvakum, Harris, Yurii, Mayya. Other doubled vowels stay: Андреев is Andreev, and a
    # letter dropped between two vowels (Magaadov) is then one edit, not two.
    (r"([^aeou])\1+", r"\1"),
    (r"(?<=[oe])f$", "v"),  # Smirnoff, Magamadoff
]


def _compile(rules: list[tuple[str, str]]) -> list[tuple[re.Pattern[str], str]]:
    return [(re.compile(pattern), replacement) for pattern, replacement in rules]


# English, French and chat spellings write ж and дж as j (John, Jeanne, Janna): a third reading.
_WESTERN = [(r"j", "J"), *_EVERYDAY]
_READINGS = tuple(_compile(_HEAD + rules + _TAIL) for rules in (_EVERYDAY, _SCHOLARLY, _WESTERN))


def _latin(token: str) -> str:
    """The token as lower-case ASCII letters: Cyrillic transliterated, marks dropped."""
    text = fold(token).translate(_MARKS)
    cyrillic = len(_CYRILLIC.findall(text))
    if cyrillic:
        if cyrillic >= len(_LATIN.findall(text)):
            text = SCHEMA.translate(text.translate(_TO_CYRILLIC)).lower()
        else:
            text = text.translate(_TO_LATIN)
    text = unicodedata.normalize("NFKD", text.translate(_LETTERS))
    return _NOT_LETTER.sub("", "".join(c for c in text if not unicodedata.combining(c)))


def _fold(text: str, rules: list[tuple[re.Pattern[str], str]]) -> str:
    for pattern, replacement in rules:
        text = pattern.sub(replacement, text)
    return text.lower()


@functools.lru_cache(maxsize=20_000)
def _readings(token: str) -> tuple[str, ...]:
    """The token's skeleton, then any other reading of its Latin letters (bare c, x, j).

    Kept for the most recent tokens: names repeat (a surname in a family, a region's
    common first names), and transliterating them is most of what indexing a name costs.
    """
    text = _latin(token)
    return tuple(dict.fromkeys(_fold(text, rules) for rules in _READINGS))


def skeleton(token: str) -> str:
    """The canonical Latin skeleton of one name token in either script.

    Returns "" for a token with no letters. Digits and punctuation are ignored, so a
    token should be one word: ``tokens`` splits a name.
    """
    return _fold(_latin(token), _READINGS[0])


def tokens(value: str) -> list[str]:
    """The words of a name that have a letter, split at spaces, hyphens and punctuation."""
    return [part for part in _SPLIT.split(value) if any(map(str.isalpha, part))]


def _neighbourhood(text: str) -> set[str]:
    """The text's head and the head with any one letter deleted (no single letters)."""
    head = text[:SD_SPAN]
    found = {head}
    found.update(head[:i] + head[i + 1 :] for i in range(len(head)))
    return {variant for variant in found if len(variant) >= 2}


@functools.lru_cache(maxsize=20_000)
def _token_terms(skeleton_: str) -> frozenset[str]:
    """Kept for the most recent skeletons, like ``_readings``: an import indexes the same
    first names and surnames on row after row."""
    found = {f"sk:{skeleton_}"}
    found.update(f"sd:{variant}" for variant in _neighbourhood(skeleton_))
    return frozenset(found)


def name_terms(value: str) -> list[str]:
    """The blind-index terms of a name (any number of tokens), sorted and deduplicated.

    Per token with a skeleton of two letters or more: ``sk:`` for the skeleton and for the
    other readings of a Latin token's bare c, x or j (Kuznecov is also Кузнецов), and
    ``sd:`` for the skeleton's head and its one-letter deletions -- at most ``SD_SPAN + 4``
    terms.
    Empty or letterless input gives [].
    """
    found: set[str] = set()
    for token in tokens(value):
        first, *others = _readings(token)
        if len(first) >= 2:
            found |= reading_terms((first, *others))
    return sorted(found)


def reading_terms(readings) -> frozenset[str]:
    """The blind-index terms of one word of a name by its readings (``_readings``, or
    a word ``parse`` kept: its skeleton of two letters or more first), as ``name_terms``
    gives them."""
    return _token_terms(readings[0]) | {f"sk:{other}" for other in readings[1:] if len(other) >= 2}


def _repairs(token: str) -> set[str]:
    """The token, and for longer tokens the token with one letter deleted or two swapped."""
    text = fold(token)
    found = {text}
    if MIN_REPAIR <= len(text) <= LONGEST_REPAIR:
        found.update(text[:i] + text[i + 1 :] for i in range(len(text)))
        found.update(text[:i] + text[i + 1] + text[i] + text[i + 2 :] for i in range(len(text) - 1))
    return found


def query_terms(query: str) -> list[str]:
    """The terms to look up for a query: a superset of what ``name_terms`` gives for it.

    Besides the query's own terms: the full terms of the other readings of a bare c, x or j
    (so "Kuznecov" with a typo still finds Кузнецов), and of each longer token with one
    letter deleted or two neighbours swapped -- a typo of the query that changed two letters
    of the skeleton (a broken "kh", a merged double) is often one edit away after that.
    These are lookups only: the index holds no more for it.
    """
    found: set[str] = set()
    for token in tokens(query):
        for variant in _repairs(token):
            for reading in _readings(variant):
                if len(reading) >= 2:
                    found |= _token_terms(reading)
        found |= _split_terms(token)
    return sorted(found)


def _split_terms(token: str) -> set[str]:
    """``sk:`` terms of the two halves of a long token cut anywhere: two words typed
    without a space between them (SalmanTagirov, МагамадовСалех)."""
    text = fold(token)
    found = set()
    if 2 * MIN_PART <= len(text) <= LONGEST_REPAIR:
        for cut in range(MIN_PART, len(text) - MIN_PART + 1):
            for part in (text[:cut], text[cut:]):
                found.update(f"sk:{r}" for r in _readings(part) if len(r) >= MIN_PART)
    return found


# Names recur across searches (the commonest given names are in every other query and
# result): each word's skeletons are worked out once per process.
@functools.lru_cache(maxsize=65_536)
def _token_form(token: str) -> tuple[list[str], str] | None:
    """A token's skeleton readings and its letters as typed; None under two letters."""
    text = _latin(token)
    readings = list(dict.fromkeys(_fold(text, rules) for rules in _READINGS))
    return (readings, text) if len(readings[0]) >= 2 else None


def _forms(value: str) -> list[tuple[list[str], str]]:
    """Per token of two letters or more: its skeleton readings and its letters as typed."""
    return [form for form in map(_token_form, tokens(value)) if form]


def score(query: str, name_forms: list[str]) -> float:
    """How well a person's name forms match a query, in [0, 1].

    Each query token is paired with its most similar token of a name form, in any order
    ("Ибрагим Исаев" matches "isaev ibragim"), and the pairs' similarities are averaged,
    weighted by the length of the query tokens' skeletons; the best form counts. Name
    tokens the query does not mention cost nothing, so "Isaev" scores as high against
    "Исаев Ибрагим" as against "Исаев". Similarity is 0.85 of the optimal-string-alignment
    similarity of the skeletons (a transposition is one edit; the best pair of
    readings) and 0.15 of the Indel similarity of the letters as typed, so that
    among names with one skeleton the closest spelling comes first: equal skeletons score
    at least 0.85, identical spellings 1. Initials and other one-letter tokens are left
    out, as in the index; 0 when nothing is left of the query or of every form.
    """
    return score_parsed(parse(query), [parse(form) for form in name_forms])


def parse(value: str) -> tuple:
    """A name prepared for ``score_parsed``: parse each name once when comparing many."""
    return tuple(_forms(value))


def _similarity(query_token: tuple, name_token: tuple) -> float:
    """How alike one parsed query word and one parsed name word are (see ``score``)."""
    readings, typed = query_token
    name, name_typed = name_token
    return 0.85 * max(
        OSA.normalized_similarity(a, b) for a in readings for b in name
    ) + 0.15 * Indel.normalized_similarity(typed, name_typed)


class Parser:
    """``parse`` that works each distinct word out once: for scoring many names in one go
    (a search's candidates, a team's people), where the same words recur. Keep one only
    as long as that job: it holds the words it has seen, and the similarities it worked
    out (``similarity``)."""

    def __init__(self) -> None:
        self._forms: dict[str, tuple[list[str], str] | None] = {}
        self._similar: dict[tuple[str, str], float] = {}
        self._similar_joined: dict[tuple[str, str, str], float] = {}

    def similarity(self, query_token: tuple, name_token: tuple) -> float:
        """``_similarity`` of two words parsed by ``parse`` or by this parser, once per
        pair: their letters as typed say what their readings are."""
        key = (query_token[1], name_token[1])
        found = self._similar.get(key)
        if found is None:
            found = self._similar[key] = _similarity(query_token, name_token)
        return found

    def joined_similarity(self, query_token: tuple, joined: tuple) -> float:
        """``_similarity`` of a parsed word and two words run together (``joined_words``),
        once per such pair: the run-together word's letters as typed do not say what its
        reading is (it is made of the two words' first readings), so both are the key."""
        key = (query_token[1], joined[0][0], joined[1])
        found = self._similar_joined.get(key)
        if found is None:
            found = self._similar_joined[key] = _similarity(query_token, joined)
        return found

    def __call__(self, value: str) -> tuple:
        found = []
        for token in tokens(value):
            if token not in self._forms:
                self._forms[token] = _token_form(token)
            if self._forms[token]:
                found.append(self._forms[token])
        return tuple(found)


def score_parsed(
    query_tokens: tuple,
    parsed_forms: list[tuple],
    similarity=_similarity,
    joined_similarity=_similarity,
) -> float:
    """``score`` on names already passed through ``parse``; ``similarity`` and
    ``joined_similarity`` (of a word and two words run together): a ``Parser``'s, to work
    each pair out once over many names."""
    if not query_tokens:
        return 0.0
    weights = [len(readings[0]) for readings, _ in query_tokens]
    weight_sum = sum(weights)
    best = 0.0
    for form_tokens in parsed_forms:
        if not form_tokens:
            continue
        total = 0.0
        more_words = len(form_tokens) > len(query_tokens)
        for query_token, weight in zip(query_tokens, weights, strict=True):
            value = max([similarity(query_token, name_token) for name_token in form_tokens])
            if more_words:
                value = or_joined(query_token, form_tokens, value, joined_similarity)
            total += weight * value
        best = max(best, total / weight_sum)
    return min(1.0, best)


def or_joined(word: tuple, words: tuple, value: float, joined_similarity=_similarity) -> float:
    """``value`` (how alike a parsed word is to the most similar of a name's ``words``),
    or, when higher, how alike a long word is to two of them run together: typed without
    a space (SalmanTagirov) -- looked at only where their lengths allow it to be higher
    (``_joined_may_beat``): never where the word is one of them (no similarity is above 1)."""
    if value >= 1.0 or len(word[0][0]) < 2 * MIN_PART or not _joined_may_beat(word, words, value):
        return value
    return max(value, *(joined_similarity(word, pair) for pair in joined_words(words)))


def _joined_may_beat(word: tuple, words: tuple, value: float) -> bool:
    """Whether a parsed word may be more similar than ``value`` to two neighbouring
    ``words`` run together (``joined_words``), by their lengths alone: the edit distance
    of two words is at least the difference of their lengths, so ``_similarity`` is at
    most 0.85 * shorter / longer reading + 0.15 * twice the shorter / both typed lengths.
    Most long words are one word of the name, not two: their run-together forms are not
    worked out."""
    readings, typed = word
    for first, second in zip(words, words[1:], strict=False):
        reading = len(first[0][0]) + len(second[0][0])
        letters = len(first[1]) + len(second[1])
        bound = 0.85 * max(
            min(len(one), reading) / max(len(one), reading) for one in readings
        ) + 0.15 * 2 * min(len(typed), letters) / (len(typed) + letters)
        if bound + 1e-9 >= value:
            return True
    return False


def joined_words(form_tokens: tuple) -> list[tuple[list[str], str]]:
    """Each two neighbouring words of a parsed name as one word, in either order (the
    surname first or last); first readings only."""
    joined = []
    for first, second in zip(form_tokens, form_tokens[1:], strict=False):
        joined.append(([first[0][0] + second[0][0]], first[1] + second[1]))
        joined.append(([second[0][0] + first[0][0]], second[1] + first[1]))
    return joined


def name_and_word_terms(value) -> list[str]:
    """Terms of a name or a title, or of a list of name forms: its words, and the
    cross-script keys of ``haven.lib.names`` (transliterations, one-edit variants)."""
    values = [value] if isinstance(value, str) else list(value or [])
    return terms_for_all(values, lambda text: word_terms(text) + name_terms(text))


def name_query_terms(query: str) -> list[str]:
    return sorted(set(word_terms(query)) | set(query_terms(query)))


NAME_INDEX = (name_and_word_terms, name_query_terms)


# --- Name parts: which word of a name is the surname, the given name, the patronymic.

SURNAME, GIVEN, PATRONYMIC = "surname", "given", "patronymic"

_PATRONYMIC = re.compile(
    r"(ович|евич|овна|евна|ична|инична|ovich|evich|ovitch|evitch|ovna|evna|ichna)$"
)
_SURNAME = re.compile(
    r"(ов|ев|ёв|ин|ына|ова|ева|ина|ский|ская|цкий|цкая|ых|их|ко|ук|юк"
    r"|ov|ev|yov|in|ova|eva|ina|sky|skiy|skii|skaya|enko|uk|yuk)$"
)


def name_roles(value: str) -> list[str | None]:
    """The part each word of a name plays, as far as its shape tells (None: unknown).

    Russian full names come as "Surname Given Patronymic" or "Given Patronymic Surname";
    the patronymic's ending (-ович, -евна …) says which. Two words: a patronymic-shaped
    second word is the patronymic of "Given Patronymic"; otherwise the word with a
    surname's ending (-ов, -ева, -ский …) is the surname. The ending alone is not
    enough: Исаевич is a surname in "Исаевич Николай Михайлович", so the position
    decides when both readings are possible.
    """
    words = [fold(word) for word in tokens(value)]
    roles: list[str | None] = [None] * len(words)
    patronymic = [bool(_PATRONYMIC.search(word)) and len(word) > 5 for word in words]
    surname = [bool(_SURNAME.search(word)) and len(word) > 3 for word in words]
    if len(words) == 3:
        if patronymic[2]:
            roles = [SURNAME, GIVEN, PATRONYMIC]
        elif patronymic[1]:
            roles = [GIVEN, PATRONYMIC, SURNAME]
    elif len(words) == 2:
        if patronymic[1] and not surname[1]:
            roles = [GIVEN, PATRONYMIC]
        elif surname[1] and not surname[0]:
            roles = [GIVEN, SURNAME]
        elif surname[0] and not surname[1]:
            roles = [SURNAME, GIVEN]
    return roles


def best_pairs(
    query_tokens: tuple, form_tokens: tuple, similarity=_similarity
) -> list[tuple[int, float]]:
    """For each parsed query word, the position of the most similar word of one parsed name
    form and their similarity (as ``score_parsed`` measures it)."""
    pairs = []
    for query_token in query_tokens:
        best, where = -1.0, -1
        for position, name_token in enumerate(form_tokens):
            value = similarity(query_token, name_token)
            if value > best:
                best, where = value, position
        pairs.append((where, max(best, 0.0)))
    return pairs


@functools.lru_cache(maxsize=4096)
def part_terms(word: str) -> dict[str, int]:
    """The lookup terms of one query word, each with how close a stored word it stands
    for: 3 the same skeleton or the same word, 2 within one edit (``sd:`` keys of the
    word's own readings), 1 only after repairing the query (a letter deleted or two
    swapped, two words run together). The union over a query's words is a subset of
    ``name_query_terms``; the levels let a search rank on the index before decrypting.
    Kept per word for the process: the result must not be changed."""
    found: dict[str, int] = {}
    for term in query_terms(word):
        found[term] = 1
    for reading in _readings(word):
        if len(reading) >= 2:
            for term in _token_terms(reading):
                found[term] = 2
            found[f"sk:{reading}"] = 3
    for term in word_terms(word):
        found[term] = 3
    return found
