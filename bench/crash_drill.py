#!/usr/bin/env python3
"""Crash drill: kill -9 a real Haven server again and again while it works, then check.

A throwaway instance is served by ``haven serve`` (gunicorn and its job worker). Client
threads sign in through the login page with their authenticator's code and keep
writing through the forms: new people, cases, incidents with their first act (an
incident, its act, a new victim and a new perpetrator in one submission) and evidence
uploads of a few hundred KB. One more client uploads a CSV of people, maps it, has it
checked and starts the import, which the job worker runs in chunks. Now and then a key
re-encryption (``haven keys rotate --reencrypt``) runs beside them.

At a random moment the server, its workers and the re-encryption are killed with
SIGKILL, all at once. The server is started again, and before the clients go on:

- ``haven audit verify``, ``haven evidence verify`` and ``haven records verify`` pass;
- no ``.part`` file is left in evidence/incoming after the startup sweep, every file
  in the vault has its row and every row its file;
- no partial record: every record has its version, every person its blind-index
  rows, every incident the drill wrote its act, its victim and its perpetrator;
- every write a client saw acknowledged (a redirect to the new record, an evidence
  upload's redirect, a resent form answered "already sent") is there, and none twice;
- the import never holds a row twice; once the drill ends it resumes and holds every
  row of the file exactly once;
- the re-encryption, started again after each kill, completes, and every value opens.

    .venv/bin/python bench/crash_drill.py [--kills 20] [--database sqlite|postgres]

``--database postgres`` runs the drill on a throwaway PostgreSQL cluster
(scripts/with-postgres); HAVEN_DATABASE_URL, when set, names the database to use.
``haven/tests/test_crash_drill.py`` runs a short drill (three kills) in the suite.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import hmac
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
HAVEN = [sys.executable, "-m", "haven.cli"]
PASSWORD = "crash drill passphrase 2026"  # noqa: S105 - a throwaway instance's
EMAIL = "client{}@drill.example.org"
IMPORT_NAME = "Imported person {:05d}"


# --- the instance and its processes ---------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (gunicorn's workers, the job workers in their own
    sessions), read from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


class Instance:
    """One Haven instance in a folder, on SQLite or on HAVEN_DATABASE_URL."""

    def __init__(self, folder: Path, database_url: str | None = None):
        self.folder = folder
        self.var = folder / "var"
        self.logs = folder / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.env = {
            **os.environ,
            "HAVEN_VAR_DIR": str(self.var),
            "HAVEN_DATABASE_URL": database_url or f"sqlite:///{self.var / 'haven.sqlite3'}",
            "DJANGO_SETTINGS_MODULE": "haven.settings",
            "HAVEN_LOG_LEVEL": "WARNING",
            "HAVEN_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "PYTHONPATH": str(ROOT),
        }
        self.env.pop("HAVEN_KEY_FILE", None)
        self.server: subprocess.Popen | None = None
        self.rotation: subprocess.Popen | None = None
        self.starts = 0

    @property
    def evidence(self) -> Path:
        return self.var / "evidence"

    def haven(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*HAVEN, *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def python(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
        return self.run([sys.executable, *args], timeout=timeout)

    def run(self, command: list[str], timeout: float = 600) -> subprocess.CompletedProcess:
        return subprocess.run(  # noqa: S603 - our own commands
            command,
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def _log(self, name: str):
        self.starts += 1
        return (self.logs / f"{self.starts:03d}-{name}.log").open("w")

    def start_server(self) -> None:
        self.server = subprocess.Popen(
            [*HAVEN, "serve", "--bind", f"127.0.0.1:{self.port}", "--workers", "2"],
            env=self.env,
            cwd=ROOT,
            stdout=self._log("serve"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, seconds: float = 120) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise RuntimeError(f"the server exited with {self.server.returncode}")
            try:
                status, _headers, _body = Browser(self.port).request("GET", "/accounts/login/")
                if status == 200:
                    return
            except ServerGone:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"the server did not answer within {seconds} s")

    def start_rotation(self) -> None:
        self.rotation = subprocess.Popen(
            [*HAVEN, "keys", "rotate", "--reencrypt"],
            env=self.env,
            cwd=ROOT,
            stdout=self._log("rotate"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def rotation_state(self) -> str:
        if self.rotation is None:
            return "none"
        code = self.rotation.poll()
        if code is None:
            return "running"
        return "done" if code == 0 else f"exited {code}"

    def kill(self) -> list[int]:
        """SIGKILL the server, every process below it and the re-encryption, at once."""
        victims = []
        if self.server is not None and self.server.poll() is None:
            victims = [self.server.pid, *descendants(self.server.pid)]
        if self.rotation is not None and self.rotation.poll() is None:
            victims.append(self.rotation.pid)
        for pid in victims:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        for process in (self.server, self.rotation):
            if process is not None and process.pid in victims:
                process.wait()
        # The job worker is a child of the master, reaped by nobody now: wait until gone.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(_alive(pid) for pid in victims):
            time.sleep(0.05)
        return victims

    def stop(self) -> None:
        """The end of the drill: a clean stop (SIGTERM), then SIGKILL whatever stays."""
        for process in (self.rotation, self.server):
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=60)
        self.kill()

    def output(self, last: int = 3) -> str:
        logs = sorted(self.logs.glob("*.log"))[-last:]
        return "\n".join(f"--- {path.name}\n{path.read_text()[-4000:]}" for path in logs)


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


# --- a browser: cookies, forms, redirects seen -----------------------------------------


def totp(key_hex: str, at: float, step: int = 30, digits: int = 6) -> str:
    """RFC 6238: the code an authenticator app shows at ``at``."""
    counter = struct.pack(">Q", int(at // step))
    digest = hmac.new(bytes.fromhex(key_hex), counter, hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 10**digits:0{digits}d}"


class ServerGone(Exception):
    """The connection failed: the server was killed (or is not back yet)."""


class Browser:
    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method, path, body: bytes | None = None, content_type: str = ""):
        headers = {"Host": f"127.0.0.1:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = content_type
            headers["Origin"] = f"http://127.0.0.1:{self.port}"
            headers["Referer"] = f"http://127.0.0.1:{self.port}{path}"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException) as exc:
            raise ServerGone(str(exc)) from exc
        finally:
            connection.close()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                cookie = rest.split(";", 1)[0]
                if "max-age=0" in value.lower() or cookie == '""':
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = cookie
        return response.status, dict(response.getheaders()), text

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, fields: list[tuple[str, str]], files=None):
        if files:
            boundary = uuid.uuid4().hex
            parts = []
            for name, value in fields:
                parts.append(
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                    f"{value}\r\n".encode()
                )
            for name, (filename, data) in files.items():
                parts.append(
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                    f'filename="{filename}"\r\n'
                    "Content-Type: application/octet-stream\r\n\r\n".encode()
                    + data
                    + b"\r\n"
                )
            parts.append(f"--{boundary}--\r\n".encode())
            return self.request(
                "POST", path, b"".join(parts), f"multipart/form-data; boundary={boundary}"
            )
        return self.request(
            "POST", path, urlencode(fields).encode(), "application/x-www-form-urlencoded"
        )


def hidden_fields(html: str, action: str | None = None) -> list[tuple[str, str]]:
    """The hidden inputs (CSRF token, double-submit token) of the form posting to
    ``action``, or of the first form with a CSRF token."""
    for form in re.findall(r"<form\b([^>]*)>(.*?)</form>", html, re.S):
        attributes, inner = form
        # The one form page posts to itself: its form has no action, and a token.
        posts_there = f'action="{action}"' in attributes
        posts_here = "action=" not in attributes and 'name="once"' in inner
        if action is not None and not posts_there and not posts_here:
            continue
        found = []
        for tag in re.findall(r"<input\b[^>]*>", inner):
            if 'type="hidden"' not in tag:
                continue
            name = re.search(r'name="([^"]*)"', tag)
            value = re.search(r'value="([^"]*)"', tag)
            if name:
                found.append((unescape(name.group(1)), unescape(value.group(1) if value else "")))
        if any(name == "csrfmiddlewaretoken" for name, _ in found):
            return found
    raise AssertionError(f"no form posting to {action!r} on the page")


# --- what the clients saw --------------------------------------------------------------


@dataclass
class Ledger:
    """Every write a client saw acknowledged, and what was cut off."""

    acknowledged: list[dict] = field(default_factory=list)
    interrupted: list[dict] = field(default_factory=list)
    resent: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def ack(self, **write):
        with self.lock:
            self.acknowledged.append(write)

    def cut(self, **write):
        with self.lock:
            self.interrupted.append(write)

    def error(self, text: str):
        with self.lock:
            self.errors.append(text)

    def counts(self) -> tuple[int, int]:
        with self.lock:
            return len(self.acknowledged), len(self.interrupted)


class Client(threading.Thread):
    """One user writing through the forms as fast as the server answers."""

    def __init__(self, drill: Drill, index: int, user: dict):
        super().__init__(name=f"client-{index}", daemon=True)
        self.drill = drill
        self.index = index
        self.user = user
        self.browser = Browser(drill.instance.port)
        self.random = random.Random(drill.seed * 100 + index)
        self.serial = 0
        self.last_code_step = -1

    # Signing in: e-mail and password, then the authenticator's code (each code once).
    def sign_in(self) -> None:
        while True:
            step = int(time.time() // 30)
            if step > self.last_code_step:
                break
            time.sleep(1)  # this user's code of this step is spent: wait for the next
        status, _h, page = self.browser.get("/accounts/login/")
        fields = hidden_fields(page)
        status, headers, page = self.browser.post(
            "/accounts/login/", [*fields, ("email", self.user["email"]), ("password", PASSWORD)]
        )
        if status != 302:
            raise AssertionError(f"sign-in refused ({status})")
        status, _h, page = self.browser.get(headers["Location"])
        fields = hidden_fields(page)
        self.last_code_step = step
        status, headers, _page = self.browser.post(
            "/accounts/verify/", [*fields, ("code", totp(self.user["key"], step * 30 + 1))]
        )
        status, _h, _page = self.browser.get("/people/")
        if status != 200:
            raise AssertionError(f"second factor refused ({status})")
        self.drill.sign_ins += 1

    def run(self) -> None:
        while not self.drill.done.is_set():
            self.drill.up.wait()
            if self.drill.done.is_set():
                return
            try:
                if "haven-session" not in self.browser.cookies or self.random.random() < 0.02:
                    self.browser.cookies.clear()
                    self.sign_in()
                self.write_one()
            except ServerGone:
                self.drill.up.wait()
            except Exception as exc:  # noqa: BLE001 - a client's surprise is a finding
                self.drill.ledger.error(f"{self.name}: {type(exc).__name__}: {exc}")
                time.sleep(0.5)

    def marker(self) -> str:
        self.serial += 1
        return f"drill-{self.index}-{self.serial:05d}"

    def write_one(self) -> None:
        kind = self.random.choice(["person", "case", "incident", "incident", "evidence"])
        if kind == "evidence":
            self.upload()
            return
        marker = self.marker()
        url, fields = {
            "person": (
                "/people/new/",
                [
                    ("name", f"Person {marker}"),
                    ("kind", "individual"),
                    ("team", self.drill.setup["team"]),
                    ("contacts", f"{marker}@example.org"),
                ],
            ),
            "case": (
                "/cases/new/",
                [("team", self.drill.setup["team"]), ("title", f"Case {marker}")],
            ),
            "incident": (
                "/incidents/new/",
                [
                    ("team", self.drill.setup["team"]),
                    ("title", f"Incident {marker}"),
                    ("start", "2021-07"),
                    ("violation_status", "alleged"),
                    ("confidentiality", "restricted"),
                    ("act_type", self.drill.setup["act_type"]),
                    ("victims", f"new:Victim {marker}"),
                    ("perpetrators", f"new:Perpetrator {marker}"),
                    ("degree", "direct"),
                ],
            ),
        }[kind]
        if kind == "case":
            fields.append(("opened_on", "2026-01-05"))
        status, headers, page = self.browser.get(url)
        if status == 302 and "/accounts/" in headers.get("Location", ""):
            self.browser.cookies.clear()
            return
        if status != 200:
            raise AssertionError(f"GET {url}: {status}")
        fields = [*hidden_fields(page, url), *fields]
        self.post(kind, marker, url, fields)

    def post(self, kind, marker, url, fields) -> None:
        write = {"kind": kind, "marker": marker, "client": self.index}
        try:
            status, headers, page = self.browser.post(url, fields)
        except ServerGone:
            # As a browser resends a form whose answer never came: the same form, the
            # same token, once the server is back.
            self.drill.ledger.cut(**write)
            self.drill.up.wait()
            time.sleep(self.random.random() * 0.2)
            try:
                status, headers, page = self.browser.post(url, fields)
            except ServerGone:
                return  # killed again: this one is simply unknown
            write["resent"] = True
        location = headers.get("Location", "")
        if status == 302 and f"/{kind}s/" in location.replace("people", "persons"):
            if re.search(r"/[0-9a-f-]{36}/", location):
                self.drill.ledger.ack(**write, how="saved", location=location)
            else:  # "already sent; nothing was saved twice": it must be there
                self.drill.ledger.ack(**write, how="already sent", location=location)
            return
        if status == 302 and "/accounts/" in location:
            self.browser.cookies.clear()
            return
        raise AssertionError(f"POST {url} ({kind} {marker}): {status} {location} {page[:300]}")

    def upload(self) -> None:
        source = self.drill.setup["sources"][self.index]
        url = f"/sources/{source}/"
        status, headers, page = self.browser.get(url)
        if status == 302 and "/accounts/" in headers.get("Location", ""):
            self.browser.cookies.clear()
            return
        if status != 200:
            raise AssertionError(f"GET {url}: {status}")
        action = f"/sources/{source}/files/"
        fields = hidden_fields(page, action)
        size = self.random.randrange(200_000, 900_000)
        data = b"%PDF-1.4\n" + self.random.randbytes(size)
        sha256 = hashlib.sha256(data).hexdigest()
        marker = self.marker()
        try:
            status, headers, page = self.browser.post(
                action, fields, files={"file": (f"{marker}.pdf", data)}
            )
        except ServerGone:
            self.drill.ledger.cut(kind="evidence", marker=marker, sha256=sha256)
            return  # a person would look at the source before uploading again
        if status == 302 and headers.get("Location", "").endswith(url):
            self.drill.ledger.ack(
                kind="evidence", marker=marker, sha256=sha256, client=self.index, how="saved"
            )
            return
        if status == 302 and "/accounts/" in headers.get("Location", ""):
            self.browser.cookies.clear()
            return
        raise AssertionError(f"upload: {status} {page[:300]}")


class Importer(threading.Thread):
    """Uploads the CSV, maps it, has it checked and starts it, as a member does; presses
    the start (retry) button again when the page says the import stopped."""

    def __init__(self, drill: Drill, user: dict):
        super().__init__(name="importer", daemon=True)
        self.drill = drill
        self.user = user
        self.client = Client(drill, len(drill.setup["users"]) - 1, user)
        self.browser = self.client.browser
        self.job: str | None = None
        self.state = "not started"
        self.retries = 0

    def run(self) -> None:
        # On after the clients stop: the import must be carried to its end.
        while not self.drill.finished.is_set():
            self.drill.up.wait()
            try:
                if "haven-session" not in self.browser.cookies:
                    self.client.sign_in()
                self.step()
            except ServerGone:
                self.drill.up.wait()
            except Exception as exc:  # noqa: BLE001
                self.drill.ledger.error(f"importer: {type(exc).__name__}: {exc}")
                time.sleep(0.5)
            time.sleep(0.3)

    def step(self) -> None:
        if self.job is None:
            status, _h, page = self.browser.get("/imports/")
            action = "/imports/upload/"
            fields = hidden_fields(page, action)
            fields.append(("team", self.drill.setup["team"]))
            status, headers, page = self.browser.post(
                action, fields, files={"file": ("people.csv", self.drill.csv)}
            )
            if status != 302:
                raise AssertionError(f"import upload: {status} {page[:300]}")
            self.job = headers["Location"].rstrip("/").rsplit("/", 1)[-1]
            self.state = "uploaded"
            return
        url = f"/imports/{self.job}/"
        status, headers, page = self.browser.get(url)
        if status == 302:
            self.browser.cookies.clear()
            return
        if self.state == "uploaded" and f'action="{url}mapping/"' in page:
            fields = hidden_fields(page, f"{url}mapping/")
            fields += [("target", "people"), ("col-0", "person.name"), ("check", "1")]
            self.browser.post(f"{url}mapping/", fields)
            self.state = "checking"
            return
        if f'action="{url}start/"' in page and self.state != "done":
            if "import-done" in page or 'data-status="done"' in page:
                self.state = "done"
                return
            if self.state == "running":
                self.retries += 1  # the page offers to start it again: it stopped
            fields = hidden_fields(page, f"{url}start/")
            status, headers, page = self.browser.post(f"{url}start/", fields)
            self.state = "running"


# --- the drill -------------------------------------------------------------------------


SETUP = """
import json, sys, django
django.setup()
from haven.accounts.actions import add_member, create_team, create_user
from haven.accounts.models import Authenticator, Role
from haven.sources.actions import add_source
from haven.vocab.models import term
team = create_team("Crash drill")
users, sources = [], []
for index in range(int(sys.argv[1])):
    user, _ = create_user(email=EMAIL.format(index), role=Role.DOCUMENTER, password=PASSWORD)
    user.must_change_password = False
    user.save()
    add_member(team, user)
    device = Authenticator.objects.create(user=user, name="drill", confirmed=True)
    users.append({"email": user.email, "key": device.key})
    source = add_source(team=team, by=user, kind="testimony", title=f"Source {index}")
    sources.append(str(source.uuid))
print(json.dumps({
    "team": str(team.pk), "users": users, "sources": sources,
    "act_type": str(term("act_type", "arbitrary_detention").pk),
}))
"""


class Drill:
    def __init__(
        self,
        instance: Instance,
        *,
        kills: int,
        clients: int,
        rows: int,
        seed: int,
        pause: tuple[float, float],
        rotations: int,
        final_wait: float = 600,
        say=print,
    ):
        self.instance = instance
        self.kills = kills
        self.clients_count = clients
        self.rows = rows
        self.seed = seed
        self.random = random.Random(seed)
        self.pause = pause
        self.rotations = rotations
        self.say = say
        self.ledger = Ledger()
        self.up = threading.Event()
        self.done = threading.Event()  # the clients stop
        self.finished = threading.Event()  # the importer stops
        self.sign_ins = 0
        self.csv = ("name\n" + "".join(IMPORT_NAME.format(n) + "\n" for n in range(rows))).encode()
        self.rounds: list[dict] = []
        self.rotations_done = 0
        self.final_wait = final_wait
        self.errors_seen = 0
        self.rotations_started = 0

    def set_up(self) -> None:
        done = self.instance.haven("init", "--no-demo")
        if done.returncode:
            raise RuntimeError(done.stdout + done.stderr)
        code = f"EMAIL={EMAIL!r}\nPASSWORD={PASSWORD!r}\n{SETUP}"
        done = self.instance.python("-c", code, str(self.clients_count + 1))
        if done.returncode:
            raise RuntimeError(done.stderr)
        self.setup = json.loads(done.stdout.strip().splitlines()[-1])

    def check(self, *, final: bool) -> dict:
        """The checks of one restart, run side by side by other processes."""
        ledger = self.instance.folder / "ledger.json"
        with self.ledger.lock:
            ledger.write_text(
                json.dumps(
                    {
                        "acknowledged": self.ledger.acknowledged,
                        "rows": self.rows,
                        "final": final,
                        "evidence": str(self.instance.evidence),
                    }
                )
            )
        commands = {
            "audit verify": [*HAVEN, "audit", "verify"],
            "evidence verify": [*HAVEN, "evidence", "verify"],
            "records verify": [*HAVEN, "records", "verify"],
            "record check": [sys.executable, str(Path(__file__)), "--check-instance", str(ledger)],
        }
        with ThreadPoolExecutor(len(commands)) as pool:
            results = dict(
                zip(commands, pool.map(self.instance.run, commands.values()), strict=True)
            )
        found = {"problems": []}
        for name, done in results.items():
            found[name] = done.returncode == 0
            if done.returncode:
                tail = (done.stdout + done.stderr).strip().splitlines()[-5:]
                found["problems"].append(f"{name} failed: " + " | ".join(tail))
        if found["record check"]:
            records = json.loads(results["record check"].stdout.strip().splitlines()[-1])
            found["problems"] += records.pop("problems")
            found.update(records)
        return found

    def run(self) -> list[dict]:
        self.set_up()
        users = self.setup["users"]
        clients = [Client(self, n, users[n]) for n in range(self.clients_count)]
        importer = Importer(self, users[-1])
        self.importer = importer
        rotate_at = set(self.random.sample(range(self.kills), min(self.rotations, self.kills)))
        try:
            self.instance.start_server()
            self.instance.wait_ready()
            self.up.set()
            for thread in [*clients, importer]:
                thread.start()
            for number in range(1, self.kills + 1):
                rotating = self.instance.rotation_state() == "running"
                # The first re-encryption runs to its end beside the writing server
                # (the clients write on after it); the others are cut by the kill.
                finish_rotation = False
                if number - 1 in rotate_at and not rotating:
                    finish_rotation = not self.rotations_started
                    self.rotations_started += 1
                    self.instance.start_rotation()
                wait = self.wait_for_work(number, finish_rotation=finish_rotation)
                acked, cut = self.ledger.counts()
                doing = {
                    "import": importer.state,
                    "re-encryption": self.instance.rotation_state(),
                }
                self.up.clear()
                victims = self.instance.kill()
                _acked, cut_after = self.ledger.counts()
                self.instance.start_server()
                self.instance.wait_ready()
                found = self.check(final=False)
                with self.ledger.lock:
                    errors = self.ledger.errors[self.errors_seen :]
                    self.errors_seen = len(self.ledger.errors)
                row = {
                    "errors": errors,
                    "kill": number,
                    "after": wait,
                    "processes": len(victims),
                    "acknowledged": acked,
                    **doing,
                    **found,
                }
                self.rounds.append(row)
                self.say(self.describe(row))
                if self.instance.rotation_state() not in ("none", "done", "running"):
                    self.instance.start_rotation()  # killed mid-way: resume it
                elif self.instance.rotation_state() == "done":
                    self.rotations_done += 1
                    self.instance.rotation = None
                self.up.set()
            # The end: no more kills. The clients stop; the import and the
            # re-encryption must finish on their own.
            self.done.set()
            self.up.set()
            for thread in clients:
                thread.join(timeout=120)
            deadline = time.monotonic() + self.final_wait
            while time.monotonic() < deadline:
                rotation = self.instance.rotation_state()
                if rotation not in ("none", "done", "running"):
                    self.instance.start_rotation()  # killed by the last kill: resume it
                status = self.import_status()
                if status == "done" and rotation != "running":
                    break
                time.sleep(2)
            self.finished.set()
            final = self.check(final=True)
            if self.instance.rotation_state() == "done":
                self.rotations_done += 1
            final["rotations_completed"] = self.rotations_done
            final["importer_restarts"] = importer.retries
            return self.rounds + [final]
        finally:
            self.done.set()
            self.finished.set()
            self.up.set()
            self.instance.stop()

    def import_status(self) -> str:
        done = self.instance.python(
            "-c",
            "import django; django.setup(); from haven.imports.models import ImportJob; "
            "job = ImportJob.objects.first(); print(job.status if job else 'none')",
        )
        return done.stdout.strip().splitlines()[-1] if done.returncode == 0 else "unknown"

    def wait_for_work(self, number: int, *, finish_rotation: bool = False) -> float:
        """Let the clients get going (two writes acknowledged in this round, the import
        uploaded before the first kill, the re-encryption done and two writes after it if
        asked), then a random moment more; the seconds waited."""
        started = time.monotonic()
        deadline = started + 300
        if finish_rotation:
            while time.monotonic() < deadline and self.instance.rotation_state() == "running":
                time.sleep(0.05)
        acked, _cut = self.ledger.counts()
        while time.monotonic() < deadline:
            enough = self.ledger.counts()[0] >= acked + 2
            if enough and (number > 1 or self.importer.state != "not started"):
                break
            time.sleep(0.05)
        time.sleep(self.random.uniform(*self.pause))
        return time.monotonic() - started

    def describe(self, row: dict) -> str:
        verdict = "OK" if not row["problems"] else "FAILED"
        line = (
            f"kill {row['kill']:>2} after {row['after']:.1f} s ({row['processes']} processes): "
            f"{row['acknowledged']} writes acknowledged so far, import "
            f"{row.get('import_status') or row['import']}"
            f" ({row.get('import_done_rows', 0)}/{self.rows} rows), re-encryption "
            f"{row['re-encryption']}; checks {verdict}"
        )
        facts = (
            f"   audit verify {'ok' if row.get('audit verify') else 'FAILED'}, evidence verify "
            f"{'ok' if row.get('evidence verify') else 'FAILED'}, records verify "
            f"{'ok' if row.get('records verify') else 'FAILED'}; {row.get('records', 0)} records,"
            f" {row.get('files', 0)} evidence files, {row.get('set_aside', 0)} set aside as "
            f"orphans by the startup sweep, {row.get('parts', 0)} .part files"
        )
        errors = [f"   client error: {error}" for error in row.get("errors", [])]
        problems = [f"   PROBLEM: {problem}" for problem in row["problems"]]
        return "\n".join([line, facts, *problems, *errors])


# --- the record check, run in a process of its own on the instance ---------------------


def check_instance(ledger_path: Path) -> dict:
    """What the instance holds against what the clients saw: problems and facts."""
    import django

    django.setup()
    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType

    from haven.cases.models import Case
    from haven.imports.models import ImportedRecord, ImportJob
    from haven.incidents.models import Act, Incident, Involvement
    from haven.keys.models import DataKey
    from haven.people.models import Person
    from haven.records.models import BlindTerm, RecordVersion, SensitiveRecord
    from haven.sources.models import EvidenceFile

    ledger = json.loads(ledger_path.read_text())
    problems: list[str] = []
    facts: dict = {}

    # Evidence: the startup sweep leaves no part; files and rows match both ways.
    vault = Path(ledger["evidence"])
    parts = list((vault / "incoming").glob("*.part"))
    facts["parts"] = len(parts)
    if parts:
        problems.append(f"{len(parts)} .part files left in evidence/incoming after the start")
    stored = {path.stem for path in vault.glob("??/*.hev")}
    rows = {str(u) for u in EvidenceFile.objects.values_list("uuid", flat=True)}
    facts["files"] = len(rows)
    facts["set_aside"] = len(list((vault / "orphans").glob("*.hev")))
    if stored - rows:
        problems.append(f"{len(stored - rows)} files in the vault without a row (orphans)")
    if rows - stored:
        problems.append(f"{len(rows - stored)} evidence rows without their file")

    # Every record has its version; every person its blind-index rows.
    total = 0
    for model in apps.get_models():
        if not issubclass(model, SensitiveRecord) or model._meta.abstract:
            continue
        uuids = set(model._base_manager.values_list("uuid", flat=True))
        total += len(uuids)
        versioned = set(
            RecordVersion.objects.filter(object_type=model._meta.label_lower).values_list(
                "object_uuid", flat=True
            )
        )
        if uuids - versioned:
            problems.append(
                f"{len(uuids - versioned)} {model._meta.label_lower} records without a version"
            )
    facts["records"] = total
    kind = ContentType.objects.get_for_model(Person)
    # The job worker may be importing while this runs: what a record's transaction also
    # wrote is read after the record, so that it is there for every record read.
    people = set(Person.objects.values_list("pk", flat=True))
    indexed = set(BlindTerm.objects.filter(kind=kind).values_list("record_id", flat=True))
    unindexed = people - indexed
    if unindexed:
        problems.append(f"{len(unindexed)} people without their blind-index rows")

    # The incidents the forms wrote: each with its act, victim and perpetrator.
    job_before = ImportJob.objects.first()  # read before its rows, and again after
    names = {}
    for person in Person.objects.all():
        names.setdefault(person.name, []).append(person)
    incidents = {}
    for incident in Incident.objects.all():
        incidents.setdefault(incident.title, []).append(incident)
        if not incident.title.startswith("Incident drill-"):
            continue
        acts = list(Act.objects.filter(incident=incident))
        if len(acts) != 1:
            problems.append(f"{incident.title} has {len(acts)} acts, not 1")
            continue
        marker = incident.title.split(" ", 1)[1]
        if acts[0].victim.name != f"Victim {marker}":
            problems.append(f"{incident.title}: its act's victim is missing")
        if not Involvement.objects.filter(act=acts[0]).exists():
            problems.append(f"{incident.title}: its act has no perpetrator")
    cases = {}
    for case in Case.objects.all():
        cases.setdefault(case.title, []).append(case)

    # Every acknowledged write is there, once.
    shas = Counter(evidence.sha256 for evidence in EvidenceFile.objects.all())
    lost, doubled = [], []
    for write in ledger["acknowledged"]:
        marker = write["marker"]
        held = {
            "person": names.get(f"Person {marker}", []),
            "case": cases.get(f"Case {marker}", []),
            "incident": incidents.get(f"Incident {marker}", []),
            "evidence": [None] * shas.get(write.get("sha256"), 0),
        }[write["kind"]]
        if not held:
            lost.append(f"{write['kind']} {marker} ({write['how']})")
        elif len(held) > 1:
            doubled.append(f"{write['kind']} {marker}")
    for table, prefix in (
        (names, "Person drill-"),
        (cases, "Case drill-"),
        (incidents, "Incident drill-"),
    ):
        doubled += [
            title for title, found in table.items() if title.startswith(prefix) and len(found) > 1
        ]
    facts["acknowledged"] = len(ledger["acknowledged"])
    if lost:
        problems.append(f"{len(lost)} acknowledged writes lost: {', '.join(lost[:10])}")
    if doubled:
        problems.append(
            f"{len(doubled)} writes saved twice: {', '.join(sorted(set(doubled))[:10])}"
        )

    # The import: never a row twice; at the end, every row once.
    job = ImportJob.objects.first()
    imported = [name for name in names if name.startswith("Imported person ")]
    twice = [name for name in imported if len(names[name]) > 1]
    if twice:
        problems.append(f"{len(twice)} import rows imported twice: {', '.join(twice[:5])}")
    facts["import_rows_held"] = len(imported)
    if job is not None:
        facts["import_status"] = job.status
        facts["import_done_rows"] = job.done_rows
        origins = ImportedRecord.objects.filter(job=job)
        if origins.count() != origins.values("row").distinct().count():
            problems.append("an import row has two origins")
        # A chunk's rows and its count are one transaction: the rows held lie between
        # the count read before them and the count read after.
        before = job_before.done_rows if job_before else 0
        if not before <= len(imported) <= job.done_rows:
            problems.append(
                f"the import says {before}..{job.done_rows} rows are done, "
                f"but {len(imported)} are held"
            )
    if ledger["final"]:
        if job is None or job.status != ImportJob.Status.DONE:
            problems.append(f"the import did not finish: {job.status if job else 'never uploaded'}")
        expected = {IMPORT_NAME.format(n) for n in range(ledger["rows"])}
        if set(imported) != expected:
            problems.append(
                f"the import holds {len(set(imported) & expected)} of the file's "
                f"{len(expected)} rows, and {len(set(imported) - expected)} others"
            )
    facts["retired_keys"] = DataKey.objects.filter(retired_at__isnull=False).count()
    return {"problems": problems, **facts}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--rows", type=int, default=20_000, help="rows of the imported CSV")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the instance folder")
    parser.add_argument("--check-instance", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.check_instance:
        print(json.dumps(check_instance(args.check_instance)))  # noqa: T201
        return 0
    if args.database == "postgres" and not os.environ.get("HAVEN_DATABASE_URL"):
        command = [str(ROOT / "scripts" / "with-postgres"), sys.executable, *sys.argv]
        return subprocess.call(command)  # noqa: S603 - our own script
    sys.path.insert(0, str(ROOT / "bench"))
    import _conditions

    conditions = _conditions.start()
    seed = args.seed if args.seed is not None else random.randrange(10**6)
    folder = Path(tempfile.mkdtemp(prefix="haven-crash-"))
    url = os.environ.get("HAVEN_DATABASE_URL") if args.database == "postgres" else None
    instance = Instance(folder, url)
    print(
        f"Haven crash drill: {args.kills} kills on {args.database}, {args.clients} clients, "
        f"an import of {args.rows:,} rows, seed {seed}, instance in {folder}"
    )
    drill = Drill(
        instance,
        kills=args.kills,
        clients=args.clients,
        rows=args.rows,
        seed=seed,
        pause=(0.0, 3.0),
        rotations=max(1, args.kills // 5),
    )
    started = time.monotonic()
    rounds = drill.run()
    final = rounds[-1]
    failed = [row for row in rounds if row["problems"]]
    print(
        drill.describe(
            {
                **final,
                "kill": 0,
                "after": 0,
                "processes": 0,
                "import": final.get("import_status"),
                "re-encryption": "-",
                "acknowledged": final.get("acknowledged", 0),
            }
        ).replace("kill  0 after 0.0 s (0 processes)", "after the last kill")
    )
    print(
        f"{len(rounds) - 1} kills in {time.monotonic() - started:.0f} s; "
        f"{len(drill.ledger.acknowledged)} writes acknowledged, "
        f"{len(drill.ledger.interrupted)} cut off by a kill (of which "
        f"{sum(1 for w in drill.ledger.acknowledged if w.get('resent'))} resent and "
        f"acknowledged, {sum(1 for w in drill.ledger.acknowledged if w['how'] == 'already sent')}"
        f" answered 'already sent'), {drill.sign_ins} sign-ins, "
        f"{final['rotations_completed']} re-encryptions completed, the import's start "
        f"pressed again {final['importer_restarts']} times; client errors: "
        f"{len(drill.ledger.errors)}"
    )
    for error in drill.ledger.errors[:10]:
        print(f"   client error: {error}")
    print(
        "RESULT: "
        + (
            "every check passed"
            if not failed and not drill.ledger.errors
            else f"{len(failed)} checks failed"
        )
    )
    conditions.report(
        database=args.database, notes=f"seed {seed}; the figures are counts, not times"
    )
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)
    return 1 if failed or drill.ledger.errors else 0


if __name__ == "__main__":
    sys.exit(main())
