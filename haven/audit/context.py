"""Who is acting, from where and through which interface: set once by each interface.

Kept apart from the audit models so that the ``haven`` command can set its context
before Django is set up.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.http import HttpRequest


class Channel:
    """The ways into Haven; each entry says which one it came through."""

    WEB = "web"
    API = "api"
    CLI = "cli"
    JOB = "job"
    INTAKE = "intake"


@dataclass(frozen=True)
class AuditContext:
    """Who is acting, from where and through which interface.

    Each interface sets one around its work (the web middleware per request, the
    ``haven`` command per run, a job per task), so that entries written deep inside
    an action carry it without every function passing it along. ``actor`` is a
    user; an anonymous submitter (the public request form) has none and is named
    by ``submitter`` instead, never by anything that identifies them.
    """

    channel: str
    actor: object | None = None
    address: str | None = None
    submitter: str = ""
    request: HttpRequest | None = None

    def current_actor(self):
        if self.actor is not None:
            return self.actor
        user = getattr(self.request, "user", None)
        return user if user is not None and user.is_authenticated else None


_current: ContextVar[AuditContext | None] = ContextVar("haven_audit_context", default=None)


@contextmanager
def audit_context(channel: str, *, actor=None, address=None, submitter="", request=None):
    """Entries written inside carry this channel, actor and address (unless given)."""
    token = _current.set(AuditContext(channel, actor, address, submitter, request))
    try:
        yield
    finally:
        _current.reset(token)


def current_context() -> AuditContext | None:
    return _current.get()


def switch_context(channel: str, *, actor=None, address=None, request=None) -> None:
    """From here to the end of the enclosing ``audit_context``, entries carry this channel
    and actor: for an interface that learns who is acting only part-way through a
    request (the API, once a token is read). The enclosing context's exit restores
    what was there before. Outside any context (a streamed response read after its
    request ended) it changes nothing: nothing would restore what it set."""
    if _current.get() is None:
        return
    _current.set(AuditContext(channel, actor, address, "", request))
