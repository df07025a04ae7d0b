"""The report builder's form (a GET form: a report is its URL, which holds no name or
record, only what to count) and the form that saves a report for a team."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from haven.accounts.models import Team
from haven.locations.models import Location
from haven.records.models import report_teams
from haven.reports.counting import DIMENSIONS, MEASURES, PERIODS, Definition
from haven.reports.models import ReportDefinition
from haven.vocab.models import Term

NO_COLUMNS = [("", _("— none —"))]
# Places a report can be narrowed to: above the level of towns.
FILTER_KINDS = [
    Location.Kind.COUNTRY,
    Location.Kind.DISTRICT,
    Location.Kind.REGION,
    Location.Kind.AREA,
]


class ReportForm(forms.Form):
    rows = forms.ChoiceField(
        label=pgettext_lazy("report layout", "Rows"), choices=DIMENSIONS.items(), initial="act_type"
    )
    columns = forms.ChoiceField(
        label=_("Columns"), choices=[], required=False, help_text=_("Optional: a cross-table.")
    )
    measure = forms.ChoiceField(label=_("Count"), choices=MEASURES.items(), initial="acts")
    period = forms.ChoiceField(label=_("Periods of"), choices=PERIODS.items(), initial="year")
    level = forms.ChoiceField(
        label=_("Places at the level of"), choices=[], initial=Location.Kind.REGION
    )
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    act_types = forms.MultipleChoiceField(
        label=_("Types of act"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every type."),
    )
    region = forms.TypedChoiceField(label=_("Within"), required=False, coerce=int, empty_value=None)
    teams = forms.MultipleChoiceField(
        label=_("Teams"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every team whose figures you may see."),
    )

    def __init__(self, data=None, *args, user, **kwargs):
        if data is not None:
            # A report's URL may name only what differs from the defaults (?rows=gender):
            # the rest takes the builder's defaults rather than being "required".
            data = data.copy()
            for name, field in self.base_fields.items():
                if name not in data and field.initial is not None:
                    data[name] = field.initial
        super().__init__(data, *args, **kwargs)
        self.fields["columns"].choices = NO_COLUMNS + list(DIMENSIONS.items())
        self.fields["level"].choices = Location.Kind.choices
        self.fields["act_types"].choices = [
            (term.code, term.label)
            for term in Term.objects.filter(vocabulary="act_type").order_by("code")
        ]
        places = Location.objects.filter(kind__in=FILTER_KINDS).order_by("path")
        self.fields["region"].choices = [("", _("— anywhere —"))] + [
            (place.pk, place.name) for place in places
        ]
        self.fields["teams"].choices = [
            (str(team.uuid), team.name)
            for team in Team.objects.filter(pk__in=report_teams(user)).order_by("name")
        ]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("columns") and cleaned.get("columns") == cleaned.get("rows"):
            self.add_error("columns", _("Choose another dimension than the rows, or none."))
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end is before the start."))
        return cleaned

    def definition(self) -> Definition:
        data = self.cleaned_data
        return Definition(
            rows=data["rows"],
            columns=data["columns"] or "",
            measure=data["measure"],
            period=data["period"],
            level=data["level"],
            date_from=data["date_from"],
            date_to=data["date_to"],
            act_types=tuple(data["act_types"]),
            region=data["region"],
            teams=tuple(data["teams"]),
        )


def query_of(definition: Definition) -> str:
    """The builder's URL query that shows ``definition``."""
    pairs = []
    for name, value in definition.as_json().items():
        if isinstance(value, list):
            pairs += [(name, item) for item in value]
        elif value not in (None, ""):
            pairs.append((name, value))
    return urlencode(pairs)


class SaveForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    team = forms.ChoiceField(label=_("For the team"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.teams = {
            str(team.uuid): team
            for team in Team.objects.filter(pk__in=report_teams(user)).order_by("name")
        }
        self.fields["team"].choices = [(key, team.name) for key, team in self.teams.items()]

    def clean(self):
        cleaned = super().clean()
        team = self.teams.get(cleaned.get("team", ""))
        name = (cleaned.get("name") or "").strip()
        if team and ReportDefinition.objects.filter(team=team, name__iexact=name).exists():
            self.add_error("name", _("This team already has a report with this name."))
        cleaned["team"] = team
        return cleaned
