#!/usr/bin/env python3
"""A flood on the public request page: N machine submissions against 127.0.0.1, with a
few real requests among them; does the queue stay usable, and is any real one lost?

Starts a throwaway instance served as ``haven serve`` serves it (gunicorn, 2 workers x 4
threads), with an intake team, and sends ``--count`` submissions from ``--clients``
threads, each fetching the form (for its token) and posting it, as a browser without
JavaScript does. The flood is mixed: a quarter fill in the trap field, a quarter come
from two addresses (and hit the per-address limit), the rest from addresses of
their own (told to the server in X-Forwarded-For, as a proxy would). Every 500th (at
least ten in all) is a person's real request, whose receipt is kept.

Meanwhile a caseworker of the intake team, signed in through the real forms (password,
then authenticator code), reads the queue page (/intake/) over and over, as people at the
hotline would during a flood.

Afterwards it checks, and exits 1 unless all hold:
  - no 500 and no refused connection;
  - every real request is in the database with what was typed, and its receipt opens
    the caseworker's reply;
  - every queue page the caseworker asked for during the flood answered 200, and the
    queue's first page after it (the most urgent first, as the server renders it) within
    the floor below.
It prints submissions per second, p50/p95/p99 of a POST, the answers by status, how
many requests wait, the queue page's times during and after the flood, and the
conditions.

    .venv/bin/python bench/intake_flood.py                 # 10,000 submissions
    .venv/bin/python bench/intake_flood.py --count 300     # a quick check
    scripts/with-postgres .venv/bin/python bench/intake_flood.py --count 2000
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import statistics
import sys
import threading
import time
import urllib.parse
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import _conditions
import _instance
from crash_drill import Browser, hidden_fields, totp
from load import free_port, serve, server_cpu, stop

QUEUE_FLOOR_MS = 500  # the queue's first page after the flood, served to the caseworker
PASSWORD = "intake flood passphrase 2026"  # noqa: S105 - a throwaway instance's
TOKEN = re.compile(r'name="token" value="([^"]+)"')
RECEIPT = re.compile(r'class="receipt">([A-Z0-9-]+)<')


_local = threading.local()


def _call(url: str, data: dict | None = None, address: str = "") -> tuple[int, str, float]:
    """One request on this thread's kept-alive connection (a new one if it was closed):
    a flooding machine does not pay a TCP handshake per request, nor should the bench's
    client spend the machine's CPU on one."""
    parts = urllib.parse.urlsplit(url)
    body = urllib.parse.urlencode(data) if data is not None else None
    headers = {"X-Forwarded-For": address, "Host": parts.netloc}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    started = time.perf_counter()
    for attempt in (1, 2):
        connection = getattr(_local, "connection", None)
        if connection is None:
            connection = _local.connection = http.client.HTTPConnection(
                parts.hostname, parts.port, timeout=60
            )
        try:
            connection.request("POST" if body is not None else "GET", parts.path, body, headers)
            response = connection.getresponse()
            status, text = response.status, response.read().decode()
            break
        except (http.client.HTTPException, ConnectionError):
            # The server closed an idle kept-alive connection: open another, once.
            connection.close()
            _local.connection = None
            if attempt == 2:
                raise
    if response.will_close:
        connection.close()
        _local.connection = None
    return status, text, time.perf_counter() - started


def one(base: str, n: int, real_every: int) -> dict:
    """Submission ``n``: what kind it was, its answer, its time, and a real one's receipt."""
    if n % real_every == real_every - 1:
        kind, address = "real", f"192.0.2.{n % 250}"
        fields = {"what": f"Real request {n}: please help", "urgency": "immediate"}
    elif n % 4 == 0:
        kind, address = "trap", f"10.1.{n // 250 % 250}.{n % 250}"
        fields = {"what": "cheap watches", "website": "http://spam.example"}
    elif n % 4 == 1:
        kind, address = "same address", f"10.9.9.{n // 4 % 2}"
        fields = {"what": f"flood {n}", "urgency": "routine"}
    else:
        kind, address = "flood", f"10.2.{n // 250 % 250}.{n % 250}"
        fields = {"what": f"flood {n}", "urgency": "routine"}
    status, page, _seconds = _call(f"{base}/help/", address=address)
    token = TOKEN.search(page)
    fields["token"] = token.group(1) if token else ""
    status, page, seconds = _call(f"{base}/help/", fields, address=address)
    found = RECEIPT.search(page) if kind == "real" else None
    return {
        "kind": kind,
        "status": status,
        "seconds": seconds,
        "n": n,
        "receipt": found.group(1) if found else None,
        "address": address,
    }


def check_real(base: str, results: list[dict], member) -> tuple[int, int]:
    """(real requests found with a working receipt, real requests sent)."""
    from haven.cases.actions import write_to_requester
    from haven.cases.models import Request

    real = [r for r in results if r["kind"] == "real"]
    by_text = {}
    for request in Request.objects.live().filter(urgency="immediate"):
        by_text[request.summary] = request
    good = 0
    for result in real:
        request = by_text.get(f"Real request {result['n']}: please help")
        if request is None or result["receipt"] is None:
            continue
        write_to_requester(request, by=member, text=f"Answer {result['n']}")
        status, page, _s = _call(
            f"{base}/help/r/", {"receipt": result["receipt"]}, address="198.51.100.200"
        )
        good += status == 200 and f"Answer {result['n']}" in page
    return good, len(real)


class Caseworker(threading.Thread):
    """Signs in through the forms, then reads the queue page until told to stop."""

    def __init__(self, port: int, email: str, key: str):
        super().__init__(daemon=True)
        self.browser = Browser(port)
        self.email, self.key = email, key
        self.stopping = threading.Event()
        self.pages: list[tuple[int, float]] = []  # (status, seconds)

    def sign_in(self) -> None:
        _status, _h, page = self.browser.get("/accounts/login/")
        fields = [*hidden_fields(page), ("email", self.email), ("password", PASSWORD)]
        status, headers, _page = self.browser.post("/accounts/login/", fields)
        assert status == 302, f"sign-in refused ({status})"
        _status, _h, page = self.browser.get(headers["Location"])
        code = totp(self.key, time.time())
        status, _h, _page = self.browser.post(
            "/accounts/verify/", [*hidden_fields(page), ("code", code)]
        )
        assert status == 302, f"second factor refused ({status})"

    def read_queue(self) -> tuple[int, float, str]:
        started = time.perf_counter()
        status, _h, page = self.browser.get("/intake/")
        return status, time.perf_counter() - started, page

    def run(self) -> None:
        while not self.stopping.wait(1.0):
            status, seconds, _page = self.read_queue()
            self.pages.append((status, seconds))


def queue_after(caseworker: Caseworker, real_texts: list[str]) -> tuple[float, int, int]:
    """(ms of the queue's first page, the best of three, as the server renders it; rows
    on it; real requests among them)."""
    times = []
    for _ in range(3):
        status, seconds, page = caseworker.read_queue()
        assert status == 200, f"the queue answered {status}"
        times.append(seconds)
    rows = page.count("<tr") - 1
    return min(times) * 1000, rows, sum(text in page for text in real_texts)


def waiting_count(member) -> int:
    from haven.intake.selectors import waiting

    return waiting(member).count()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=16)
    args = parser.parse_args()
    os.environ.update(
        {
            "HAVEN_INTAKE_TEAM": "Intake desk",
            "HAVEN_INTAKE_MIN_FILL_SECONDS": "0",
            "HAVEN_INTAKE_RATE_PER_ADDRESS": "20/hour",
            "HAVEN_INTAKE_RATE_GLOBAL": f"{args.count * 2}/hour",
            "HAVEN_CLIENT_IP_HEADER": "HTTP_X_FORWARDED_FOR",
        }
    )
    workdir = _instance.start()
    from haven.accounts.actions import add_member, create_team, create_user
    from haven.accounts.models import Authenticator, Role

    team = create_team("Intake desk")
    member, _password = create_user(
        email="intake@example.org", role=Role.CASEWORKER, password=PASSWORD
    )
    member.must_change_password = False
    member.save()
    add_member(team, member)
    device = Authenticator.objects.create(user=member, name="bench", confirmed=True)
    port = free_port()
    conditions = _conditions.start()  # before the server starts: its start-up is no load
    server = serve(port, workdir / "access.log", workdir / "error.log")
    base = f"http://127.0.0.1:{port}"
    # Every 500th is a person's (at least ten in a short run).
    real_every = max(2, min(500, args.count // 10))
    try:
        caseworker = Caseworker(port, member.email, device.key)
        caseworker.sign_in()
        caseworker.start()
        started = time.perf_counter()
        cpu_before, client_before = server_cpu(server.pid), time.process_time()
        with ThreadPoolExecutor(args.clients) as pool:
            results = list(pool.map(lambda n: one(base, n, real_every), range(args.count)))
        elapsed = time.perf_counter() - started
        cpu_after, client_cpu = server_cpu(server.pid), time.process_time() - client_before
        caseworker.stopping.set()
        caseworker.join()
        real_texts = [f"Real request {r['n']}: please help" for r in results if r["kind"] == "real"]
        queue_ms, queue_rows, real_on_page = queue_after(caseworker, real_texts)
        good, real = check_real(base, results, member)
    finally:
        stop(server)
    waiting = waiting_count(member)
    during = sorted(seconds for _status, seconds in caseworker.pages)
    during_bad = [status for status, _seconds in caseworker.pages if status != 200]
    seconds = sorted(r["seconds"] for r in results)
    answers = Counter((r["kind"], r["status"]) for r in results)
    quantiles = statistics.quantiles(seconds, n=100) if len(seconds) > 1 else seconds * 99
    print(
        f"intake flood: {args.count} submissions from {args.clients} clients in {elapsed:.1f} s "
        f"({args.count / elapsed:.1f}/s)"
    )
    if cpu_before is not None and cpu_after is not None:
        server_seconds = cpu_after - cpu_before
        print(
            f"  CPU: server {server_seconds:.0f} s ({server_seconds / args.count * 1000:.0f} ms "
            f"a submission, its form fetched and sent), the flooding client {client_cpu:.0f} s"
        )
    print(
        f"  POST p50 {quantiles[49] * 1000:.0f} ms, p95 {quantiles[94] * 1000:.0f} ms, "
        f"p99 {quantiles[98] * 1000:.0f} ms"
    )
    for (kind, status), n in sorted(answers.items()):
        print(f"  {kind:>12}: {n} answered {status}")
    print(f"  real requests kept and answered: {good} of {real}")
    if during:
        print(
            f"  queue page during the flood: {len(during)} reads, "
            f"p50 {statistics.median(during) * 1000:.0f} ms, max {during[-1] * 1000:.0f} ms, "
            f"{len(during_bad)} not 200"
        )
    print(
        f"  queue after: {waiting} waiting; first page ({queue_rows} rows, "
        f"{real_on_page} of the {real} real requests on it) served in {queue_ms:.0f} ms "
        f"(floor {QUEUE_FLOOR_MS} ms)"
    )
    from django.db import connection

    conditions.report(
        database=connection.vendor,
        cache=_conditions.GENERATED,
        notes="2 gunicorn workers x 4 threads, no files attached",
    )
    failed = any(status >= 500 for _kind, status in answers) or good != real or real == 0
    failed = failed or queue_ms > QUEUE_FLOOR_MS or bool(during_bad)
    print("FAILED" if failed else "ok")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
