"""The notifications' verbs: a case or request handed to someone, read marks, the digest.

``case_handed`` and ``request_assigned`` are called by the cases verbs inside the
transaction of the change they announce (a refused change leaves no notification);
they write nothing when there is no one to tell (no lead, or the lead handed it to
themselves).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from haven.audit.actions import record
from haven.notifications.models import DigestSubscription, Notification
from haven.notifications.selectors import unread_notifications


def _pk(user):
    return getattr(user, "pk", None)


def case_handed(case, *, by, previous_lead_id=None) -> Notification | None:
    """Tell the case's lead that ``by`` handed them the case (opened it for them, or
    made them its lead)."""
    if case.lead_id is None or case.lead_id in (previous_lead_id, _pk(by)):
        return None
    return Notification.objects.create(
        recipient_id=case.lead_id, kind=Notification.Kind.CASE_HANDED, case=case, by=by
    )


def request_assigned(request, *, by) -> Notification | None:
    """Tell the lead of the request's case that ``by`` added the request to it."""
    case = request.case
    if case is None or case.lead_id is None or case.lead_id == _pk(by):
        return None
    return Notification.objects.create(
        recipient_id=case.lead_id,
        kind=Notification.Kind.REQUEST_ASSIGNED,
        case=case,
        request=request,
        by=by,
    )


def mark_read(notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])


def mark_all_read(user) -> int:
    """Mark every unread notification ``user`` can see as read; how many there were."""
    return unread_notifications(user).update(read_at=timezone.now())


@transaction.atomic
def set_digest(user, wanted: bool) -> None:
    """Start or stop ``user``'s daily e-mail digest."""
    if wanted:
        _subscription, created = DigestSubscription.objects.get_or_create(user=user)
    else:
        created = DigestSubscription.objects.filter(user=user).delete()[0] > 0
    if created:
        action = "digest.subscribed" if wanted else "digest.unsubscribed"
        record(f"notifications.{action}", actor=user, target=user)
