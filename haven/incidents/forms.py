from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from haven.cases.models import Case, CaseAction
from haven.incidents.actions import INCIDENT_EDITABLE
from haven.incidents.models import Act, Chain, Incident, InformationLink, Involvement
from haven.incidents.selectors import (
    INCIDENT_COLUMNS,
    INCIDENT_ORDER,
    find_incidents,
    incident_list,
)
from haven.lib.fuzzy_dates import validate_in_bounds
from haven.lib.fuzzy_fields import FuzzyDateField
from haven.lib.id_lists import id_list
from haven.locations.models import Location
from haven.people.models import Person
from haven.people.selectors import people_found
from haven.records.models import member_teams
from haven.sources.models import Source
from haven.vocab.models import Term, Vocabulary
from haven.web.forms import TeamField
from haven.web.lists import FIND_LABEL, ListFilters, Listing, Sorting, text_match
from haven.web.pickers import (
    CasePicker,
    IncidentPicker,
    PersonPicker,
    PersonsPicker,
    PlacePicker,
    SourcePicker,
)


def _location_field(label, required=False):
    field = forms.ModelChoiceField(label=label, queryset=Location.objects.all(), required=required)
    field.label_from_instance = lambda place: "\u2003" * (place.path.count("/") - 2) + place.name
    return field


def _people(user, team_id):
    # Offering only the incident's team's people is for the choice list; the rule
    # itself is the models' clean().
    return Person.objects.visible_to(user).filter(team_id=team_id)


class PeriodForm(forms.Form):
    start = FuzzyDateField(label=_("When (start)"))
    end = FuzzyDateField(label=_("Until (end)"), required=False)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end.latest < start.earliest:
            self.add_error("end", _("The end is before the start."))
        return cleaned


class IncidentForm(PeriodForm):
    title = forms.CharField(label=_("Title"), max_length=300)
    location = PlacePicker(label=_("Place"), queryset=Location.objects.all(), required=False)
    description = forms.CharField(
        label=_("What happened"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    stated_grounds = forms.CharField(
        label=_("Stated grounds"),
        required=False,
        max_length=1000,
        help_text=_("The reason the authorities gave."),
    )
    documented_motive = forms.CharField(
        label=_("Documented motive"),
        required=False,
        max_length=1000,
        help_text=_("The reason the documentation shows."),
    )
    violation_status = forms.ChoiceField(
        label=_("Violation status"), choices=Incident.ViolationStatus.choices
    )
    confidentiality = forms.ChoiceField(
        label=_("Confidentiality"), choices=Incident.Confidentiality.choices
    )
    field_order = list(INCIDENT_EDITABLE)  # the form edits exactly what the verb may change

    @classmethod
    def initial_from(cls, incident):
        return {
            "title": incident.title,
            "start": incident.start,
            "end": incident.end,
            "location": incident.location_id,
            "description": incident.description or "",
            "stated_grounds": incident.stated_grounds or "",
            "documented_motive": incident.documented_motive or "",
            "violation_status": incident.violation_status,
            "confidentiality": incident.confidentiality,
        }


def _act_types():
    return Term.objects.of(Vocabulary.ACT_TYPE).current()


class NewIncidentForm(IncidentForm):
    """An incident and, optionally, its first act for several victims and perpetrators,
    so that a simple incident is one submission."""

    team = TeamField()
    act_type = forms.ModelChoiceField(
        label=_("First act: type"),
        queryset=Term.objects.none(),
        required=False,
        help_text=_("Optional: record what was done and to whom now; add more acts later."),
    )
    victims = PersonsPicker(label=_("Victims"), required=False, create=True)
    perpetrators = PersonsPicker(
        label=_("Perpetrators (persons or groups)"), required=False, create=True
    )
    degree = forms.ChoiceField(
        label=_("The perpetrators' part"), choices=Involvement.Degree.choices, required=False
    )
    case = CasePicker(
        label=_("For case"),
        required=False,
        write=True,
        help_text=_("Optional: the case this incident belongs to."),
    )
    field_order = [
        "team",
        "case",
        *IncidentForm.field_order,
        "act_type",
        "victims",
        "perpetrators",
        "degree",
    ]

    def __init__(self, *args, teams, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].offer(teams)
        self.fields["act_type"].queryset = _act_types()
        people = Person.objects.visible_to(user).filter(team__in=teams)
        self.fields["victims"].queryset = people.filter(kind=Person.Kind.INDIVIDUAL)
        self.fields["perpetrators"].queryset = people
        self.fields["case"].queryset = Case.objects.writable_by(user).filter(team__in=teams)

    def clean(self):
        cleaned = super().clean()
        act_type = cleaned.get("act_type")
        victims, perpetrators = cleaned.get("victims"), cleaned.get("perpetrators")
        if act_type and not victims:
            self.add_error("victims", _("Choose the victims of this act, or leave its type empty."))
        elif not act_type and (victims or perpetrators):
            self.add_error("act_type", _("Choose the type of act for these people."))
        team = cleaned.get("team")
        if team:
            for name in ("victims", "perpetrators"):
                chosen = cleaned.get(name) or ()
                # A person added from the picker joins the incident's team on saving.
                if any(getattr(p, "team_id", team.pk) != team.pk for p in chosen):
                    self.add_error(name, _("Choose people of the incident's team."))
            case = cleaned.get("case")
            if case is not None and case.team_id != team.pk:
                self.add_error("case", _("Choose a case of the incident's team."))
        return cleaned


class ActsForm(PeriodForm):
    """One type of act against several victims by several perpetrators: one act per
    victim, each with every perpetrator's involvement."""

    act_type = forms.ModelChoiceField(label=_("Type of act"), queryset=Term.objects.none())
    victims = PersonsPicker(
        label=_("Victims"), help_text=_("One act is recorded for each victim."), create=True
    )
    perpetrators = PersonsPicker(
        label=_("Perpetrators (persons or groups)"), required=False, create=True
    )
    degree = forms.ChoiceField(
        label=_("The perpetrators' part"), choices=Involvement.Degree.choices
    )
    affiliation = forms.CharField(
        label=_("Affiliation at the time"),
        required=False,
        max_length=300,
        help_text=_("For example a named special police unit."),
    )
    location = PlacePicker(
        label=_("Place, if different"), queryset=Location.objects.all(), required=False
    )
    victim_status = forms.ChoiceField(
        label=_("Victims' status at the end"), choices=Act.VictimStatus.choices
    )
    consequences = forms.CharField(
        label=_("Consequences"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    field_order = [
        "act_type",
        "victims",
        "perpetrators",
        "degree",
        "affiliation",
        "start",
        "end",
        "location",
        "victim_status",
        "consequences",
    ]
    # What the incident page shows at once; the rest folds under "More details".
    main_fields = ("act_type", "victims", "perpetrators", "degree")

    def __init__(self, *args, incident, user, **kwargs):
        kwargs.setdefault("auto_id", "id_acts_%s")
        super().__init__(*args, **kwargs)
        self.fields["act_type"].queryset = _act_types()
        people = _people(user, incident.team_id)
        self.fields["victims"].queryset = people.filter(kind=Person.Kind.INDIVIDUAL)
        self.fields["perpetrators"].queryset = people
        self.fields["start"].required = False
        self.fields["start"].help_text = _("Leave empty when it is the incident's date.")

    def main(self):
        return [self[name] for name in self.main_fields]

    def more(self):
        return [field for field in self if field.name not in self.main_fields]


class ActForm(PeriodForm):
    act_type = forms.ModelChoiceField(label=_("Type of act"), queryset=Term.objects.none())
    victim = PersonPicker(label=_("Victim"), create=True)
    location = PlacePicker(
        label=_("Place, if different"), queryset=Location.objects.all(), required=False
    )
    victim_status = forms.ChoiceField(
        label=_("Victim's status at the end"), choices=Act.VictimStatus.choices
    )
    consequences = forms.CharField(
        label=_("Consequences"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    field_order = [
        "act_type",
        "victim",
        "start",
        "end",
        "location",
        "victim_status",
        "consequences",
    ]

    def __init__(self, *args, incident, user, act=None, **kwargs):
        super().__init__(*args, **kwargs)
        types = _act_types()
        if act is not None:  # an act of a since retired type keeps it when edited
            types = types | Term.objects.filter(pk=act.act_type_id)
        self.fields["act_type"].queryset = types
        self.fields["victim"].queryset = _people(user, incident.team_id).filter(
            kind=Person.Kind.INDIVIDUAL
        )
        self.fields["start"].required = False
        self.fields["start"].help_text = _("Leave empty when it is the incident's date.")

    @classmethod
    def initial_from(cls, act):
        return {
            "act_type": act.act_type_id,
            "victim": act.victim_id,
            "start": act.start,
            "end": act.end,
            "location": act.location_id,
            "victim_status": act.victim_status,
            "consequences": act.consequences or "",
        }


class InvolvementForm(forms.Form):
    perpetrator = PersonPicker(label=_("Perpetrator (person or group)"), create=True)
    degree = forms.ChoiceField(label=_("Degree"), choices=Involvement.Degree.choices)
    affiliation = forms.CharField(
        label=_("Affiliation at the time"),
        required=False,
        max_length=300,
        help_text=_("For example a named special police unit."),
    )

    def __init__(self, *args, incident, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["perpetrator"].queryset = _people(user, incident.team_id)

    @classmethod
    def initial_from(cls, involvement):
        return {
            "perpetrator": involvement.perpetrator_id,
            "degree": involvement.degree,
            "affiliation": involvement.affiliation or "",
        }


class ChainForm(forms.Form):
    relation = forms.ChoiceField(label=_("This incident"), choices=Chain.Relation.choices)
    target = IncidentPicker(label=_("Incident"))
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def __init__(self, *args, incident, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = (
            Incident.objects.visible_to(user)
            .filter(team_id=incident.team_id)
            .exclude(pk=incident.pk)
        )
        self.fields["target"].label_from_instance = lambda i: f"{i.code} {i.title}"

    @classmethod
    def initial_from(cls, link):
        return {"relation": link.relation, "target": link.target_id, "note": link.note or ""}


class CiteForm(forms.Form):
    source = SourcePicker(label=_("Source"))
    connection = forms.ChoiceField(
        label=_("The source's connection"), choices=InformationLink.Connection.choices
    )
    reliability = forms.ChoiceField(
        label=_("Reliability of the source"),
        choices=InformationLink._meta.get_field("reliability").choices,
    )
    credibility = forms.ChoiceField(
        label=_("Credibility of the information"),
        choices=InformationLink._meta.get_field("credibility").choices,
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def __init__(self, *args, incident, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = Source.objects.visible_to(user).filter(
            team_id=incident.team_id
        )
        self.fields["source"].label_from_instance = lambda s: f"{s.code} {s.title}"


class CitationForm(CiteForm):
    """Editing a citation: how the source relates and how far to trust it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["source"]

    @classmethod
    def initial_from(cls, link):
        return {
            "connection": link.connection,
            "reliability": link.reliability,
            "credibility": link.credibility,
            "note": link.note or "",
        }


class LinkCaseForm(forms.Form):
    case = CasePicker(label=_("Case"), required=False)
    action = forms.ModelChoiceField(
        label=_("Or a petition or action of a case"),
        queryset=CaseAction.objects.none(),
        required=False,
    )

    def __init__(self, *args, incident, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case"].queryset = Case.objects.visible_to(user).filter(
            team_id=incident.team_id
        )
        self.fields["case"].label_from_instance = lambda c: f"{c.code} {c.title}"
        self.fields["action"].queryset = (
            CaseAction.objects.visible_to(user)
            .filter(team_id=incident.team_id)
            .select_related("case")
        )
        self.fields["action"].label_from_instance = lambda a: f"{a.case.code}: {a.title}"

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("case") and not cleaned.get("action"):
            raise forms.ValidationError(_("Choose a case or one of its actions."))
        return cleaned


class IncidentFilterForm(ListFilters):
    q = forms.CharField(
        label=FIND_LABEL,
        required=False,
        max_length=200,
        help_text=_("A code, a word of the title, or the name or code of a victim or perpetrator."),
    )
    act_type = forms.ModelChoiceField(
        label=_("Type of act"), required=False, queryset=Term.objects.none()
    )
    region = _location_field(_("Region (with everything in it)"))
    since = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_in_bounds],
    )
    until = forms.DateField(
        label=_("Until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_in_bounds],
    )
    # Typed, not chosen from a list: a list of every perpetrator would decrypt each
    # one's name on every page of incidents.
    perpetrator = forms.CharField(
        label=_("Perpetrator"),
        required=False,
        max_length=200,
        help_text=_("A name or a code."),
    )
    victim_gender = forms.ChoiceField(
        label=_("Victim's gender"), required=False, choices=[("", _("Any")), *Person.Gender.choices]
    )
    case = forms.CharField(
        label=_("Case"),
        required=False,
        max_length=200,
        help_text=_("A code or a word of its title."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["act_type"].queryset = Term.objects.of(Vocabulary.ACT_TYPE)

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end date is before the start date."))
        return cleaned

    def apply(self, incidents):
        """``incidents`` narrowed to what the filters ask for, each with ``possible``: True
        when its date is too vague to say whether it falls in the date range.

        Unbound: all of them; invalid: none. The acts, involvements and cases that
        a filter looks at are only those the user may see.
        """
        if not self.is_bound:
            return incidents.annotate(possible=models.Value(False))
        if not self.is_valid():
            return incidents.none().annotate(possible=models.Value(False))
        data, user = self.cleaned_data, self.user
        acts = Act.objects.visible_to(user)
        if data["q"].strip():
            incidents = incidents.filter(find_incidents(user, data["q"]))
        if data["act_type"]:
            acts = acts.filter(act_type=data["act_type"])
            incidents = incidents.filter(pk__in=acts.values("incident"))
        if data["region"]:
            path = data["region"].path
            incidents = incidents.filter(
                models.Q(location__path__startswith=path)
                | models.Q(
                    pk__in=Act.objects.visible_to(user)
                    .filter(location__path__startswith=path)
                    .values("incident")
                )
            )
        since, until = data["since"], data["until"]
        if since:
            incidents = incidents.filter(
                models.Q(end_latest__gte=since)
                | models.Q(end_latest__isnull=True, start_latest__gte=since)
            )
        if until:
            incidents = incidents.filter(start_earliest__lte=until)
        if data["perpetrator"].strip():
            incidents = incidents.filter(
                pk__in=Involvement.objects.visible_to(user)
                .filter(perpetrator__in=people_found(user, data["perpetrator"]))
                .values("act__incident")
            )
        if data["case"].strip():
            cases = Case.objects.visible_to(user).filter(
                text_match(Case, data["case"], member_teams(user))
            )
            incidents = incidents.filter(cases__in=cases).distinct()
        if data["victim_gender"]:
            # The victim's gender is encrypted: open it for the acts the user may see.
            matching = {
                act.incident_id
                for act in acts.select_related("victim")
                if act.victim.gender == data["victim_gender"]
            }
            incidents = incidents.filter(pk__in=id_list(matching))  # maybe most of them
        if not (since or until):
            return incidents.annotate(possible=models.Value(False))
        return incidents.annotate(
            possible=models.Case(
                models.When(_certainly_within(since, until), then=models.Value(False)),
                default=models.Value(True),
                output_field=models.BooleanField(),
            )
        )


def incident_listing(user, data=None, *, posted: bool = False) -> Listing:
    """The incident list, for its page and its export: the incidents ``user`` may see,
    filtered and sorted as ``data`` (the list's GET or POSTed lookup) asks."""
    filters = IncidentFilterForm(data or None, user=user)
    sorting = Sorting(INCIDENT_COLUMNS, INCIDENT_ORDER, data, posted)
    return Listing(filters, sorting, sorting.apply(filters.apply(incident_list(user))))


def _certainly_within(since, until) -> models.Q:
    """Incidents whose whole period (start to end, or the start alone) lies in the range."""
    certain = models.Q(start_earliest__isnull=False)
    if since:
        certain &= models.Q(start_earliest__gte=since)
    if until:
        certain &= models.Q(end_earliest__isnull=False, end_latest__lte=until) | models.Q(
            end_earliest__isnull=True, start_latest__lte=until
        )
    return certain
