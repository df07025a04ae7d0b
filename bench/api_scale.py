#!/usr/bin/env python3
"""The API at scale: list and read p50/p95 over HTTP, beside their floor.

Generates N fictional records of each kind measured, stored as Haven stores them
(encrypted fields, blind-index tokens; in bulk, as bench/list_scale.py does), in a team
the bench user belongs to, so every row is visible: the worst case for counting and
sorting. The records are filled as a caseworker fills them, so that a page has as many
values to open as a real one: a person has a name, its Latin form, a birth year,
gender, nationality, languages, a phone, a move and a note; a case a summary, a person
at risk, a note and an action; an incident a description, stated grounds and an act
with its victim; a source an author and an address.

It then starts Haven under gunicorn (1 worker, 4 threads, as ``haven serve`` runs each
worker) and, with a personal access token, times over HTTP what a client waits for:
connecting, token authentication, the rate limit, the query, the audit entry, the JSON
and the whole body read. For each kind:

- **list: first page**, the first cursor page of 50 (``/api/v1/people/``);
- **list: next page**, the page its ``next`` link names (``?cursor=``);
- **list: filtered**, the first page with a filter (``?status=open``…);
- **read: one record**, one of 50 records in turn, with its parts.

The floor of each is the same request to the same server: the same URL, middleware,
view, queries, page size, filter, ordering, serializer and renderer, with every
encrypted value read as if it were stored in clear and the read's audit entry left out
(bench/_api_floor.py). What the API costs beyond it is keeping the records safe:
opening the values and writing the audit entry. The two are timed in turns, so that a
change in the machine's load weighs on both alike; each answer also says the CPU time
its server thread spent (``X-Bench-CPU``: on a busy machine compare that) and the
statements it sent. A create has no floor (its work is the encryption, the index and
the history): its times are printed alone.

Target (issue 13): list and read p50 within 1.2 x the floor at 100,000 records.

    .venv/bin/python bench/api_scale.py [--records N] [--repeat N] [--kinds people,cases]
    .venv/bin/python bench/api_scale.py --instance DIR   # measure DIR's data again

On PostgreSQL, through scripts/with-postgres (see the README). The default (1,000
records) checks that it works; 100,000 of the four kinds are generated in about ten
minutes on two cores.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import _conditions
import _instance
import list_scale

TARGET = 1.2
PER_PAGE = 50
WORKERS, THREADS = 1, 4
# kind -> (API path, a filter of its list, a body that creates one)
KINDS = {
    "people": ("/api/v1/people/", "kind=individual", lambda n: {"name": f"Анна Бенчева {n}"}),
    "cases": ("/api/v1/cases/", "status=active", lambda n: {"title": f"Bench case {n}"}),
    "incidents": (
        "/api/v1/incidents/",
        "violation_status=alleged",
        lambda n: {"title": f"Bench incident {n}", "start": "summer 2021"},
    ),
    "sources": (
        "/api/v1/sources/",
        "kind=testimony",
        lambda n: {"kind": "testimony", "title": f"Bench {n}"},
    ),
}
PLACES = ["Grozny", "Argun", "Gudermes", "Moscow", "Nalchik", "Makhachkala", "Tbilisi"]
NOTES = [
    "Called the hotline twice; afraid to stay with relatives.",
    "Detained at a checkpoint, released after three days.",
    "Lives with a friend; changes phone numbers often.",
    "Needs a doctor's report on the injuries.",
]


# --- the data: every field a caseworker would fill, stored in bulk ----------------------


def generate(records: int, teams_count: int, rng, kinds: set[str]) -> None:
    import iuliia
    from django.db import connection

    from haven.accounts.actions import add_member, create_team, create_user
    from haven.people.models import Person

    teams = [create_team(f"Team {n:02d}") for n in range(teams_count)]
    user, _password = create_user(email="bench@example.org")
    user.must_change_password = False
    user.save()
    for team in teams:
        add_member(team, user)
    team_of = [teams[n % len(teams)] for n in range(records)]
    first, last = list_scale.FIRST, list_scale.LAST
    names = [f"{rng.choice(first)} {rng.choice(last)}" for _ in range(records)]
    people = []
    for team in teams:
        rows = [
            {
                "code": f"P-{n:07d}",
                "name": names[n],
                "other_names": [iuliia.WIKIPEDIA.translate(names[n])],
                "birth_date": str(rng.randint(1960, 2006)),
                "gender": rng.choice(["female", "male"]),
                "nationality": "Russia",
                "languages": ["ru", "ce"],
                "contacts": [{"kind": "phone", "value": f"+7 928 {rng.randrange(10**7):07d}"}],
                "whereabouts": [
                    {"place": rng.choice(PLACES), "since": f"20{rng.randint(10, 24)}", "note": ""}
                ],
                "notes": rng.choice(NOTES),
            }
            for n in range(records)
            if team_of[n] is team
        ]
        people += _bulk(Person, [Person(team=team, **row) for row in rows])
    people.sort(key=lambda person: person.code)
    if "cases" in kinds:
        _cases(team_of, names, people, user, rng)
    if "incidents" in kinds:
        _incidents(team_of, names, people, rng)
    if "sources" in kinds:
        _sources(team_of, names, rng)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


class Index:
    """Whether the records get their blind-index tokens (``--no-index`` leaves them out:
    a list or a read never consults them, and they are half the generating)."""

    on = True


def _bulk(model, objects, batch=2000):
    """Create records in batches: encrypted by their fields (each batch's data key
    looked up once, as the importer does), indexed in bulk, no history."""
    from django.db import transaction

    from haven.keys.keyring import get_keyring
    from haven.records.blind import index_new

    created = []
    for start in range(0, len(objects), batch):
        with transaction.atomic(), get_keyring().steady():
            made = model.objects.bulk_create(objects[start : start + batch])
            if Index.on and model.blind_indexes:
                index_new(made)
        created += made
        list_scale.progress(f"{model._meta.verbose_name_plural}: {len(created):,}/{len(objects):,}")
    sys.stdout.write("\n")
    return created


def _day(rng) -> date:
    return date(2015, 1, 1) + timedelta(days=rng.randrange(4000))


def _cases(team_of, names, people, user, rng):
    from haven.cases.models import Case, CaseAction, CaseNote, CasePerson, RiskLevel
    from haven.vocab.models import term

    cases = _bulk(
        Case,
        [
            Case(
                team=team,
                code=f"C-{n:07d}",
                title=f"{rng.choice(list_scale.TITLES)} {names[n]}",
                summary=rng.choice(NOTES),
                status=rng.choice(Case.Status.values),
                risk_level=rng.choice(["", *RiskLevel.values]),
                lead=user,
                opened_on=_day(rng),
            )
            for n, team in enumerate(team_of)
        ],
    )
    CasePerson.objects.bulk_create(
        (CasePerson(case=case, person=people[n]) for n, case in enumerate(cases)), batch_size=2000
    )
    kinds = [term("action_type", code) for code in ("evacuation", "shelter", "legal_aid")]
    _bulk(
        CaseNote,
        [
            CaseNote(team=case.team, case=case, text=rng.choice(NOTES), author=user)
            for case in cases
        ],
    )
    _bulk(
        CaseAction,
        [
            CaseAction(
                team=case.team,
                case=case,
                kind=rng.choice(kinds),
                title="Find a safe place to stay",
                details=rng.choice(NOTES),
                owner=user,
                due_on=_day(rng),
            )
            for case in cases
        ],
    )


def _incidents(team_of, names, people, rng):
    from haven.incidents.models import Act, Incident
    from haven.locations.models import Location
    from haven.vocab.models import term

    places = list(Location.objects.all())
    incidents = _bulk(
        Incident,
        [
            Incident(
                team=team,
                code=f"I-{n:07d}",
                title=f"{rng.choice(list_scale.TITLES)} {names[n]}",
                description=rng.choice(NOTES),
                stated_grounds="Membership of an opposition chat",
                start_earliest=(day := _day(rng)),
                start_latest=day,
                start_precision="day",
                location=rng.choice(places),
                violation_status=rng.choice(Incident.ViolationStatus.values),
            )
            for n, team in enumerate(team_of)
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
                consequences="Injuries to the head and hands.",
            )
            for n, incident in enumerate(incidents)
        ],
    )


def _sources(team_of, names, rng):
    from haven.sources.models import Reliability, Source

    _bulk(
        Source,
        [
            Source(
                team=team,
                code=f"S-{n:07d}",
                kind=rng.choice(Source.Kind.values),
                title=f"{rng.choice(list_scale.TITLES)} {names[n]}",
                author="Novaya Gazeta",
                url=f"https://example.org/news/{n}",
                reliability=rng.choice(Reliability.values),
                published_earliest=(day := _day(rng)),
                published_latest=day,
                published_precision="day",
            )
            for n, team in enumerate(team_of)
        ],
    )


# --- over HTTP ------------------------------------------------------------------------


class Server:
    """Haven under gunicorn, with the floor beside it (bench/_api_floor.py)."""

    def __init__(self):
        self.port = free_port()
        env = {**os.environ, "HAVEN_API_RATE": "1000000/minute"}  # one client, at full speed
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "_api_floor:application",
                "--pythonpath",
                str(Path(__file__).parent),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(WORKERS),
                "--threads",
                str(THREADS),
                "--timeout",
                "300",
            ],
            env=env,
            cwd=_instance.ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def stop(self):
        self.process.terminate()
        self.process.wait()


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Answer:
    def __init__(self, status, body, wall, cpu, queries):
        self.status, self.body, self.wall, self.cpu, self.queries = status, body, wall, cpu, queries

    def json(self):
        return json.loads(self.body)


class Client:
    """One request at a time, each on a new connection, as a script without a session
    object sends them; the time is from connecting to the last byte of the body."""

    def __init__(self, port: int, secret: str):
        self.port, self.secret = port, secret

    def send(self, method, url, body=None, *, floor=False) -> Answer:
        headers = {"Authorization": f"Bearer {self.secret}", "Accept": "application/json"}
        if floor:
            headers["X-Bench-Floor"] = "1"
        if body is not None:
            headers["Content-Type"] = "application/json"
            body = json.dumps(body).encode()
        start = time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
        connection.request(method, url, body=body, headers=headers)
        response = connection.getresponse()
        content = response.read()
        wall = time.perf_counter() - start
        connection.close()
        answer = Answer(
            response.status,
            content,
            wall,
            float(response.getheader("X-Bench-CPU", "nan")),
            int(response.getheader("X-Bench-Queries", "-1")),
        )
        if answer.status not in (200, 201):
            raise RuntimeError(f"{method} {url}: {answer.status} {content[:300]!r}")
        return answer

    def wait_until_up(self, path: str) -> None:
        for _ in range(300):
            try:
                self.send("GET", path)
                return
            except (OSError, http.client.HTTPException):
                time.sleep(0.2)
        raise RuntimeError("the server did not start")


def quantiles(times: list[float]) -> tuple[float, float]:
    """p50 and p95, in ms."""
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p95 * 1000


def measure(client, label, urls, repeat):
    """Time ``urls`` (cycled) through the API and through the floor, in turns; print
    the row and return the p50 and p95 ratios."""
    for url in urls:  # warm both: the data keys, and the floor's plain copies
        client.send("GET", url)
        client.send("GET", url, floor=True)
    api, floor = [], []
    for n in range(repeat):
        url = urls[n % len(urls)]
        if n % 2:  # which goes first alternates too
            floor.append(client.send("GET", url, floor=True))
            api.append(client.send("GET", url))
        else:
            api.append(client.send("GET", url))
            floor.append(client.send("GET", url, floor=True))
    for mine, its in zip(api, floor, strict=True):
        assert mine.body.count(b'"id"') == its.body.count(b'"id"'), f"{label}: rows differ"
    (p50, p95), (f50, f95) = quantiles([a.wall for a in api]), quantiles([a.wall for a in floor])
    c50, fc50 = statistics.median(a.cpu for a in api), statistics.median(a.cpu for a in floor)
    print(
        f"{label:<30}{p50:>8.1f}{p95:>8.1f}{f50:>8.1f}{f95:>8.1f}"
        f"{p50 / f50:>7.2f}x{p95 / f95:>6.2f}x"
        f"{c50 * 1000:>8.1f}{fc50 * 1000:>7.1f}{c50 / fc50:>6.2f}x"
        f"{api[-1].queries:>5}/{floor[-1].queries}"
    )
    return p50 / f50, p95 / f95, c50 / fc50


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000, help="records of each kind")
    parser.add_argument("--teams", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=41, help="timings per request")
    parser.add_argument("--kinds", default=",".join(KINDS), help="comma-separated")
    parser.add_argument(
        "--no-index",
        action="store_true",
        help="generate without blind-index tokens (lists and reads never consult them)",
    )
    parser.add_argument(
        "--instance",
        type=Path,
        help="measure the instance an earlier run left in this folder instead of generating",
    )
    args = parser.parse_args()
    kinds = [kind for kind in args.kinds.split(",") if kind in KINDS]
    if args.instance:
        os.environ["HAVEN_VAR_DIR"] = str(args.instance)
        if (args.instance / "bench.sqlite3").exists():
            os.environ.setdefault(
                "HAVEN_DATABASE_URL", f"sqlite:///{args.instance / 'bench.sqlite3'}"
            )
    workdir = _instance.start(args.instance)
    from django.db import connection

    from haven.accounts.actions import create_token, token_scopes
    from haven.accounts.models import User

    Index.on = not args.no_index
    started = time.perf_counter()
    if not args.instance:
        generate(args.records, args.teams, random.Random(13), set(kinds))
    generated = time.perf_counter() - started
    user = User.objects.get(email="bench@example.org")
    _token, secret = create_token(user, name="bench", scopes=token_scopes(), days=7)
    counts = {kind: _count(kind) for kind in kinds}
    empty = [kind for kind in kinds if not counts[kind]]
    if empty:
        print(f"(no {', '.join(empty)} in this instance: not measured)")
        kinds = [kind for kind in kinds if counts[kind]]
    vendor = connection.vendor
    cached = _conditions.database_cache(connection)
    connection.close()

    server = Server()
    try:
        client = Client(server.port, secret)
        client.wait_until_up(KINDS[kinds[0]][0])
        conditions = _conditions.start()
        print(
            f"API at scale on {vendor}: "
            + ", ".join(f"{counts[kind]:,} {kind}" for kind in kinds)
            + f" in {args.teams} team(s), all visible to the token's user; pages of {PER_PAGE}; "
            f"{args.repeat} timings each, over HTTP"
            + (f" (generated in {generated:.0f} s)" if not args.instance else "")
            + (" without blind-index tokens" if args.no_index else "")
        )
        print(
            f"{'ms':<30}{'p50':>8}{'p95':>8}{'floor':>8}{'p95':>8}{'ratio':>8}{'p95':>7}"
            f"{'CPU':>8}{'floor':>7}{'ratio':>7}  SQL"
        )
        worst = [0.0, 0.0, 0.0]
        for kind in kinds:
            path, filtered, body = KINDS[kind]
            first = client.send("GET", path).json()
            ids = [row["id"] for row in first["results"]]
            requests = [
                ("list: first page", [path]),
                ("list: next page", [first["next"]]),
                (f"list: ?{filtered}", [f"{path}?{filtered}"]),
                ("read: one record", [f"{path}{one}/" for one in ids]),
            ]
            for label, urls in requests:
                urls = [_path_of(url) for url in urls]
                ratios = measure(client, f"{kind} {label}", urls, args.repeat)
                worst = [max(w, r) for w, r in zip(worst, ratios, strict=True)]
            made = [client.send("POST", path, body(n)) for n in range(args.repeat)]
            p50, p95 = quantiles([answer.wall for answer in made])
            cpu = statistics.median(answer.cpu for answer in made) * 1000
            print(f"{kind + ' create':<30}{p50:>8.1f}{p95:>8.1f}{'':>38}{cpu:>8.1f}")
        conditions.report(
            database=vendor,
            cache=", ".join(
                filter(
                    None,
                    [_conditions.REOPENED if args.instance else _conditions.GENERATED, cached],
                )
            ),
            notes=f"over HTTP to gunicorn ({WORKERS} worker x {THREADS} threads), one request "
            "at a time, a new connection each; floor: the same requests to the same server "
            "with plain values and no audit entry; CPU: the server thread's"
            + (" (the database's process not counted)" if vendor == "postgresql" else ""),
        )
    finally:
        server.stop()
    verdict = "within" if worst[0] <= TARGET else "beyond"
    print(
        f"worst ratio to the floor: p50 {worst[0]:.2f}x, p95 {worst[1]:.2f}x, "
        f"server CPU {worst[2]:.2f}x; p50 {verdict} the {TARGET}x target"
    )
    print(f"(instance left in {workdir}; measure it again with --instance {workdir})")
    sys.stdout.flush()


def _count(kind: str) -> int:
    from haven.cases.models import Case
    from haven.incidents.models import Incident
    from haven.people.models import Person
    from haven.sources.models import Source

    model = {"people": Person, "cases": Case, "incidents": Incident, "sources": Source}[kind]
    return model.objects.live().count()


def _path_of(url: str) -> str:
    """The path and query of a link the API wrote (its ``next``), or a path as it is."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


if __name__ == "__main__":
    main()
