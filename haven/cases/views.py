"""Pages for protection cases. Every record is fetched through the policy layer;
every change is a verb of ``haven.cases.actions``; page data come from selectors."""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from haven.audit.actions import record
from haven.cases import actions, selectors
from haven.cases.forms import (
    ActionForm,
    AddPersonForm,
    CaseForm,
    ConsentForm,
    DecisionForm,
    NewCaseForm,
    NoteForm,
    PetitionForm,
    RiskForm,
    StatusForm,
    case_listing,
)
from haven.cases.models import CasePerson, get_case_for_user
from haven.cases.pages import can_create, posted, saved
from haven.records.access import get_part_for_user
from haven.vocab.models import term
from haven.web.forms import form_view
from haven.web.lists import lookup
from haven.web.pagination import paginate, shown


def _back(case) -> tuple[str, str]:
    return reverse("cases:detail", kwargs={"uuid": case.uuid}), f"{case.code} · {case.title}"


# --- lists ---------------------------------------------------------------------------------


# A lookup is POSTed so that a name or a phone number never appears in a URL; links
# (a page, a sort, a filter from elsewhere) are GETs.
@require_http_methods(["GET", "POST"])
def case_list(request):
    listed = case_listing(request.user, lookup(request), posted=request.method == "POST")
    cases = paginate(request, listed.rows)
    filters = listed.filters
    record("cases.case.listed", summary=shown(cases) + (", lookup" if filters.query else ""))
    return render(
        request,
        "cases/list.html",
        {
            "cases": cases,
            "filters": filters,
            "sorting": listed.sorting,
            "can_add": can_create(request.user),
        },
        status=400 if filters.errors else 200,
    )


# --- cases ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def case_new(request):
    if not can_create(request.user):
        raise PermissionDenied
    form = NewCaseForm(posted(request), user=request.user, initial={"lead": request.user})

    def save(data):
        case = actions.open_case(by=request.user, **data)
        return saved(request, case, _("Case %(code)s opened.") % {"code": case.code})

    return form_view(
        request,
        form,
        title=_("Open a case"),
        save=save,
        creates=True,
        back=(reverse("cases:list"), _("Cases")),
    )


def _case_page(request, case, form=None, save=None, *, creates=False, **forms):
    """The case page; a form of the page itself (status, person, note) comes back on it
    with its errors."""

    def page():
        return {
            **selectors.case_page_data(case, request.user),
            "status_form": StatusForm(initial={"status": case.status}),
            "person_form": AddPersonForm(case=case, user=request.user),
            "note_form": NoteForm(),
            **forms,
        }

    if form is None:
        return render(request, "cases/detail.html", page())
    return form_view(
        request,
        form,
        title=case.code,
        save=save,
        creates=creates,
        back=_back(case),
        template="cases/detail.html",
        context=page,
    )


@require_GET
def case_detail(request, uuid):
    return _case_page(request, get_case_for_user(request.user, uuid))


@require_http_methods(["GET", "POST"])
def case_edit(request, uuid):
    case = get_case_for_user(request.user, uuid, write=True)
    form = CaseForm(posted(request), initial=CaseForm.initial_from(case), team=case.team)

    def save(data):
        actions.update_case(case, by=request.user, **data)
        return saved(request, case, _("Changes saved."))

    return form_view(
        request,
        form,
        title=_("Edit case %(code)s") % {"code": case.code},
        save=save,
        back=_back(case),
        edits=case,
    )


@require_POST
def case_status(request, uuid):
    case = get_case_for_user(request.user, uuid, write=True)
    form = StatusForm(request.POST)

    def save(data):
        actions.change_status(case, data["status"], by=request.user, since=data["since"])
        return saved(request, case, _("Status changed."))

    return _case_page(request, case, form, save, status_form=form)


@require_POST
def case_add_person(request, uuid):
    case = get_case_for_user(request.user, uuid, write=True)
    form = AddPersonForm(request.POST, case=case, user=request.user)

    def save(data):
        actions.add_person_to_case(case, data["person"], by=request.user)
        return saved(request, case, _("Person added to the case."))

    return _case_page(request, case, form, save, person_form=form)


@require_POST
def note_new(request, uuid):
    case = get_case_for_user(request.user, uuid, write=True)
    form = NoteForm(request.POST)

    def save(data):
        actions.add_note(case, by=request.user, **data)
        return saved(request, case, _("Note added."))

    return _case_page(request, case, form, save, creates=True, note_form=form)


@require_http_methods(["GET", "POST"])
def risk_new(request, uuid):
    case = get_case_for_user(request.user, uuid, write=True)

    def save(data):
        actions.assess_risk(case, by=request.user, **data)
        return saved(request, case, _("Risk assessment recorded."))

    return form_view(
        request,
        RiskForm(posted(request)),
        title=_("Assess the risk"),
        save=save,
        creates=True,
        back=_back(case),
    )


@require_http_methods(["GET", "POST"])
def action_new(request, uuid):
    case = get_case_for_user(request.user, uuid, write=True)

    def save(data):
        actions.plan_action(case, by=request.user, **data)
        return saved(request, case, _("Saved."))

    return form_view(
        request,
        ActionForm(posted(request), case=case),
        title=_("Plan an action"),
        save=save,
        creates=True,
        back=_back(case),
    )


@require_http_methods(["GET", "POST"])
def petition_new(request, uuid):
    case = get_case_for_user(request.user, uuid, write=True)

    def save(data):
        actions.plan_action(case, by=request.user, kind=term("action_type", "petition"), **data)
        return saved(request, case, _("Saved."))

    return form_view(
        request,
        PetitionForm(posted(request), case=case),
        title=_("File a petition"),
        save=save,
        creates=True,
        back=_back(case),
    )


def _get_action(request, uuid, action_uuid):
    """The case and one of its actions (or petitions), both for writing."""
    case = get_case_for_user(request.user, uuid, write=True)
    return case, get_part_for_user(request.user, case, "actions", action_uuid, write=True)


@require_http_methods(["GET", "POST"])
def action_edit(request, uuid, action):
    case, action = _get_action(request, uuid, action)
    form_class = PetitionForm if action.is_petition else ActionForm
    form = form_class(posted(request), initial=form_class.initial_from(action), case=case)

    def save(data):
        actions.update_action(action, by=request.user, **data)
        return saved(request, case, _("Changes saved."))

    return form_view(request, form, title=action.title, save=save, back=_back(case), edits=action)


@require_http_methods(["GET", "POST"])
def action_delete(request, uuid, action):
    case, action = _get_action(request, uuid, action)
    return _confirm_removal(
        request,
        case,
        title=_("Remove “%(title)s”?") % {"title": action.title},
        intro=_(
            "It disappears from the case, its timeline and the deadline lists. Nothing "
            "is erased: the history keeps it."
        ),
        remove=lambda: actions.remove_action(action, by=request.user),
        done=_("Removed; the history keeps it."),
    )


@require_http_methods(["GET", "POST"])
def decision(request, uuid, action):
    case, petition = _get_action(request, uuid, action)
    if not petition.is_petition:
        raise Http404
    form = DecisionForm(posted(request), initial=DecisionForm.initial_from(petition))

    def save(data):
        actions.record_decision(petition, by=request.user, **data)
        return saved(request, case, _("Decision recorded."))

    intro = _("Petition: %(title)s, filed on %(date)s with %(authority)s.") % {
        "title": petition.title,
        "date": petition.filed_on or "—",
        "authority": petition.authority.label if petition.authority_id else "—",
    }
    return form_view(
        request,
        form,
        title=_("Record the decision"),
        save=save,
        back=_back(case),
        intro=intro,
    )


@require_http_methods(["GET", "POST"])
def consent_new(request, uuid):
    case = get_case_for_user(request.user, uuid, write=True)

    def save(data):
        actions.record_consent(by=request.user, case=case, **data)
        return saved(request, case, _("Consent recorded."))

    return form_view(
        request,
        ConsentForm(posted(request), case=case),
        title=_("Record consent"),
        save=save,
        creates=True,
        back=_back(case),
    )


# --- changing and removing a case's parts ---------------------------------------------------


def _get_part(request, uuid, related: str, part_uuid):
    """The case and one of its ``related`` records, both for writing: 404 for a record
    of another case, deleted or not visible; 403 for a read-only member."""
    case = get_case_for_user(request.user, uuid, write=True)
    return case, get_part_for_user(request.user, case, related, part_uuid, write=True)


def _confirm_removal(request, case, *, title: str, intro: str, remove, done: str):
    """A page that asks first; the removal is soft and kept in the record's history."""

    def save(_data):
        remove()
        return saved(request, case, done)

    return form_view(
        request,
        forms.Form(posted(request)),
        title=title,
        intro=intro,
        save=save,
        submit=_("Remove"),
        back=_back(case),
    )


@require_http_methods(["GET", "POST"])
def risk_edit(request, uuid, assessment):
    case, assessment = _get_part(request, uuid, "assessments", assessment)
    form = RiskForm(posted(request), initial=RiskForm.initial_from(assessment))

    def save(data):
        actions.update_assessment(assessment, by=request.user, **data)
        return saved(request, case, _("Changes saved."))

    return form_view(
        request,
        form,
        title=_("Edit the risk assessment"),
        save=save,
        back=_back(case),
        edits=assessment,
    )


@require_http_methods(["GET", "POST"])
def risk_delete(request, uuid, assessment):
    case, assessment = _get_part(request, uuid, "assessments", assessment)
    return _confirm_removal(
        request,
        case,
        title=_("Remove the risk assessment of %(date)s?")
        % {"date": date_format(assessment.assessed_on, "DATE_FORMAT")},
        intro=_(
            "It disappears from the case; the case's risk level becomes that of the newest "
            "assessment left. Nothing is erased: the history keeps it."
        ),
        remove=lambda: actions.remove_assessment(assessment, by=request.user),
        done=_("Risk assessment removed; the history keeps it."),
    )


@require_http_methods(["GET", "POST"])
def consent_edit(request, uuid, consent):
    case, consent = _get_part(request, uuid, "consents", consent)
    form = ConsentForm(posted(request), initial=ConsentForm.initial_from(consent), case=case)

    def save(data):
        actions.update_consent(consent, by=request.user, **data)
        return saved(request, case, _("Changes saved."))

    return form_view(
        request, form, title=_("Edit consent"), save=save, back=_back(case), edits=consent
    )


@require_http_methods(["GET", "POST"])
def consent_delete(request, uuid, consent):
    case, consent = _get_part(request, uuid, "consents", consent)
    return _confirm_removal(
        request,
        case,
        title=_("Remove this consent record?"),
        intro=_(
            "%(code)s: %(purpose)s, %(status)s. Once removed, it no longer counts as "
            "consent. Nothing is erased: the history keeps it."
        )
        % {
            "code": consent.person.code,
            "purpose": consent.purpose.label,
            "status": consent.get_status_display(),
        },
        remove=lambda: actions.remove_consent(consent, by=request.user),
        done=_("Consent record removed; the history keeps it."),
    )


@require_http_methods(["GET", "POST"])
def note_edit(request, uuid, note):
    case, note = _get_part(request, uuid, "notes", note)
    form = NoteForm(posted(request), initial=NoteForm.initial_from(note))

    def save(data):
        actions.update_note(note, by=request.user, **data)
        return saved(request, case, _("Changes saved."))

    return form_view(request, form, title=_("Edit note"), save=save, back=_back(case), edits=note)


@require_http_methods(["GET", "POST"])
def note_delete(request, uuid, note):
    case, note = _get_part(request, uuid, "notes", note)
    return _confirm_removal(
        request,
        case,
        title=_("Remove this note?"),
        intro=_("It disappears from the case. Nothing is erased: the history keeps it."),
        remove=lambda: actions.remove_note(note, by=request.user),
        done=_("Note removed; the history keeps it."),
    )


@require_http_methods(["GET", "POST"])
def person_remove(request, uuid, person):
    case, person = _get_part(request, uuid, "persons", person)
    if not CasePerson.objects.filter(case=case, person=person, removed_at__isnull=True).exists():
        raise Http404
    return _confirm_removal(
        request,
        case,
        title=_("Remove %(code)s from case %(case)s?") % {"code": person.code, "case": case.code},
        intro=_(
            "%(name)s will no longer be a person at risk on this case. The person, their "
            "actions and consent records stay; the case keeps who removed them and when."
        )
        % {"name": person.name},
        remove=lambda: actions.remove_person_from_case(case, person, by=request.user),
        done=_("Person removed from the case."),
    )
