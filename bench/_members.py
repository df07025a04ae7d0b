"""What a user of bench/load.py does: sign in with a password and an authenticator
code, then browse, search and write through Haven's own forms.

Plain Python with no Haven import, so that it runs in locust's own environment
(bench/_locustfile.py drives it there) as well as in threads (``run_threads``, the
small run the test suite makes). Each request goes through an ``http`` callable that
times it and records it as a sample, with an error when ``check`` says one.
"""

from __future__ import annotations

import hashlib
import hmac
import http.cookiejar
import random
import re
import struct
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

TIMEOUT = 60  # seconds: a request slower than this is an error
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
FLOORS = ("floor: static file", "floor: signed-in redirect")


def totp(key_hex: str, step: int = 30, digits: int = 6) -> str:
    """The code an authenticator app shows now (RFC 6238, HMAC-SHA1)."""
    counter = struct.pack(">Q", int(time.time()) // step)
    digest = hmac.new(bytes.fromhex(key_hex), counter, hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 10**digits:0{digits}d}"


class Forms(HTMLParser):
    """The forms of a page: action and the values a browser would send unchanged
    (hidden inputs, filled inputs, each select's chosen or first option, textareas)."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._select: str | None = None
        self._textarea: str | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action"), "fields": {}, "options": {}})
        if not self.forms:
            return
        fields, options = self.forms[-1]["fields"], self.forms[-1]["options"]
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "checkbox", "radio"):
            fields[name] = attrs.get("value") or ""
        elif tag == "select" and name:
            self._select = name
            options[name] = []
        elif tag == "option" and self._select:
            value = attrs.get("value", "")
            options[self._select].append(value)
            if "selected" in attrs or self._select not in fields:
                fields[self._select] = value
        elif tag == "textarea" and name:
            self._textarea = name
            fields[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and self.forms:
            self.forms[-1]["fields"][self._textarea] += data.lstrip("\n")

    def having(self, name: str) -> dict:
        for form in self.forms:
            if name in form["fields"]:
                return form
        raise LookupError(f"no form with a field {name!r}")


@dataclass
class Answer:
    status: int
    text: str
    location: str = ""  # the path a redirect points to


def expect_page(answer: Answer) -> str | None:
    return None if answer.status == 200 else f"status {answer.status}"


def expect_redirect(pattern: str):
    """A check: the answer redirects to a path matching ``pattern`` (a form that comes
    back 200 or 400 did not save)."""

    def check(answer: Answer) -> str | None:
        if answer.status != 302:
            return f"status {answer.status}"
        if not re.fullmatch(pattern, answer.location):
            return f"redirected to {answer.location}, expected {pattern}"
        return None

    return check


@dataclass
class Member:
    """One signed-in team member: mostly reading, some searching, a write now and then.

    ``http(method, path, name, *, data=None, params=None, check)`` sends a request
    without following redirects, records it under ``name`` with ``check``'s error, and
    returns the ``Answer``, or None when it failed.
    """

    given: dict
    number: int
    http: object
    writes: list = field(default_factory=list)
    signed_in: bool = False
    token: str = ""
    count: int = 0
    account: dict | None = None  # default: the given users' in turn

    def __post_init__(self):
        if self.account is None:
            self.account = self.given["users"][self.number % len(self.given["users"])]
        self.actions = [
            (3, self.home),
            (8, self.lists),
            (6, self.record),
            (5, self.case_page),
            (5, self.search),
            (2, self.list_lookup),
            (2, self.new_person),
            (3, self.case_note),
            (2, self.new_incident),
            (2, self.static_file),
            (1, self.signed_in_redirect),
        ]

    def step(self, *, write=False):
        """One action at random by its weight (a write, if ``write``)."""
        if not self.signed_in:
            self.sign_in()
            return
        if write:
            random.choice([self.new_person, self.case_note, self.new_incident])()
            return
        weights = [weight for weight, _action in self.actions]
        random.choices(self.actions, weights)[0][1]()

    # --- requests ---------------------------------------------------------------------

    def _get(self, path, name, check=expect_page, **params):
        answer = self.http("GET", path, name, params=params or None, check=check)
        if answer is not None:
            found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', answer.text)
            if found:
                self.token = found.group(1)
        return answer

    def _post(self, path, data, name, check):
        return self.http("POST", path, name, data=data, check=check)

    def _text(self, kind: str) -> str:
        """A text unique to this user and write, found again in the database later."""
        self.count += 1
        return f"{kind} {self.given['marker']} u{self.number:02d} w{self.count:04d}"

    def _acknowledged(self, kind, uuid, text):
        self.writes.append(
            {"user": self.account["email"], "kind": kind, "uuid": uuid, "text": text}
        )

    # --- signing in -------------------------------------------------------------------

    def sign_in(self):
        page = self._get("/accounts/login/", "sign in: login page")
        if page is None:
            return
        form = Forms(page.text).having("email")
        form["fields"].update(email=self.account["email"], password=self.account["password"])
        if not self._post(
            "/accounts/login/", form["fields"], "sign in: password",
            expect_redirect("/accounts/verify/"),
        ):  # fmt: skip
            return
        page = self._get("/accounts/verify/", "sign in: code page")
        if page is None:
            return
        form = Forms(page.text).having("code")
        form["fields"]["code"] = totp(self.account["totp_key"])
        answer = self._post(
            "/accounts/verify/", form["fields"], "sign in: code", expect_redirect("/")
        )
        self.signed_in = answer is not None

    # --- browsing ---------------------------------------------------------------------

    def home(self):
        self._get("/", "home")

    def lists(self):
        kind = random.choice(["people", "cases", "incidents"])
        page = random.choice([1, 1, 1, 2, 3, random.randint(1, 20)])
        if page == 1:
            self._get(f"/{kind}/", f"list: {kind}")
        else:
            self._get(f"/{kind}/", f"list: {kind}, a later page", page=page)

    def record(self):
        kind, name = random.choice([("people", "person"), ("incidents", "incident")])
        self._get(f"/{kind}/{random.choice(self.given[kind])}/", f"record: {name} page")

    def case_page(self):
        self._get(f"/cases/{random.choice(self.given['cases'])}/", "record: case page")

    # --- searching --------------------------------------------------------------------

    def search(self):
        query = random.choice(self.given["searches"])
        self._post(
            "/search/", {"q": query, "csrfmiddlewaretoken": self.token},
            "search: a name (other script, some typos)", expect_page,
        )  # fmt: skip

    def list_lookup(self):
        kind = random.choice(["people", "cases"])
        lookup = random.choice(self.given["list_lookups"])
        self._post(
            f"/{kind}/", {"q": lookup, "csrfmiddlewaretoken": self.token},
            f"search: {kind} list lookup", expect_page,
        )  # fmt: skip

    # --- writing: each through its form page, with the form's CSRF and once-token ------

    def new_person(self):
        page = self._get("/people/new/", "write: new person form")
        if page is None:
            return
        form = Forms(page.text).having("once")
        name = self._text("Load Person")
        form["fields"].update(
            name=name,
            other_names="Лоад Персон\nLoad Persson",
            birth_date=random.choice(["", "1990", "May 1996", "~1985", "17.05.1996"]),
            contacts=f"+7 900 {random.randint(1000000, 9999999)}",
            notes="Met at the shelter; wants to be called after six.",
        )
        answer = self._post(
            "/people/new/", form["fields"], "write: new person",
            expect_redirect(rf"/people/{UUID}/"),
        )  # fmt: skip
        if answer is not None:
            self._acknowledged("person", answer.location.split("/")[2], name)
            self._get(answer.location, "record: person page")

    def case_note(self):
        case = random.choice(self.given["cases"])
        page = self._get(f"/cases/{case}/", "record: case page")
        if page is None:
            return
        form = Forms(page.text).having("once")
        text = self._text("Called; agreed to meet on Thursday. Note")
        form["fields"]["text"] = text
        answer = self._post(
            form["action"] or f"/cases/{case}/notes/", form["fields"], "write: case note",
            expect_redirect(f"/cases/{case}/"),
        )  # fmt: skip
        if answer is not None:
            self._acknowledged("note", case, text)
            self._get(answer.location, "record: case page")

    def new_incident(self):
        page = self._get("/incidents/new/", "write: new incident form")
        if page is None:
            return
        form = Forms(page.text).having("once")
        title = self._text("Load Incident")
        form["fields"].update(
            title=title,
            start=random.choice(["spring 2021", "2020", "12.03.2022", "May 2019", "before 2018"]),
            description="Detained at a checkpoint, held for two days.",
            act_type=random.choice([value for value in form["options"]["act_type"] if value]),
            victims=random.choice(self.given["people"]),
        )
        answer = self._post(
            "/incidents/new/", form["fields"], "write: new incident",
            expect_redirect(rf"/incidents/{UUID}/"),
        )  # fmt: skip
        if answer is not None:
            self._acknowledged("incident", answer.location.split("/")[2], title)
            self._get(answer.location, "record: incident page")

    # --- the floor: what the same server takes to answer anything, under the same load --

    def static_file(self):
        self._get("/static/haven/haven.css", FLOORS[0])

    def signed_in_redirect(self):
        self._get("/accounts/login/", FLOORS[1], expect_redirect("/"))


# --- the small run: threads with urllib, no locust --------------------------------------


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def urllib_http(host: str, samples: list, lock: threading.Lock):
    """An ``http`` for a Member: one cookie jar per user, redirects not followed."""
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
        urllib.request.ProxyHandler({}),
        _NoRedirects(),
    )

    def send(method, path, name, *, data=None, params=None, check):
        url = host + path + ("?" + urllib.parse.urlencode(params) if params else "")
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(
            url, data=body, method=method, headers={"Referer": host + path}
        )
        started = time.perf_counter()
        try:
            try:
                response = opener.open(request, timeout=TIMEOUT)
            except urllib.error.HTTPError as exc:  # 3xx not followed, 4xx, 5xx
                response = exc
            with response:
                answer = Answer(
                    response.status,
                    response.read().decode("utf-8", "replace"),
                    urlsplit(response.headers.get("Location", "")).path,
                )
            error = check(answer)
        except OSError as exc:  # refused, reset, timed out
            answer, error = None, f"{type(exc).__name__}: {exc}"
        sample = {
            "name": name,
            "ms": (time.perf_counter() - started) * 1000,
            "at": time.time(),
            "error": error,
        }
        with lock:
            samples.append(sample)
        return None if error else answer

    return send


def run_threads(
    given: dict,
    host: str,
    users: int,
    seconds: float,
    think=(0.0, 0.5),
    accounts=None,
    min_writes=0,
):
    """``users`` members in threads for ``seconds``; returns (samples, writes).

    ``accounts``: whom they sign in as (default: the given users in turn). A member
    that has not had ``min_writes`` writes acknowledged by then goes on writing until it
    has (for at most ten times ``seconds`` more), so that a slow machine still checks
    some writes."""
    samples: list = []
    lock = threading.Lock()
    members = [
        Member(
            given, n, urllib_http(host, samples, lock), account=accounts[n] if accounts else None
        )
        for n in range(users)
    ]
    deadline = time.monotonic() + seconds
    cap = deadline + 10 * seconds

    def work(member):
        while time.monotonic() < deadline:
            member.step()
            time.sleep(random.uniform(*think))
        while len(member.writes) < min_writes and time.monotonic() < cap:
            member.step(write=True)

    threads = [threading.Thread(target=work, args=(member,)) for member in members]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return samples, [write for member in members for write in member.writes]
