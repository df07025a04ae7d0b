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
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from _drill_check import IMPORT_NAME, check_instance
from _drill_clients import EMAIL, PASSWORD, Client, Importer, Ledger
from _drill_server import Browser as Browser  # bench/intake_flood.py takes these from here
from _drill_server import Instance
from _drill_server import hidden_fields as hidden_fields
from _drill_server import totp as totp

ROOT = Path(__file__).resolve().parents[1]
HAVEN = [sys.executable, "-m", "haven.cli"]


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
