"""What the triage queue reads, through ``visible_to``."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Value, When

from haven.cases.models import Request
from haven.intake.models import Submission

URGENCY_RANK = Case(
    *(
        When(request__urgency=code, then=Value(rank))
        for rank, code in enumerate(Request.Urgency.values)
    ),
    output_field=IntegerField(),
)


def waiting(user, *, urgency: str = "", language: str = ""):
    """The public requests ``user`` may see that wait for triage (not spam, not on a case):
    the most urgent first, then the newest."""
    found = (
        Submission.objects.visible_to(user)
        .filter(
            state=Submission.State.NEW,
            request__case__isnull=True,
            request__deleted_at__isnull=True,
        )
        .select_related("request", "request__assignee")
        .annotate(urgency_rank=URGENCY_RANK)
        .order_by("urgency_rank", "-request__received_at", "pk")
    )
    if urgency:
        found = found.filter(request__urgency=urgency)
    if language:
        found = found.filter(language=language)
    return found


def waiting_among(user, uuids) -> list:
    """The submissions among ``uuids`` that ``user`` may see and that still wait; ids
    that are not UUIDs, not waiting or not visible are left out."""
    try:
        return list(waiting(user).filter(uuid__in=uuids))
    except ValidationError:  # an id that is not a UUID
        return []
