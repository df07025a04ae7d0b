"""Back-off for failed sign-ins.

Failures are counted under two keys: the (account, address) pair and the address
alone. Only the failing address is slowed down, so an attacker cannot lock the
account's owner out from elsewhere; a single address guessing across many accounts
hits the per-address limit. The account part is the e-mail as typed, so unknown
and known accounts are throttled alike (no enumeration through the throttle).
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from haven.accounts.models import LoginThrottle

BASE_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(hours=1)
# Failures older than this, with no lock in force, are forgotten.
WINDOW = timedelta(hours=1)


def _keys(email: str, address: str | None) -> list[tuple[str, int]]:
    address = address or "-"
    pair = hashlib.sha256(f"pair|{email.strip().lower()}|{address}".encode()).hexdigest()
    alone = hashlib.sha256(f"addr|{address}".encode()).hexdigest()
    return [
        (pair, settings.HAVEN_LOGIN_FAILURES_BEFORE_BACKOFF),
        (alone, settings.HAVEN_ADDRESS_FAILURES_BEFORE_BACKOFF),
    ]


def seconds_to_wait(email: str, address: str | None) -> int:
    """0 when a sign-in attempt may proceed, else how long the caller must wait."""
    now = timezone.now()
    keys = [key for key, _limit in _keys(email, address)]
    until = (
        LoginThrottle.objects.filter(key__in=keys, locked_until__gt=now)
        .order_by("-locked_until")
        .values_list("locked_until", flat=True)
        .first()
    )
    return 0 if until is None else max(1, int((until - now).total_seconds()) + 1)


def register_failure(email: str, address: str | None) -> None:
    now = timezone.now()
    for key, limit in _keys(email, address):
        throttle, _created = LoginThrottle.objects.get_or_create(key=key)
        idle = now - throttle.updated_at > WINDOW
        unlocked = throttle.locked_until is None or throttle.locked_until <= now
        if idle and unlocked:
            LoginThrottle.objects.filter(pk=throttle.pk).update(failures=0, locked_until=None)
        LoginThrottle.objects.filter(pk=throttle.pk).update(
            failures=F("failures") + 1, updated_at=now
        )
        throttle.refresh_from_db()
        if throttle.failures >= limit:
            delay = min(BASE_DELAY * 2 ** min(throttle.failures - limit, 8), MAX_DELAY)
            LoginThrottle.objects.filter(pk=throttle.pk).update(locked_until=now + delay)


def register_success(email: str, address: str | None) -> None:
    pair_key = _keys(email, address)[0][0]
    LoginThrottle.objects.filter(key=pair_key).delete()
