"""Forms for protection cases.

Each form's ``cleaned_data`` are the keyword arguments of the verb it feeds
(``open_case``, ``update_action`` …); an edit form starts from
``initial_from(instance)``. They are plain forms, not model forms, so nothing
is written to a record except by its verb. Fields are declared from the model's
(labels, choices, required) through ``fields_for_model``; the model's own
validation runs in the verb, and its errors land on the form.
"""

from functools import partial

from django import forms
from django.contrib.auth import get_user_model
from django.forms.models import fields_for_model
from django.utils.translation import gettext_lazy as _

from haven.accounts.models import Membership, Team, writable_teams
from haven.cases.models import Case, CaseAction, Consent, Request, RiskAssessment, RiskLevel
from haven.cases.selectors import (
    CASE_COLUMNS,
    CASE_ORDER,
    case_list,
    find_cases,
    find_requests,
    overdue_actions,
)
from haven.lib.fuzzy_fields import FuzzyDateField
from haven.people.models import Person
from haven.vocab.models import Term, Vocabulary
from haven.web.forms import TeamField
from haven.web.lists import FIND_LABEL, ListFilters, Listing, Sorting
from haven.web.pickers import AuthorityPicker, CasePicker, PersonPicker, PersonsPicker

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _model_form(model, fields: list[str], **kwargs) -> type[forms.Form]:
    """A plain form class with ``fields`` declared as the model declares them."""
    declared = fields_for_model(model, fields=fields, **kwargs)
    return type(f"{model.__name__}Fields", (forms.Form,), declared)


def _initial(instance, names) -> dict:
    return {name: getattr(instance, name) for name in names}


def _terms(vocabulary):
    return Term.objects.of(vocabulary).current()


def _team_members(team):
    return (
        get_user_model()
        .objects.filter(
            memberships__team=team,
            memberships__access__in=Membership.RECORD_ACCESS,
            is_active=True,
        )
        .order_by("email")
    )


class CaseForm(
    _model_form(Case, ["title", "summary", "lead", "opened_on"], widgets={"opened_on": DATE})
):
    """``update_case``'s fields."""

    def __init__(self, *args, team, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = _team_members(team)

    @classmethod
    def initial_from(cls, case: Case) -> dict:
        return _initial(case, ("title", "summary", "lead", "opened_on"))


class NewCaseForm(CaseForm):
    """``open_case``'s fields: the case's team and its persons at risk too."""

    team = TeamField()
    persons = PersonsPicker(label=_("Persons at risk"), required=False, create=True)
    field_order = ["team", "title", "summary", "lead", "opened_on", "persons"]

    def __init__(self, *args, user, **kwargs):
        teams = writable_teams(user)
        super().__init__(*args, team=teams.first(), **kwargs)
        self.fields["team"].offer(teams)
        # Any member of the user's teams; ``open_case`` checks the lead is in the one chosen.
        self.fields["lead"].queryset = (
            get_user_model()
            .objects.filter(
                memberships__team__in=teams,
                memberships__access__in=Membership.RECORD_ACCESS,
                is_active=True,
            )
            .distinct()
        )
        self.fields["persons"].queryset = Person.objects.visible_to(user)


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Case.Status.choices)
    since = forms.DateField(
        label=_("In effect from"), required=False, widget=DATE, help_text=_("Empty: today.")
    )


class AddPersonForm(forms.Form):
    person = PersonPicker(label=_("Person"), create=True)

    def __init__(self, *args, case, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = (
            Person.objects.visible_to(user)
            .filter(team_id=case.team_id)
            .exclude(pk__in=case.current_persons().values("pk"))
        )


class RequestForm(
    _model_form(
        Request,
        [
            "channel",
            "received_at",
            "requester",
            "requester_name",
            "summary",
            "urgency",
            "assignee",
        ],
        widgets={"received_at": DATETIME},
        field_classes={"requester": partial(PersonPicker, create=True)},
    )
):
    """``record_request``'s fields."""

    team = TeamField()
    field_order = ["team", "channel", "received_at", "requester"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].offer(writable_teams(user))
        self.fields["channel"].queryset = _terms(Vocabulary.CHANNEL)
        self.fields["requester"].queryset = Person.objects.visible_to(user)
        self.fields["received_at"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
        self.fields["assignee"].queryset = (
            get_user_model()
            .objects.filter(memberships__team__in=writable_teams(user), is_active=True)
            .distinct()
            .order_by("email")
        )
        self.fields["assignee"].help_text = _(
            "Who answers it until it becomes a case; they see it among their reminders."
        )


class ConvertRequestForm(forms.Form):
    title = forms.CharField(label=_("Case title"), max_length=200)


class JoinRequestForm(forms.Form):
    case = CasePicker(label=_("Existing case"), write=True)

    def __init__(self, *args, request_obj, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case"].queryset = Case.objects.writable_by(user).filter(
            team_id=request_obj.team_id
        )
        self.fields["case"].label_from_instance = lambda case: f"{case.code} {case.title}"


class ReplyForm(forms.Form):
    """``write_to_requester``'s field: a message the person reads with their receipt."""

    text = forms.CharField(
        label=_("Message to the person"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "They read it when they come back with their receipt. Write nothing that would "
            "harm them if someone else read it on their phone."
        ),
    )


class AssignRequestForm(forms.Form):
    """``assign_request``'s field."""

    assignee = forms.ModelChoiceField(
        label=_("Assign to"), queryset=None, required=False, empty_label=_("nobody")
    )

    def __init__(self, *args, request_obj, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = _team_members(request_obj.team)
        self.fields["assignee"].label_from_instance = lambda user: user.display_name


class RiskForm(
    _model_form(
        RiskAssessment,
        [
            "assessed_on",
            "threat_sources",
            "threat_types",
            "likelihood",
            "impact",
            "level",
            "narrative",
        ],
        widgets={
            "assessed_on": DATE,
            "threat_sources": forms.CheckboxSelectMultiple,
            "threat_types": forms.CheckboxSelectMultiple,
        },
    )
):
    """``assess_risk``'s and ``update_assessment``'s fields."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["threat_sources"].queryset = _terms(Vocabulary.THREAT_SOURCE)
        self.fields["threat_types"].queryset = _terms(Vocabulary.THREAT_TYPE)

    @classmethod
    def initial_from(cls, assessment: RiskAssessment) -> dict:
        names = ("assessed_on", "likelihood", "impact", "level", "narrative")
        initial = _initial(assessment, names)
        initial["threat_sources"] = list(assessment.threat_sources.all())
        initial["threat_types"] = list(assessment.threat_types.all())
        return initial


class _CaseActionForm:
    """What the action and petition forms share: people on the case (one, several or
    none), an owner in its team."""

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["persons"].queryset = case.current_persons()
        self.fields["owner"].queryset = _team_members(case.team)

    @classmethod
    def initial_from(cls, action: CaseAction) -> dict:
        initial = _initial(action, [name for name in cls.base_fields if name != "persons"])
        initial["persons"] = list(action.persons.all())
        return initial


class ActionForm(
    _CaseActionForm,
    _model_form(
        CaseAction,
        ["kind", "title", "persons", "owner", "due_on", "status", "details", "outcome"],
        widgets={"due_on": DATE},
        field_classes={"persons": PersonsPicker},
    ),
):
    """``plan_action``'s and ``update_action``'s fields for an action that is not a petition."""

    done = FuzzyDateField(
        label=_("Done on"),
        required=False,
        help_text=_(
            "When it was carried out, as exactly as you know: 2021-07-15, July 2021, "
            "summer 2021. Empty when marked done: today."
        ),
    )
    field_order = ["kind", "title", "persons", "owner", "due_on", "status", "done"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].queryset = _terms(Vocabulary.ACTION_TYPE).exclude(code="petition")


class PetitionForm(
    _CaseActionForm,
    _model_form(
        CaseAction,
        [
            "title",
            "persons",
            "authority",
            "petition_type",
            "filed_on",
            "reference",
            "owner",
            "next_deadline",
            "details",
        ],
        widgets={"filed_on": DATE, "next_deadline": DATE},
        field_classes={"persons": PersonsPicker, "authority": AuthorityPicker},
    ),
):
    """A petition's fields (its kind is the petition type)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["authority"].queryset = _terms(Vocabulary.AUTHORITY)
        self.fields["authority"].required = True
        self.fields["petition_type"].queryset = _terms(Vocabulary.PETITION_TYPE)
        self.fields["petition_type"].required = True


class DecisionForm(
    _model_form(
        CaseAction,
        ["decision", "decision_on", "measures", "next_deadline"],
        widgets={"decision_on": DATE, "next_deadline": DATE},
    )
):
    """``record_decision``'s fields.

    The next deadline starts empty: the one the petition had (its answer was due) is
    closed by the decision; what is asked for is a deadline that follows from it.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision"].required = True
        self.fields["decision_on"].required = True
        self.fields["next_deadline"].help_text = _(
            "Only a deadline that follows from the decision, e.g. for an appeal; the "
            "petition's earlier deadline is closed by the decision."
        )

    @classmethod
    def initial_from(cls, petition: CaseAction) -> dict:
        initial = _initial(petition, ("decision", "decision_on", "measures"))
        if petition.decision_on:  # a decision already recorded: its own deadline
            initial["next_deadline"] = petition.next_deadline
        return initial


class ConsentForm(
    _model_form(
        Consent,
        ["person", "purpose", "status", "given_on", "expires_on", "note"],
        widgets={"given_on": DATE, "expires_on": DATE},
        field_classes={"person": PersonPicker},
    )
):
    """``record_consent``'s and ``update_consent``'s fields (the case is the page's)."""

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = case.current_persons()
        self.fields["purpose"].queryset = _terms(Vocabulary.CONSENT_PURPOSE)

    @classmethod
    def initial_from(cls, consent: Consent) -> dict:
        return _initial(consent, cls.base_fields)


class NoteForm(forms.Form):
    """``add_note``'s and ``update_note``'s fields."""

    text = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}))
    happened_on = forms.DateField(
        label=_("Happened on"), required=False, widget=DATE, help_text=_("Empty: today.")
    )

    @classmethod
    def initial_from(cls, note) -> dict:
        return {"text": note.text, "happened_on": note.happened_on}


class CaseFilterForm(ListFilters):
    q = forms.CharField(
        label=FIND_LABEL,
        required=False,
        max_length=200,
        help_text=_("A code, a word of the title, or the name or phone of a person on the case."),
    )
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
        self.user = user
        teams = Team.objects.filter(
            memberships__user=user, memberships__access__in=Membership.RECORD_ACCESS
        )
        self.fields["team"].queryset = teams
        self.fields["lead"].queryset = (
            get_user_model()
            .objects.filter(
                memberships__team__in=teams, memberships__access__in=Membership.RECORD_ACCESS
            )
            .distinct()
        )

    def apply(self, cases):
        """``cases`` narrowed to what the filters ask; none when the filters are invalid,
        all of them when none were given."""
        if not self.is_bound:
            return cases
        if not self.is_valid():
            return cases.none()
        data = self.cleaned_data
        if data["q"].strip():
            cases = cases.filter(find_cases(self.user, data["q"]))
        if data["status"]:
            cases = cases.filter(status=data["status"])
        if data["risk"]:
            cases = cases.filter(risk_level=data["risk"])
        if data["team"]:
            cases = cases.filter(team=data["team"])
        if data["lead"]:
            cases = cases.filter(lead=data["lead"])
        if data["overdue"]:
            cases = cases.filter(overdue_actions())
        return cases


def case_listing(user, data=None, *, posted: bool = False) -> Listing:
    """The case list, for its page and its export: the cases ``user`` may see, filtered
    and sorted as ``data`` (the list's GET or POSTed lookup) asks."""
    filters = CaseFilterForm(data or None, user=user)
    sorting = Sorting(CASE_COLUMNS, CASE_ORDER, data, posted)
    return Listing(filters, sorting, sorting.apply(filters.apply(case_list(user))))


def request_listing(user, data=None, *, posted: bool = False) -> Listing:
    """The list of requests waiting for a case, for its page and its export."""
    from haven.cases.selectors import REQUEST_COLUMNS, REQUEST_ORDER, waiting_requests

    filters = RequestFilterForm(data or None, user=user)
    sorting = Sorting(REQUEST_COLUMNS, REQUEST_ORDER, data, posted)
    return Listing(filters, sorting, sorting.apply(filters.apply(waiting_requests(user))))


class RequestFilterForm(ListFilters):
    q = forms.CharField(
        label=FIND_LABEL,
        required=False,
        max_length=200,
        help_text=_("The name, code or phone of the requester, when on record."),
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"), required=False, choices=[("", _("Any")), *Request.Urgency.choices]
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def apply(self, requests):
        """``requests`` narrowed to what the filters ask; none when they are invalid."""
        if not self.is_bound:
            return requests
        if not self.is_valid():
            return requests.none()
        data = self.cleaned_data
        if data["q"].strip():
            requests = requests.filter(find_requests(self.user, data["q"]))
        if data["urgency"]:
            requests = requests.filter(urgency=data["urgency"])
        return requests
