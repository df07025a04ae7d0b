"""A report as it is shown: the protected table's figures as text, the definition in
words, and the chart's geometry. The page, the PDF, the spreadsheet and the CSV all
show this one ``Shown`` report, so no format can show a figure another hides."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from haven.accounts.models import Team
from haven.locations.models import Location
from haven.reports import counting
from haven.reports.suppression import PRIMARY, protect_table
from haven.vocab.models import Term

PALETTE = ["#1d4e89", "#e85d04", "#2a9d8f", "#7b2cbf", "#a4161a", "#b08900", "#6c757d"]
HIDDEN_FILL = "#d9d9d9"
CHART_ROWS = 40


@dataclass
class Figure:
    text: str  # "12", "< 5", "×"
    value: int | None  # None where hidden
    possible: str = ""  # the period's possible figure beside it, as text


@dataclass
class Line:
    label: str
    figures: list[Figure]
    total: Figure


@dataclass
class Shown:
    definition: counting.Definition
    threshold: int
    row_heading: str
    columns: list[str]
    lines: list[Line]
    column_totals: list[Figure]
    total: Figure
    crossed: bool  # a second dimension
    described: list[tuple[str, str]]
    notes: list[str]
    made: object
    empty: bool

    def statement(self) -> dict:
        """What the report says, for its seal: the definition, the threshold and every
        figure as shown."""
        return {
            "report": self.definition.as_json(),
            "threshold": self.threshold,
            "columns": self.columns,
            "rows": [
                [line.label, *[(f.text, f.possible) for f in line.figures], line.total.text]
                for line in self.lines
            ],
            "column_totals": [f.text for f in self.column_totals],
            "total": self.total.text,
        }

    def grid(self) -> tuple[list[str], list[list]]:
        """Headers and rows for a spreadsheet: numbers as numbers, hidden ones as text."""
        possible = any(f.possible for line in self.lines for f in line.figures)
        headers = [self.row_heading]
        for column in self.columns:
            headers.append(column)
            if possible:
                headers.append(_("%(column)s: possible") % {"column": column})
        if self.crossed:
            headers.append(_("Total"))
        rows = []

        def cells(figures, total):
            out = []
            for figure in figures:
                out.append(figure.value if figure.value is not None else figure.text)
                if possible:
                    out.append(_number(figure.possible))
            if self.crossed:
                out.append(total.value if total.value is not None else total.text)
            return out

        for line in self.lines:
            rows.append([line.label, *cells(line.figures, line.total)])
        rows.append([_("Total"), *cells(self.column_totals, self.total)])
        return headers, rows


def _number(text: str):
    return int(text) if text.isdigit() else text


def threshold() -> int:
    return settings.HAVEN_REPORT_MIN_CELL


def show(definition: counting.Definition, user) -> Shown:
    """Count ``definition`` for ``user``, protect the figures and put them into words."""
    limit = threshold()
    table = counting.count(definition, user, threshold=limit)
    hidden = protect_table(table, limit).hidden

    def figure(entry, n) -> Figure:
        why = hidden.get(entry)
        if why is None:
            return Figure(str(n), n)
        return Figure(f"< {limit}" if why == PRIMARY else "×", None)

    def possible(key) -> str:
        if table.possible is None:
            return ""
        entry = ("possible", *key)
        n = table.possible.get(key, 0)
        why = hidden.get(entry)
        if why is None:
            return str(n)
        return f"< {limit}" if why == PRIMARY else "×"

    period_rows = definition.rows == "period"
    lines = []
    for row, label in table.rows:
        figures = []
        for column, _label in table.columns:
            shown = figure(("cell", row, column), table.cell(row, column))
            is_period = row if period_rows else column
            if table.possible is not None and is_period is not None:
                shown.possible = possible((row, column))
            figures.append(shown)
        lines.append(Line(label, figures, figure(("row", row), table.row_totals.get(row, 0))))
    column_totals = [
        figure(("column", column), table.column_totals.get(column, 0))
        for column, _label in table.columns
    ]
    notes = [
        _(
            "Figures below %(n)d are shown as “< %(n)d” (fewer than %(n)d, possibly none); "
            "“×” marks a figure hidden so that the totals cannot reveal one of them."
        )
        % {"n": limit}
    ]
    if "period" in definition.dimensions:
        notes.append(
            _(
                "Dates: an act is dated by its start, or its incident's. It counts for "
                "certain in a period when its whole date range lies inside it; the figure "
                "in brackets counts it in every period its range overlaps (possible)."
            )
        )
    if definition.measure != "acts" or "affiliation" in definition.dimensions:
        notes.append(
            _(
                "One victim, incident or act can count in several rows or columns, so a "
                "total can be less than the sum of its figures."
            )
        )
    if "age" in definition.dimensions:
        notes.append(
            _("Age: the year of the act minus the year of birth (within a year of the age).")
        )
    return Shown(
        definition=definition,
        threshold=limit,
        row_heading=str(counting.DIMENSIONS[definition.rows]),
        columns=[label for _key, label in table.columns],
        lines=lines,
        column_totals=column_totals,
        total=figure(("total",), table.total),
        crossed=bool(definition.columns),
        described=describe(definition),
        notes=notes,
        made=timezone.localtime(),
        empty=table.empty,
    )


def describe(definition: counting.Definition) -> list[tuple[str, str]]:
    """The definition in words, in the active language."""
    d = definition
    lines = [
        (_("Counted"), str(counting.MEASURES[d.measure])),
        (pgettext("report layout", "Rows"), _dimension(d.rows, d)),
    ]
    if d.columns:
        lines.append((_("Columns"), _dimension(d.columns, d)))
    if d.date_from or d.date_to:
        lines.append(
            (
                _("Dates"),
                _("from %(start)s to %(end)s")
                % {
                    "start": d.date_from.isoformat() if d.date_from else "…",
                    "end": d.date_to.isoformat() if d.date_to else "…",
                },
            )
        )
    if d.act_types:
        terms = Term.objects.filter(vocabulary="act_type", code__in=d.act_types)
        lines.append((_("Types of act"), ", ".join(sorted(t.label for t in terms))))
    if d.region:
        place = Location.objects.filter(pk=d.region).first()
        lines.append((_("Place"), place.full_name if place else "?"))
    if d.teams:
        teams = Team.objects.filter(uuid__in=d.teams).order_by("name")
        lines.append((_("Teams"), ", ".join(t.name for t in teams)))
    else:
        lines.append((_("Teams"), _("all the teams whose figures you may see")))
    return lines


def _dimension(code: str, d: counting.Definition) -> str:
    label = str(counting.DIMENSIONS[code])
    if code == "period":
        return f"{label} ({counting.PERIODS[d.period]})"
    if code == "region":
        return f"{label} ({Location.Kind(d.level).label})"
    return label


def chart(shown: Shown) -> dict:
    """Horizontal bars, one per row, stacked by column when the report is a cross-table;
    hidden figures are drawn as one grey part (their sum, which the totals show anyway)."""
    lines = [line for line in shown.lines][:CHART_ROWS]
    if shown.empty or not lines:
        return {"bars": [], "height": 0}
    # Room for the longest label (about 8.6 units a letter at font-size 15, in DejaVu Sans):
    # a label wider than its room would run off the left edge.
    longest = max(len(line.label[:45]) for line in lines)
    label_width = max(120, min(400, round(longest * 8.6) + 16))
    width, bar, gap = label_width + 540, 22, 6
    peak = max((line.total.value or 0) for line in lines) or 1
    peak = max(
        peak,
        max(sum(f.value or 0 for f in line.figures) for line in lines),
    )
    scale = (width - label_width - 60) / peak
    colours = PALETTE if shown.crossed else PALETTE[:1]
    bars = []
    for index, line in enumerate(lines):
        y = index * (bar + gap)
        x = label_width
        parts = []
        for column, figure in enumerate(line.figures):
            if figure.value:
                w = figure.value * scale
                parts.append(
                    {
                        "x": round(x, 1),
                        "w": round(w, 1),
                        "fill": colours[column % len(colours)],
                        "title": f"{line.label} · {shown.columns[column]}: {figure.value}",
                    }
                )
                x += w
        visible = sum(f.value or 0 for f in line.figures)
        if line.total.value is not None and line.total.value > visible:
            w = (line.total.value - visible) * scale
            parts.append(
                {
                    "x": round(x, 1),
                    "w": round(w, 1),
                    "fill": HIDDEN_FILL,
                    "title": _("%(label)s: hidden figures") % {"label": line.label},
                }
            )
            x += w
        bars.append(
            {
                "y": y,
                "label": line.label[:45],
                "parts": parts,
                "value": line.total.text,
                "value_x": round(x + 6, 1),
            }
        )
    legend = []
    if shown.crossed:
        legend = [(label, PALETTE[i % len(PALETTE)]) for i, label in enumerate(shown.columns)]
    if any(part["fill"] == HIDDEN_FILL for b in bars for part in b["parts"]):
        legend.append((_("Hidden figures"), HIDDEN_FILL))
    return {
        "bars": bars,
        "legend": legend,
        "width": width,
        "height": len(bars) * (bar + gap),
        "bar": bar,
        "label_width": label_width,
        "cut": len(shown.lines) > CHART_ROWS,
    }
