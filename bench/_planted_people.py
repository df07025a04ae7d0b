"""People with planted duplicates, for the duplicate finder's quality and scale benches.

Names are drawn from short lists of Russian and North Caucasian surnames, given names
and fathers' names (written here, no data set), in the orders people write them
("Surname Given Patronymic", "Given Patronymic Surname", "Given Surname"). Each person is
recorded once in Cyrillic; some are recorded a second time as another organisation would:
in Latin letters by one of several transliteration systems (``iuliia``'s schemas), the
patronymic sometimes left out, sometimes with a typo, the birth year sometimes missing,
the phone written another way. The hard cases that are *not* duplicates are planted too:

- namesakes: one given name, patronymic and birth year, another surname, nothing shared;
- brothers: one surname, another given name, often one phone (the family's);
- groups: "Родственники <name>" (the person's relatives) with the person's phone.

``planted(count, seed)`` returns the rows to create and the set of true pairs, by code.
"""

from __future__ import annotations

import random

import iuliia

SURNAMES = [
    "Магомедов",
    "Исаев",
    "Бетиев",
    "Тагиров",
    "Ахмедов",
    "Байсаров",
    "Дакаев",
    "Келоев",
    "Магамадов",
    "Умаров",
    "Садулаев",
    "Кадыров",
    "Эдельгериев",
    "Хасанов",
    "Абдулаев",
    "Алиев",
    "Гаджиев",
    "Юсупов",
    "Мусаев",
    "Шамилов",
    "Иванов",
    "Петров",
    "Сидоров",
    "Смирнов",
    "Кузнецов",
    "Попов",
    "Васильев",
    "Соколов",
    "Михайлов",
    "Новиков",
    "Фёдоров",
    "Морозов",
    "Волков",
    "Алексеев",
    "Лебедев",
    "Семёнов",
    "Егоров",
    "Павлов",
    "Козлов",
    "Степанов",
    "Николаев",
    "Орлов",
    "Андреев",
    "Макаров",
    "Никитин",
    "Захаров",
    "Зайцев",
    "Соловьёв",
    "Борисов",
    "Яковлев",
    "Эльмурзаев",
    "Цуев",
    "Хамзатов",
    "Гериев",
    "Межидов",
    "Ибрагимов",
    "Арсанукаев",
    "Вахаев",
    "Джабраилов",
    "Бисултанов",
]
MALE_NAMES = [
    "Ислам",
    "Салех",
    "Зелимхан",
    "Салман",
    "Адам",
    "Юсуп",
    "Ибрагим",
    "Магомед",
    "Ахмед",
    "Рамзан",
    "Хасан",
    "Умар",
    "Руслан",
    "Иван",
    "Николай",
    "Михаил",
    "Сергей",
    "Алексей",
    "Дмитрий",
    "Андрей",
    "Александр",
    "Владимир",
    "Евгений",
    "Павел",
    "Артём",
    "Максим",
    "Тимур",
    "Аслан",
    "Мурад",
    "Шамиль",
    "Арби",
    "Мовсар",
    "Анзор",
    "Беслан",
]
FEMALE_NAMES = [
    "Хеда",
    "Зарема",
    "Малика",
    "Лейла",
    "Мадина",
    "Петимат",
    "Амина",
    "Зайнаб",
    "Марьям",
    "Седа",
    "Мария",
    "Анна",
    "Елена",
    "Ольга",
    "Наталья",
    "Татьяна",
    "Ирина",
    "Светлана",
    "Екатерина",
    "Юлия",
]
FATHERS = [
    "Иван",
    "Николай",
    "Михаил",
    "Сергей",
    "Алексей",
    "Пётр",
    "Василий",
    "Ахмед",
    "Магомед",
    "Хасан",
    "Ибрагим",
    "Умар",
    "Руслан",
    "Адам",
    "Салман",
    "Юсуп",
    "Исмаил",
    "Муса",
    "Шамиль",
    "Лом-Али",
    "Аслан",
    "Султан",
    "Увайс",
    "Идрис",
]
SCHEMAS = (
    iuliia.WIKIPEDIA,
    iuliia.MOSMETRO,
    iuliia.ICAO_DOC_9303,
    iuliia.BGN_PCGN,
    iuliia.GOST_7034,
    iuliia.SCIENTIFIC,
    iuliia.TELEGRAM,
    iuliia.YANDEX_MAPS,
)
PLACES = [
    "Грозный",
    "Гудермес",
    "Назрань",
    "Махачкала",
    "Москва",
    "Нальчик",
    "Владикавказ",
    "Аргун",
]


def _patronymic(father: str, female: bool) -> str:
    stem = father.replace("-", "")
    if stem.endswith(("й", "ь")):
        stem, soft = stem[:-1], True
    else:
        soft = stem.endswith(("ж", "ш", "ч", "щ", "ц"))
    if female:
        return stem + ("евна" if soft else "овна")
    return stem + ("евич" if soft else "ович")


def _feminine(surname: str) -> str:
    return surname + "а" if surname.endswith(("ов", "ев", "ёв", "ин")) else surname


def _typo(word: str, rng: random.Random) -> str:
    """One edit: a letter left out, doubled, or two neighbours swapped."""
    if len(word) < 5:
        return word
    at = rng.randrange(1, len(word) - 2)
    kind = rng.choice(("drop", "double", "swap"))
    if kind == "drop":
        return word[:at] + word[at + 1 :]
    if kind == "double":
        return word[:at] + word[at] + word[at:]
    return word[:at] + word[at + 1] + word[at] + word[at + 2 :]


def _written(surname: str, given: str, patronymic: str | None, rng: random.Random) -> str:
    order = rng.random()
    if patronymic is None:
        return f"{given} {surname}" if order < 0.6 else f"{surname} {given}"
    if order < 0.5:
        return f"{surname} {given} {patronymic}"
    return f"{given} {patronymic} {surname}"


def _phone(rng: random.Random) -> str:
    return f"+7 928 {rng.randrange(100, 999)}-{rng.randrange(10, 99)}-{rng.randrange(10, 99)}"


def _other_format(phone: str) -> str:
    """The same number as people also write it: 8 instead of +7, no separators."""
    return "8" + "".join(ch for ch in phone if ch.isdigit())[1:]


def planted(
    count: int, seed: int = 18, *, duplicates: float = 0.3, prefix: str = "P"
) -> tuple[list[dict], set[tuple[str, str]]]:
    """About ``count`` people (rows for ``Person``) and the true duplicate pairs."""
    rng = random.Random(seed)
    rows: list[dict] = []
    truth: set[tuple[str, str]] = set()

    def add(name: str, **fields) -> str:
        code = f"{prefix}-{len(rows):07d}"
        rows.append({"name": name, "code": code, **fields})
        return code

    while len(rows) < count:
        female = rng.random() < 0.35
        given = rng.choice(FEMALE_NAMES if female else MALE_NAMES)
        surname = rng.choice(SURNAMES)
        surname = _feminine(surname) if female else surname
        patronymic = _patronymic(rng.choice(FATHERS), female)
        year = str(rng.randrange(1960, 2006))
        phone = _phone(rng) if rng.random() < 0.5 else None
        place = rng.choice(PLACES) if rng.random() < 0.3 else None
        fields: dict = {"birth_date": year}
        if phone:
            fields["contacts"] = [{"kind": "phone", "value": phone}]
        if place:
            fields["whereabouts"] = [{"place": place, "since": "", "note": ""}]
        original = add(_written(surname, given, patronymic, rng), **fields)

        if rng.random() < duplicates:
            schema = rng.choice(SCHEMAS)
            words = [surname, given, patronymic if rng.random() < 0.7 else None]
            latin = [schema.translate(word) if word else None for word in words]
            if rng.random() < 0.2:
                which = rng.randrange(2)
                latin[which] = _typo(latin[which], rng)
            copy: dict = {}
            if rng.random() < 0.7:
                copy["birth_date"] = year
            if phone and rng.random() < 0.5:
                copy["contacts"] = [{"kind": "phone", "value": _other_format(phone)}]
            truth.add((original, add(_written(latin[0], latin[1], latin[2], rng), **copy)))
        if rng.random() < 0.15:  # a namesake: another surname, nothing shared
            other = rng.choice([s for s in SURNAMES if s != surname.rstrip("а")])
            other = _feminine(other) if female else other
            add(_written(other, given, patronymic, rng), birth_date=year)
        if rng.random() < 0.1:  # a brother: the family's phone, another given name
            brother = rng.choice([n for n in MALE_NAMES if n != given])
            family = surname.rstrip("а") if female else surname
            extra = {"contacts": [{"kind": "phone", "value": phone}]} if phone else {}
            add(
                _written(family, brother, _patronymic(rng.choice(FATHERS), False), rng),
                birth_date=str(rng.randrange(1960, 2006)),
                **extra,
            )
        if phone and rng.random() < 0.05:  # the person's relatives, as a group
            add(
                f"Родственники {given} {surname}",
                kind="group",
                contacts=[{"kind": "phone", "value": phone}],
            )
    return rows, truth
