"""What stands between the public page and a flood: form tokens and rate limits.

A proof of work needs a script in the browser, and the page has none; a third-party
check (a CAPTCHA service) would tell that service who asks for help. So a form carries
a signed token instead: it says when the form was shown, and a form sent sooner than
``HAVEN_INTAKE_MIN_FILL_SECONDS`` after that, or sent twice, or with the hidden
"website" field filled in (a field no person sees), is a machine's. The token is signed
with the instance's secret key, so it also does what a CSRF token would without a
cookie: a page elsewhere cannot make a browser send a valid one.

Rate limits count attempts per address and for everyone in fixed windows, in the
database (every worker sees the same counts), under keyed hashes of the addresses.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import secrets
import time
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import connection
from django.utils import timezone

from haven.intake.models import Counter
from haven.intake.receipts import instance_key

TOKEN_SALT = "haven.intake.form"  # noqa: S105 - a signing namespace, not a secret
HONEYPOT = "website"
PERIODS = {"minute": 60, "hour": 3600, "day": 86400}

OK, TOO_FAST, STALE, BAD = "ok", "too_fast", "stale", "bad"


def new_form_token() -> str:
    return signing.dumps({"n": secrets.token_urlsafe(12), "t": int(time.time())}, salt=TOKEN_SALT)


def check_form_token(token: str) -> str:
    """``OK``, or why the form is refused: ``TOO_FAST``, ``STALE`` or ``BAD`` (forged,
    or already used). A good token is spent by this call."""
    try:
        value = signing.loads(
            token or "", salt=TOKEN_SALT, max_age=settings.HAVEN_INTAKE_MAX_FORM_AGE
        )
    except signing.SignatureExpired:
        return STALE
    except signing.BadSignature:
        return BAD
    if time.time() - value.get("t", 0) < settings.HAVEN_INTAKE_MIN_FILL_SECONDS:
        return TOO_FAST
    if not _first_use(value.get("n", "")):
        return BAD
    return OK


def _first_use(nonce: str) -> bool:
    return _bump(_hash("token", nonce), timezone.now()) == 1


def _bump(key: str, window_start) -> int:
    """Count one under ``key`` and return the count, in one statement (an upsert): under a
    flood each attempt is one short write, and two workers cannot both see a count
    before either adds to it."""
    table = connection.ops.quote_name(Counter._meta.db_table)  # the model's own name
    upsert = (
        f'INSERT INTO {table} ("key", "window_start", "count") VALUES (%s, %s, 1) '  # noqa: S608
        f'ON CONFLICT ("key") DO UPDATE SET "count" = {table}."count" + 1 RETURNING "count"'
    )
    with connection.cursor() as cursor:
        cursor.execute(upsert, [key, connection.ops.adapt_datetimefield_value(window_start)])
        return cursor.fetchone()[0]


def parse_rate(rate: str) -> tuple[int, int] | None:
    """("10/hour") -> (10, 3600); "off" -> None. Refuses anything else loudly."""
    if rate.strip().lower() in ("off", "", "0"):
        return None
    count, _slash, unit = rate.partition("/")
    if not count.strip().isdigit() or unit.strip() not in PERIODS:
        raise ValueError(f"a rate is '<n>/minute', '<n>/hour', '<n>/day' or 'off'; got {rate!r}")
    return int(count), PERIODS[unit.strip()]


def _hash(*parts: str) -> str:
    return hmac.new(
        instance_key("intake counter"), "|".join(parts).encode(), hashlib.sha256
    ).hexdigest()


def _key(purpose: str, address: str | None, period: int) -> tuple[str, int]:
    window = int(time.time()) // period
    return _hash(purpose, address or "*", str(period), str(window)), window * period


def over_limit(purpose: str, address: str | None, rate: str) -> bool:
    """Whether ``address`` (``None``: everyone) already used up ``rate`` for ``purpose``."""
    parsed = parse_rate(rate)
    if parsed is None:
        return False
    limit, period = parsed
    key, _start = _key(purpose, address, period)
    count = Counter.objects.filter(key=key).values_list("count", flat=True).first() or 0
    return count >= limit


def count(purpose: str, address: str | None, rate: str) -> int:
    """Count one attempt of ``address`` (``None``: everyone) for ``purpose``; the count
    in this window so far (0 when the rate is off)."""
    parsed = parse_rate(rate)
    if parsed is None:
        return 0
    _limit, period = parsed
    key, start = _key(purpose, address, period)
    counted = _bump(key, timezone.now() - timedelta(seconds=time.time() - start))
    if random.random() < 0.01:  # noqa: S311 - housekeeping, not security
        forget_old()
    return counted


def forget_old() -> int:
    """Remove counters (and spent form tokens) older than a day: they count nothing now."""
    age = max(settings.HAVEN_INTAKE_MAX_FORM_AGE, PERIODS["day"])
    return Counter.objects.filter(
        window_start__lt=timezone.now() - timedelta(seconds=age)
    ).delete()[0]


def limited(purpose: str, address: str | None, per_address: str, overall: str) -> bool:
    """Whether this attempt is over either limit. It is counted for its address first,
    and for everyone only when the address was within its own limit: one address's
    flood does not use up everyone's allowance."""
    for who, rate in ((address, per_address), (None, overall)):
        parsed = parse_rate(rate)
        if parsed is not None and count(purpose, who, rate) > parsed[0]:
            return True
    return False
