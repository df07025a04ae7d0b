"""One submission per form: a second submit of the same form (a double click, a
resend after a slow connection timed out) saves nothing and says so."""

from __future__ import annotations

import secrets

FIELD = "once"
_KEY = "haven_once"
_KEEP = 50


def issue(request) -> str:
    token = secrets.token_urlsafe(16)
    tokens = request.session.get(_KEY, [])[-(_KEEP - 1) :]
    request.session[_KEY] = [*tokens, token]
    return token


def consume(request) -> bool:
    """True the first time this form's token comes back; False on a repeat."""
    token = request.POST.get(FIELD, "")
    tokens = request.session.get(_KEY, [])
    if token and token in tokens:
        tokens.remove(token)
        request.session[_KEY] = tokens
        return True
    return False
