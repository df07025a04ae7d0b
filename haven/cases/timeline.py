"""A case's story in time order, and its picture: one lane per kind of event.

Events stand at the day they happened (an action when it was done, a note on the day
it tells of, a status from the day it took effect), not the day they were entered;
``entered`` keeps the latter, for the page to show second when the two differ.
"""

from __future__ import annotations

from dataclasses import dataclass
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


@dataclass
class CaseEvent(Event):
    when: str = ""  # how vague the day is, for people ("summer 2021"); empty: exact
    entered: date | None = None  # when it was written into Haven, if another day


def _entered(day: date, entered) -> date | None:
    entered = _day(entered)
    return entered if entered != day else None


def _day(value) -> date:
    if isinstance(value, datetime):
        return timezone.localtime(value).date()
    return value


def case_events(case) -> list[CaseEvent]:
    events: list[CaseEvent] = []
    for request in case.requests.live().select_related("channel"):
        events.append(
            CaseEvent(
                _day(request.received_at),
                "request",
                _("Request by %(channel)s") % {"channel": request.channel.label},
                request.summary,
            )
        )
        for message in request.messages.live():
            events.append(
                CaseEvent(
                    _day(message.sent_at),
                    "request",
                    _("Message from the person")
                    if message.from_requester
                    else _("Message to the person"),
                    message.text,
                )
            )
    versions = RecordVersion.objects.filter(
        object_type="cases.case", object_uuid=case.uuid
    ).order_by("number")
    previous = None
    for version in versions:
        snapshot = version.snapshot
        status = snapshot.get("status")
        if status != previous:
            label = dict(case.Status.choices).get(status, status)
            # In effect from the day given with the change; the first from the opening.
            since = snapshot.get("status_since") or (
                snapshot.get("opened_on") if previous is None else None
            )
            day = date.fromisoformat(since) if since else _day(version.changed_at)
            events.append(
                CaseEvent(day, "status", str(label), entered=_entered(day, version.changed_at))
            )
            previous = status
    for assessment in case.assessments.live():
        events.append(
            CaseEvent(
                assessment.assessed_on,
                "risk",
                _("Risk: %(level)s") % {"level": assessment.get_level_display()},
                assessment.narrative or "",
                css=f"risk-{assessment.level}",
                entered=_entered(assessment.assessed_on, assessment.created_at),
            )
        )
    for action in case.actions.live().select_related("kind"):
        if action.is_petition:
            day = action.filed_on or _day(action.created_at)
            events.append(
                CaseEvent(
                    day,
                    "petition",
                    action.title,
                    action.kind.label,
                    entered=_entered(day, action.created_at),
                )
            )
            if action.decision_on:
                events.append(
                    CaseEvent(
                        action.decision_on,
                        "decision",
                        action.get_decision_display(),
                        action.measures or "",
                        css=f"decision-{action.decision}",
                    )
                )
        else:
            # Done: when it was done; not yet: when it was planned.
            done = action.done
            day = _day(action.created_at)
            if done:  # "before 2021" has no earliest day worth drawing
                day = done.latest if done.precision == "before" else done.earliest
            vague = done is not None and (done.precision != "day" or done.estimated)
            events.append(
                CaseEvent(
                    day,
                    "action",
                    action.title,
                    f"{action.kind.label} · {action.get_status_display()}",
                    when=done.label() if vague else "",
                    entered=_entered(day, action.created_at),
                )
            )
    for note in case.notes.live():
        day = note.happened_on or _day(note.written_at)
        events.append(
            CaseEvent(
                day, "note", note.text[:80], note.text, entered=_entered(day, note.written_at)
            )
        )
    events.sort(key=lambda event: (event.day, [k for k, _l in KINDS].index(event.kind)))
    return events


def picture(events: list[Event]) -> dict:
    return draw(events, KINDS)
