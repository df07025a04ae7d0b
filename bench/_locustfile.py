"""The users of bench/load.py: each signs in with its password and authenticator code,
then browses, searches and writes through Haven's own forms.

Run by load.py in locust's own environment (locust is not a Haven dependency), so it
imports nothing from Haven: it reads what load.py seeded from the JSON file named by
HAVEN_LOAD_GIVEN, and writes every request's time (HAVEN_LOAD_SAMPLES) and every write
the server acknowledged (HAVEN_LOAD_WRITES) when locust stops, for load.py to check
against the database.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import os
import random
import re
import struct
import time
from html.parser import HTMLParser
from urllib.parse import urlsplit

from locust import HttpUser, between, events, task

GIVEN = json.loads(open(os.environ["HAVEN_LOAD_GIVEN"], encoding="utf-8").read())  # noqa: SIM115
WAIT = [float(n) for n in os.environ.get("HAVEN_LOAD_WAIT", "0.5,2").split(",")]
TIMEOUT = 60  # seconds: a request slower than this is an error
SAMPLES: list[dict] = []
WRITES: list[dict] = []
ACCOUNTS = itertools.count()
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


@events.request.add_listener
def _sample(request_type, name, response_time, response_length, exception, **kwargs):
    SAMPLES.append(
        {
            "name": name,
            "ms": response_time,
            "at": time.time(),
            "error": None if exception is None else str(exception)[:200],
        }
    )


@events.quitting.add_listener
def _save(environment, **kwargs):
    with open(os.environ["HAVEN_LOAD_SAMPLES"], "w", encoding="utf-8") as out:
        json.dump(SAMPLES, out)
    with open(os.environ["HAVEN_LOAD_WRITES"], "w", encoding="utf-8") as out:
        json.dump(WRITES, out)


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

    def having(self, field: str) -> dict:
        for form in self.forms:
            if field in form["fields"]:
                return form
        raise LookupError(f"no form with a field {field!r}")


class Member(HttpUser):
    """A team member at work: mostly reading, some searching, a write now and then."""

    wait_time = between(*WAIT)

    def on_start(self):
        number = next(ACCOUNTS)
        account = GIVEN["users"][number % len(GIVEN["users"])]
        self.email = account["email"]
        self.number = number
        self.writes = 0
        self.signed_in = False
        page = self._get("/accounts/login/", "sign in: login page")
        if page is None:
            return
        form = Forms(page.text).having("email")
        form["fields"].update(email=account["email"], password=account["password"])
        answer = self._post(
            "/accounts/login/", form["fields"], "sign in: password", expect="/accounts/verify/"
        )
        if answer is None:
            return
        page = self._get("/accounts/verify/", "sign in: code page")
        if page is None:
            return
        form = Forms(page.text).having("code")
        form["fields"]["code"] = totp(account["totp_key"])
        self.signed_in = self._post(
            "/accounts/verify/", form["fields"], "sign in: code", expect="/"
        ) is not None  # fmt: skip
        self.token = form["fields"]["csrfmiddlewaretoken"]

    # --- requests that check what they get --------------------------------------------

    def _get(self, path, name, **params):
        with self.client.get(
            path, name=name, params=params or None, allow_redirects=False,
            timeout=TIMEOUT, catch_response=True,
        ) as response:  # fmt: skip
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
                return None
            found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.text)
            if found:
                self.token = found.group(1)
            return response

    def _post(self, path, data, name, *, expect=None, status=302):
        """POST; the answer must be ``status``, and a redirect must go to ``expect``
        (a regular expression matched against the start of the path)."""
        with self.client.post(
            path, data=data, name=name, allow_redirects=False, timeout=TIMEOUT,
            catch_response=True, headers={"Referer": self.host + path},
        ) as response:  # fmt: skip
            if response.status_code != status:
                response.failure(f"status {response.status_code}")
                return None
            if status == 302:
                where = urlsplit(response.headers.get("Location", "")).path
                if expect is not None and not re.fullmatch(expect, where):
                    response.failure(f"redirected to {where}, expected {expect}")
                    return None
                response.where = where
            return response

    def _text(self, kind: str) -> str:
        self.writes += 1
        return f"{kind} {GIVEN['marker']} u{self.number:02d} w{self.writes:04d}"

    # --- browsing ---------------------------------------------------------------------

    @task(3)
    def home(self):
        if self.signed_in:
            self._get("/", "home")

    @task(8)
    def lists(self):
        if not self.signed_in:
            return
        kind = random.choice(["people", "cases", "incidents"])
        page = random.choice([1, 1, 1, 2, 3, random.randint(1, 20)])
        if page == 1:
            self._get(f"/{kind}/", f"list: {kind}")
        else:
            self._get(f"/{kind}/", f"list: {kind}, a later page", page=page)

    @task(6)
    def record(self):
        if not self.signed_in:
            return
        kind, name = random.choice([("people", "person"), ("incidents", "incident")])
        self._get(f"/{kind}/{random.choice(GIVEN[kind])}/", f"record: {name} page")

    @task(5)
    def case_page(self):
        if self.signed_in:
            self._get(f"/cases/{random.choice(GIVEN['cases'])}/", "record: case page")

    # --- searching --------------------------------------------------------------------

    @task(5)
    def search(self):
        if not self.signed_in:
            return
        query = random.choice(GIVEN["searches"])
        self._post(
            "/search/",
            {"q": query, "csrfmiddlewaretoken": self.token},
            "search: a name (other script, some typos)",
            status=200,
        )

    @task(2)
    def list_lookup(self):
        if not self.signed_in:
            return
        kind = random.choice(["people", "cases"])
        self._post(
            f"/{kind}/",
            {"q": random.choice(GIVEN["list_lookups"]), "csrfmiddlewaretoken": self.token},
            f"search: {kind} list lookup",
            status=200,
        )

    # --- writing ----------------------------------------------------------------------

    def _acknowledged(self, kind, uuid, text):
        WRITES.append({"user": self.email, "kind": kind, "uuid": uuid, "text": text})

    @task(2)
    def new_person(self):
        if not self.signed_in:
            return
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
        expect = rf"/people/({UUID})/"
        answer = self._post("/people/new/", form["fields"], "write: new person", expect=expect)
        if answer is not None:
            uuid = answer.where.split("/")[2]
            self._acknowledged("person", uuid, name)
            self._get(answer.where, "record: person page")

    @task(3)
    def case_note(self):
        if not self.signed_in:
            return
        case = random.choice(GIVEN["cases"])
        page = self._get(f"/cases/{case}/", "record: case page")
        if page is None:
            return
        form = Forms(page.text).having("once")
        text = self._text("Called; agreed to meet on Thursday. Note")
        form["fields"].update(text=text)
        path = form["action"] or f"/cases/{case}/notes/"
        answer = self._post(path, form["fields"], "write: case note", expect=rf"/cases/{case}/")
        if answer is not None:
            self._acknowledged("note", case, text)
            self._get(answer.where, "record: case page")

    @task(2)
    def new_incident(self):
        if not self.signed_in:
            return
        page = self._get("/incidents/new/", "write: new incident form")
        if page is None:
            return
        forms = Forms(page.text)
        form = forms.having("once")
        title = self._text("Load Incident")
        act_types = [value for value in form["options"].get("act_type", []) if value]
        form["fields"].update(
            title=title,
            start=random.choice(["spring 2021", "2020", "12.03.2022", "May 2019", "before 2018"]),
            description="Detained at a checkpoint, held for two days.",
            act_type=random.choice(act_types),
            victims=random.choice(GIVEN["people"]),
        )
        expect = rf"/incidents/({UUID})/"
        answer = self._post("/incidents/new/", form["fields"], "write: new incident", expect=expect)
        if answer is not None:
            self._acknowledged("incident", answer.where.split("/")[2], title)
            self._get(answer.where, "record: incident page")

    # --- the floor: what the same server takes to answer anything, under the same load --

    @task(2)
    def static_file(self):
        self._get("/static/haven/haven.css", "floor: static file")

    @task(1)
    def signed_in_redirect(self):
        if not self.signed_in:
            return
        with self.client.get(
            "/accounts/login/", name="floor: signed-in redirect", allow_redirects=False,
            timeout=TIMEOUT, catch_response=True,
        ) as response:  # fmt: skip
            if response.status_code != 302:
                response.failure(f"status {response.status_code}")
