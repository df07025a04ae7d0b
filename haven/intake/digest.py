"""The intake team's e-mail digest: how many public requests wait, and a link; nothing else.

E-mail leaves the instance in clear and sits in mailboxes Haven does not control, so the
digest says only how many public requests came in since the last one and how many wait
for someone to take them, and links to the queue. No name, text, place, language,
urgency or anything else a person wrote goes into it: the counts are all it reads.

It goes to the members of ``HAVEN_INTAKE_TEAM`` who opted in on their account page
(members who can open the team's records), each in their own language, and only when a
request came in after their last one. During a lockdown nothing is sent: the instance
is closed to its users, and a mail inviting them to the queue is what a lockdown is meant
to stop; what came in is told in the first digest after it is lifted.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext

from haven.accounts.models import Membership
from haven.audit.actions import record
from haven.intake.actions import intake_team
from haven.intake.models import DigestSubscription
from haven.intake.selectors import waiting
from haven.notifications.mail import DigestError, mail, site_url, withheld

__all__ = ["DigestError", "DigestRun", "send_intake_digests"]


@dataclass
class DigestRun:
    sent: int = 0
    nothing_new: int = 0
    failed: int = 0
    withheld: str = ""

    def __str__(self) -> str:
        if self.withheld:
            return f"nothing sent: {self.withheld}"
        return f"{self.sent} sent, {self.nothing_new} with nothing new, {self.failed} failed"


def recipients():
    """The opted-in subscriptions of active members of the intake team who can open its
    records and have an e-mail address."""
    team = intake_team()
    if team is None:
        return DigestSubscription.objects.none()
    members = Membership.objects.filter(team=team, access__in=Membership.RECORD_ACCESS)
    return (
        DigestSubscription.objects.filter(
            user__is_active=True, user__in=members.values("user"), user__email__gt=""
        )
        .select_related("user")
        .order_by("pk")
    )


def counts_for(user, since) -> tuple[int, int]:
    """(requests ``user`` may see that came in after ``since`` and wait, requests that
    wait with nobody on them). ``since`` None: every waiting one is new."""
    found = waiting(user).order_by()
    new = found if since is None else found.filter(created_at__gt=since)
    return new.count(), found.filter(request__assignee__isnull=True).count()


def send_intake_digests() -> DigestRun:
    """E-mail every recipient who has a request new to them. A failed send is tried
    again by the next run (its mark is not moved). One audit entry per e-mail, with the
    counts, and one for a run that sent or withheld anything."""
    run = DigestRun()
    run.withheld = withheld("intake.digest.withheld")
    if run.withheld:
        return run
    subscriptions = list(recipients())
    if not subscriptions:
        return run
    base = site_url()
    for subscription in subscriptions:
        user = subscription.user
        made_at = timezone.now()
        new, untaken = counts_for(user, subscription.last_sent_at)
        if not new:
            run.nothing_new += 1
            continue
        if not mail(user, lambda: _message(new, untaken, base), "intake digest"):  # noqa: B023
            run.failed += 1
            continue
        DigestSubscription.objects.filter(pk=subscription.pk).update(last_sent_at=made_at)
        record("intake.digest.sent", target=user, summary=f"{new} new, {untaken} untaken")
        run.sent += 1
    if run.sent or run.failed:
        record("intake.digest.run", summary=str(run))
    return run


def _message(new: int, untaken: int, base: str) -> tuple[str, str]:
    subject = ngettext(
        "Haven: %(count)d new public request",
        "Haven: %(count)d new public requests",
        new,
    ) % {"count": new}
    body = render_to_string(
        "intake/email/digest.txt",
        {
            "new": new,
            "untaken": untaken,
            "queue_url": base + reverse("intake:queue"),
            "account_url": base + reverse("accounts:account"),
        },
    )
    return subject, body
