"""Counts for the statistics page, and the geometry of their charts.

Counting and drawing are apart: ``count_acts(acts)`` counts in SQL over the acts
it is given — ``Act.objects.visible_to(user)``, so every figure is need-to-know —
in a fixed number of queries however many acts there are; ``month_chart`` and
``region_chart`` turn those counts into SVG geometry. A report or an API can use
the counts without the drawing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from django.db import models
from django.db.models.functions import Coalesce, TruncMonth
from django.utils.translation import gettext as _

from haven.lib.fuzzy_dates import DAY, MONTH
from haven.locations.models import Location, regions_of
from haven.vocab.models import Term

PALETTE = ["#1d4e89", "#e85d04", "#2a9d8f", "#7b2cbf", "#a4161a", "#ffba08", "#6c757d"]
WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 1000, 320, 40, 40, 10
REGION_ROWS = 15


@dataclass
class ActCounts:
    """How many acts, by month and type, and by region (labels in the current language)."""

    total: int = 0
    per_month: dict[date, Counter] = field(default_factory=dict)  # month → type label → n
    vague: int = 0  # acts dated less precisely than a month: in no month
    per_region: Counter = field(default_factory=Counter)  # region name → n


def count_acts(acts) -> ActCounts:
    """Count ``acts`` (a queryset) by month and type and by region, in SQL."""
    total = acts.count()
    per_month = acts_per_month(acts)
    in_months = sum(sum(types.values()) for types in per_month.values())
    return ActCounts(
        total=total,
        per_month=per_month,
        vague=total - in_months,
        per_region=acts_per_region(acts),
    )


def acts_per_month(acts) -> dict[date, Counter]:
    """Acts per month and type label. An act is dated by its own start or, when it has
    none, by its incident's; only dates precise to the day or the month, within one
    month, count — the rest (a season, "April–June 2020") are left out rather than
    guessed into a month."""
    has_own_date = models.Q(start_earliest__isnull=False)
    rows = (
        acts.annotate(
            day=Coalesce("start_earliest", "incident__start_earliest"),
            last_day=Coalesce("start_latest", "incident__start_latest"),
            precision=models.Case(
                models.When(has_own_date, then="start_precision"),
                default="incident__start_precision",
            ),
        )
        .filter(precision__in=[DAY, MONTH])
        .annotate(first_month=TruncMonth("day"), last_month=TruncMonth("last_day"))
        .filter(first_month=models.F("last_month"))
        .values("act_type", month=TruncMonth("day"))
        .annotate(n=models.Count("pk"))
        .order_by()
    )
    rows = list(rows)
    types = Term.objects.in_bulk({row["act_type"] for row in rows})
    counts: dict[date, Counter] = {}
    for row in rows:
        month = row["month"]
        month = date(month.year, month.month, 1)  # a datetime on some databases
        counts.setdefault(month, Counter())[types[row["act_type"]].label] += row["n"]
    return counts


def acts_per_region(acts) -> Counter:
    """Acts per region (federal subject) of the act's place, or its incident's."""
    rows = list(
        acts.values(
            place=Coalesce("location", "incident__location", output_field=models.BigIntegerField())
        )
        .annotate(n=models.Count("pk"))
        .order_by()
    )
    places = Location.objects.in_bulk({row["place"] for row in rows if row["place"]})
    regions = regions_of(list(places.values()))
    counts: Counter = Counter()
    for row in rows:
        place = row["place"]
        counts[regions[place].name if place else _("Place unknown")] += row["n"]
    return counts


def _by_count(counter: Counter) -> list[tuple[str, int]]:
    """Largest first; ties by label, so the same counts always draw the same."""
    return sorted(counter.items(), key=lambda item: (-item[1], item[0]))


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def month_chart(per_month: dict[date, Counter], vague: int) -> dict:
    """Stacked bars: acts per month by type (the six commonest types, the rest as
    "Other"), every month from the first to the last, empty ones included."""
    if not per_month:
        return {
            "bars": [],
            "legend": [],
            "vague": vague,
            "ticks": [],
            "width": WIDTH,
            "height": HEIGHT,
        }
    totals: Counter = Counter()
    for types in per_month.values():
        totals.update(types)
    top = [label for label, _n in _by_count(totals)[: len(PALETTE) - 1]]
    other = _("Other")
    counts: dict[date, Counter] = {}
    for month, types in per_month.items():
        merged = counts.setdefault(month, Counter())
        for label, n in types.items():
            merged[label if label in top else other] += n
    months = []
    current, last = min(counts), max(counts)
    while current <= last:
        months.append(current)
        current = _next_month(current)
    series = top + ([other] if any(other in c for c in counts.values()) else [])
    colours = dict(zip(series, PALETTE, strict=False))
    peak = max(sum(c.values()) for c in counts.values())
    slot = (WIDTH - LEFT) / len(months)
    scale = (HEIGHT - BOTTOM - TOP) / peak
    bars = []
    for index, month in enumerate(months):
        y = HEIGHT - BOTTOM
        for label in series:
            n = counts.get(month, Counter()).get(label, 0)
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
            (label, colours[label], sum(c.get(label, 0) for c in counts.values()))
            for label in series
        ],
        "ticks": ticks,
        "vague": vague,
        "peak": peak,
        "width": WIDTH,
        "height": HEIGHT,
        "axis_y": HEIGHT - BOTTOM,
    }


def region_chart(per_region: Counter) -> dict:
    """Horizontal bars: the regions with the most acts."""
    rows = _by_count(per_region)[:REGION_ROWS]
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
