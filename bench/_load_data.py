"""The load bench's database side (``bench/load.py``): the records and users it seeds
before the run, and the checks of what the run left behind: no write lost, the audit log
verified, no server error in the access log."""

from __future__ import annotations

import sys
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import _instance

PASSWORD = "load-test-passphrase-7"  # noqa: S105 (a throwaway instance's users)
TITLES = ["Detention of", "Threats against", "Evacuation of", "Protection of", "Abduction of"]


def progress(text):
    sys.stdout.write(f"\r{text}   ")
    sys.stdout.flush()


# --- the data -------------------------------------------------------------------------


def _bulk(model, objects, batch=2000):
    """Records in batches: encrypted by their fields, indexed in bulk, no history."""
    from django.db import transaction

    from haven.records.blind import index_new

    made = []
    for start in range(0, len(objects), batch):
        with transaction.atomic():
            created = model.objects.bulk_create(objects[start : start + batch])
            if model.blind_indexes:
                index_new(created)
        made += created
        progress(f"{model._meta.verbose_name_plural}: {len(made):,}/{len(objects):,}")
    sys.stdout.write("\n")
    return made


def seed(args, rng) -> dict:
    """Teams, people, cases (with their persons), incidents (with an act each); the
    load users on the first team. Returns what the users are given: their accounts and
    the records and searches they pick from."""
    from _scale_data import fake_people, typo
    from django.db import connection

    from haven.accounts.actions import add_member, create_team, create_user
    from haven.accounts.models import Authenticator
    from haven.cases.models import Case, CasePerson
    from haven.incidents.models import Act, Incident
    from haven.locations.models import Location
    from haven.vocab.models import term

    teams = [create_team(f"Team {n:02d}") for n in range(args.teams)]
    rows = fake_people(rng, args.people, [team.pk for team in teams])
    people = []
    for team in teams:
        people += _instance.bulk_people(team, [row for team_id, row in rows if team_id == team.pk])
        progress(f"people: {len(people):,}/{args.people:,}")
    sys.stdout.write("\n")
    by_team = defaultdict(list)
    for person in people:
        by_team[person.team_id].append(person)
    lead, _password = create_user(email="lead@example.org", password=PASSWORD)
    start = date(2015, 1, 1)
    cases = _bulk(
        Case,
        [
            Case(
                team=(team := teams[n % len(teams)]),
                code=f"C-{n:07d}",
                title=f"{rng.choice(TITLES)} {rng.choice(by_team[team.pk]).name}",
                status=rng.choice(Case.Status.values),
                lead=lead,
                opened_on=start + timedelta(days=rng.randrange(4000)),
            )
            for n in range(args.cases)
        ],
    )
    CasePerson.objects.bulk_create(
        [
            CasePerson(case=case, person=person)
            for case in cases
            for person in rng.sample(by_team[case.team_id], rng.randint(1, 3))
        ]
    )
    places = list(Location.objects.all())
    incidents = _bulk(
        Incident,
        [
            Incident(
                team=(team := teams[n % len(teams)]),
                code=f"I-{n:07d}",
                title=f"{rng.choice(TITLES)} {rng.choice(by_team[team.pk]).name}",
                start_earliest=(day := start + timedelta(days=rng.randrange(4000))),
                start_latest=day,
                start_precision="day",
                location=rng.choice(places) if places else None,
            )
            for n in range(args.incidents)
        ],
    )
    act_types = [term("act_type", code) for code in ("arbitrary_detention", "torture", "threat")]
    Act.objects.bulk_create(
        [
            Act(
                team=incident.team,
                incident=incident,
                act_type=rng.choice(act_types),
                victim=rng.choice(by_team[incident.team_id]),
            )
            for incident in incidents
        ],
        batch_size=2000,
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")

    team = teams[0]
    users = []
    for n in range(args.users):
        user, _password = create_user(email=f"user{n:02d}@example.org", password=PASSWORD)
        user.must_change_password = False
        user.save()
        add_member(team, user)
        device = Authenticator.objects.create(user=user, name="authenticator", confirmed=True)
        users.append({"email": user.email, "password": PASSWORD, "totp_key": device.key})
        progress(f"users: {n + 1}/{args.users}")
    sys.stdout.write("\n")
    solo, _password = create_user(email="alone@example.org", password=PASSWORD)
    solo.must_change_password = False
    solo.save()
    add_member(team, solo)
    device = Authenticator.objects.create(user=solo, name="authenticator", confirmed=True)
    alone = {"email": solo.email, "password": PASSWORD, "totp_key": device.key}
    mine = by_team[team.pk]
    searches = []
    for person in rng.sample(mine, min(len(mine), 500)):
        form = person.other_names[0] if person.other_names else person.name
        searches.append(typo(rng, form) if rng.random() < 0.5 else form)
    return {
        "team": team.name,
        "users": users,
        "alone": alone,
        "people": [str(p.uuid) for p in mine],
        "cases": [str(c.uuid) for c in cases if c.team_id == team.pk],
        "incidents": [str(i.uuid) for i in incidents if i.team_id == team.pk],
        "searches": searches,
        "list_lookups": [p.name.split()[-1] for p in rng.sample(mine, min(len(mine), 100))],
    }


# --- the checks -----------------------------------------------------------------------


def lost_writes(acknowledged: list[dict]) -> tuple[dict, list[dict]]:
    """Per user, the writes acknowledged and those found; and the missing ones.

    A person and an incident are looked up by the uuid their redirect named and must
    carry the name or title typed; a note must be on its case with the text typed
    (each text is unique to its user and write).
    """
    from haven.cases.models import CaseNote
    from haven.incidents.models import Incident
    from haven.people.models import Person

    people = {str(p.uuid): p for p in Person.objects.live()}
    incidents = {str(i.uuid): i for i in Incident.objects.live()}
    notes = defaultdict(set)
    for note in CaseNote.objects.live().select_related("case"):
        notes[str(note.case.uuid)].add(note.text)
    per_user: dict = defaultdict(lambda: {"acknowledged": 0, "found": 0})
    missing = []
    for write in acknowledged:
        counts = per_user[write["user"]]
        counts["acknowledged"] += 1
        if write["kind"] == "person":
            record = people.get(write["uuid"])
            found = record is not None and record.name == write["text"]
        elif write["kind"] == "incident":
            record = incidents.get(write["uuid"])
            found = record is not None and record.title == write["text"]
        else:
            found = write["text"] in notes.get(write["uuid"], ())
        counts["found"] += found
        if not found:
            missing.append(write)
    return dict(per_user), missing


def unacknowledged_saves(acknowledged: list[dict], run_marker: str) -> int:
    """Records this run wrote that no client saw acknowledged (a request that timed out
    after its transaction committed): not lost, but the user was not told."""
    from haven.cases.models import CaseNote
    from haven.incidents.models import Incident
    from haven.people.models import Person

    seen = {write["text"] for write in acknowledged}
    written = [p.name for p in Person.objects.live()]
    written += [i.title for i in Incident.objects.live()]
    written += [n.text for n in CaseNote.objects.live()]
    return sum(1 for text in written if run_marker in text and text not in seen)


def audit_verify() -> tuple[bool, str]:
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    out = StringIO()
    try:
        call_command("audit", "verify", stdout=out, stderr=out)
    except CommandError as exc:
        return False, f"{out.getvalue().strip()} {exc}".strip()
    return True, out.getvalue().strip().splitlines()[-1].removeprefix("OK: ")


def server_errors(access_log: Path) -> list[str]:
    lines = access_log.read_text().splitlines() if access_log.exists() else []
    return [line for line in lines if line.startswith("5")]
