"""Short and familiar forms of given names, for the duplicate finder: Bill is William,
Peggy is Margaret, Саша is Александр (and Sasha, in Latin letters).

English names come from the ``nicknames`` package (a hand-curated genealogy table,
about 1,100 names, shipped with the package: nothing is fetched). Russian diminutives
are the short table below, written for Haven: the everyday forms, not the endearments
(Сашенька, Шурочка), which a clerk rarely writes in a register.

Forms are compared by their skeletons (``haven.lib.names.skeleton``), so a form in
either script, in any transliteration, finds its group: Саша, Sasha and Sascha are one.
A form may belong to several names (Al: Albert, Alfred, Alexander; Саша: Александр,
Александра): two words are one name when they share a group, never through a third.
"""

from __future__ import annotations

import functools
from collections import defaultdict

from nicknames import NickNamer

from haven.lib.names import skeleton

# The full name, then its everyday short forms.
RUSSIAN = {
    "Александр": "Саша Саня Шура",
    "Александра": "Саша Саня Шура",
    "Алексей": "Лёша Алёша",
    "Анастасия": "Настя",
    "Анатолий": "Толя",
    "Андрей": "Андрюша",
    "Анна": "Аня",
    "Валентин": "Валя",
    "Валентина": "Валя",
    "Василий": "Вася",
    "Виктор": "Витя",
    "Виктория": "Вика",
    "Владимир": "Вова Володя",
    "Владислав": "Влад Слава",
    "Галина": "Галя",
    "Григорий": "Гриша",
    "Дарья": "Даша",
    "Дмитрий": "Дима Митя",
    "Евгений": "Женя",
    "Евгения": "Женя",
    "Екатерина": "Катя",
    "Елена": "Лена",
    "Елизавета": "Лиза",
    "Иван": "Ваня",
    "Ирина": "Ира",
    "Константин": "Костя",
    "Ксения": "Ксюша",
    "Леонид": "Лёня",
    "Людмила": "Люда Мила",
    "Любовь": "Люба",
    "Мария": "Маша",
    "Михаил": "Миша",
    "Надежда": "Надя",
    "Наталья": "Наташа",
    "Николай": "Коля",
    "Ольга": "Оля",
    "Павел": "Паша",
    "Пётр": "Петя",
    "Сергей": "Серёжа",
    "Светлана": "Света",
    "Станислав": "Стас",
    "Степан": "Стёпа",
    "Татьяна": "Таня",
    "Юлия": "Юля",
    "Юрий": "Юра",
    "Ярослав": "Слава",
}


@functools.cache
def _short_forms() -> dict[str, frozenset[str]]:
    """Skeleton of a short form -> the skeletons of the full names it is short for.

    Only a shorter form counts, or one as long (Harry, Henry) of a name that is no
    short form itself: the package also lists names the other way round and beside
    each other (Bill "has" William, Fred and Robert), which would make one name of Bill
    and Fred.
    """
    found: dict[str, set[str]] = defaultdict(set)
    pairs = [
        *NickNamer().nickname_lookup.items(),
        *((name, set(short_forms.split())) for name, short_forms in RUSSIAN.items()),
    ]
    shortened = {form for name, forms in pairs for form in forms if len(form) < len(name)}
    for name, short_forms in pairs:
        full = skeleton(name)
        for form in short_forms:
            short = skeleton(form)
            as_long = len(form) == len(name) and name not in shortened
            if short and short != full and (len(form) < len(name) or as_long):
                found[short].add(full)
    return {form: frozenset(names) for form, names in found.items()}


@functools.cache
def _full_names() -> frozenset[str]:
    return frozenset().union(*_short_forms().values())


def name_groups(skeleton_: str) -> frozenset[str]:
    """The full given names (by skeleton) a word is a form of: those it is short for,
    and itself when it is a full name with short forms; empty for other words."""
    found = _short_forms().get(skeleton_, frozenset())
    return found | {skeleton_} if skeleton_ in _full_names() else found


def one_given_name(skeleton_: str, other: str) -> bool:
    """Whether one of two words (by their skeletons) is a short form of the other:
    William and Bill, Александр and Sasha. Two short forms of one name (Bill, Will)
    are not: Will is also Wilfred's."""
    forms = _short_forms()
    return other in forms.get(skeleton_, ()) or skeleton_ in forms.get(other, ())
