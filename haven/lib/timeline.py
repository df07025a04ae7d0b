"""The picture of events in time: one lane per kind, x by date. Pages draw it as SVG
(``web/timeline.html``); a case and a person both use it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

WIDTH, LEFT, RIGHT, LANE, TOP = 1000, 110, 20, 34, 30


@dataclass
class Event:
    day: date
    kind: str
    label: str
    detail: str = ""
    css: str = ""
    x: float = 0
    y: float = 0


def picture(events: list[Event], kinds) -> dict:
    """Positions for the SVG: x by date across the events' span, y by lane (kind)."""
    lanes = [kind for kind, _label in kinds]
    height = TOP + LANE * len(lanes) + 30
    if not events:
        return {"events": [], "lanes": [], "ticks": [], "height": height, "width": WIDTH}
    first, last = events[0].day, max(event.day for event in events)
    if last == first:
        first, last = first - timedelta(days=15), last + timedelta(days=15)
    span = (last - first).days
    usable = WIDTH - LEFT - RIGHT

    def x_of(day):
        return LEFT + usable * (day - first).days / span

    for event in events:
        event.x = round(x_of(event.day), 1)
        event.y = TOP + LANE * lanes.index(event.kind) + LANE / 2
    ticks = []
    step_months = max(1, span // 30 // 8)
    month = date(first.year, first.month, 1)
    while month <= last:
        if month >= first:
            ticks.append({"x": round(x_of(month), 1), "label": month.strftime("%Y-%m")})
        total = month.month - 1 + step_months
        month = date(month.year + total // 12, total % 12 + 1, 1)
    lane_rows = [
        {"label": label, "y": TOP + LANE * i + LANE / 2, "top": TOP + LANE * i}
        for i, (_kind, label) in enumerate(kinds)
    ]
    return {
        "events": events,
        "lanes": lane_rows,
        "ticks": ticks,
        "height": height,
        "width": WIDTH,
        "axis_y": TOP + LANE * len(lanes) + 4,
    }
