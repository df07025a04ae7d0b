#!/usr/bin/env python3
"""List pages at scale: each list's page of 50 rows beside its plain floor.

Generates fictional records of every listed kind (cases, requests, incidents with one act
each, people, sources), N of each, stored as Haven stores them (encrypted fields,
blind-index tokens), in teams that the bench user all belongs to: the user sees every
row, the worst case for counting and sorting. Then, in process (Django's test client
through the whole middleware stack: session, second factor, audit), it times each list
page of 50 rows: the first page in the usual order, a page in the middle, the first page
sorted by another column, and a text lookup (POSTed, through the blind index).

The floor of each is its plain page, as in bench/secure_core.py: the same view behind the
same middleware (same queries, count, form, headers, pager and template) with the
encrypted values read as if stored in clear and no audit entry. What the page costs
beyond it is what keeping the records safe costs: opening the 50 rows' values and
appending the audit entry. Anything that grows with the records (sorting or choosing
among encrypted values in Python, a dropdown of every person) shows in both, and in the
times beside the same page of a smaller instance. Target: page <= 1.15 x floor at
100,000 records.

    .venv/bin/python bench/list_scale.py [--records N] [--repeat N]
    .venv/bin/python bench/list_scale.py --instance DIR   # measure DIR's data again

The default is a tenth of the target; the target's run is --records 100000 (records of
every kind are generated at about 1,000 to 3,000 a minute on two busy cores: use
--kinds cases to generate and measure one list).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import _conditions
import _instance

PER_PAGE = 50
TARGET = 1.15
FIRST = ["Адам", "Ислам", "Магомед", "Рустам", "Зелимхан", "Хава", "Зарема", "Седа",
         "Малика", "Салех", "Исмаил", "Хасан", "Анна", "Ольга", "Павел", "Марина"]  # fmt: skip
LAST = ["Ахмадов", "Вагапов", "Дакаев", "Хамзатов", "Сулейманов", "Усманов", "Магамадов",
        "Исаев", "Бетиев", "Тагиров", "Иванов", "Смирнов", "Петров", "Волков"]  # fmt: skip
TITLES = ["Detention of", "Threats against", "Evacuation of", "Protection of", "Search at home of"]


def progress(text):
    sys.stdout.write(f"\r{text}   ")
    sys.stdout.flush()


def _bulk(model, objects, batch=2000, index=True):
    """Create records in batches: encrypted by their fields, indexed in bulk, no history."""
    from django.db import transaction

    from haven.records.blind import index_new

    created = []
    for start in range(0, len(objects), batch):
        with transaction.atomic():
            made = model.objects.bulk_create(objects[start : start + batch])
            if index and model.blind_indexes:
                index_new(made)
        created += made
        progress(f"{model._meta.verbose_name_plural}: {len(created):,}/{len(objects):,}")
    sys.stdout.write("\n")
    return created


def generate(records: int, teams_count: int, rng, kinds) -> None:
    from django.db import connection

    from haven.accounts.actions import add_member, create_team, create_user

    teams = [create_team(f"Team {n:02d}") for n in range(teams_count)]
    user, _password = create_user(email="bench@example.org")
    user.must_change_password = False
    user.save()
    for team in teams:
        add_member(team, user)
    names = [f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(records)]
    team_of = [teams[n % len(teams)] for n in range(records)]
    start = date(2015, 1, 1)
    people = []
    for team in teams if kinds & {"people", "requests", "incidents"} else []:
        rows = [
            {"name": names[n], "code": f"P-{n:07d}"} for n in range(records) if team_of[n] is team
        ]
        people += _instance.bulk_people(team, rows)
        progress(f"people: {len(people):,}/{records:,}")
    sys.stdout.write("\n")
    people.sort(key=lambda person: person.code)
    if "cases" in kinds:
        _cases(records, team_of, names, user, start, rng)
    if "requests" in kinds:
        _requests(records, team_of, people, rng)
    if "incidents" in kinds:
        _incidents(records, team_of, names, people, start, rng)
    if "sources" in kinds:
        _sources(records, team_of, names, start, rng)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def _cases(records, team_of, names, user, start, rng):
    from haven.cases.models import Case, RiskLevel

    _bulk(
        Case,
        [
            Case(
                team=team_of[n],
                code=f"C-{n:07d}",
                title=f"{rng.choice(TITLES)} {names[n]}",
                status=rng.choice(Case.Status.values),
                risk_level=rng.choice(["", *RiskLevel.values]),
                lead=user,
                opened_on=start + timedelta(days=rng.randrange(4000)),
            )
            for n in range(records)
        ],
    )


def _requests(records, team_of, people, rng):
    from haven.cases.models import Request
    from haven.vocab.models import term

    channels = [term("channel", code) for code in ("hotline", "telegram", "signal", "email")]
    now = time.time()

    _bulk(
        Request,
        [
            Request(
                team=team_of[n],
                channel=rng.choice(channels),
                received_at=datetime.fromtimestamp(now - rng.randrange(10**8), tz=UTC),
                requester=people[n],
                summary="A call for help.",
                urgency=rng.choice(Request.Urgency.values),
            )
            for n in range(records)
        ],
    )


def _incidents(records, team_of, names, people, start, rng):
    from haven.incidents.models import Act, Incident
    from haven.locations.models import Location
    from haven.vocab.models import term

    places = list(Location.objects.all())
    incidents = _bulk(
        Incident,
        [
            Incident(
                team=team_of[n],
                code=f"I-{n:07d}",
                title=f"{rng.choice(TITLES)} {names[n]}",
                start_earliest=(day := start + timedelta(days=rng.randrange(4000))),
                start_latest=day,
                start_precision="day",
                location=rng.choice(places),
            )
            for n in range(records)
        ],
    )
    act_types = [term("act_type", code) for code in ("arbitrary_detention", "torture", "threat")]
    _bulk(
        Act,
        [
            Act(
                team=incident.team,
                incident=incident,
                act_type=rng.choice(act_types),
                victim=people[n],
            )
            for n, incident in enumerate(incidents)
        ],
        index=False,
    )


def _sources(records, team_of, names, start, rng):
    from haven.sources.models import Reliability, Source

    _bulk(
        Source,
        [
            Source(
                team=team_of[n],
                code=f"S-{n:07d}",
                kind=rng.choice(Source.Kind.values),
                title=f"{rng.choice(TITLES)} {names[n]}",
                reliability=rng.choice(Reliability.values),
                published_earliest=(day := start + timedelta(days=rng.randrange(4000))),
                published_latest=day,
                published_precision="day",
            )
            for n in range(records)
        ],
    )


def signed_in_session(user):
    from django.contrib.sessions.backends.db import SessionStore

    from conftest import add_totp
    from haven.accounts.middleware import LOGIN_AT, SEEN_AT

    device = add_totp(user)
    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session["otp_device_id"] = device.persistent_id
    session[LOGIN_AT] = session[SEEN_AT] = time.time()
    session.create()
    return session.session_key


# --- the floor: the same page from plain values, with no audit entry ---------------------


def _lists():
    """Per list: its URL name, the rows it counts (the user's visible records), and a
    column to sort by besides its usual order."""
    from haven.cases import selectors as cases
    from haven.incidents import selectors as incidents
    from haven.people.models import Person
    from haven.sources.models import Source

    return {
        "cases": ("cases:list", cases.case_list, "status"),
        "requests": ("cases:requests", cases.waiting_requests, "urgency"),
        "incidents": ("incidents:list", incidents.incident_list, "where"),
        "people": ("people:list", Person.objects.visible_to, "team"),
        "sources": ("sources:list", Source.objects.visible_to, "reliability"),
    }


class Plain:
    """While ``on``, an encrypted value is read as if it were stored in clear: the first
    read of a ciphertext opens it, every later read takes the value from a dict."""

    on = False
    values: dict = {}


def install_plain_reads():
    from haven.keys.fields import EncryptedField

    opened = EncryptedField.open

    def open_or_plain(self, instance, blob):
        if not Plain.on:
            return opened(self, instance, blob)
        key = bytes(blob)
        if key not in Plain.values:
            Plain.values[key] = opened(self, instance, blob)
        return Plain.values[key]

    EncryptedField.open = open_or_plain


def floor_view(request, kind):
    """The list page itself, as if its rows were stored in clear and nothing were
    audited: the same view, queries, form, headers, pager and template, with the
    encrypted values read from plain copies and the audit append left out. What the
    page costs beyond it is the crypto and the audit entry."""
    import importlib

    from django.urls import resolve, reverse

    name = _lists()[kind][0]
    view = resolve(reverse(name)).func
    module = importlib.import_module(view.__module__)
    audit = module.record
    module.record = lambda *args, **kwargs: None
    Plain.on = True
    try:
        return view(request)
    finally:
        Plain.on = False
        module.record = audit


def install_floor():
    """Serve ``floor/<kind>/`` beside Haven's own routes, in this process only."""
    import types

    from django.conf import settings
    from django.urls import clear_url_caches, include, path

    install_plain_reads()
    module = types.ModuleType("list_scale_urls")
    module.urlpatterns = [
        path("floor/<str:kind>/", floor_view),
        path("", include("haven.urls")),
    ]
    sys.modules["list_scale_urls"] = module
    settings.ROOT_URLCONF = "list_scale_urls"
    clear_url_caches()


def interleaved(page, floor, repeat):
    """``timed`` of the page and of its floor, taken in turns, so that a change in the
    machine's load while measuring weighs on both alike."""
    pages, floors = [], []
    for _ in range(repeat):
        pages.append(timed(page, 1))
        floors.append(timed(floor, 1))

    def medians(runs):
        return (
            statistics.median(run[0] for run in runs),
            statistics.median(run[1] for run in runs),
            runs[-1][2],
        )

    return medians(pages), medians(floors)


class Counted:
    """A count dressed as a response, so that ``timed`` takes it."""

    status_code = 200

    def __init__(self, count):
        self.count = count


def timed(call, repeat):
    """Medians of the wall-clock and the CPU time of ``repeat`` calls. In process, with
    SQLite, the CPU time is the database's work too, and it hardly grows when other
    processes compete for the cores: on a busy machine compare that."""
    walls, cpus = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        response = call()
        cpus.append(time.process_time() - start_cpu)
        walls.append(time.perf_counter() - start)
        assert response.status_code == 200, response.status_code
    return statistics.median(walls), statistics.median(cpus), response


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000, help="records of each kind")
    parser.add_argument("--teams", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=21, help="timings per page (median)")
    parser.add_argument(
        "--instance",
        type=Path,
        help="measure the instance an earlier run left in this folder instead of generating",
    )
    parser.add_argument(
        "--kinds",
        default="cases,requests,incidents,people,sources",
        help="the lists to generate and measure, comma-separated",
    )
    args = parser.parse_args()
    kinds = set(args.kinds.split(","))
    if args.instance:
        os.environ["HAVEN_VAR_DIR"] = str(args.instance)
        if (args.instance / "bench.sqlite3").exists():
            os.environ.setdefault(
                "HAVEN_DATABASE_URL", f"sqlite:///{args.instance / 'bench.sqlite3'}"
            )
    workdir = _instance.start(args.instance)
    from django.conf import settings
    from django.db import connection, reset_queries
    from django.test import Client
    from django.urls import reverse

    from haven.accounts.models import User
    from haven.cases.models import Case
    from haven.people.models import Person
    from haven.sources.models import Source

    rng = random.Random(11)
    started = time.perf_counter()
    if not args.instance:
        generate(args.records, args.teams, rng, kinds)
    generated = time.perf_counter() - started
    user = User.objects.get(email="bench@example.org")
    records = max(model.objects.count() for model in (Case, Person, Source))
    install_floor()
    client = Client(HTTP_HOST="127.0.0.1")
    client.cookies[settings.SESSION_COOKIE_NAME] = signed_in_session(user)
    cached = _conditions.database_cache(connection)
    conditions = _conditions.start()

    middle = max(1, records // PER_PAGE // 2)
    lookup = FIRST[1] + " " + "Betiev"  # Cyrillic first name, Latin surname
    print(
        f"List pages at scale on {connection.vendor}: {records:,} records of each kind in "
        f"{args.teams} teams, all visible to the user; 50 rows a page; median of "
        f"{args.repeat}" + (f" (generated in {generated:.0f} s)" if not args.instance else "")
    )
    print(f"{'':<36}{'CPU ms: page':>13}{'floor':>7}{'ratio':>7}   wall ratio  queries")
    worst = 0.0
    for kind, (name, queryset, other) in _lists().items():
        if kind not in kinds:
            continue
        url, floor = reverse(name), f"/floor/{kind}/"
        _wall, count_cpu, _none = timed(lambda: Counted(queryset(user).count()), args.repeat)  # noqa: B023
        print(
            f"{kind}: the page's total, count(*) of the visible rows: {count_cpu * 1000:.1f} ms CPU"
        )
        variants = [
            ("first page", "get", {}),
            (f"page {middle:,}", "get", {"page": middle}),
            (f"sorted by {other}", "get", {"sort": other}),
            ("lookup", "post", {"q": lookup}),
        ]
        for label, method, data in variants:
            send = getattr(client, method)
            send(url, data)  # warm: the first request of a kind loads its data keys
            send(floor, data)
            settings.DEBUG = True
            reset_queries()
            send(url, data)
            queries = len(connection.queries)
            settings.DEBUG = False
            (page_wall, page_cpu, response), (floor_wall, floor_cpu, floor_response) = interleaved(
                lambda: send(url, data),  # noqa: B023
                lambda: send(floor, data),  # noqa: B023
                args.repeat,
            )
            # The header row and the rows: the page and its floor show the same.
            rows = response.content.count(b"<tr>") - 1
            assert floor_response.content.count(b"<tr>") - 1 == rows, f"{kind} {label}: rows differ"
            ratio = page_cpu / floor_cpu
            worst = max(worst, ratio)
            print(
                f"{kind + ': ' + label + f' ({rows})':<36}{page_cpu * 1000:>13.1f}"
                f"{floor_cpu * 1000:>7.1f}{ratio:>7.2f}{page_wall / floor_wall:>13.2f}{queries:>9}"
            )
    conditions.report(
        database=connection.vendor,
        cache=", ".join(
            filter(None, [_conditions.REOPENED if args.instance else _conditions.GENERATED, cached])
        ),
        notes="in process (Django test client, whole middleware stack), one request at a time,"
        " page and floor in turns",
    )
    print(f"worst CPU ratio {worst:.2f}; target: page <= {TARGET} x floor at 100,000 records")
    print(f"(instance left in {workdir}; measure it again with --instance {workdir})")


if __name__ == "__main__":
    main()
