"""E-mail to members, as both digests send it (the reminders' and the intake team's).

Each mail is written in its recipient's language; a failed send is logged and counted,
never raised, so one bad address does not stop the others; and during a lockdown nothing
is sent at all: the instance is closed to its users, and a mail inviting them back in is
what a lockdown is meant to stop.
"""

from __future__ import annotations

import logging
import smtplib

from django.conf import settings
from django.core.mail import send_mail
from django.core.management.base import CommandError
from django.utils import translation

from haven.accounts.models import Lockdown
from haven.audit.actions import record
from haven.audit.context import Channel, audit_context, current_context

log = logging.getLogger(__name__)

LOCKDOWN = "a lockdown is in force"


class DigestError(Exception):
    """The digest cannot be sent as configured; the message says how to fix it."""


def site_url() -> str:
    url = settings.HAVEN_SITE_URL.rstrip("/")
    if not url.startswith(("https://", "http://")):
        raise DigestError(
            "Set HAVEN_SITE_URL to the address people open Haven at "
            "(e.g. https://haven.example.org), so that the e-mail can link to it."
        )
    return url


def withheld(action: str) -> str:
    """Why nothing may be mailed now ("" when it may), recorded as ``action`` if so."""
    if Lockdown.objects.in_force():
        record(action, summary=LOCKDOWN)
        return LOCKDOWN
    return ""


def mail(user, compose, what: str) -> bool:
    """Send ``user`` the (subject, body) that ``compose()`` writes in their language;
    False when it could not be sent (logged with ``what`` and the user's id only)."""
    with translation.override(user.language or settings.LANGUAGE_CODE):
        subject, body = compose()
    try:
        send_mail(subject, body, None, [user.email])
    except (smtplib.SMTPException, OSError) as exc:
        log.warning("%s to user %s not sent: %s", what, user.pk, exc)
        return False
    return True


def run_command(command, label: str, send, errors: tuple = (DigestError,)) -> None:
    """The digest commands' shared body: ``send()`` in the command line's audit context
    (a job's when called from a scheduler), its run printed, a failed e-mail an error."""
    try:
        if current_context() is None:
            with audit_context(Channel.JOB):
                run = send()
        else:
            run = send()
    except errors as exc:
        raise CommandError(str(exc)) from None
    command.stdout.write(f"{label}: {run}.")
    if run.failed:
        raise CommandError(
            f"{run.failed} e-mail(s) could not be sent; check the HAVEN_EMAIL_* settings. "
            "The next run sends them again."
        )
