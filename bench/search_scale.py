#!/usr/bin/env python3
"""Search at scale: p50/p95 of a cross-script search over HTTP, beside its floor.

Generates realistic fictional data — Russian, Chechen and English names, written in
Cyrillic with Latin transliterations, people and incidents spread over 20 teams —
stores it as Haven does (encrypted fields, blind-index tokens), starts Haven with
gunicorn, signs a member of one team in, and times searches for names typed in the
other script with one typo (a typo may also swallow the space between two names).
Each query is timed in three layers, one after the other: over HTTP (what a user waits
for: session, audit entry, facets, the narratives section and the rendered page
included), in process (the engine, the facet counts and the narratives' lookup called
directly, as the view calls them, in wall-clock and CPU time) and the floor, the same
index lookup in raw SQL. The first search each server worker answers (it loads the
keyring and the data keys) is reported apart from the others. Each search over HTTP is
also timed in the server's CPU time (its worker threads' run time, read from Linux's
schedstat before and after the request): what it would take on an idle machine, where
the wall clock also counts the waits for cores that other processes hold and for pages
read from the disk. On PostgreSQL the database server's CPU time during each request
(its processes' run time, read the same way) is added in a line of its own: the
server's threads wait for it, and it is not in theirs.

The order matters on data that is not in memory: the search over HTTP is the first to
read a query's pages from the disk, and the two layers after it find them in memory (a
re-opened instance at full scale: HTTP p95 64–113 ms, in process 32 ms). ``--warm``
reads the index and the tables a search reads into memory first, as on a server whose
searches have touched them; the conditions line says which was measured, and whether
the kernel pages out idle memory (then a run a minute ago warms nothing). Then it
times duplicate detection over all the people. The name pool is small
(40 first names, 38 surnames, 12 + 12 English), so every name is shared by many people:
the hard case for both.

Every incident has a narrative, as the issue's scale asks ("with narratives indexed"):
its victim's name, then one to three sentences of ``text_search.description`` (Russian
and English, the words of detentions, threats and flights), encrypted and word-indexed
as Haven stores them, so that the word index is as large as the names' and each search's
narratives section looks it up. ``--no-narratives`` generates titles only, as instances
made before this did; a re-opened instance says which it holds.

    .venv/bin/python bench/search_scale.py [--people N] [--incidents N] [--queries N]
    .venv/bin/python bench/search_scale.py --instance DIR   # measure DIR's data again

The full scale is --people 300000 --incidents 1000000 (with narratives about 33 minutes
to generate on two cores, 115 million index rows, 9.6 GB in SQLite; titles only, 16
minutes, 46 million, 3.7 GB); the defaults are a tenth of that.
On PostgreSQL, through scripts/with-postgres (see the README).
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections import defaultdict
from pathlib import Path

import _conditions
import _instance
import _stages
from _scale_data import generate, typo

WORKERS, THREADS = 2, 2


def pct(values, p):
    return sorted(values)[min(len(values) - 1, int(p * len(values)))] * 1000


def row(label, values):
    print(f"{label:<44}{pct(values, 0.5):>8.1f}{pct(values, 0.95):>8.1f}")


def counting_ranked():
    """Count the records the engine decrypts and ranks in this process, by wrapping its
    scoring function (called once per candidate record, a call more costs nanoseconds)."""
    from haven.search import engine

    class Ranked:
        count = 0

    score_parsed = engine.score_parsed

    def counted(*args, **kwargs):
        Ranked.count += 1
        return score_parsed(*args, **kwargs)

    engine.score_parsed = counted
    return Ranked


def server_cpu(pid):
    """CPU seconds used so far by the server's worker processes (Linux; None elsewhere):
    unlike the wall-clock time of a request, it hardly grows when other processes compete
    for the cores."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        total = 0
        for child in children:
            fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    except (OSError, IndexError, ValueError):
        return None
    return total / os.sysconf("SC_CLK_TCK")


def server_run_time(pid):
    """Seconds the server's worker threads have run on a CPU so far, to the nanosecond
    (Linux's schedstat; None elsewhere). Read before and after each request (they are sent
    one at a time), it gives that request's CPU time: what it would take on an idle
    machine, unlike its wall clock when other processes compete for the cores."""
    try:
        total = 0
        for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
            for task in Path(f"/proc/{child}/task").iterdir():
                total += int((task / "schedstat").read_text().split()[0])
    except (OSError, IndexError, ValueError):
        return None
    return total / 1e9


def postmaster_of(connection):
    """The PostgreSQL server's main process, found from this process's own backend (None
    on SQLite, whose work is done in the server's threads and counted there)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (backend,) = cursor.fetchone()
    try:
        return Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()[1]
    except (OSError, IndexError):
        return None


def database_run_time(postmaster):
    """Seconds the database server's processes (the postmaster and its children, the
    backends of the server's workers among them) have run on a CPU so far, as
    ``server_run_time`` reads them; None when they cannot be read."""
    if postmaster is None:
        return None
    try:
        children = Path(f"/proc/{postmaster}/task/{postmaster}/children").read_text().split()
    except OSError:
        return None
    total = 0
    for pid in [postmaster, *children]:
        try:
            total += int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])
        except (OSError, IndexError, ValueError):
            continue  # a backend that ended
    return total / 1e9


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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


def floor(engine, query_text, teams):
    """The engine's index lookups alone: the statements it sends for every kind, timed."""
    from haven.search import lookup
    from haven.search.query import read

    query = read(query_text)
    wanted = {
        kind.code: (lookup._word_tokens(kind, query.words, {}), set())
        for kind in engine.KINDS
        if kind.fields
    }
    start = time.perf_counter()
    if query.words:
        lookup.kind_levels_of(wanted, teams, lookup.word_weights(query.words))
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=30_000)
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--teams", type=int, default=20)
    parser.add_argument(
        "--instance",
        type=Path,
        help="measure the instance an earlier run left in this folder instead of generating",
    )
    parser.add_argument("--no-duplicates", action="store_true", help="skip duplicate detection")
    parser.add_argument(
        "--no-narratives", action="store_true", help="generate incidents without narratives"
    )
    parser.add_argument(
        "--warm",
        action="store_true",
        help="read what searches look up into memory before measuring (the index, the people "
        "and incidents), as on a server whose searches have touched it; without it a "
        "re-opened instance is measured as it is",
    )
    parser.add_argument(
        "--stages",
        action="store_true",
        help="also print where the in-process searches spend their time, stage by stage "
        "(the index lookup, the facets, the page, the narratives), with their SQL's share",
    )
    args = parser.parse_args()
    if args.instance:
        os.environ["HAVEN_VAR_DIR"] = str(args.instance)
        if (args.instance / "bench.sqlite3").exists():
            os.environ.setdefault(
                "HAVEN_DATABASE_URL", f"sqlite:///{args.instance / 'bench.sqlite3'}"
            )
    workdir = _instance.start(args.instance)
    from django.db import connection
    from django.urls import get_resolver

    from haven.accounts.models import Team, User
    from haven.incidents.models import Incident
    from haven.people.models import Person
    from haven.records.models import BlindTerm, Visibility
    from haven.search import engine
    from haven.search.engine import PAGE, facet_counts, search
    from haven.search.words import search_texts

    rng = random.Random(7)
    started = time.perf_counter()
    if not args.instance:
        generate(args, rng)
        sys.stdout.write("\n")
    generated = time.perf_counter() - started
    user = User.objects.get(email="bench@example.org")
    teams = list(Team.objects.order_by("name"))
    people_count, incident_count = Person.objects.count(), Incident.objects.count()
    narrated = Incident.objects.exclude(description=None).count()
    terms = BlindTerm.objects.count()
    mine = list(Person.objects.filter(team=teams[0]).order_by("pk"))
    # Namesakes (the same name forms) are what a name query cannot tell apart.
    namesakes = defaultdict(set)
    for person in mine:
        namesakes[(person.name, *person.other_names)].add(person.code)
    queries = []
    for _ in range(args.queries):
        person = rng.choice(mine)
        form = person.other_names[0] if person.other_names else person.name
        queries.append(
            (typo(rng, form), person.code, namesakes[(person.name, *person.other_names)])
        )
    session_key = signed_in_session(user)
    connection.close()

    port = free_port()
    # The access log names the worker that answered each request (requests are sent one at
    # a time, so its lines come in their order): the first search of each worker is cold.
    access_log = Path(tempfile.mkstemp(prefix="haven-bench-access-", suffix=".log")[1])
    conditions = _conditions.start()  # before the server starts: its start-up is no load
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "haven.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(WORKERS),
            "--threads",
            str(THREADS),
            "--access-logfile",
            str(access_log),
            "--access-logformat",
            "%(p)s %(m)s",
        ],
        env=os.environ.copy(),
        cwd=_instance.ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    cached = _conditions.database_cache(connection)
    warmed = ""
    if args.warm:
        # The lookup reads the index alone (a covering index); the hits' rows and facet
        # columns come from the people and incidents tables and their indexes.
        warmed = _conditions.read_into_memory(
            connection,
            [
                "blind_lookup",
                Person._meta.db_table,
                f"{Person._meta.db_table}_pkey",
                "person_facet_columns",
                Incident._meta.db_table,
                f"{Incident._meta.db_table}_pkey",
                "incident_facet_columns",
            ],
        )
        connection.close()
    # Loaded before measuring, as the server loads them at start (haven/wsgi.py): otherwise
    # the first search in process that links to a record imports every view (half a
    # second), and counts it as that query's time.
    get_resolver().url_patterns  # noqa: B018
    ranked = counting_ranked()
    try:
        base = f"http://127.0.0.1:{port}"
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(jar), urllib.request.ProxyHandler({})
        )
        cookie = http.cookiejar.Cookie(
            0,
            "haven-session",
            session_key,
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
        mine_teams = [teams[0].pk]
        server_cpu_before = server_cpu(server.pid)
        timings, in_process, in_process_cpu, floors, server_times = [], [], [], [], []
        database_times, postmaster = [], postmaster_of(connection)
        scored, totals, found, found_namesake = [], [], 0, 0
        stages = _stages.Stages(connection, on=args.stages)
        for query, code, same in queries:
            body = urllib.parse.urlencode({"q": query, "csrfmiddlewaretoken": token}).encode()
            request = urllib.request.Request(
                f"{base}/search/", data=body, headers={"Referer": f"{base}/search/"}
            )
            run_before = server_run_time(server.pid)
            database_before = database_run_time(postmaster)
            start = time.perf_counter()
            html = opener.open(request, timeout=30).read().decode()
            timings.append(time.perf_counter() - start)
            run_after = server_run_time(server.pid)
            if run_before is not None and run_after is not None:
                server_times.append(run_after - run_before)
            database_after = database_run_time(postmaster)
            if database_before is not None and database_after is not None:
                database_times.append(run_after - run_before + database_after - database_before)
            found += code in html
            found_namesake += any(other in html for other in same)

            before = ranked.count
            start, start_cpu = time.perf_counter(), time.process_time()
            with stages.installed(), stages.query():
                visible = Visibility(user)
                results = search(query, user, visible=visible)
                facet_counts(results)
                if not results.query.code:
                    with stages.stage("narratives (words in texts)"):
                        search_texts(query, user, visible)
            in_process_cpu.append(time.process_time() - start_cpu)
            in_process.append(time.perf_counter() - start)
            scored.append(ranked.count - before)
            totals.append(results.total)

            floors.append(floor(engine, query, mine_teams))
        server_cpu_after = server_cpu(server.pid)
    finally:
        server.terminate()
        server.wait()
    workers = [line.split()[0] for line in access_log.read_text().splitlines()]
    methods = [line.split()[1] for line in access_log.read_text().splitlines()]
    access_log.unlink()
    searches = [pid for pid, method in zip(workers, methods, strict=True) if method == "POST"]
    first = {searches.index(pid) for pid in set(searches)} if len(searches) == len(timings) else {0}
    warm = [t for n, t in enumerate(timings) if n not in first]
    cold = [timings[n] for n in sorted(first)]

    print(
        f"Haven search at scale on {connection.vendor}: {people_count:,} people, "
        f"{incident_count:,} incidents ({narrated:,} with a narrative) in {len(teams)} teams, "
        f"{terms:,} index tokens"
        + (f" (generated in {generated:.0f} s)" if not args.instance else "")
    )
    print(f"{'':<44}{'p50 ms':>8}{'p95 ms':>8}")
    row(f"search over HTTP ({len(warm)} queries)", warm)
    print(
        f"  first search of each of the {len(cold)} workers (cold, left out above): "
        + ", ".join(f"{t * 1000:.0f}" for t in cold)
        + " ms"
    )
    if server_cpu_before is not None and server_cpu_after is not None:
        print(
            f"  server CPU per search, all {len(timings)} (both workers, mean): "
            f"{(server_cpu_after - server_cpu_before) / len(timings) * 1000:.0f} ms"
        )
    warm_cpu = [t for n, t in enumerate(server_times) if n not in first]
    if len(server_times) == len(timings) and warm_cpu:
        row("  the same, server CPU time of each search", warm_cpu)
    warm_database = [t for n, t in enumerate(database_times) if n not in first]
    if len(database_times) == len(timings) and warm_database:
        row("  the same, with the database server's CPU", warm_database)
    row(f"search in process, with texts ({len(in_process) - 1})", in_process[1:])
    row("  the same, CPU time of this process", in_process_cpu[1:])
    print(f"  first search in process (cold, left out above): {in_process[0] * 1000:.0f} ms")
    stages.report()
    row("floor: the index lookup in SQL", floors)
    print(
        f"records decrypted and ranked per query: mean {statistics.mean(scored):.0f}, "
        f"max {max(scored)} (one page of {PAGE}); hits counted per query (every visible hit, "
        f"in the facets): median {sorted(totals)[len(totals) // 2]}, max {max(totals)}"
    )
    print(
        f"found the intended person in {found}/{len(queries)} queries, the person or a namesake"
        f" (same name forms) in {found_namesake}/{len(queries)} (other script, one typo)"
    )
    conditions.report(
        database=connection.vendor,
        cache=", ".join(
            filter(
                None,
                [
                    _conditions.REOPENED if args.instance else _conditions.GENERATED,
                    cached,
                    warmed,
                    _conditions.memory_reclaimer(),
                ],
            )
        ),
        notes=f"gunicorn {WORKERS} workers x {THREADS} threads, one request at a time",
    )
    if not args.no_duplicates:
        from haven.people.duplicates import find

        start = time.perf_counter()
        pairs = sum(len(find(Person.objects.filter(team=team))) for team in teams)
        duplicates_time = time.perf_counter() - start
        print(
            f"duplicate detection over {people_count:,} people: {duplicates_time:.1f} s, "
            f"{pairs} candidate pairs"
        )
    print("targets: search p95 <= 50 ms; duplicates over 300,000 people <= 30 s")
    print(f"(instance left in {workdir}; measure it again with --instance {workdir})")


if __name__ == "__main__":
    main()
