"""The fictional data of ``search_scale.py`` (also read by ``search_in_process.py`` and
``_load_data.py``): Russian, Chechen and English names, written in Cyrillic with a Latin
transliteration, people spread over teams, and incidents naming them, each with a
narrative of ``text_search.description``'s words unless ``--no-narratives``."""

from __future__ import annotations

import sys

import _instance

FIRST = [
    "Адам",
    "Ислам",
    "Магомед",
    "Рустам",
    "Зелимхан",
    "Ахмед",
    "Мурад",
    "Тимур",
    "Аслан",
    "Хава",
    "Зарема",
    "Седа",
    "Малика",
    "Аминат",
    "Лейла",
    "Мадина",
    "Салман",
    "Салех",
    "Исмаил",
    "Ибрагим",
    "Хасан",
    "Хусейн",
    "Мовсар",
    "Анзор",
    "Руслан",
    "Алихан",
    "Александр",
    "Дмитрий",
    "Сергей",
    "Елена",
    "Анна",
    "Ольга",
    "Павел",
    "Марина",
    "Иван",
    "Николай",
    "Татьяна",
    "Наталья",
    "Михаил",
    "Андрей",
]
LAST = [
    "Ахмадов",
    "Вагапов",
    "Дакаев",
    "Эльмурзаев",
    "Гайрбеков",
    "Хамзатов",
    "Сулейманов",
    "Ташуев",
    "Усманов",
    "Шамилев",
    "Келоев",
    "Ортаев",
    "Магамадов",
    "Исаев",
    "Закриев",
    "Бисултанов",
    "Тагиров",
    "Хасанов",
    "Межидов",
    "Абдурахманов",
    "Цакаев",
    "Эдилов",
    "Иванов",
    "Смирнов",
    "Кузнецов",
    "Попов",
    "Соколов",
    "Лебедев",
    "Козлов",
    "Новиков",
    "Морозов",
    "Петров",
    "Волков",
    "Соловьёв",
    "Васильев",
    "Зайцев",
    "Павлов",
    "Семёнов",
]
ENGLISH_FIRST = ["John", "Mary", "Peter", "Susan", "David", "Emma", "James", "Sarah",
                 "Thomas", "Laura", "Daniel", "Claire"]  # fmt: skip
ENGLISH_LAST = ["Smith", "Jones", "Brown", "Taylor", "Wilson", "Clarke", "Walker", "Hughes",
                "Evans", "Wright", "Turner", "Harris"]  # fmt: skip


def fake_people(rng, count, team_ids):
    import iuliia

    schemes = [
        iuliia.ICAO_DOC_9303,
        iuliia.BGN_PCGN,
        iuliia.GOST_779,
        iuliia.WIKIPEDIA,
        iuliia.SCIENTIFIC,
        iuliia.TELEGRAM,
    ]
    rows = []
    for n in range(count):
        if rng.random() < 0.08:
            name, latin = f"{rng.choice(ENGLISH_FIRST)} {rng.choice(ENGLISH_LAST)}", None
        else:
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            latin = rng.choice(schemes).translate(name)
        rows.append(
            (
                team_ids[n % len(team_ids)],
                {
                    "name": name,
                    "other_names": [latin] if latin else [],
                    "birth_date": str(rng.randint(1950, 2008)),
                    "code": f"P-{n:07d}",
                },
            )
        )
    return rows


def typo(rng, text):
    if len(text) < 5:
        return text
    i = rng.randrange(1, len(text) - 1)
    return text[:i] + text[i + 1 :] if rng.random() < 0.5 else text[:i] + text[i] + text[i:]


def generate(args, rng):
    """Teams, the bench user (a member of the first team), people and incidents."""
    from django.db import connection, transaction
    from text_search import description

    from haven.accounts.actions import add_member, create_team, create_user
    from haven.incidents.models import Incident
    from haven.records.blind import index_new

    teams = [create_team(f"Team {n:02d}") for n in range(args.teams)]
    user, _password = create_user(email="bench@example.org")
    user.must_change_password = False
    user.save()
    add_member(teams[0], user)
    people_rows = fake_people(rng, args.people, [team.pk for team in teams])
    for number, team in enumerate(teams, start=1):
        _instance.bulk_people(team, [row for team_id, row in people_rows if team_id == team.pk])
        progress(f"people: {number}/{len(teams)} teams")
    titles = ["Detention of", "Threats against", "Abduction of", "Beating of", "Search at home of"]
    names = [row["name"] for _t, row in people_rows]
    batch = 2000

    def incident(n):
        victim = rng.choice(names)
        narrative = None if args.no_narratives else f"{victim}. {description(rng)}"
        return Incident(
            team=teams[n % len(teams)],
            code=f"I-{n:07d}",
            title=f"{rng.choice(titles)} {victim}",
            description=narrative,
            start_earliest="2020-01-01",
            start_latest="2020-12-31",
            start_precision="year",
        )

    for start in range(0, args.incidents, batch):
        with transaction.atomic():
            made = Incident.objects.bulk_create(
                incident(n) for n in range(start, min(start + batch, args.incidents))
            )
            index_new(made)
        progress(f"incidents: {min(start + batch, args.incidents):,}/{args.incidents:,}")
    # What a database's routine maintenance (PostgreSQL's autovacuum) does after a bulk load:
    # planner statistics, and on PostgreSQL the visibility map for index-only scans.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def progress(text):
    sys.stdout.write(f"\r{text}   ")
    sys.stdout.flush()
