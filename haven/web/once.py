"""One submission per form: a second submit of the same form (a double click, a
resend after a slow connection timed out) saves nothing and says so."""

from __future__ import annotations

import secrets

from django.db import transaction

FIELD = "once"
_KEY = "haven_once"
_KEEP = 50


def issue(request) -> str:
    token = secrets.token_urlsafe(16)
    tokens = request.session.get(_KEY, [])[-(_KEEP - 1) :]
    request.session[_KEY] = [*tokens, token]
    return token


def consume(request) -> bool:
    """True the first time this form's token comes back; False on a repeat.

    A double click sends both requests at once, each with the session as it was when
    it arrived: so the tokens are read again from the database under a lock (a row
    lock on PostgreSQL, the write lock of an IMMEDIATE transaction on SQLite) and the
    spent one is written away before the lock is released.
    """
    token = request.POST.get(FIELD, "")
    if not token:
        return False
    session = request.session
    with transaction.atomic():
        tokens = _stored_tokens(session)
        if token not in tokens:
            session[_KEY] = tokens
            return False
        tokens.remove(token)
        session[_KEY] = tokens
        session.save()
    return True


def _stored_tokens(session) -> list[str]:
    from django.contrib.sessions.models import Session

    row = None
    if session.session_key:
        row = Session.objects.select_for_update().filter(session_key=session.session_key).first()
    if row is None:  # not saved yet, or not a database session
        return list(session.get(_KEY, []))
    return list(session.decode(row.session_data).get(_KEY, []))
