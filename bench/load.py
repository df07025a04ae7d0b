#!/usr/bin/env python3
"""Load: 50 signed-in users browsing, searching and writing at once, for 10 minutes.

Starts a throwaway Haven instance served as ``haven serve`` serves it (gunicorn with
haven/gunicorn_conf.py: 2 workers x 4 threads, the audit checkpoints and the job worker
beside it), seeds some thousands of fictional people, cases and incidents (Cyrillic
names with Latin transliterations), creates the users, each with a password and a TOTP
authenticator, on one team, and runs locust headless against 127.0.0.1 (the users in
bench/_locustfile.py). Each user signs in through the real forms (password, then the
code its authenticator shows), then browses lists and records, searches (names typed in
the other script, some with a typo), opens case pages and writes (a new person, a note
on a case, a new incident) through the real forms, with their CSRF and once-tokens.

Afterwards it checks, and exits 1 unless all hold:
  - no errors: every answer 2xx or 3xx where a page was expected (a form that comes back
    400, a 500, a timeout or a refused connection all count), no 500 in the access log;
  - no lost writes: every write the client saw acknowledged (a redirect to the new
    record or back to its case) is in the database afterwards, with what was typed,
    counted per user;
  - ``haven audit verify`` passes, checkpoints included.
It prints p50/p95/p99 per kind of request and overall, requests per second, the floor
(a static file and a signed-in redirect, the least a request costs on the same server
under the same load) and the conditions.

    .venv/bin/python bench/load.py [--minutes 10] [--users 50]
    scripts/with-postgres .venv/bin/python bench/load.py          # on PostgreSQL

locust is not one of Haven's runtime dependencies: the bench runs the one named by
``--locust PATH`` or HAVEN_LOCUST, else the one beside this Python, else the one on PATH;
without the bench's dependencies, install it apart, e.g.
``python3 -m venv /tmp/locust-venv && /tmp/locust-venv/bin/pip install locust``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections import defaultdict
from pathlib import Path

import _conditions
import _instance
import _members
from _load_data import audit_verify, lost_writes, seed, server_errors, unacknowledged_saves

HERE = Path(__file__).resolve().parent
LOCUSTFILE = HERE / "_locustfile.py"
WORKERS = int(os.environ.get("HAVEN_WORKERS", "2"))


def find_locust(given: str | None) -> str:
    beside = Path(sys.executable).parent / "locust"  # installed with the bench's dependencies
    for candidate in (given, os.environ.get("HAVEN_LOCUST"), beside, shutil.which("locust")):
        if candidate and Path(candidate).exists():
            return candidate
    sys.exit(
        "locust not found: install it apart from Haven's environment, e.g.\n"
        "  python3 -m venv /tmp/locust-venv && /tmp/locust-venv/bin/pip install locust\n"
        "and run again with --locust /tmp/locust-venv/bin/locust (or HAVEN_LOCUST=...)."
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- the server -----------------------------------------------------------------------


def serve(port: int, access_log: Path, error_log: Path) -> subprocess.Popen:
    """gunicorn as ``haven serve`` starts it (haven/management/commands/serve.py)."""
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "haven.wsgi:application",
        "--config",
        "python:haven.gunicorn_conf",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(WORKERS),
        "--threads",
        "4",
        "--timeout",
        "90",
        "--access-logfile",
        str(access_log),
        "--access-logformat",
        '%(s)s %(m)s "%(U)s" %(L)s',
        "--error-logfile",
        str(error_log),
    ]
    server = subprocess.Popen(  # noqa: S603 (fixed command)
        command, cwd=_instance.ROOT, env=os.environ.copy(), stdin=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(f"{base}/accounts/login/", timeout=5).read()  # noqa: S310
            return server
        except OSError:
            if server.poll() is not None:
                sys.exit(f"the server stopped at start; see {error_log}")
            time.sleep(0.2)
    server.terminate()
    sys.exit(f"the server did not answer in 60 s; see {error_log}")


def server_cpu(pid: int) -> float | None:
    """CPU seconds used so far by the server's processes (its workers and the job
    worker; Linux only, else None): unlike wall-clock times, it hardly grows when other
    processes compete for the cores."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        total = 0
        for child in [str(pid), *children]:
            fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    except (OSError, IndexError, ValueError):
        return None
    return total / os.sysconf("SC_CLK_TCK")


def stop(server: subprocess.Popen) -> None:
    """SIGTERM, as a service manager stops it: the master writes its last checkpoint."""
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(60)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


# --- the report -----------------------------------------------------------------------


def pct(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


FLOORS = _members.FLOORS


def report(samples: list[dict], seconds: float, alone: list[dict]) -> None:
    """Per kind of request, its times under load, and the median of the same kind sent
    by one user alone before the load (the floor of each: the page's own cost)."""
    kinds, floors = defaultdict(list), defaultdict(list)
    for sample in samples:
        kinds[sample["name"]].append(sample["ms"])
    for sample in alone:
        floors[sample["name"]].append(sample["ms"])
    ok = [s["ms"] for s in samples if s["name"] not in FLOORS]
    print(
        f"{'request kind (times in ms)':<42}{'count':>6}{'p50':>7}{'p95':>7}{'p99':>7}{'max':>7}"
        f"{'alone p50':>11}"
    )

    def line(label, values, floor=()):
        print(
            f"{label[:41]:<42}{len(values):>6}{pct(values, 0.5):>7.0f}{pct(values, 0.95):>7.0f}"
            f"{pct(values, 0.99):>7.0f}{max(values):>7.0f}"
            + (f"{pct(floor, 0.5):>11.0f}" if floor else f"{'-':>11}")
        )

    for name in sorted(kinds, key=lambda n: (n in FLOORS, n)):
        if name in FLOORS:
            continue
        line(name, kinds[name], floors.get(name, ()))
    if ok:
        line("all pages and writes", ok, [s["ms"] for s in alone if s["name"] not in FLOORS])
    for name in FLOORS:
        if name in kinds:
            line(name, kinds[name], floors.get(name, ()))
    print(
        f"throughput: {len(samples) / seconds:.1f} requests/s over {seconds:.0f} s "
        f"({len(ok) / seconds:.1f}/s without the floor requests)"
    )


def client_cpu_now(threads: bool) -> float:
    """CPU seconds of the client: this process's (threads) or its reaped children's (locust)."""
    times = os.times()
    return times.user + times.system if threads else times.children_user + times.children_system


def run_locust(locust, port, args, seconds, env):
    return subprocess.run(  # noqa: S603 (the locust program the user named)
        [
            locust,
            "-f",
            str(LOCUSTFILE),
            "--headless",
            "--host",
            f"http://127.0.0.1:{port}",
            "--users",
            str(args.users),
            "--spawn-rate",
            str(args.spawn_rate),
            "--run-time",
            f"{int(seconds)}s",
            "--stop-timeout",
            "60",
            "--only-summary",
            "--loglevel",
            "WARNING",
        ],
        env=env,
        cwd=HERE,
        capture_output=True,
        text=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=float, default=5, help="users started per second")
    parser.add_argument("--people", type=int, default=6000)
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--incidents", type=int, default=4000)
    parser.add_argument("--teams", type=int, default=2, help="the users are on the first")
    parser.add_argument("--locust", help="the locust program (default: HAVEN_LOCUST, PATH)")
    parser.add_argument(
        "--threads",
        action="store_true",
        help="drive the users from threads in this process instead of locust (a small "
        "run: the test suite's; a thread per user does not scale as locust does)",
    )
    parser.add_argument(
        "--min-writes",
        type=int,
        default=0,
        help="with --threads: each user goes on until it has written this often",
    )
    parser.add_argument(
        "--think",
        default="3,10",
        help="seconds each user waits between two actions, at random between MIN,MAX "
        "(default 3,10: a person reading the page; 0,0 is a stress test)",
    )
    parser.add_argument(
        "--alone",
        type=float,
        default=60,
        help="seconds one user works alone before the load, for each request's floor",
    )
    parser.add_argument("--keep", action="store_true", help="keep the instance's folder")
    parser.add_argument(
        "--instance",
        type=Path,
        help="run again on the instance an earlier --keep run left in this folder",
    )
    args = parser.parse_args()
    locust = None if args.threads else find_locust(args.locust)

    # Checkpoints every minute, so that some are signed while the users write.
    os.environ.setdefault("HAVEN_AUDIT_CHECKPOINT_MINUTES", "1")
    if args.instance:
        os.environ["HAVEN_VAR_DIR"] = str(args.instance)
        if (args.instance / "bench.sqlite3").exists():
            os.environ.setdefault(
                "HAVEN_DATABASE_URL", f"sqlite:///{args.instance / 'bench.sqlite3'}"
            )
    workdir = _instance.start(args.instance)
    from django.db import connection

    users_file = workdir / "load-users.json"
    if args.instance:
        given = json.loads(users_file.read_text())
        args.users = min(args.users, len(given["users"]))
    else:
        started = time.perf_counter()
        given = seed(args, random.Random(15))
        print(
            f"seeded {args.people:,} people, {args.cases:,} cases, {args.incidents:,} incidents "
            f"in {args.teams} teams and {args.users} users in "
            f"{time.perf_counter() - started:.0f} s"
        )
    run_marker = f"load-{int(time.time())}"
    given["marker"] = run_marker
    database = connection.vendor
    cache = _conditions.database_cache(connection)
    connection.close()

    users_file.write_text(json.dumps(given))
    samples_file, writes_file = workdir / "load-samples.json", workdir / "load-writes.json"
    access_log, error_log = workdir / "access.log", workdir / "server.log"
    for stale in (samples_file, writes_file, access_log):
        stale.unlink(missing_ok=True)
    port = free_port()
    conditions = _conditions.start()  # before the server starts: its start-up is no load
    server = serve(port, access_log, error_log)
    seconds = args.minutes * 60
    env = {
        **os.environ,
        "HAVEN_LOAD_GIVEN": str(users_file),
        "HAVEN_LOAD_SAMPLES": str(samples_file),
        "HAVEN_LOAD_WRITES": str(writes_file),
        "HAVEN_LOAD_WAIT": args.think,
    }
    driver = "threads" if args.threads else f"locust: {locust}"
    print(f"{args.users} users for {args.minutes:g} min against {database} ({driver})")
    # The floor of each kind of request: one user alone, before the others arrive.
    alone, alone_writes = _members.run_threads(
        given, f"http://127.0.0.1:{port}", 1, args.alone, (0, 0), accounts=[given["alone"]]
    )
    cpu_before = server_cpu(server.pid)
    client_cpu_before = client_cpu_now(args.threads)
    locust_run = None
    try:
        if args.threads:
            think = tuple(float(n) for n in args.think.split(","))
            samples, acknowledged = _members.run_threads(
                given,
                f"http://127.0.0.1:{port}",
                args.users,
                seconds,
                think,
                min_writes=args.min_writes,
            )
            samples_file.write_text(json.dumps(samples))
            writes_file.write_text(json.dumps(acknowledged))
        else:
            locust_run = run_locust(locust, port, args, seconds, env)
        cpu_after = server_cpu(server.pid)
        # Before the server is reaped: its processes' times would count as the client's.
        client_cpu = client_cpu_now(args.threads) - client_cpu_before
    finally:
        stop(server)
    users_kind = "thread" if args.threads else "locust"
    conditions.report(
        database=database,
        cache=", ".join(
            filter(None, [_conditions.REOPENED if args.instance else _conditions.GENERATED, cache])
        ),
        notes=(
            f"gunicorn {WORKERS} workers x 4 threads as 'haven serve', {args.users} "
            f"{users_kind} users on the same machine thinking {args.think.replace(',', '-')} s "
            "between actions, audit checkpoints every minute"
        ),
    )
    if not samples_file.exists():
        print(locust_run.stdout[-3000:], locust_run.stderr[-3000:])  # type: ignore[union-attr]
        sys.exit("locust wrote no samples: see its output above")
    samples = json.loads(samples_file.read_text())
    acknowledged = json.loads(writes_file.read_text()) if writes_file.exists() else []
    acknowledged += alone_writes

    span = max(s["at"] for s in samples) - min(s["at"] - s["ms"] / 1000 for s in samples)
    print()
    report(samples, span, [s for s in alone if not s["error"]])
    if cpu_before is not None and cpu_after is not None:
        used = cpu_after - cpu_before
        print(
            f"server CPU: {used:.0f} s over the run, {used / len(samples) * 1000:.0f} ms per "
            f"request on average ({used / span:.2f} of {_conditions.cpus()} CPUs); "
            f"the client ({'threads' if args.threads else 'locust'}): {client_cpu:.0f} s"
        )
    failures = [s for s in samples + alone if s.get("error")]
    five_hundreds = server_errors(access_log)
    per_user, missing = lost_writes(acknowledged)
    stray = unacknowledged_saves(acknowledged, run_marker)
    audit_ok, audit_line = audit_verify()

    print()
    by_error = defaultdict(int)
    for failure in failures:
        by_error[f"{failure['name']}: {failure['error']}"] += 1
    print(f"errors: {len(failures)} of {len(samples) + len(alone)} requests (alone and under load)")
    for text, count in sorted(by_error.items(), key=lambda item: -item[1])[:15]:
        print(f"  {count:>5} x {text}")
    print(f"server errors (5xx) in the access log: {len(five_hundreds)}")
    for line in five_hundreds[:5]:
        print(f"  {line}")
    writes = sum(c["acknowledged"] for c in per_user.values())
    kinds = defaultdict(int)
    for write in acknowledged:
        kinds[write["kind"]] += 1
    print(
        f"writes acknowledged: {writes} ({', '.join(f'{n} {k}' for k, n in sorted(kinds.items()))})"
        f" by {len(per_user)} users; found in the database: "
        f"{sum(c['found'] for c in per_user.values())}; lost: {len(missing)}"
    )
    for write in missing[:5]:
        print(f"  lost: {write}")
    if per_user:
        counts = [c["acknowledged"] for c in per_user.values()]
        print(f"  per user: {min(counts)} to {max(counts)} writes, every one found" if not missing
              else "  per user: " + ", ".join(
                  f"{u} {c['found']}/{c['acknowledged']}" for u, c in sorted(per_user.items())
                  if c["found"] != c["acknowledged"]))  # fmt: skip
    if stray:
        print(f"  saved but not acknowledged to the client (a timed-out request): {stray}")
    print(f"audit verify: {'OK' if audit_ok else 'FAILED'}: {audit_line}")
    if locust_run is not None and locust_run.returncode not in (0, 1):
        print(f"locust exited with {locust_run.returncode}:\n{locust_run.stderr[-2000:]}")
    if not acknowledged:
        print("no write was acknowledged: nothing to check for lost writes")
    passed = not failures and not five_hundreds and not missing and audit_ok and acknowledged
    if args.keep or args.instance or not passed:
        # A failed run keeps the server's log and access log, to tell what went wrong.
        print(f"(instance left in {workdir}: server.log, access.log)")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    print("PASS: 0 errors, 0 lost writes, audit verified" if passed else "FAIL")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
