"""The places every instance starts with: Russia's federal districts and its 83
internationally recognised federal subjects, and the North Caucasus down to
districts and main towns. Administrators add and edit places from there.

Each entry is (English name, Russian name, kind, children) or, for a place with
coordinates, (English, Russian, kind, children, latitude, longitude).
"""

from __future__ import annotations

from django.db import transaction

R, A, C, T = "region", "area", "city", "town"


def _regions(pairs):
    return [(en, ru, R, []) for en, ru in pairs]


CHECHNYA = [
    ("Grozny", "Грозный", C, [], 43.31750, 45.69470),
    ("Argun", "Аргун", C, [], 43.29190, 45.87230),
    (
        "Achkhoy-Martanovsky District",
        "Ачхой-Мартановский район",
        A,
        [("Achkhoy-Martan", "Ачхой-Мартан", T, [])],
    ),
    ("Vedensky District", "Веденский район", A, [("Vedeno", "Ведено", T, [])]),
    ("Grozny District", "Грозненский район", A, [("Tolstoy-Yurt", "Толстой-Юрт", T, [])]),
    (
        "Gudermessky District",
        "Гудермесский район",
        A,
        [("Gudermes", "Гудермес", C, [], 43.35190, 46.10340)],
    ),
    ("Itum-Kalinsky District", "Итум-Калинский район", A, [("Itum-Kali", "Итум-Кали", T, [])]),
    ("Kurchaloyevsky District", "Курчалоевский район", A, [("Kurchaloy", "Курчалой", T, [])]),
    ("Nadterechny District", "Надтеречный район", A, [("Znamenskoye", "Знаменское", T, [])]),
    ("Naursky District", "Наурский район", A, [("Naurskaya", "Наурская", T, [])]),
    (
        "Nozhay-Yurtovsky District",
        "Ножай-Юртовский район",
        A,
        [("Nozhay-Yurt", "Ножай-Юрт", T, [])],
    ),
    ("Sernovodsky District", "Серноводский район", A, [("Sernovodskoye", "Серноводское", T, [])]),
    (
        "Urus-Martanovsky District",
        "Урус-Мартановский район",
        A,
        [("Urus-Martan", "Урус-Мартан", C, [])],
    ),
    ("Shalinsky District", "Шалинский район", A, [("Shali", "Шали", C, [])]),
    ("Shatoysky District", "Шатойский район", A, [("Shatoy", "Шатой", T, [])]),
    ("Sharoysky District", "Шаройский район", A, [("Khimoy", "Химой", T, [])]),
    ("Shelkovskoy District", "Шелковской район", A, [("Shelkovskaya", "Шелковская", T, [])]),
]

NORTH_CAUCASUS = [
    (
        "Republic of Dagestan",
        "Республика Дагестан",
        R,
        [
            ("Makhachkala", "Махачкала", C, [], 42.98310, 47.50470),
            ("Derbent", "Дербент", C, []),
            ("Khasavyurt", "Хасавюрт", C, []),
            ("Kaspiysk", "Каспийск", C, []),
            ("Buynaksk", "Буйнакск", C, []),
            ("Kizlyar", "Кизляр", C, []),
        ],
    ),
    (
        "Republic of Ingushetia",
        "Республика Ингушетия",
        R,
        [
            ("Magas", "Магас", C, [], 43.17000, 44.81000),
            ("Nazran", "Назрань", C, [], 43.22640, 44.76930),
            ("Malgobek", "Малгобек", C, []),
            ("Karabulak", "Карабулак", C, []),
            ("Sunzha", "Сунжа", C, []),
        ],
    ),
    (
        "Kabardino-Balkar Republic",
        "Кабардино-Балкарская Республика",
        R,
        [
            ("Nalchik", "Нальчик", C, [], 43.48530, 43.60710),
            ("Prokhladny", "Прохладный", C, []),
            ("Baksan", "Баксан", C, []),
        ],
    ),
    (
        "Karachay-Cherkess Republic",
        "Карачаево-Черкесская Республика",
        R,
        [
            ("Cherkessk", "Черкесск", C, [], 44.22330, 42.05780),
            ("Karachayevsk", "Карачаевск", C, []),
        ],
    ),
    (
        "Republic of North Ossetia–Alania",
        "Республика Северная Осетия — Алания",
        R,
        [
            ("Vladikavkaz", "Владикавказ", C, [], 43.02050, 44.68190),
            ("Beslan", "Беслан", C, []),
            ("Mozdok", "Моздок", C, []),
        ],
    ),
    ("Chechen Republic", "Чеченская Республика", R, CHECHNYA),
    (
        "Stavropol Krai",
        "Ставропольский край",
        R,
        [
            ("Stavropol", "Ставрополь", C, [], 45.04480, 41.96900),
            ("Pyatigorsk", "Пятигорск", C, []),
            ("Kislovodsk", "Кисловодск", C, []),
            ("Nevinnomyssk", "Невинномысск", C, []),
            ("Mineralnye Vody", "Минеральные Воды", C, []),
        ],
    ),
]

RUSSIA = (
    "Russia",
    "Россия",
    "country",
    [
        (
            "Central Federal District",
            "Центральный федеральный округ",
            "federal_district",
            _regions(
                [
                    ("Belgorod Oblast", "Белгородская область"),
                    ("Bryansk Oblast", "Брянская область"),
                    ("Vladimir Oblast", "Владимирская область"),
                    ("Voronezh Oblast", "Воронежская область"),
                    ("Ivanovo Oblast", "Ивановская область"),
                    ("Kaluga Oblast", "Калужская область"),
                    ("Kostroma Oblast", "Костромская область"),
                    ("Kursk Oblast", "Курская область"),
                    ("Lipetsk Oblast", "Липецкая область"),
                    ("Moscow Oblast", "Московская область"),
                    ("Oryol Oblast", "Орловская область"),
                    ("Ryazan Oblast", "Рязанская область"),
                    ("Smolensk Oblast", "Смоленская область"),
                    ("Tambov Oblast", "Тамбовская область"),
                    ("Tver Oblast", "Тверская область"),
                    ("Tula Oblast", "Тульская область"),
                    ("Yaroslavl Oblast", "Ярославская область"),
                    ("Moscow", "Москва"),
                ]
            ),
        ),
        (
            "Northwestern Federal District",
            "Северо-Западный федеральный округ",
            "federal_district",
            _regions(
                [
                    ("Republic of Karelia", "Республика Карелия"),
                    ("Komi Republic", "Республика Коми"),
                    ("Arkhangelsk Oblast", "Архангельская область"),
                    ("Nenets Autonomous Okrug", "Ненецкий автономный округ"),
                    ("Vologda Oblast", "Вологодская область"),
                    ("Kaliningrad Oblast", "Калининградская область"),
                    ("Leningrad Oblast", "Ленинградская область"),
                    ("Murmansk Oblast", "Мурманская область"),
                    ("Novgorod Oblast", "Новгородская область"),
                    ("Pskov Oblast", "Псковская область"),
                    ("Saint Petersburg", "Санкт-Петербург"),
                ]
            ),
        ),
        (
            "Southern Federal District",
            "Южный федеральный округ",
            "federal_district",
            _regions(
                [
                    ("Republic of Adygea", "Республика Адыгея"),
                    ("Republic of Kalmykia", "Республика Калмыкия"),
                    ("Krasnodar Krai", "Краснодарский край"),
                    ("Astrakhan Oblast", "Астраханская область"),
                    ("Volgograd Oblast", "Волгоградская область"),
                    ("Rostov Oblast", "Ростовская область"),
                ]
            ),
        ),
        (
            "North Caucasian Federal District",
            "Северо-Кавказский федеральный округ",
            "federal_district",
            NORTH_CAUCASUS,
        ),
        (
            "Volga Federal District",
            "Приволжский федеральный округ",
            "federal_district",
            [
                *_regions(
                    [
                        ("Republic of Bashkortostan", "Республика Башкортостан"),
                        ("Mari El Republic", "Республика Марий Эл"),
                        ("Republic of Mordovia", "Республика Мордовия"),
                        ("Republic of Tatarstan", "Республика Татарстан"),
                        ("Udmurt Republic", "Удмуртская Республика"),
                        ("Chuvash Republic", "Чувашская Республика"),
                        ("Perm Krai", "Пермский край"),
                        ("Kirov Oblast", "Кировская область"),
                    ]
                ),
                (
                    "Nizhny Novgorod Oblast",
                    "Нижегородская область",
                    R,
                    [
                        ("Nizhny Novgorod", "Нижний Новгород", C, [], 56.32690, 44.00590),
                    ],
                ),
                *_regions(
                    [
                        ("Orenburg Oblast", "Оренбургская область"),
                        ("Penza Oblast", "Пензенская область"),
                        ("Samara Oblast", "Самарская область"),
                        ("Saratov Oblast", "Саратовская область"),
                        ("Ulyanovsk Oblast", "Ульяновская область"),
                    ]
                ),
            ],
        ),
        (
            "Ural Federal District",
            "Уральский федеральный округ",
            "federal_district",
            _regions(
                [
                    ("Kurgan Oblast", "Курганская область"),
                    ("Sverdlovsk Oblast", "Свердловская область"),
                    ("Tyumen Oblast", "Тюменская область"),
                    ("Khanty-Mansi Autonomous Okrug", "Ханты-Мансийский автономный округ — Югра"),
                    ("Yamalo-Nenets Autonomous Okrug", "Ямало-Ненецкий автономный округ"),
                    ("Chelyabinsk Oblast", "Челябинская область"),
                ]
            ),
        ),
        (
            "Siberian Federal District",
            "Сибирский федеральный округ",
            "federal_district",
            _regions(
                [
                    ("Altai Republic", "Республика Алтай"),
                    ("Tuva Republic", "Республика Тыва"),
                    ("Republic of Khakassia", "Республика Хакасия"),
                    ("Altai Krai", "Алтайский край"),
                    ("Krasnoyarsk Krai", "Красноярский край"),
                    ("Irkutsk Oblast", "Иркутская область"),
                    ("Kemerovo Oblast", "Кемеровская область — Кузбасс"),
                    ("Novosibirsk Oblast", "Новосибирская область"),
                    ("Omsk Oblast", "Омская область"),
                    ("Tomsk Oblast", "Томская область"),
                ]
            ),
        ),
        (
            "Far Eastern Federal District",
            "Дальневосточный федеральный округ",
            "federal_district",
            _regions(
                [
                    ("Republic of Buryatia", "Республика Бурятия"),
                    ("Sakha Republic (Yakutia)", "Республика Саха (Якутия)"),
                    ("Zabaykalsky Krai", "Забайкальский край"),
                    ("Kamchatka Krai", "Камчатский край"),
                    ("Primorsky Krai", "Приморский край"),
                    ("Khabarovsk Krai", "Хабаровский край"),
                    ("Amur Oblast", "Амурская область"),
                    ("Magadan Oblast", "Магаданская область"),
                    ("Sakhalin Oblast", "Сахалинская область"),
                    ("Jewish Autonomous Oblast", "Еврейская автономная область"),
                    ("Chukotka Autonomous Okrug", "Чукотский автономный округ"),
                ]
            ),
        ),
    ],
)


@transaction.atomic
def load(tree=RUSSIA, parent=None) -> int:
    from haven.locations.models import Location

    name_en, name_ru, kind, children, *coordinates = tree
    place = Location(parent=parent, kind=kind, name_en=name_en, name_ru=name_ru)
    if coordinates:
        place.latitude, place.longitude = coordinates
    place.save()
    return 1 + sum(load(child, place) for child in children)


def subject_count() -> int:
    return sum(len(district[3]) for district in RUSSIA[3])
