"""Hostile input on every form of Haven gets a page or a refusal, never a 500.

Every route of the resolver is reached through the table of ``test_routes`` (which fills
each route's arguments with one team's records) and opened as the person who uses it: a
writing member of the team, an administrator on the administration pages, a visitor on
the sign-in page. Each form's fields are read from the HTML of the pages that carry it,
and the form is sent back:

- as the page shows it (filled in where it needs a choice, ``FILLED``), with fields it
  does not have: a hostile value in one field then meets an otherwise valid form and
  goes on to the action, the database and the page that shows what was saved;
- with each field in turn given the most dangerous values (``DANGEROUS``: a megabyte,
  NUL, bytes that are not UTF-8, a number beyond any column, dates outside the years
  Haven keeps), and each field that reads a number, a date or a choice the others of
  ``EACH_TYPED`` (-1, 0, 1e309, NaN, vague dates no parser should take);
- with every field at once given each value of ``EVERY`` (injection strings too), and
  every field sent twice;
- to upload forms, as malformed bodies (multipart cut short, with a wrong boundary, in a
  charset that is none, too large, with too many fields).

Pages get hostile query strings, and integer ids in URLs numbers beyond any id.

Each request runs in a savepoint rolled back after it, so one set of records serves every
route and every request meets them as the page showed them (the version an edit form
carries, the token a creation form is sent once with). No request may answer 500 or
raise; the assertion lists every failure with its route, its fields and the value.

A request whose answer is already known is not sent, which keeps the walk to a minute or
two: the page's own form object (from the template context) is asked first. A field
that refuses the value on its own makes a form that can only be drawn again with the
error (drawn for every form with a long hostile value, ``DRAWN``); the fields that take
a value get it together in one request, and each in turn only when that one is refused.
A plain text box takes every value as text: it gets the dangers of text, not each number
and date. A field the form object does not read is read by the view itself: always sent.
"""

from __future__ import annotations

import socket
import time
from datetime import date
from urllib.parse import quote_plus, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from conftest import PASSWORD, sign_in
from haven.accounts.forms import KeyNameForm, LockdownConfirmForm
from haven.accounts.middleware import LOGIN_AT, SEEN_AT
from haven.accounts.tests.soft_key import SoftKey
from haven.search.views import PickForm
from haven.tests.form_reading import (
    BOUNDARY,
    DRAWN,
    KEPT,
    MULTIPART,
    NOT_SENT,
    PDF,
    URLENCODED,
    Fields,
    Form,
    FormField,
    Fuzzer,
    Judge,
    Target,
    Value,
    filled,
    forms_on,
    multipart,
    urlencoded,
    value_bytes,
)
from haven.tests.routes import all_routes
from haven.tests.test_routes import ROUTES
from haven.vocab.models import term
from haven.web import once

pytestmark = pytest.mark.django_db

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

# A form no page carries (JavaScript sends it): its form class and values it takes. Its
# view answers a form with errors with them (400) and does nothing else.
DECLARED_FORMS = {
    # picker.js asks for suggestions as one types.
    "search:pick": (
        PickForm,
        {"kind": "person", "q": "Ибрагим", "team": "1", "write": "on", "only": ""},
    ),
    # A list that was a lookup carries its find box to the export page.
    "exports:page": (None, {"q": "Ибрагим"}),
    # Shown only once a file's mapping is checked, or a mapping has been saved.
    "imports:check": (None, {}),
    "imports:start": (None, {}),
    "imports:use_saved": (None, {"saved": "00000000-0000-0000-0000-000000000000"}),
    # Shown for each of one's tokens (the world has none): a button with no fields.
    "accounts:token_revoke": (None, {}),
    # Shown for each of one's security keys (the world has none).
    "accounts:key_rename": (KeyNameForm, {"name": "Blue key"}),
    "accounts:key_remove": (None, {}),
    # Shown while a lockdown is in force: propose or confirm lifting it.
    "admin:lockdown_lift": (None, {}),
    # Shown to the lockdown team while another member's proposal waits, or one's own.
    "accounts:lockdown_confirm": (
        LockdownConfirmForm,
        {"proposal": "00000000-0000-0000-0000-000000000000", "confirm": "on"},
    ),
    "accounts:lockdown_withdraw": (None, {}),
    # Shown for each legal hold and each retention rule (the world has none): buttons.
    "retention:hold_lift": (None, {}),
    "retention:rule_delete": (None, {}),
    # On the account page of members of the intake team (the world names none): a box.
    "intake:digest": (None, {"digest": "on"}),
    # The public page's message form, shown only to a person who gave their receipt.
    "intake_public:message": (None, {"receipt": "ABCD-EFGH-2345-6789-KMNP", "text": "x"}),
    # Shown under a report once it is shown: the report's definition and a name.
    "reports:save": (
        None,
        {"rows": "act_type", "measure": "acts", "period": "year", "level": "region", "name": "x"},
    ),
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

# Choices a page leaves to the user (typed into a picker), made here so that the form as
# sent is valid and one hostile field goes on to the action and the database.
FILLED = {
    "accounts:login": {"email": lambda w: w.member.email, "password": lambda w: PASSWORD},
    "accounts:password": {"current_password": lambda w: PASSWORD},
    "admin:team": {"reason": lambda w: "Covering for a colleague."},
    "cases:add_person": {"person": lambda w: w.spare.uuid},
    "cases:decision": {"decision": lambda w: "granted"},
    "cases:consent_new": {"person": lambda w: w.person.uuid},
    "cases:petition_new": {"authority": lambda w: term("authority", "ic_chechnya").pk},
    "cases:request_join": {"case": lambda w: w.case.uuid},
    "incidents:act_new": {"victims": lambda w: w.spare.uuid},
    "incidents:chain_new": {"target": lambda w: w.spare_incident.uuid},
    "incidents:cite_new": {"source": lambda w: w.spare_source.uuid},
    "incidents:involvement_new": {"perpetrator": lambda w: w.spare.uuid},
    "incidents:link_case": {"case": lambda w: w.spare_case.uuid},
    "incidents:new": {"victims": lambda w: w.spare.uuid},
    "people:relate": {"other": lambda w: w.spare.uuid},
    "reports:save": {"team": lambda w: w.team.uuid},
}
# The file a form's file field takes (name, content); a PDF where not named here.
HTML_PAGE = b"<!doctype html><html lang=en><head><title>Detained</title></head><body><article>"
HTML_PAGE += b"<h1>Two men detained</h1>" + b"<p>They were detained in April 2020.</p>" * 20
HTML_PAGE += b"</article></body></html>"
FILES = {"sources:capture": ("page.html", HTML_PAGE)}

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

# --- who sends, and where ----------------------------------------------------------------


@pytest.fixture
def fuzzer(personas, world, monkeypatch, settings) -> Fuzzer:
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


def pages(fuzzer: Fuzzer, every: list[Target]) -> dict[tuple[str, str], Form]:
    """Every form that posts, by (session, path), read from each page each session opens."""
    found: dict[tuple[str, str], Form] = {}
    for target in every:
        response = fuzzer.clients[target.session].get(target.url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        for form in forms_on(response, target.url):
            if form.method != "post":
                continue
            known = found.setdefault((target.session, form.action), form)
            if known is not form:
                for name, form_field in form.fields.items():
                    known.fields.setdefault(name, form_field)
    return found


def once_token(client: Client) -> str:
    """A token for a form sent once, as the form's page issues it (it stays unspent:
    each request is rolled back, its use of the token with it)."""
    session = client.session
    tokens = session.get("haven_once", [])
    token = f"fuzz-{len(tokens)}"
    session["haven_once"] = [*tokens, token]
    session.save()
    return token


def replaced(fields: Fields, name: str, value: Value) -> Fields:
    """``fields`` with ``name`` given ``value`` (once) instead of what it had."""
    return [*((key, old) for key, old in fields if key != name), (name, value)]


# --- the tests -------------------------------------------------------------------------


def test_every_form_takes_hostile_values_without_a_500(fuzzer, world):
    every = targets(world)
    found = pages(fuzzer, every)
    for target in every:
        first = fuzzer.send(target, "an empty body")
        if first is not None and first.status_code == 405:
            continue  # GET only: the query-string test opens it
        if target.name in JSON_BODIES:
            continue  # fuzzed as JSON, by the test below
        if target.name in NOT_JSON:
            target.form = Form(target.url, multipart=True)
            target.form.add("file", "file", None)
            send_malformed(fuzzer, target)
            continue
        target.form = found.get((target.session, urlsplit(target.url).path))
        if target.form is None and target.name in DECLARED_FORMS:
            form_class, values = DECLARED_FORMS[target.name]
            objects = [form_class()] if form_class is not None else []
            target.form = Form(target.url, multipart=False, objects=objects, refusing=True)
            for name, value in values.items():
                target.form.add(name, "hidden", value)
        if target.form is None:
            fuzzer.failures.append(f"{target.name} takes a POST, but no page has its form")
            continue
        fuzz_form(fuzzer, target, Judge(target.form, fuzzer.users.get(target.session), first))
        send_malformed(fuzzer, target)
    assert not fuzzer.failures, fuzzer.report()


# Sent in each field of a JSON body in turn: what gets past a parser into code that
# assumed a string, a small number, a flat value or text that encodes.
JSON_DANGERS = [
    ("1 MB", "x" * (1 << 20)),
    ("NUL", "a\x00b"),
    ("a lone surrogate", "\ud800"),
    ("huge number", int(HUGE_NUMBER)),
    ("huge float", 1e308),
    ("minus one", -1),
    ("zero", 0),
    ("true", True),
    ("null", None),
    ("a list", ["x", 1, None]),
    ("an object", {"id": "x", "code": 1}),
    ("a deep list", [[[[[[[[[[[["x"]]]]]]]]]]]]),
    ("year 9999", "9999-12-31"),
    ("year 1", "0001-01-01"),
    ("a time in year 1", "0001-01-01T00:30:00+03:00"),
    ("after 9999", "after 9999"),
    ("year of 32 digits", "summer 10000000000000000000000000000000"),
    ("31 February", "31.02.2020"),
    ("an id of another kind", "00000000-0000-0000-0000-000000000001"),
    ("SQL", "'; DROP TABLE people_person; --"),
    ("markup", '<script>alert("x")</script>{{ 7*7 }}{% debug %}'),
    ("format", "%(x)s %s %n {0}"),
    ("combining", "e" + "\u0301" * 5000),
]
# Whole bodies that are not the JSON object a route reads.
NOT_AN_OBJECT = [
    ("not JSON", b"{not json"),
    ("cut short", b'{"name": "x'),
    ("NaN", b'{"name": NaN}'),
    ("a list", b"[1, 2]"),
    ("a string", b'"x"'),
    ("null", b"null"),
    ("nested 100 000 deep", b"[" * 100_000 + b"]" * 100_000),
    ("not UTF-8", b'{"name": "' + NOT_UTF8 + b'"}'),
    ("a lone surrogate as a key", b'{"\\ud800": 1}'),
    ("the same key twice", b'{"name": "x", "name": 1}'),
]


def test_every_api_body_takes_hostile_values_without_a_500(fuzzer, world):
    """Every API route that reads a JSON body (each must be named in ``JSON_BODIES`` or
    ``NOT_JSON``) gets a body it takes with each field in turn given each hostile value,
    with unknown fields, and bodies that are not JSON, in other charsets, too large."""
    import json

    from django.conf import settings

    api = [
        target
        for target in targets(world)
        if target.name.startswith("api:") or target.name.startswith("otp_webauthn:")
    ]
    for target in api:
        method = "PATCH" if target.name.endswith("-detail") else "POST"
        first = fuzzer.send(
            target, "an empty JSON object", b"{}", "application/json", method=method
        )
        if first is not None and first.status_code == 405:
            continue
        if target.name not in JSON_BODIES:
            if target.name not in NOT_JSON:
                fuzzer.failures.append(f"{target.name} reads a body, but JSON_BODIES lacks it")
            continue
        base = JSON_BODIES[target.name](world)

        def send(what, body, content_type="application/json", target=target, method=method):
            if not isinstance(body, bytes):
                body = json.dumps(body).encode()
            fuzzer.send(target, what, body, content_type, method=method, HTTP_IF_MATCH="*")

        send("the body as a client sends it", base)
        send("with fields it does not have", {**base, "x\x00": 1, "__class__": "x", "": ""})
        for name in base:
            for label, value in JSON_DANGERS:
                send(f"{name} given {label}", {**base, name: value})
        for label, body in NOT_AN_OBJECT:
            send(label, body)
        encoded = json.dumps(base).encode()
        send("a charset that is none", encoded, "application/json; charset=no-such-charset")
        send("UTF-16 said, UTF-8 sent", encoded, "application/json; charset=utf-16")
        send("a form said", encoded, URLENCODED)
        send("more than Django reads", b"[" + b"1," * settings.DATA_UPLOAD_MAX_MEMORY_SIZE + b"1]")
    assert not fuzzer.failures, fuzzer.report()


def fuzz_form(fuzzer: Fuzzer, target: Target, judge: Judge) -> None:
    form = target.form
    for name, value in FILLED.get(target.name, {}).items():
        form.fields[name] = FormField(name, "hidden", [str(value(fuzzer.world))])
    token = once_token(fuzzer.clients[target.session])
    base: Fields = []
    for name, form_field in form.fields.items():
        if name not in NOT_SENT and form_field.kind != "file":
            values = [token] if name == once.FIELD else filled(form_field)
            base += [(name, value) for value in values]
    filename, content = FILES.get(target.name, ("evidence.pdf", PDF))
    files = [name for name, form_field in form.fields.items() if form_field.kind == "file"]
    good_files = [(name, filename, content) for name in files]
    names = [name for name in form.fields if name not in NOT_SENT and name not in files]

    def post(what: str, fields: Fields, files=good_files, follow=False, recorded=False):
        return fuzzer.post(target, what, fields, files, follow=follow, recorded=recorded)

    unknown = [("x\x00", "y"), ("", ""), ("page", HUGE_NUMBER), ("__class__", "x")]
    post("the form as shown, and fields it does not have", base + unknown)
    twice = base + [(name, HUGE_NUMBER) for name in names]
    if not judge.known_outcome(twice, names):
        post("every field twice, a huge number last", twice)

    dangerous = {label for label, _value in DANGEROUS}
    for label, value in [
        *DANGEROUS,
        *((label, value) for label, value in EVERY if label in EACH_TYPED | {"mixed"}),
    ]:
        if label in dangerous:
            for name in files:
                hostile = (name, value, content + value_bytes(value))
                others = [file for file in good_files if file[0] != name]
                post(f"the file of {name} named {label}", base, [*others, hostile])
        if label in TEXT_DANGERS:
            # The token and the version are compared whole with what the session or the
            # record holds: a megabyte, and every danger in one value, will do for them.
            fuzzed = [name for name in names if name not in KEPT or label == "1 MB"]
        elif label in dangerous:  # a number or a date: only text in a text box
            fuzzed = [name for name in names if judge.typed(name) or judge.reads_itself(name)]
        elif label == "mixed":
            fuzzed = [name for name in names if name in KEPT]
        else:
            fuzzed = [name for name in names if judge.typed(name)]
        taken = [
            name
            for name in fuzzed
            if not judge.refuses_field(replaced(base, name, value), name)
            and not judge.known_outcome(replaced(base, name, value), [name])
        ]
        # The token and the version on their own: a hostile one ends the request
        # before the form is used (the token of a form that creates is spent, the
        # version of one that edits compared).
        for name in (name for name in taken if name in KEPT):
            post(f"{name}={label}", replaced(base, name, value))
        # The other fields that take it, in one request (then the page that shows what
        # was saved); when that one is refused, which may be another field's doing,
        # each field in turn.
        together = [name for name in taken if name not in KEPT]
        show = label not in TEXT_DANGERS  # text is drawn escaped, whatever it holds
        if len(together) > 1:
            fields = [(key, old) for key, old in base if key not in together]
            fields += [(name, value) for name in together]
            answer = post(f"{'+'.join(together)}={label}", fields, follow=show, recorded=True)
            if answer is not None and answer.status_code < 400:
                continue
            together = judge.not_refused_in(answer, together)
        for name in together:
            post(f"{name}={label}", replaced(base, name, value), follow=show)

    hostile = [name for name in names if name not in KEPT]
    for label, value in EVERY if hostile else ():
        fields = [(key, old) for key, old in base if key not in hostile]
        fields += [(name, value) for name in hostile]
        if label in DRAWN or not judge.known_outcome(fields, hostile):
            hostile_files = [(name, value, value_bytes(value)) for name in files]
            post(f"every field={label}", fields, hostile_files)


def send_malformed(fuzzer: Fuzzer, target: Target) -> None:
    """Upload forms get bodies that are not what they say (Django parses every
    multipart body with the same code, up to the view)."""
    from django.conf import settings

    if not target.form.multipart:
        return
    fields = [(name, "x") for name in target.form.fields if name not in NOT_SENT]
    body = multipart(fields, [("file", "evidence.pdf", PDF)])
    malformed = [
        ("cut short", body[: len(body) // 2], MULTIPART),
        ("no boundary", body, "multipart/form-data"),
        ("another boundary", body, "multipart/form-data; boundary=SomethingElse"),
        ("an empty boundary", body, 'multipart/form-data; boundary=""'),
        ("a boundary of 1000 characters", body, f"multipart/form-data; boundary={'b' * 1000}"),
        ("no closing boundary", body.removesuffix(f"--{BOUNDARY}--\r\n".encode()), MULTIPART),
        (
            "a part with no name",
            f"--{BOUNDARY}\r\nContent-Disposition: form-data\r\n\r\nx\r\n--{BOUNDARY}--\r\n".encode(),
            MULTIPART,
        ),
        (
            "a part with no headers",
            f"--{BOUNDARY}\r\n\r\nx\r\n--{BOUNDARY}--\r\n".encode(),
            MULTIPART,
        ),
        (
            "a header of 1 MB",
            f"--{BOUNDARY}\r\nX: {'h' * (1 << 20)}\r\n\r\nx\r\n--{BOUNDARY}--\r\n".encode(),
            MULTIPART,
        ),
        ("not UTF-8 names", multipart([(NOT_UTF8, "x")], [(NOT_UTF8, NOT_UTF8, PDF)]), MULTIPART),
        ("a charset that is none", body, f"{MULTIPART}; charset=no-such-charset"),
        ("UTF-16 said, UTF-8 sent", body, f"{MULTIPART}; charset=utf-16"),
        ("garbage", b"\x00\xff" * 1000, MULTIPART),
        ("URL-encoded said", body, URLENCODED),
        ("JSON said", body, "application/json"),
        ("more than Django reads", b"x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1), URLENCODED),
        ("more fields than Django reads", b"&".join([b"x=1"] * 1001), URLENCODED),
    ]
    for what, payload, content_type in malformed:
        fuzzer.send(target, what, payload, content_type)
    fuzzer.send(target, "a negative length", body, MULTIPART, CONTENT_LENGTH="-1")


# Sent in a query string to every filter of a list page, one after another.
LIST_QUERY_VALUES = {
    "NUL",
    "not UTF-8",
    "huge number",
    "year 9999",
    "year 1",
    "after 9999",
    "markup",
}


def test_every_page_takes_hostile_query_strings_without_a_500(fuzzer, world):
    """Lists read their filters, sort and page from the query string (or from a POSTed
    lookup, fuzzed above); any page may get a query string it does not expect."""
    mixed = quote_plus(value_bytes(dict(EVERY)["mixed"]))
    usual = f"page=1&page={HUGE_NUMBER}&sort=-x&sort={mixed}&q={mixed}&next={mixed}"
    for target in targets(world):
        response = fuzzer.get(target, "page, sort, q and next: hostile and twice", usual)
        if response is None or response.status_code not in {200, 400}:
            continue  # not a page for this session, or one that takes no GET
        names = set()
        if "html" in response.get("Content-Type", ""):  # a list refusing its filters too
            for form in forms_on(response, target.url):
                own = form.action == urlsplit(target.url).path
                if form.method == "get" or (own and {"q", "sort"} & set(form.fields)):
                    names |= set(form.fields) - NOT_SENT
        for label, value in EVERY if names else ():
            if label in LIST_QUERY_VALUES:
                query = "&".join(f"{quote_plus(n)}={quote_plus(value_bytes(value))}" for n in names)
                fuzzer.get(target, f"{'&'.join(sorted(names))}={label}", query)
    assert not fuzzer.failures, fuzzer.report()


def test_ids_too_large_for_the_database_in_urls_are_not_found(fuzzer, world):
    """A route's integer argument (a term, a place, a move's number) beyond any id."""
    for route in all_routes():
        ints = [key for key, value in route.kwargs.items() if isinstance(value, int)]
        if not ints:
            continue
        kwargs = ROUTES[route.name].kwargs(world)
        for value in (0, int(HUGE_NUMBER), 2**63):
            url = reverse(route.name, kwargs={**kwargs, **dict.fromkeys(ints, value)})
            target = Target(route.name, url, session_for(route.name))
            fuzzer.get(target, f"{ints}={value}", "")
            fuzzer.send(target, f"{ints}={value}", urlencoded([("x", "1")]))
    assert not fuzzer.failures, fuzzer.report()
