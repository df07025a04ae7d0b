"""What the reminders show, for the page, the header and the e-mail digest.

Two sources, both read through ``visible_to(user)``, so that a record the user may
no longer see (removed from the team, deleted, moved away) drops out by itself:

- work that is due, computed live from the actions' indexed dates: open actions of
  mine that are overdue or due within ``DUE_SOON_DAYS``, and petition deadlines from
  ``DEADLINE_KEPT_DAYS`` ago to ``DUE_SOON_DAYS`` ahead. An action is mine when I own
  it, or when nobody owns it and I lead its case; closed and deleted cases' work is
  not due.
- unread notifications (a case handed to me, a request added to my case), shown while
  I still lead the case.

The header's count is one statement of three indexed counts, compiled once per user and
day (``reminder_count``, ``haven.lib.counting``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import models
from django.db.models import F, Q, Value, When
from django.utils import timezone

from haven.cases.models import Case, CaseAction, Request
from haven.lib import counting
from haven.notifications.models import Notification

DUE_SOON_DAYS = 7
# A passed petition deadline stays on the list this long, then the case's page keeps it.
DEADLINE_KEPT_DAYS = 7

OVERDUE, DUE, DEADLINE, DEADLINE_PASSED = "overdue", "due", "deadline", "deadline_passed"


def _conditions(today: date) -> tuple[Q, Q, Q]:
    soon = today + timedelta(days=DUE_SOON_DAYS)
    overdue = Q(status__in=CaseAction.OPEN, due_on__lt=today)
    due = Q(status__in=CaseAction.OPEN, due_on__gte=today, due_on__lte=soon)
    deadline = Q(
        next_deadline__gte=today - timedelta(days=DEADLINE_KEPT_DAYS), next_deadline__lte=soon
    )
    return overdue, due, deadline


def due_actions(user, today: date | None = None):
    """The actions due, overdue or with a petition deadline near that are ``user``'s,
    each annotated with ``reminder`` (why it is listed) and ``reminder_on`` (the date
    that makes it so), soonest first. An overdue action is listed as overdue even when
    it also has a deadline near."""
    today = today or timezone.localdate()
    overdue, due, deadline = _conditions(today)
    return (
        _due(user, overdue | due | deadline)
        .annotate(
            reminder=models.Case(
                When(overdue, then=Value(OVERDUE)),
                When(deadline & Q(next_deadline__lt=today), then=Value(DEADLINE_PASSED)),
                When(deadline, then=Value(DEADLINE)),
                default=Value(DUE),
                output_field=models.CharField(),
            ),
            reminder_on=models.Case(
                When(overdue, then=F("due_on")),
                When(deadline, then=F("next_deadline")),
                default=F("due_on"),
            ),
        )
        .order_by("reminder_on", "pk")
    )


def _due(user, when: Q):
    """``user``'s actions of open cases, not cancelled, that ``when`` holds for."""
    return (
        CaseAction.objects.visible_to(user)
        .filter(case__deleted_at__isnull=True)
        .exclude(case__status=Case.Status.CLOSED)
        .exclude(status=CaseAction.Status.CANCELLED)
        # The owner index serves both sides: my actions, and the unowned ones kept only
        # for the ids of the cases I lead (a list, not a join per row). Unowned actions are
        # the few the forms leave without an owner.
        .filter(Q(owner=user) | Q(owner__isnull=True, case__in=_led_cases(user)))
        .filter(when)
    )


def _led_cases(user):
    return Case.objects.filter(lead=user).order_by().values("pk")


def notifications_for(user):
    """``user``'s notifications about cases they may see and still lead, newest first."""
    cases = Case.objects.visible_to(user).filter(lead=user).order_by().values("pk")
    requests = Request.objects.visible_to(user).filter(case__in=cases).order_by().values("pk")
    return Notification.objects.filter(recipient=user, case__in=cases).filter(
        Q(request__isnull=True) | Q(request__in=requests)
    )


def unread_notifications(user):
    return notifications_for(user).filter(read_at__isnull=True)


def waiting_requests(user):
    """Requests assigned to ``user`` that no case answers yet, oldest first."""
    return (
        Request.objects.visible_to(user)
        .filter(assignee=user, case__isnull=True)
        .order_by("received_at", "pk")
    )


def reminder_count(user) -> int:
    """What the header shows: due work, unread notifications and requests waiting
    (three indexed counts in one statement), or 0 for anyone not signed in.

    Every page shows it: the statement is compiled once per user and day (what
    building it reads: the user's id and whether the account is active, today's date)
    and run each time, so the count is as fresh as the data."""
    if user is None or not user.is_authenticated:
        return 0
    today = timezone.localdate()

    def build():
        overdue, due, deadline = _conditions(today)
        return [
            # The same actions as ``due_actions``, counted without building its labels.
            _due(user, overdue | due | deadline),
            unread_notifications(user),
            waiting_requests(user),
        ]

    return sum(counting.counts(("reminders", user.pk, user.is_active, today), build))


@dataclass
class Summary:
    """What the e-mail digest may say: counts by kind and by case code, nothing else."""

    counts: Counter = field(default_factory=Counter)
    by_case: Counter = field(default_factory=Counter)
    cases: dict = field(default_factory=dict)  # code -> Case, for the audit entry

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def summary_for(user, today: date | None = None) -> Summary:
    """Counts of ``user``'s reminders by kind and by case code (for the digest)."""
    summary = Summary()
    for reminder, case in _reminder_cases(user, today):
        summary.counts[reminder] += 1
        summary.by_case[case.code] += 1
        summary.cases[case.code] = case
    waiting = waiting_requests(user).count()
    if waiting:
        summary.counts["request_waiting"] += waiting
    return summary


def _reminder_cases(user, today):
    actions = (
        due_actions(user, today).select_related("case").only("case", "case__code", "case__uuid")
    )
    for action in actions:
        yield action.reminder, action.case
    for notification in (
        unread_notifications(user)
        .select_related("case")
        .only("kind", "case", "case__code", "case__uuid")
    ):
        yield notification.kind, notification.case
