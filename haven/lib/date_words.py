"""The words of dates in English and Russian, as people type them: month names in every
case, seasons, thirds of a year, and the words that frame a date (before, after, about,
from … to). Read by ``fuzzy_dates``."""

from __future__ import annotations

import calendar

SEASONS = {"winter": 12, "spring": 3, "summer": 6, "autumn": 9}
SEASON_OF_MONTH = {12: "winter", 3: "spring", 6: "summer", 9: "autumn"}
# Thirds of a year: "early 2021" is January to April, "mid-2021" May to August.
THIRDS = {"early": (1, 4), "mid": (5, 8), "late": (9, 12)}

# Russian words in the cases a date takes: nominative ("апрель 2020"), genitive
# ("до апреля 2020", "около лета 2021") and the forms people type after "в".
RU_MONTHS = [
    (),
    ("январь", "января", "январе", "янв"),
    ("февраль", "февраля", "феврале", "фев", "февр"),
    ("март", "марта", "марте", "мар"),
    ("апрель", "апреля", "апреле", "апр"),
    ("май", "мая", "мае"),
    ("июнь", "июня", "июне", "июн"),
    ("июль", "июля", "июле", "июл"),
    ("август", "августа", "августе", "авг"),
    ("сентябрь", "сентября", "сентябре", "сен", "сент"),
    ("октябрь", "октября", "октябре", "окт"),
    ("ноябрь", "ноября", "ноябре", "ноя", "нояб"),
    ("декабрь", "декабря", "декабре", "дек"),
]
RU_SEASONS = {
    "winter": ("зима", "зимы", "зимой", "зиму"),
    "spring": ("весна", "весны", "весной", "весну"),
    "summer": ("лето", "лета", "летом"),
    "autumn": ("осень", "осени", "осенью"),
}
RU_THIRDS = {
    "early": ("начало", "начала", "начале"),
    "mid": ("середина", "середины", "середине"),
    "late": ("конец", "конца", "конце"),
}
EN_THIRDS = {"early": "early", "mid": "mid-", "late": "late"}

MONTH_WORDS = {
    **{name.lower(): n for n, name in enumerate(calendar.month_name) if name},
    **{name[:3].lower(): n for n, name in enumerate(calendar.month_name) if name},
    "sept": 9,
    **{word: n for n, forms in enumerate(RU_MONTHS) for word in forms},
}
SEASON_WORDS = {
    **{season: season for season in SEASONS},
    "fall": "autumn",
    **{word: season for season, forms in RU_SEASONS.items() for word in forms},
}
THIRD_WORDS = {
    "early": "early",
    "beginning": "early",
    "start": "early",
    "mid": "mid",
    "middle": "mid",
    "late": "late",
    "end": "late",
    **{word: third for third, forms in RU_THIRDS.items() for word in forms},
}
# Words that only frame a date: "в апреле 2020 года", "in April 2020", "2020 г.".
FILLER_WORDS = {"в", "во", "на", "in", "of", "the", "г", "г.", "года", "год", "гг", "гг.", "году"}
BEFORE_WORDS = {"before", "until", "till", "by", "до", "<"}
AFTER_WORDS = {"after", "после", "позже", ">"}
# "since April 2020" / "с апреля 2020" is the date itself when a stay began.
SINCE_WORDS = {"since", "с", "со", "from"}
ESTIMATED_WORDS = {"~", "ca", "ca.", "c.", "circa", "about", "around", "approximately", "approx."}
ESTIMATED_WORDS |= {"probably", "около", "примерно", "приблизительно", "вероятно", "ориентировочно"}
# A range: "from April to June", "с апреля по июнь", "between 2020 and 2021".
RANGE_OPENERS = {"from", "between", "с", "со"}
RANGE_JOINERS = {"–", "to", "until", "till", "through", "and", "по", "до", "и"}
