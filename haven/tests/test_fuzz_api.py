"""Hostile JSON on every API route that reads a body gets an answer, never a 500: each
field in turn given each value of ``JSON_DANGERS``, unknown fields, bodies that are not
a JSON object, in other charsets, too large (the routes and their bodies:
``fuzzing.JSON_BODIES``)."""

from __future__ import annotations

import pytest

from haven.tests.form_reading import URLENCODED
from haven.tests.fuzzing import HUGE_NUMBER, JSON_BODIES, NOT_JSON, NOT_UTF8, targets

pytestmark = pytest.mark.django_db


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
