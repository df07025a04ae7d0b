"""Fictional incidents: the seed story's chain of events and a few hundred varied ones."""

from __future__ import annotations

import random
from datetime import date, timedelta

from haven.incidents import actions
from haven.incidents.models import Act, Chain, Incident, InformationLink, Involvement
from haven.lib.fuzzy_dates import FuzzyDate
from haven.locations.models import Location
from haven.people.actions import add_person
from haven.sources.actions import add_source
from haven.vocab.models import term


def _place(name_en: str) -> Location | None:
    return Location.objects.filter(name_en=name_en).first()


def story(team, by, case, victims, uncle, unit) -> list[Incident]:
    """April 2020 torture → flight → 2021 abduction → forced return → threats by relatives."""
    salman, islam = victims
    detention = actions.record_incident(
        team=team,
        by=by,
        title="Detention and torture of two young men in Grozny",
        start=FuzzyDate.parse("2020-04"),
        location=_place("Grozny"),
        description="Both men were held for several days by a special police unit and beaten.",
        stated_grounds="Running an opposition Telegram channel",
        documented_motive="Their sexual orientation",
        violation_status=Incident.ViolationStatus.CORROBORATED,
    )
    flight = actions.record_incident(
        team=team,
        by=by,
        title="Flight from Chechnya to Nizhny Novgorod",
        start=FuzzyDate.parse("summer 2020"),
        location=_place("Nizhny Novgorod"),
        description="With the organisation's help both men left the region.",
    )
    abduction = actions.record_incident(
        team=team,
        by=by,
        title="Abduction of both men in Nizhny Novgorod",
        start=FuzzyDate.parse("2021-02-04"),
        location=_place("Nizhny Novgorod"),
        description="Officers from Chechnya took both men from their flat overnight.",
        violation_status=Incident.ViolationStatus.CORROBORATED,
    )
    forced_return = actions.record_incident(
        team=team,
        by=by,
        title="Forced return to Chechnya",
        start=FuzzyDate.parse("2021-02"),
        location=_place("Chechen Republic"),
        description="Both men were driven back to Chechnya and held at a police station.",
    )
    threats = actions.record_incident(
        team=team,
        by=by,
        title="Threats of an 'honour killing' by relatives",
        start=FuzzyDate.parse("~2021-02"),
        end=FuzzyDate.parse("2021-03"),
        location=_place("Chechen Republic"),
        description="Relatives said the family's honour had to be 'cleansed'.",
    )
    for victim in victims:
        for incident, act_code, status in [
            (detention, "arbitrary_detention", Act.VictimStatus.RELEASED),
            (detention, "torture", Act.VictimStatus.RELEASED),
            (abduction, "enforced_disappearance", Act.VictimStatus.DETAINED),
            (forced_return, "forced_return", Act.VictimStatus.RETURNED),
        ]:
            act = actions.record_act(
                incident,
                by=by,
                act_type=term("act_type", act_code),
                victim=victim,
                victim_status=status,
            )
            actions.add_involvement(
                act,
                by=by,
                perpetrator=unit,
                degree=Involvement.Degree.DIRECT,
                affiliation="special police unit (fictional)",
            )
        act = actions.record_act(
            threats,
            by=by,
            act_type=term("act_type", "threat_killing_relatives"),
            victim=victim,
            victim_status=Act.VictimStatus.IN_HIDING,
        )
        actions.add_involvement(
            act, by=by, perpetrator=uncle, degree=Involvement.Degree.DIRECT, affiliation="relative"
        )
    for source, target, relation in [
        (detention, flight, Chain.Relation.CAUSES),
        (flight, abduction, Chain.Relation.PRECEDES),
        (abduction, forced_return, Chain.Relation.PRECEDES),
        (forced_return, threats, Chain.Relation.CAUSES),
    ]:
        actions.chain(source, target, by=by, relation=relation)
    report = add_source(
        team=team,
        by=by,
        kind="media",
        title="Regional authorities grant state protection to "
        "two abducted men — report (fictional)",
        author="a news website",
        language="en",
        published=FuzzyDate.parse("2021-03-18"),
        reliability="B",
    )
    for incident in (abduction, forced_return, threats):
        actions.link_case(incident, case, by=by)
        actions.cite_source(
            incident,
            report,
            by=by,
            connection=InformationLink.Connection.MEDIA,
            reliability="B",
            credibility="2",
        )
    petition = case.actions.filter(kind__code="petition").first()
    if petition:
        actions.link_intervention(threats, petition, by=by)
    return [detention, flight, abduction, forced_return, threats]


VICTIM_NAMES = [
    "Адам",
    "Ислам",
    "Мурад",
    "Тимур",
    "Аслан",
    "Хава",
    "Зарема",
    "Седа",
    "Малика",
    "Лейла",
    "Саид",
    "Джамбулат",
    "Алихан",
    "Руслан",
    "Аминат",
]
SURNAMES = [
    "Дакаев",
    "Хамзатов",
    "Ортаев",
    "Шамилев",
    "Гайрбеков",
    "Эльмурзаев",
    "Ташуев",
    "Вагапов",
    "Ахмадов",
    "Усманов",
    "Бисултанов",
    "Магомадов",
    "Исаев",
    "Закриев",
]
UNITS = [
    "Special police unit No. 1 (fictional)",
    "District police department (fictional)",
    "Unidentified men in uniform",
    "Family members",
    "Neighbours",
]
PLACES = [
    "Grozny",
    "Grozny",
    "Grozny",
    "Gudermes",
    "Argun",
    "Shali",
    "Urus-Martan",
    "Kurchaloy",
    "Achkhoy-Martan",
    "Makhachkala",
    "Khasavyurt",
    "Nazran",
    "Magas",
    "Nalchik",
    "Vladikavkaz",
    "Pyatigorsk",
    "Moscow",
    "Saint Petersburg",
]
TITLES = {
    "arbitrary_detention": "Detention at a checkpoint",
    "torture": "Beating during questioning",
    "ill_treatment": "Humiliation in custody",
    "enforced_disappearance": "Disappearance after a raid",
    "forced_return": "Forced return from another region",
    "threat": "Threats by phone",
    "threat_killing_relatives": "Threats from relatives",
    "forced_outing": "Outing to relatives",
    "extortion": "Extortion over private photos",
    "unlawful_search": "Phone searched and seized",
    "forced_confession": "Forced video apology",
}


def varied(team, by, count: int, seed: int) -> None:
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not a secret
    genders = ["male", "male", "female", "unknown"]
    victims = [
        add_person(
            team=team,
            by=by,
            name=f"{rng.choice(VICTIM_NAMES)} {rng.choice(SURNAMES)}",
            gender=rng.choice(genders),
        )
        for _ in range(60)
    ]
    units = [add_person(team=team, by=by, kind="group", name=name) for name in UNITS]
    places = {name: _place(name) for name in set(PLACES)}
    codes = list(TITLES)
    for _n in range(count):
        code = rng.choice(codes)
        day = date(2017, 1, 1) + timedelta(days=rng.randint(0, 3500))
        precision = rng.choices(["day", "month", "season", "year"], [5, 3, 1, 1])[0]
        text = {
            "day": day.isoformat(),
            "month": f"{day:%Y-%m}",
            "season": f"{rng.choice(['spring', 'summer', 'autumn'])} {day.year}",
            "year": str(day.year),
        }[precision]
        incident = actions.record_incident(
            team=team,
            by=by,
            title=TITLES[code],
            start=FuzzyDate.parse(text),
            location=places[rng.choice(PLACES)],
            violation_status=rng.choice(list(Incident.ViolationStatus.values)),
        )
        for _a in range(rng.randint(1, 3)):
            act_code = code if rng.random() < 0.6 else rng.choice(codes)
            act = actions.record_act(
                incident,
                by=by,
                act_type=term("act_type", act_code),
                victim=rng.choice(victims),
                victim_status=rng.choice(list(Act.VictimStatus.values)),
            )
            actions.add_involvement(
                act,
                by=by,
                perpetrator=rng.choice(units),
                degree=rng.choice(list(Involvement.Degree.values)),
            )
