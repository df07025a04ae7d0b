"""The crash drill's clients (``bench/crash_drill.py``): users writing through the forms
and uploading evidence, the member carrying an import to its end, and the ledger of
every write they saw acknowledged or cut off by a kill."""

from __future__ import annotations

import hashlib
import random
import re
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from _drill_server import Browser, ServerGone, hidden_fields, totp

if TYPE_CHECKING:
    from crash_drill import Drill

PASSWORD = "crash drill passphrase 2026"  # noqa: S105 - a throwaway instance's
EMAIL = "client{}@drill.example.org"


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
