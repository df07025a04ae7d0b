"""The daily e-mail digest: counts and case codes, never what a record says.

E-mail leaves the instance in clear and sits in mailboxes Haven does not control, so
the digest names only pseudonymous case codes and how many reminders each has, and
links to the instance; titles, names, narratives, authorities and dates stay behind
the sign-in. Each user gets it in their own language.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext

from haven.audit.actions import record
from haven.notifications.mail import DigestError, mail, site_url, withheld
from haven.notifications.models import DigestSubscription
from haven.notifications.selectors import summary_for

__all__ = ["DigestError", "DigestRun", "send_digests", "site_url"]


@dataclass
class DigestRun:
    sent: int = 0
    nothing_to_report: int = 0
    already_sent: int = 0
    failed: int = 0
    withheld: str = ""

    def __str__(self) -> str:
        if self.withheld:
            return f"nothing sent: {self.withheld}"
        return (
            f"{self.sent} sent, {self.nothing_to_report} with nothing to report, "
            f"{self.already_sent} already sent today, {self.failed} failed"
        )


def send_digests(today=None) -> DigestRun:
    """Send today's digest to every active subscriber who has something to read.

    A subscriber already sent one today is skipped, so a second run (a cron retry) sends
    nothing twice; a failed send is retried by the next run. One audit entry per e-mail
    lists the cases it named, and one for the run. Nothing is sent during a lockdown.
    """
    base = site_url()
    today = today or timezone.localdate()
    run = DigestRun()
    run.withheld = withheld("notifications.digest.withheld")
    if run.withheld:
        return run
    subscriptions = DigestSubscription.objects.filter(user__is_active=True).select_related("user")
    for subscription in subscriptions.order_by("pk"):
        if subscription.last_sent_on == today:
            run.already_sent += 1
            continue
        user = subscription.user
        summary = summary_for(user, today)
        if not summary.total:
            run.nothing_to_report += 1
            continue
        if not mail(user, lambda: _message(summary, base, today), "digest"):  # noqa: B023
            run.failed += 1
            continue
        subscription.last_sent_on = today
        subscription.save(update_fields=["last_sent_on"])
        record(
            "notifications.digest.sent",
            target=user,
            summary=f"{summary.total} reminders on {len(summary.cases)} cases",
            records=summary.cases.values(),
        )
        run.sent += 1
    record("notifications.digest.run", summary=str(run))
    return run


def _message(summary, base: str, today) -> tuple[str, str]:
    subject = ngettext("Haven: %(count)d reminder", "Haven: %(count)d reminders", summary.total) % {
        "count": summary.total
    }
    body = render_to_string(
        "notifications/email/digest.txt",
        {
            "summary": summary,
            "counts": summary.counts,
            "by_case": sorted(summary.by_case.items()),
            "today": today,
            "reminders_url": base + reverse("notifications:list"),
            "account_url": base + reverse("accounts:account"),
        },
    )
    return subject, body
