"""The users of bench/load.py under locust: each one a ``_members.Member``.

Run by load.py in locust's own environment (locust is not a Haven dependency), so it
imports nothing from Haven: it reads what load.py seeded from the JSON file named by
HAVEN_LOAD_GIVEN, and when locust stops it writes every request's time and error
(HAVEN_LOAD_SAMPLES) and every write the server acknowledged (HAVEN_LOAD_WRITES), for
load.py to check against the database.
"""

from __future__ import annotations

import itertools
import json
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _members import TIMEOUT, Answer, Member  # noqa: E402
from locust import HttpUser, between, events, task  # noqa: E402

GIVEN = json.loads(Path(os.environ["HAVEN_LOAD_GIVEN"]).read_text(encoding="utf-8"))
THINK = [float(n) for n in os.environ.get("HAVEN_LOAD_WAIT", "3,10").split(",")]
SAMPLES: list[dict] = []
WRITES: list[dict] = []
NUMBERS = itertools.count()


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
    Path(os.environ["HAVEN_LOAD_SAMPLES"]).write_text(json.dumps(SAMPLES), encoding="utf-8")
    Path(os.environ["HAVEN_LOAD_WRITES"]).write_text(json.dumps(WRITES), encoding="utf-8")


class TeamMember(HttpUser):
    wait_time = between(*THINK)

    def on_start(self):
        self.member = Member(GIVEN, next(NUMBERS), self._http, writes=WRITES)
        self.member.sign_in()

    @task
    def step(self):
        self.member.step()

    def _http(self, method, path, name, *, data=None, params=None, check):
        """Locust's session (it times and records the request) with Member's check."""
        with self.client.request(
            method, path, name=name, data=data, params=params, allow_redirects=False,
            timeout=TIMEOUT, catch_response=True, headers={"Referer": self.host + path},
        ) as response:  # fmt: skip
            if response.status_code == 0:  # refused, reset, timed out: already a failure
                return None
            answer = Answer(
                response.status_code,
                response.text,
                urlsplit(response.headers.get("Location", "")).path,
            )
            error = check(answer)
            if error:
                response.failure(error)
                return None
            response.success()  # a 302 the check expected
            return answer
