"""Storing fuzzy dates in plain columns: the range of days and the precision.

The range columns are indexed, so filters ("possibly in April 2020") are SQL
range conditions. Dates of events are kept in clear for that reason; they say
when, not who.
"""

from __future__ import annotations

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from haven.lib.fuzzy_dates import PRECISIONS, FuzzyDate, period_label


def get_fuzzy(instance, prefix: str) -> FuzzyDate | None:
    earliest = getattr(instance, f"{prefix}_earliest")
    if earliest is None:
        return None
    return FuzzyDate(
        earliest,
        getattr(instance, f"{prefix}_latest"),
        getattr(instance, f"{prefix}_precision"),
        getattr(instance, f"{prefix}_estimated"),
    )


def set_fuzzy(instance, prefix: str, value: FuzzyDate | None) -> None:
    setattr(instance, f"{prefix}_earliest", value.earliest if value else None)
    setattr(instance, f"{prefix}_latest", value.latest if value else None)
    setattr(instance, f"{prefix}_precision", value.precision if value else "")
    setattr(instance, f"{prefix}_estimated", value.estimated if value else False)


class FuzzyPeriod(models.Model):
    """Abstract: a start and an optional end, each a fuzzy date."""

    start_earliest = models.DateField(_("start"), null=True, blank=True, db_index=True)
    start_latest = models.DateField(null=True, blank=True, db_index=True)
    start_precision = models.CharField(max_length=8, choices=PRECISIONS, blank=True)
    start_estimated = models.BooleanField(default=False)
    end_earliest = models.DateField(_("end"), null=True, blank=True)
    end_latest = models.DateField(null=True, blank=True, db_index=True)
    end_precision = models.CharField(max_length=8, choices=PRECISIONS, blank=True)
    end_estimated = models.BooleanField(default=False)

    class Meta:
        abstract = True

    @property
    def start(self) -> FuzzyDate | None:
        return get_fuzzy(self, "start")

    @start.setter
    def start(self, value: FuzzyDate | None) -> None:
        set_fuzzy(self, "start", value)

    @property
    def end(self) -> FuzzyDate | None:
        return get_fuzzy(self, "end")

    @end.setter
    def end(self, value: FuzzyDate | None) -> None:
        set_fuzzy(self, "end", value)

    @property
    def period_label(self) -> str:
        """ "April–June 2020"; one date when start and end are the same."""
        return period_label(self.start, self.end)

    def check_period(self) -> dict:
        """Errors for an end that is certainly before the start."""
        start, end = self.start, self.end
        if start and end and end.latest < start.earliest:
            return {"end_earliest": _("The end is before the start.")}
        return {}


DATE_HELP = _(
    "15.04.2020, April 2020, summer 2021, early 2021, April–June 2020, before 2022, "
    "after 2019; ~ for an estimate"
)


class FuzzyDateField(forms.CharField):
    """A vague date typed as text and read into a FuzzyDate (``FuzzyDate.parse``: English
    and Russian, days, months, seasons, thirds, ranges, before/after, estimates).

    A stored date is shown as its label in the user's language, which reads back to the
    same value, so opening and saving an edit form changes nothing."""

    def __init__(self, *args, **kwargs):
        # Room for the longest label it shows: "about September 15, 2020 – September 20, 2021".
        kwargs.setdefault("max_length", 80)
        kwargs.setdefault("help_text", DATE_HELP)
        super().__init__(*args, **kwargs)

    def prepare_value(self, value):
        return value.label() if isinstance(value, FuzzyDate) else value

    def clean(self, value):
        text = super().clean(value)
        if not text:
            return None
        try:
            return FuzzyDate.parse(text)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None
