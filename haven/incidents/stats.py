"""Counts for the statistics page, and the geometry of their charts.

Only acts the viewer may see are passed in, so every figure is need-to-know.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date

from django.utils.translation import gettext as _

from haven.lib.fuzzy_dates import DAY, MONTH
from haven.locations.models import regions_of

PALETTE = ["#1d4e89", "#e85d04", "#2a9d8f", "#7b2cbf", "#a4161a", "#ffba08", "#6c757d"]
WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 1000, 320, 40, 40, 10


def _month(day: date) -> date:
    return date(day.year, day.month, 1)


def acts_per_month(acts) -> dict:
    """Stacked bars: acts per month by type. Acts dated less precisely than a month are
    counted apart rather than guessed into a month."""
    dated = [(act, act.when) for act in acts if act.when]
    precise = [(act, when) for act, when in dated if when.precision in (DAY, MONTH)]
    vague = len(acts) - len(precise)
    if not precise:
        return {
            "bars": [],
            "legend": [],
            "vague": vague,
            "ticks": [],
            "width": WIDTH,
            "height": HEIGHT,
        }
    totals = Counter(act.act_type.label for act, _when in precise)
    top = [label for label, _n in totals.most_common(len(PALETTE) - 1)]
    other = _("Other")
    counts: dict[date, Counter] = defaultdict(Counter)
    for act, when in precise:
        label = act.act_type.label
        counts[_month(when.earliest)][label if label in top else other] += 1
    first, last = min(counts), max(counts)
    months = []
    current = first
    while current <= last:
        months.append(current)
        current = date(current.year + current.month // 12, current.month % 12 + 1, 1)
    series = top + ([other] if any(other in c for c in counts.values()) else [])
    colours = dict(zip(series, PALETTE, strict=False))
    peak = max(sum(c.values()) for c in counts.values())
    slot = (WIDTH - LEFT) / len(months)
    scale = (HEIGHT - BOTTOM - TOP) / peak
    bars = []
    for index, month in enumerate(months):
        y = HEIGHT - BOTTOM
        for label in series:
            n = counts[month].get(label, 0)
            if n:
                h = n * scale
                y -= h
                bars.append(
                    {
                        "x": round(LEFT + index * slot + 1, 1),
                        "y": round(y, 1),
                        "w": round(max(slot - 2, 1), 1),
                        "h": round(h, 1),
                        "fill": colours[label],
                        "title": f"{month:%Y-%m} · {label}: {n}",
                    }
                )
    step = max(1, len(months) // 12)
    ticks = [
        {"x": round(LEFT + i * slot + slot / 2, 1), "label": f"{m:%Y-%m}"}
        for i, m in enumerate(months)
        if i % step == 0
    ]
    return {
        "bars": bars,
        "legend": [
            (
                label,
                colours[label],
                totals.get(label, 0)
                if label != other
                else sum(c.get(other, 0) for c in counts.values()),
            )
            for label in series
        ],
        "ticks": ticks,
        "vague": vague,
        "peak": peak,
        "width": WIDTH,
        "height": HEIGHT,
        "axis_y": HEIGHT - BOTTOM,
    }


def acts_per_region(acts) -> dict:
    """Horizontal bars: acts per federal subject (the place's region)."""
    regions = regions_of([act.where for act in acts])
    counts: Counter = Counter()
    for act in acts:
        where = act.where
        counts[regions[where.pk].name if where else _("Place unknown")] += 1
    rows = counts.most_common(15)
    if not rows:
        return {"rows": [], "height": 0}
    peak = rows[0][1]
    bar = 24
    return {
        "rows": [
            {"label": label, "n": n, "y": i * bar, "w": round(600 * n / peak, 1)}
            for i, (label, n) in enumerate(rows)
        ],
        "height": bar * len(rows) + 4,
    }
