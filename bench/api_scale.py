#!/usr/bin/env python3
"""The API at scale: list, read and create through /api/v1/ beside their floor.

Generates N fictional records of each kind measured (as bench/list_scale.py does:
stored as Haven stores them, encrypted fields and blind-index tokens, in teams the
bench user belongs to, so every row is visible: the worst case). Then, in process
(Django's test client through the whole middleware stack: token authentication, the
rate limit, the audit channel, problem details), it times with a personal access token:

- **list**: the first cursor page of 50, and a page further on (``?cursor=``);
- **read**: one record by its id, with its parts;
- **create**: a new record through the app's action (a person, a case), with its
  version, blind-index tokens and audit entry.

The floor of a list or a read is the same request, the same view and queries, with the
encrypted values read as if stored in clear and no audit entry (``list_scale.Plain``):
what the API costs beyond it is keeping the records safe. A create has no such floor
(its work is the encryption, the index and the history); its times are printed alone.
Target (issue 13): list and read p50 within 1.2 x the floor at 100,000 records.

    .venv/bin/python bench/api_scale.py [--records N] [--repeat N] [--kinds people,cases]

The default (1,000 records) checks that it works; records are generated at about
1,000 to 3,000 a minute on two busy cores.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time

import _conditions
import _instance
import list_scale

TARGET = 1.2
KINDS = {  # kind -> (API path, a body that creates one)
    "people": ("/api/v1/people/", lambda n: {"name": f"Анна Бенчева {n}"}),
    "cases": ("/api/v1/cases/", lambda n: {"title": f"Bench case {n}"}),
    "incidents": (
        "/api/v1/incidents/",
        lambda n: {"title": f"Bench incident {n}", "start": "summer 2021"},
    ),
    "sources": ("/api/v1/sources/", lambda n: {"kind": "testimony", "title": f"Bench {n}"}),
}


def quantiles(times: list[float]) -> tuple[float, float]:
    """p50 and p95, in ms."""
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p95 * 1000


class Floor:
    """While entered, encrypted values are read as if plain and nothing is audited."""

    def __enter__(self):
        import haven.api.views.base as base
        import haven.records.access as access

        self.saved = [(module, module.record) for module in (base, access)]
        for module, _record in self.saved:
            module.record = lambda *args, **kwargs: None
        list_scale.Plain.on = True

    def __exit__(self, *exc):
        list_scale.Plain.on = False
        for module, original in self.saved:
            module.record = original


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000, help="records of each kind")
    parser.add_argument("--teams", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=41, help="timings per request")
    parser.add_argument(
        "--kinds", default="people,cases", help="comma-separated: " + ",".join(KINDS)
    )
    args = parser.parse_args()
    kinds = [kind for kind in args.kinds.split(",") if kind in KINDS]
    _instance.start()
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from haven.accounts.actions import create_token, token_scopes
    from haven.accounts.models import User

    settings.HAVEN_API_RATE = "1000000/minute"  # one client, as fast as it can
    started = time.perf_counter()
    list_scale.generate(args.records, args.teams, random.Random(13), set(kinds))
    generated = time.perf_counter() - started
    user = User.objects.get(email="bench@example.org")
    _token, secret = create_token(user, name="bench", scopes=token_scopes(), days=7)
    list_scale.install_plain_reads()
    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {secret}")
    conditions = _conditions.start()

    cpu_times: list[float] = []

    def timed(method, url, body=None) -> float:
        """The wall-clock time of one request; its CPU time goes to ``cpu_times`` (in
        process, with SQLite, that is the database's work too, and it hardly grows when
        other processes compete for the cores: on a busy machine compare that)."""
        start, start_cpu = time.perf_counter(), time.process_time()
        if method == "get":
            response = client.get(url)
        else:
            response = client.post(url, json.dumps(body), content_type="application/json")
        elapsed = time.perf_counter() - start
        cpu_times.append(time.process_time() - start_cpu)
        assert response.status_code in (200, 201), (url, response.status_code, response.content)
        return elapsed

    print(
        f"API at scale on {connection.vendor}: {args.records:,} records of each kind in "
        f"{args.teams} team(s), all visible to the token's user; pages of 50; "
        f"{args.repeat} timings each (generated in {generated:.0f} s)"
    )
    print(
        f"{'':<34}{'p50 ms':>8}{'p95':>8}{'floor p50':>11}{'p95':>8}{'ratio p50':>11}"
        f"{'CPU ms':>8}{'floor':>7}{'ratio':>7}"
    )
    worst = 0.0
    for kind in kinds:
        path, body = KINDS[kind]
        first = client.get(path).json()
        one = first["results"][0]["id"]
        requests = [
            ("list: first page", path),
            ("list: next page", first["next"]),
            ("read: one record", f"{path}{one}/"),
        ]
        for label, url in requests:
            pages, floors, page_cpu, floor_cpu = [], [], [], []
            for _ in range(args.repeat):  # in turns: a change of load weighs on both
                pages.append(timed("get", url))
                page_cpu.append(cpu_times[-1])
                with Floor():
                    floors.append(timed("get", url))
                floor_cpu.append(cpu_times[-1])
            (p50, p95), (f50, f95) = quantiles(pages), quantiles(floors)
            c50, fc50 = quantiles(page_cpu)[0], quantiles(floor_cpu)[0]
            ratio = p50 / f50
            worst = max(worst, ratio)
            figures = f"{p50:>8.1f}{p95:>8.1f}{f50:>11.1f}{f95:>8.1f}{ratio:>10.2f}x"
            figures += f"{c50:>8.1f}{fc50:>7.1f}{c50 / fc50:>6.2f}x"
            print(f"{kind + ' ' + label:<34}{figures}")
        made = [timed("post", path, body(n)) for n in range(args.repeat)]
        p50, p95 = quantiles(made)
        print(f"{kind + ' create':<34}{p50:>8.1f}{p95:>8.1f}{'—':>11}{'—':>8}{'':>11}")
    verdict = "within" if worst <= TARGET else "beyond"
    print(f"worst list/read p50 ratio {worst:.2f}x: {verdict} the {TARGET}x target at this size")
    conditions.report(
        database=connection.vendor,
        cache=_conditions.GENERATED,
        notes="in process through the whole middleware stack (no socket); "
        "floor: plain values, no audit entry",
    )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
