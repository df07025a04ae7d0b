from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from haven.accounts.models import Membership, Team
from haven.cases.models import Case, CaseAction, Consent, Request, RiskAssessment, RiskLevel
from haven.people.models import Person
from haven.vocab.models import Term, Vocabulary

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _terms(vocabulary):
    return Term.objects.of(vocabulary).current()


def _team_members(team):
    return get_user_model().objects.filter(memberships__team=team, is_active=True).order_by("email")


def _person_label(person):
    return f"{person.code} {person.name}"


class CaseForm(forms.ModelForm):
    class Meta:
        model = Case
        fields = ["title", "summary", "lead", "opened_on"]
        widgets = {"opened_on": DATE}

    def __init__(self, *args, team, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = _team_members(team)


class NewCaseForm(CaseForm):
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none())
    persons = forms.ModelMultipleChoiceField(
        label=_("Persons at risk"), queryset=Person.objects.none(), required=False
    )

    class Meta(CaseForm.Meta):
        fields = ["team", "title", "summary", "lead", "opened_on", "persons"]

    def __init__(self, *args, user, **kwargs):
        teams = Team.objects.filter(
            memberships__user=user, memberships__access=Membership.Access.MEMBER
        )
        team = teams.first()
        super().__init__(*args, team=team, **kwargs)
        self.fields["team"].queryset = teams
        self.fields["lead"].queryset = (
            get_user_model().objects.filter(memberships__team__in=teams, is_active=True).distinct()
        )
        self.fields["persons"].queryset = Person.objects.visible_to(user)
        self.fields["persons"].label_from_instance = _person_label

    def clean(self):
        cleaned = super().clean()
        team = cleaned.get("team")
        if team:
            others = [p.code for p in cleaned.get("persons", []) if p.team_id != team.pk]
            if others:
                self.add_error("persons", _("Not in the chosen team: %s") % ", ".join(others))
            lead = cleaned.get("lead")
            if lead and not lead.memberships.filter(team=team).exists():
                self.add_error("lead", _("The lead caseworker must be a member of the team."))
        return cleaned


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Case.Status.choices)


class AddPersonForm(forms.Form):
    person = forms.ModelChoiceField(label=_("Person"), queryset=Person.objects.none())

    def __init__(self, *args, case, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = (
            Person.objects.visible_to(user)
            .filter(team_id=case.team_id)
            .exclude(pk__in=case.persons.values("pk"))
        )
        self.fields["person"].label_from_instance = _person_label


class RequestForm(forms.ModelForm):
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none())

    class Meta:
        model = Request
        fields = [
            "team",
            "channel",
            "received_at",
            "requester",
            "requester_name",
            "summary",
            "urgency",
        ]
        widgets = {
            "received_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            )
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.filter(
            memberships__user=user, memberships__access=Membership.Access.MEMBER
        )
        self.fields["channel"].queryset = _terms(Vocabulary.CHANNEL)
        self.fields["requester"].queryset = Person.objects.visible_to(user)
        self.fields["requester"].label_from_instance = _person_label
        self.fields["requester"].required = False
        self.fields["received_at"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]

    def clean(self):
        cleaned = super().clean()
        requester, team = cleaned.get("requester"), cleaned.get("team")
        if requester and team and requester.team_id != team.pk:
            self.add_error("requester", _("This person belongs to another team."))
        return cleaned


class ConvertRequestForm(forms.Form):
    title = forms.CharField(label=_("Case title"), max_length=200)


class JoinRequestForm(forms.Form):
    case = forms.ModelChoiceField(label=_("Existing case"), queryset=Case.objects.none())

    def __init__(self, *args, request_obj, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case"].queryset = Case.objects.writable_by(user).filter(
            team_id=request_obj.team_id
        )
        self.fields["case"].label_from_instance = lambda case: f"{case.code} {case.title}"


class RiskForm(forms.ModelForm):
    class Meta:
        model = RiskAssessment
        fields = [
            "assessed_on",
            "threat_sources",
            "threat_types",
            "likelihood",
            "impact",
            "level",
            "narrative",
        ]
        widgets = {
            "assessed_on": DATE,
            "threat_sources": forms.CheckboxSelectMultiple,
            "threat_types": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["threat_sources"].queryset = _terms(Vocabulary.THREAT_SOURCE)
        self.fields["threat_types"].queryset = _terms(Vocabulary.THREAT_TYPE)


class ActionForm(forms.ModelForm):
    class Meta:
        model = CaseAction
        fields = ["kind", "title", "person", "owner", "due_on", "status", "details", "outcome"]
        widgets = {"due_on": DATE}

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].queryset = _terms(Vocabulary.ACTION_TYPE).exclude(code="petition")
        self.fields["person"].queryset = case.persons.all()
        self.fields["person"].label_from_instance = _person_label
        self.fields["owner"].queryset = _team_members(case.team)


class PetitionForm(forms.ModelForm):
    class Meta:
        model = CaseAction
        fields = [
            "title",
            "person",
            "authority",
            "petition_type",
            "filed_on",
            "reference",
            "owner",
            "next_deadline",
            "details",
        ]
        widgets = {"filed_on": DATE, "next_deadline": DATE}

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["authority"].queryset = _terms(Vocabulary.AUTHORITY)
        self.fields["authority"].required = True
        self.fields["petition_type"].queryset = _terms(Vocabulary.PETITION_TYPE)
        self.fields["petition_type"].required = True
        self.fields["person"].queryset = case.persons.all()
        self.fields["person"].label_from_instance = _person_label
        self.fields["owner"].queryset = _team_members(case.team)


class DecisionForm(forms.ModelForm):
    class Meta:
        model = CaseAction
        fields = ["decision", "decision_on", "measures", "next_deadline"]
        widgets = {"decision_on": DATE, "next_deadline": DATE}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision"].required = True
        self.fields["decision_on"].required = True


class ConsentForm(forms.ModelForm):
    class Meta:
        model = Consent
        fields = ["person", "purpose", "status", "given_on", "expires_on", "note"]
        widgets = {"given_on": DATE, "expires_on": DATE}

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = case.persons.all()
        self.fields["person"].label_from_instance = _person_label
        self.fields["purpose"].queryset = _terms(Vocabulary.CONSENT_PURPOSE)


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}))


class CaseFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any")), *Case.Status.choices]
    )
    risk = forms.ChoiceField(
        label=_("Risk"), required=False, choices=[("", _("Any")), *RiskLevel.choices]
    )
    team = forms.ModelChoiceField(label=_("Team"), required=False, queryset=Team.objects.none())
    lead = forms.ModelChoiceField(
        label=_("Caseworker"), required=False, queryset=get_user_model().objects.none()
    )
    overdue = forms.BooleanField(label=_("With overdue actions"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        teams = Team.objects.filter(memberships__user=user)
        self.fields["team"].queryset = teams
        self.fields["lead"].queryset = (
            get_user_model().objects.filter(memberships__team__in=teams).distinct()
        )
