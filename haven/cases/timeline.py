"""A case's story in time order, and its picture: one lane per kind of event."""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from haven.lib.timeline import Event
from haven.lib.timeline import picture as draw
from haven.records.models import RecordVersion

KINDS = [
    ("request", gettext_lazy("Requests")),
    ("status", gettext_lazy("Status")),
    ("risk", gettext_lazy("Risk")),
    ("action", gettext_lazy("Actions")),
    ("petition", gettext_lazy("Petitions")),
    ("decision", gettext_lazy("Decisions")),
    ("note", gettext_lazy("Notes")),
]


def _day(value) -> date:
    if isinstance(value, datetime):
        return timezone.localtime(value).date()
    return value


def case_events(case) -> list[Event]:
    events: list[Event] = []
    for request in case.requests.live().select_related("channel"):
        events.append(
            Event(
                _day(request.received_at),
                "request",
                _("Request by %(channel)s") % {"channel": request.channel.label},
                request.summary,
            )
        )
    versions = RecordVersion.objects.filter(
        object_type="cases.case", object_uuid=case.uuid
    ).order_by("number")
    previous = None
    for version in versions:
        status = version.snapshot.get("status")
        if status != previous:
            label = dict(case.Status.choices).get(status, status)
            events.append(Event(_day(version.changed_at), "status", str(label)))
            previous = status
    for assessment in case.assessments.live():
        events.append(
            Event(
                assessment.assessed_on,
                "risk",
                _("Risk: %(level)s") % {"level": assessment.get_level_display()},
                assessment.narrative or "",
                css=f"risk-{assessment.level}",
            )
        )
    for action in case.actions.live().select_related("kind"):
        if action.is_petition:
            day = action.filed_on or _day(action.created_at)
            events.append(Event(day, "petition", action.title, action.kind.label))
            if action.decision_on:
                events.append(
                    Event(
                        action.decision_on,
                        "decision",
                        action.get_decision_display(),
                        action.measures or "",
                        css=f"decision-{action.decision}",
                    )
                )
        else:
            events.append(
                Event(
                    _day(action.created_at),
                    "action",
                    action.title,
                    f"{action.kind.label} · {action.get_status_display()}",
                )
            )
    for note in case.notes.live():
        events.append(Event(_day(note.written_at), "note", note.text[:80], note.text))
    events.sort(key=lambda event: (event.day, [k for k, _l in KINDS].index(event.kind)))
    return events


def picture(events: list[Event]) -> dict:
    return draw(events, KINDS)
