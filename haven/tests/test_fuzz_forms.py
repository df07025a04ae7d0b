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

The values, the sessions and the records are ``fuzzing``'s, shared with the walks of the
API's JSON bodies (``test_fuzz_api``) and of query strings (``test_fuzz_queries``).

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

from urllib.parse import urlsplit

import pytest
from django.test import Client

from conftest import PASSWORD
from haven.accounts.forms import KeyNameForm, LockdownConfirmForm
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
    value_bytes,
)
from haven.tests.fuzzing import (
    DANGEROUS,
    EACH_TYPED,
    EVERY,
    HUGE_NUMBER,
    JSON_BODIES,
    NOT_JSON,
    NOT_UTF8,
    TEXT_DANGERS,
    targets,
)
from haven.vocab.models import term
from haven.web import once

pytestmark = pytest.mark.django_db

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
    # Shown when a team has more people than a page compares while it waits: a button.
    "people:find_duplicates": (None, {}),
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
