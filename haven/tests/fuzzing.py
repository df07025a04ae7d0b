"""What the hostile-input walks share: the values they send, who sends each route's
requests, and the one team's records every route is reached with (``make_fuzzer``, the
``fuzzer`` fixture of ``conftest``). The walks: ``test_fuzz_forms`` (every form),
``test_fuzz_api`` (every JSON body), ``test_fuzz_queries`` (query strings and ids)."""

from __future__ import annotations

import socket
import time
from datetime import date

from django.test import Client
from django.urls import reverse

from conftest import sign_in
from haven.accounts.middleware import LOGIN_AT, SEEN_AT
from haven.accounts.tests.soft_key import SoftKey
from haven.tests.form_reading import Fuzzer, Target
from haven.tests.routes import all_routes
from haven.tests.test_routes import ROUTES

HUGE_NUMBER = "99999999999999999999"
# A lone surrogate (as CESU-8 writes it), stray bytes and a cut sequence.
NOT_UTF8 = b"\xed\xa0\x80 \xff\xfe \xc3"

# What is dangerous to any text; the others are dangerous to what reads a number or a date.
TEXT_DANGERS = {"1 MB", "NUL", "not UTF-8"}

# Every danger in one value, for what is compared whole (a form's token, its version).
MIXED = (
    f"a\x00 {HUGE_NUMBER} 9999-12-31 <b>{{{{ 7*7 }}}}%(x)s\u202e ".encode() + NOT_UTF8 + b"'; --"
)

# Sent to each field in turn: what most often gets past a form into code that assumed
# less (a column's size, a number's range, a year of four digits, text without NUL).
DANGEROUS = [
    ("1 MB", "x" * (1 << 20)),
    ("NUL", "a\x00b"),
    ("not UTF-8", NOT_UTF8),
    ("huge number", HUGE_NUMBER),
    ("year 9999", "9999-12-31"),
    ("year 1", "0001-01-01"),
]

# Sent to every field at once, one value after another.
EVERY = [
    ("long", MIXED * 100),  # 10 KB sent, in every field of a form: under the body limit
    ("NUL", "\x00"),
    ("not UTF-8", NOT_UTF8),
    ("minus one", "-1"),
    ("zero", "0"),
    ("huge number", HUGE_NUMBER),
    ("1e309", "1e309"),
    ("NaN", "NaN"),
    ("year 9999", "9999-12-31"),
    ("year 1", "0001-01-01"),
    ("after 9999", "after 9999"),
    ("before 0001", "before 0001"),
    ("year of 32 digits", "summer 10000000000000000000000000000000"),
    ("31 February", "31.02.2020"),
    ("SQL", "'; DROP TABLE people_person; --"),
    ("markup", '<script>alert("x")</script>{{ 7*7 }}{% debug %}'),
    ("format", "%(x)s %s %n {0}"),
    ("combining", "e" + "\u0301" * 5000),
    ("mixed", MIXED),
]
# The values of EVERY sent to each field that reads a number, a date or a choice, one
# field after another (the others are text to such a field, and refused all at once).
EACH_TYPED = {
    "minus one",
    "zero",
    "1e309",
    "NaN",
    "after 9999",
    "before 0001",
    "year of 32 digits",
    "31 February",
}

# The API reads JSON, not forms: each route that takes a body is sent, by
# ``test_every_api_body_takes_hostile_values_without_a_500``, a body it takes with each
# field in turn given hostile JSON values, and bodies that are not JSON at all. Changes
# (PATCH) name any version (If-Match: *), so that hostile values reach the action.
JSON_BODIES = {
    "api:person-list": lambda w: {
        "name": "Анна",
        "other_names": ["Anna"],
        "contacts": ["+7 900 000-00-00"],
        "birth_date": "1996",
        "languages": ["Chechen"],
        "whereabouts": [{"place": "Грозный", "since": "summer 2021", "note": ""}],
    },
    "api:person-detail": lambda w: {"notes": "Moved.", "kind": "group", "gender": "male"},
    "api:person-whereabouts": lambda w: {"place": "Грозный", "since": "2021-04", "note": "x"},
    "api:request-list": lambda w: {
        "channel": "hotline",
        "summary": "A call for help.",
        "requester": str(w.person.uuid),
        "requester_name": "Анна",
        "received_at": "2021-04-15T10:30:00Z",
        "urgency": "urgent",
        "team": str(w.team.uuid),
    },
    "api:case-list": lambda w: {"title": "Protection", "persons": [str(w.spare.uuid)]},
    "api:case-detail": lambda w: {"title": "Protection", "status": "active"},
    "api:case-notes": lambda w: {"text": "Called back.", "happened_on": "2021-04-15"},
    "api:case-assessments": lambda w: {
        "likelihood": 4,
        "impact": 5,
        "level": "high",
        "assessed_on": "2021-04-15",
        "threat_sources": ["family"],
        "threat_types": ["honour_killing"],
    },
    "api:case-actions": lambda w: {
        "kind": "petition",
        "title": "State protection",
        "authority": "ic_chechnya",
        "petition_type": "state_protection",
        "filed_on": "2021-04-15",
        "done": "2021-04",
        "persons": [str(w.person.uuid)],
    },
    "api:case-consents": lambda w: {
        "person": str(w.person.uuid),
        "purpose": "referral",
        "status": "given",
        "given_on": "2021-04-15",
        "expires_on": "2022-04-15",
    },
    "api:incident-list": lambda w: {
        "title": "Detention",
        "start": "2020-04",
        "end": "summer 2021",
        "location": w.place.pk,
        "violation_status": "alleged",
    },
    "api:incident-detail": lambda w: {"title": "Detention", "start": "2020-04-12"},
    "api:incident-acts": lambda w: {
        "act_type": "torture",
        "victim": str(w.spare.uuid),
        "start": "2020-04",
        "location": w.place.pk,
        "victim_status": "released",
    },
    "api:incident-involvements": lambda w: {
        "perpetrator": str(w.spare.uuid),
        "degree": "direct",
        "affiliation": "Police",
    },
    "api:incident-chains": lambda w: {"relation": "causes", "target": str(w.spare_incident.uuid)},
    "api:incident-information": lambda w: {
        "source": str(w.spare_source.uuid),
        "connection": "media",
        "reliability": "C",
        "credibility": "3",
    },
    # Sent without If-Match, a decision is refused (428) before its body is used.
    "api:case-decision": lambda w: {"decision": "granted", "decision_on": "2020-06-01"},
    "api:request-open-case": lambda w: {"title": "Protection"},
    "api:request-join": lambda w: {"case": str(w.spare_case.uuid)},
    "api:source-list": lambda w: {"kind": "media", "title": "Report", "published": "2020-04"},
    "api:search": lambda w: {"query": "Ибрагим", "kind": "person"},
}
# Routes of the API whose body is not JSON: the upload reads the file itself (and gets
# the malformed multipart bodies of the upload forms), the unknown path reads nothing.
NOT_JSON = {"api:source-upload", "api:not_found"}
# The security key ceremonies read JSON too (the library's scripts send it): a key's
# answer as a browser sends it, here to no challenge, and hostile variations of it.
_ANSWER = SoftKey()
JSON_BODIES.update(
    {
        "otp_webauthn:credential-registration-begin": lambda w: {},
        "otp_webauthn:credential-registration-complete": lambda w: _ANSWER.register(
            {"challenge": "AAAA", "rp": {"id": "testserver"}}
        ),
        "otp_webauthn:credential-authentication-begin": lambda w: {},
        "otp_webauthn:credential-authentication-complete": lambda w: _ANSWER.sign(
            {"challenge": "AAAA"}
        ),
    }
)

# Who sends each route's form, where it is not a writing member of the team (or an
# administrator, on the pages only administrators open).
SESSION_FOR = {
    "accounts:login": "visitor",
    "accounts:second_factor": "password_only",
    "accounts:enroll": "enrolling",
    "otp_webauthn:credential-authentication-begin": "password_only",
    "otp_webauthn:credential-authentication-complete": "password_only",
    # Erasing is for coordinators and administrators who write in the team.
    "retention:erase_person": "coordinator",
    "retention:erase_case": "coordinator",
    "retention:erase_request": "coordinator",
    # The route table's member is a caseworker; here the member's role may (see ``fuzzer``).
    "documents:own_copy": "member",
    # Here the member is in the lockdown team (see ``fuzzer``): the page shows the proposal.
    "accounts:lockdown": "member",
}


def make_fuzzer(personas, world, monkeypatch, settings) -> Fuzzer:
    """A client for each session a form is sent from, on the world of ``test_routes``
    with what some forms need besides: records to choose that are not chosen yet."""
    from haven.accounts.actions import add_member
    from haven.accounts.models import Role
    from haven.accounts.tests.factories import UserFactory
    from haven.cases.actions import open_case, update_action
    from haven.incidents.actions import record_incident
    from haven.lib.fuzzy_dates import FuzzyDate
    from haven.people.actions import add_person, update_person
    from haven.sources.actions import add_source

    # Where the organisations Haven is built for work, ahead of UTC: the first hours of
    # year 1 there are still year 0 in UTC.
    settings.TIME_ZONE = "Europe/Moscow"
    by, team = personas.member, personas.team
    # The public request page open on the team, with no wait and no limits in the way.
    settings.HAVEN_INTAKE_TEAM = team.name
    # The member is in the lockdown team: its page shows them the proposal form.
    settings.HAVEN_LOCKDOWN_TEAM = team.name
    settings.HAVEN_INTAKE_MIN_FILL_SECONDS = 0
    for limit in ("RATE_PER_ADDRESS", "RATE_GLOBAL", "GUESSES_PER_ADDRESS", "GUESSES_GLOBAL"):
        setattr(settings, f"HAVEN_INTAKE_{limit}", "off")
    world.member = by
    # The member documents as well, so that the evidence bundle is theirs to export.
    by.role = Role.DOCUMENTER
    by.save(update_fields=["role"])
    # And may make a person's own copy, so that its form is on the person's page.
    settings.HAVEN_SUBJECT_ACCESS_ROLES = [Role.DOCUMENTER]
    # Two records of one person (the duplicates page offers to merge them), a version
    # to go back to, a member to remove from the team.
    world.spare = add_person(team=team, by=by, name="Ахмед Исаев")
    add_person(team=team, by=by, name="Akhmed Isaev")
    update_person(world.person, by=by, notes="Moved to Moscow.")
    add_member(team, world.stranger, by=personas.administrator, reason="fuzzing")
    world.spare_incident = record_incident(
        team=team, by=by, title="Threat", start=FuzzyDate.parse("2022")
    )
    world.spare_source = add_source(team=team, by=by, kind="media", title="Report")
    world.spare_case = open_case(team=team, by=by, title="Relocation")
    # A filed petition, whose decision may be recorded.
    update_action(world.petition, by=by, filed_on=date(2020, 6, 1))
    # A page to capture is never fetched: names are not looked up (the address of a
    # hostile URL would be), so the fetch fails as it would for an unknown host.
    real_lookup = socket.getaddrinfo

    def lookup(host, *args, **kwargs):
        if host in {"localhost", "127.0.0.1", "::1", None}:
            return real_lookup(host, *args, **kwargs)
        if isinstance(host, str):
            host.encode("idna")  # as the real look-up does first, and may fail at
        raise socket.gaierror(socket.EAI_NONAME, "no name look-ups in tests")

    monkeypatch.setattr(socket, "getaddrinfo", lookup)
    world.coordinator = UserFactory(email="coordinator@example.org", role=Role.COORDINATOR)
    add_member(team, world.coordinator, by=personas.administrator, reason="fuzzing")
    clients = {"visitor": Client()}
    for name, user in (
        ("member", personas.member),
        ("administrator", personas.administrator),
        ("coordinator", world.coordinator),
    ):
        clients[name] = Client()
        sign_in(clients[name], user)
    for name, user in (("password_only", personas.member), ("enrolling", world.stranger)):
        clients[name] = Client()
        clients[name].force_login(user)  # the password is accepted; no second factor yet
        session = clients[name].session
        session[LOGIN_AT] = session[SEEN_AT] = time.time()
        session.save()
    users = {
        "member": personas.member,
        "administrator": personas.administrator,
        "coordinator": world.coordinator,
        "password_only": personas.member,
        "enrolling": world.stranger,
    }
    return Fuzzer(clients, users, world)


def session_for(name: str) -> str:
    if name in SESSION_FOR:
        return SESSION_FOR[name]
    return "administrator" if ROUTES[name].get.get("member") == 403 else "member"


def targets(world) -> list[Target]:
    """Every route of the resolver with its URL for the world's records; a route that
    ``test_routes.ROUTES`` cannot reach fails here, by name."""
    names = sorted({route.name for route in all_routes()})
    unknown = [name for name in names if name not in ROUTES]
    assert not unknown, f"routes that test_routes.ROUTES does not say how to reach: {unknown}"
    return [
        Target(name, reverse(name, kwargs=ROUTES[name].kwargs(world)), session_for(name))
        for name in names
    ]
