#!/usr/bin/env python3
"""Search at scale: p50/p95 of a cross-script search over HTTP, beside its floor.

Generates realistic fictional data — Russian, Chechen and English names, written in
Cyrillic with Latin transliterations, people and incidents spread over 20 teams —
stores it as Haven does (encrypted fields, blind-index tokens), starts Haven with
gunicorn, signs a member of one team in, and times searches for names typed in the
other script with one typo. The floor is the same index lookup in raw SQL. Then it
times duplicate detection over all the people.

    .venv/bin/python bench/search_scale.py [--people N] [--incidents N] [--queries N]

The issue's full scale is --people 300000 --incidents 1000000 (about an hour to
generate on two cores); the defaults are a tenth of that.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import random
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request

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
ENGLISH = [
    "John Smith",
    "Mary Jones",
    "Peter Brown",
    "Susan Taylor",
    "David Wilson",
    "Emma Clarke",
    "James Walker",
    "Sarah Hughes",
]


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
            name, latin = rng.choice(ENGLISH) + f" {n}", None
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


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=30_000)
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--teams", type=int, default=20)
    args = parser.parse_args()
    workdir = _instance.start()
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection, transaction

    from conftest import add_totp
    from haven.accounts.actions import add_member, create_team, create_user
    from haven.accounts.middleware import LOGIN_AT, SEEN_AT
    from haven.incidents.models import Incident
    from haven.people.models import Person
    from haven.records.blind import index_new, tokens
    from haven.records.models import BlindTerm

    rng = random.Random(7)
    started = time.perf_counter()
    teams = [create_team(f"Team {n:02d}") for n in range(args.teams)]
    user, _password = create_user(email="bench@example.org")
    user.must_change_password = False
    user.save()
    add_member(teams[0], user)
    by_team = {team.pk: team for team in teams}
    people_rows = fake_people(rng, args.people, list(by_team))
    for team in teams:
        mine = [row for team_id, row in people_rows if team_id == team.pk]
        _instance.bulk_people(team, mine)
        sys.stdout.write(f"\rpeople: team {team.name} done   ")
        sys.stdout.flush()
    sys.stdout.write("\n")
    titles = ["Detention of", "Threats against", "Abduction of", "Beating of", "Search at home of"]
    names = [row["name"] for _t, row in people_rows]
    batch = 2000
    for start in range(0, args.incidents, batch):
        with transaction.atomic():
            made = Incident.objects.bulk_create(
                Incident(
                    team=teams[n % len(teams)],
                    code=f"I-{n:07d}",
                    title=f"{rng.choice(titles)} {rng.choice(names)}",
                    start_earliest="2020-01-01",
                    start_latest="2020-12-31",
                    start_precision="year",
                )
                for n in range(start, min(start + batch, args.incidents))
            )
            index_new(made)
        sys.stdout.write(f"\rincidents: {min(start + batch, args.incidents):,}   ")
        sys.stdout.flush()
    sys.stdout.write("\n")
    generated = time.perf_counter() - started
    terms = BlindTerm.objects.count()
    connection.close()

    device = add_totp(user)
    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session["otp_device_id"] = device.persistent_id
    session[LOGIN_AT] = session[SEEN_AT] = time.time()
    session.create()
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "haven.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "2",
        ],
        env=os.environ.copy(),
        cwd=_instance.ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(jar), urllib.request.ProxyHandler({})
        )
        cookie = http.cookiejar.Cookie(
            0,
            "haven-session",
            session.session_key,
            None,
            False,
            "127.0.0.1",
            False,
            False,
            "/",
            True,
            False,
            None,
            True,
            None,
            None,
            {},
        )
        jar.set_cookie(cookie)
        for _ in range(100):
            try:
                page = opener.open(f"{base}/search/", timeout=5).read().decode()
                break
            except OSError:
                time.sleep(0.2)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        mine = [row for team_id, row in people_rows if team_id == teams[0].pk]
        queries = []
        for _ in range(args.queries):
            row = rng.choice(mine)
            form = row["other_names"][0] if row["other_names"] else row["name"]
            queries.append((typo(rng, form), row["code"]))
        timings, floors, found = [], [], 0
        for query, code in queries:
            body = urllib.parse.urlencode({"q": query, "csrfmiddlewaretoken": token}).encode()
            request = urllib.request.Request(
                f"{base}/search/", data=body, headers={"Referer": f"{base}/search/"}
            )
            start = time.perf_counter()
            html = opener.open(request, timeout=30).read().decode()
            timings.append(time.perf_counter() - start)
            found += code in html
            wanted = {
                field: tokens(Person, field, query, query=True) for field in ("name", "other_names")
            }
            start = time.perf_counter()
            for field, values in wanted.items():
                list(
                    BlindTerm.objects.filter(
                        scope=scope_of(Person, field), token__in=values
                    ).values_list("object_uuid", flat=True)
                )
            floors.append(time.perf_counter() - start)
    finally:
        server.terminate()
        server.wait()
    from haven.people.duplicates import find

    start = time.perf_counter()
    pairs = sum(len(find(Person.objects.filter(team=team))) for team in teams)
    duplicates_time = time.perf_counter() - start

    def pct(values, p):
        return sorted(values)[min(len(values) - 1, int(p * len(values)))] * 1000

    print(
        f"Haven search at scale on {connection.vendor}: {args.people:,} people, "
        f"{args.incidents:,} incidents in {args.teams} teams, {terms:,} index tokens "
        f"(generated in {generated:.0f} s)"
    )
    print(f"{'':<34}{'p50 ms':>8}{'p95 ms':>8}")
    print(
        f"{'search over HTTP (signed in)':<34}{pct(timings, 0.5):>8.1f}{pct(timings, 0.95):>8.1f}"
    )
    print(
        f"{'floor: the index lookup in SQL':<34}{pct(floors, 0.5):>8.1f}{pct(floors, 0.95):>8.1f}"
    )
    print(f"found the intended person in {found}/{len(queries)} queries (other script, one typo)")
    print(
        f"duplicate detection over {args.people:,} people: {duplicates_time:.1f} s, "
        f"{pairs} candidate pairs"
    )
    print("targets: search p95 <= 100 ms; duplicates over 300,000 people <= 60 s")
    print(f"(instance left in {workdir})")


if __name__ == "__main__":
    main()
