"""Pages for protection cases. Every record is fetched through the policy layer."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from haven.accounts.models import writable_teams
from haven.audit.actions import record
from haven.cases import actions
from haven.cases.forms import (
    ActionForm,
    AddPersonForm,
    CaseFilterForm,
    CaseForm,
    ConsentForm,
    ConvertRequestForm,
    DecisionForm,
    JoinRequestForm,
    NewCaseForm,
    NoteForm,
    PetitionForm,
    RequestForm,
    RiskForm,
    StatusForm,
)
from haven.cases.models import (
    Case,
    CaseAction,
    Consent,
    Request,
    RiskAssessment,
    get_case_for_user,
    get_request_for_user,
)
from haven.cases.timeline import case_events, picture
from haven.records.access import can_write
from haven.web import once
from haven.web.forms import apply_action


def _can_create(user) -> bool:
    return writable_teams(user).exists()


def _duplicate(request, case=None):
    messages.warning(request, _("This form was already sent; nothing was saved twice."))
    if case is not None:
        return redirect("cases:detail", uuid=case.uuid)
    return redirect("cases:list")


def _form_page(request, title, form, *, case=None, status=200, submit=None, intro=""):
    return render(
        request,
        "cases/form.html",
        {"title": title, "form": form, "case": case, "submit": submit or _("Save"), "intro": intro},
        status=status,
    )


def _model_fields(form, exclude=()):
    return {k: v for k, v in form.cleaned_data.items() if k not in exclude}


# --- lists ---------------------------------------------------------------------------------


@require_GET
def case_list(request):
    user = request.user
    cases = (
        Case.objects.visible_to(user)
        .select_related("team", "lead")
        .annotate(
            overdue=Exists(
                CaseAction.objects.filter(
                    case=OuterRef("pk"),
                    deleted_at__isnull=True,
                    status__in=CaseAction.OPEN,
                    due_on__lt=timezone.localdate(),
                )
            )
        )
    )
    filters = CaseFilterForm(request.GET or None, user=user)
    status = 200
    if filters.is_bound:
        if filters.is_valid():
            data = filters.cleaned_data
            if data["status"]:
                cases = cases.filter(status=data["status"])
            if data["risk"]:
                cases = cases.filter(risk_level=data["risk"])
            if data["team"]:
                cases = cases.filter(team=data["team"])
            if data["lead"]:
                cases = cases.filter(lead=data["lead"])
            if data["overdue"]:
                cases = cases.filter(overdue=True)
        else:
            status, cases = 400, cases.none()
    cases = list(cases[:300])
    record("cases.case.listed", summary=f"{len(cases)} shown")
    return render(
        request,
        "cases/list.html",
        {"cases": cases, "filters": filters, "can_add": _can_create(user)},
        status=status,
    )


@require_GET
def request_list(request):
    requests = (
        Request.objects.visible_to(request.user)
        .filter(case__isnull=True)
        .select_related("channel", "requester")
    )
    requests = list(requests[:200])
    record("cases.request.listed", summary=f"{len(requests)} shown")
    return render(
        request,
        "cases/requests.html",
        {"requests": requests, "can_add": _can_create(request.user)},
    )


# --- requests ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def request_new(request):
    if not _can_create(request.user):
        raise PermissionDenied
    form = RequestForm(
        request.POST if request.method == "POST" else None,
        user=request.user,
        initial={"received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")},
    )
    if request.method == "POST" and form.is_valid():
        if not once.consume(request):
            return _duplicate(request)
        data = _model_fields(form, exclude=("team",))
        intake = actions.record_request(team=form.cleaned_data["team"], by=request.user, **data)
        messages.success(request, _("Request recorded."))
        return redirect("cases:request_detail", uuid=intake.uuid)
    return _form_page(
        request, _("New request for help"), form, status=400 if form.is_bound else 200
    )


def _request_page(request, intake, convert=None, join=None, status=200):
    return render(
        request,
        "cases/request.html",
        {
            "intake": intake,
            "convert": convert or ConvertRequestForm(),
            "join": join or JoinRequestForm(request_obj=intake, user=request.user),
            "can_write": can_write(request.user, intake),
        },
        status=status,
    )


@require_GET
def request_detail(request, uuid):
    return _request_page(request, get_request_for_user(request.user, uuid))


@require_POST
def request_convert(request, uuid):
    intake = get_request_for_user(request.user, uuid, write=True)
    form = ConvertRequestForm(request.POST)
    if form.is_valid():
        if intake.case_id:
            messages.warning(request, _("This request is already part of a case."))
            return redirect("cases:detail", uuid=intake.case.uuid)
        case = actions.open_case_from_request(
            intake, by=request.user, title=form.cleaned_data["title"]
        )
        messages.success(request, _("Case %(code)s opened.") % {"code": case.code})
        return redirect("cases:detail", uuid=case.uuid)
    return _request_page(request, intake, convert=form, status=400)


@require_POST
def request_join(request, uuid):
    intake = get_request_for_user(request.user, uuid, write=True)
    form = JoinRequestForm(request.POST, request_obj=intake, user=request.user)
    if form.is_valid():
        case = form.cleaned_data["case"]
        if apply_action(form, lambda: actions.join_request_to_case(intake, case, by=request.user)):
            messages.success(request, _("Request added to case %(code)s.") % {"code": case.code})
            return redirect("cases:detail", uuid=case.uuid)
    return _request_page(request, intake, join=form, status=400)


# --- cases ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def case_new(request):
    if not _can_create(request.user):
        raise PermissionDenied
    form = NewCaseForm(
        request.POST if request.method == "POST" else None,
        user=request.user,
        initial={"lead": request.user},
    )
    if request.method == "POST" and form.is_valid():
        if not once.consume(request):
            return _duplicate(request)
        data = _model_fields(form, exclude=("team", "persons"))
        case = actions.open_case(
            team=form.cleaned_data["team"],
            by=request.user,
            persons=form.cleaned_data["persons"],
            **data,
        )
        messages.success(request, _("Case %(code)s opened.") % {"code": case.code})
        return redirect("cases:detail", uuid=case.uuid)
    return _form_page(request, _("Open a case"), form, status=400 if form.is_bound else 200)


def _case_page(request, case, status=200, **forms):
    user = request.user
    events = case_events(case)
    actions_list = list(
        case.actions.live().select_related("kind", "owner", "authority", "petition_type", "person")
    )
    context = {
        "case": case,
        "persons": list(case.persons.live()),
        "requests": list(case.requests.live().select_related("channel")),
        "assessments": list(
            case.assessments.live().prefetch_related("threat_sources", "threat_types")
        ),
        "actions": [a for a in actions_list if not a.is_petition],
        "petitions": [a for a in actions_list if a.is_petition],
        "consents": list(case.consents.live().select_related("person", "purpose")),
        "notes": list(case.notes.live().select_related("author")),
        "events": events,
        "timeline": picture(events),
        "can_write": can_write(user, case),
        "status_form": forms.get("status_form") or StatusForm(initial={"status": case.status}),
        "person_form": forms.get("person_form") or AddPersonForm(case=case, user=user),
        "note_form": forms.get("note_form") or NoteForm(),
    }
    return render(request, "cases/detail.html", context, status=status)


@require_GET
def case_detail(request, uuid):
    return _case_page(request, get_case_for_user(request.user, uuid))


@require_http_methods(["GET", "POST"])
def case_edit(request, uuid):
    case = get_case_for_user(request.user, uuid, write=True)
    form = CaseForm(
        request.POST if request.method == "POST" else None, instance=case, team=case.team
    )
    if request.method == "POST" and form.is_valid():
        case = get_case_for_user(request.user, uuid, write=True)
        actions.update_case(case, by=request.user, **form.cleaned_data)
        messages.success(request, _("Changes saved."))
        return redirect("cases:detail", uuid=case.uuid)
    return _form_page(
        request,
        _("Edit case %(code)s") % {"code": case.code},
        form,
        case=case,
        status=400 if form.is_bound else 200,
    )


@require_POST
def case_status(request, uuid):
    case = get_case_for_user(request.user, uuid, write=True)
    form = StatusForm(request.POST)
    if not form.is_valid():
        return _case_page(request, case, status=400, status_form=form)
    actions.change_status(case, form.cleaned_data["status"], by=request.user)
    messages.success(request, _("Status changed."))
    return redirect("cases:detail", uuid=case.uuid)


@require_POST
def case_add_person(request, uuid):
    case = get_case_for_user(request.user, uuid, write=True)
    form = AddPersonForm(request.POST, case=case, user=request.user)
    if not form.is_valid():
        return _case_page(request, case, status=400, person_form=form)
    actions.add_person_to_case(case, form.cleaned_data["person"], by=request.user)
    messages.success(request, _("Person added to the case."))
    return redirect("cases:detail", uuid=case.uuid)


@require_POST
def note_new(request, uuid):
    case = get_case_for_user(request.user, uuid, write=True)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _case_page(request, case, status=400, note_form=form)
    if not once.consume(request):
        return _duplicate(request, case)
    actions.add_note(case, by=request.user, text=form.cleaned_data["text"])
    messages.success(request, _("Note added."))
    return redirect("cases:detail", uuid=case.uuid)


@require_http_methods(["GET", "POST"])
def risk_new(request, uuid):
    case = get_case_for_user(request.user, uuid, write=True)
    form = RiskForm(
        request.POST if request.method == "POST" else None,
        instance=RiskAssessment(case=case, team=case.team),
    )
    if request.method == "POST" and form.is_valid():
        if not once.consume(request):
            return _duplicate(request, case)
        data = _model_fields(form, exclude=("threat_sources", "threat_types"))
        actions.assess_risk(
            case,
            by=request.user,
            threat_sources=form.cleaned_data["threat_sources"],
            threat_types=form.cleaned_data["threat_types"],
            **data,
        )
        messages.success(request, _("Risk assessment recorded."))
        return redirect("cases:detail", uuid=case.uuid)
    return _form_page(
        request, _("Assess the risk"), form, case=case, status=400 if form.is_bound else 200
    )


def _action_form(request, uuid, form_class, title, kind_code=None):
    case = get_case_for_user(request.user, uuid, write=True)
    instance = CaseAction(case=case, team=case.team)
    if kind_code:
        from haven.vocab.models import term

        instance.kind = term("action_type", kind_code)
    form = form_class(
        request.POST if request.method == "POST" else None, instance=instance, case=case
    )
    if request.method == "POST" and form.is_valid():
        if not once.consume(request):
            return _duplicate(request, case)
        data = _model_fields(form, exclude=("kind",))
        kind = instance.kind

        def make():
            actions.plan_action(case, by=request.user, kind=kind, **data)

        if apply_action(form, make):
            messages.success(request, _("Saved."))
            return redirect("cases:detail", uuid=case.uuid)
    return _form_page(request, title, form, case=case, status=400 if form.is_bound else 200)


@require_http_methods(["GET", "POST"])
def action_new(request, uuid):
    return _action_form(request, uuid, ActionForm, _("Plan an action"))


@require_http_methods(["GET", "POST"])
def petition_new(request, uuid):
    return _action_form(request, uuid, PetitionForm, _("File a petition"), kind_code="petition")


def _get_action(request, uuid, action_uuid):
    case = get_case_for_user(request.user, uuid, write=True)
    action = case.actions.filter(uuid=action_uuid, deleted_at__isnull=True).first()
    if action is None:
        raise Http404
    return case, action


@require_http_methods(["GET", "POST"])
def action_edit(request, uuid, action):
    case, action = _get_action(request, uuid, action)
    form_class = PetitionForm if action.is_petition else ActionForm
    form = form_class(
        request.POST if request.method == "POST" else None, instance=action, case=case
    )
    if request.method == "POST" and form.is_valid():
        data = _model_fields(form, exclude=("kind",))
        if apply_action(form, lambda: actions.update_action(action, by=request.user, **data)):
            messages.success(request, _("Changes saved."))
            return redirect("cases:detail", uuid=case.uuid)
    return _form_page(request, action.title, form, case=case, status=400 if form.is_bound else 200)


@require_http_methods(["GET", "POST"])
def decision(request, uuid, action):
    case, petition = _get_action(request, uuid, action)
    if not petition.is_petition:
        raise Http404
    form = DecisionForm(request.POST if request.method == "POST" else None, instance=petition)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def make():
            actions.record_decision(petition, by=request.user, **data)

        if apply_action(form, make):
            messages.success(request, _("Decision recorded."))
            return redirect("cases:detail", uuid=case.uuid)
    intro = _("Petition: %(title)s, filed on %(date)s with %(authority)s.") % {
        "title": petition.title,
        "date": petition.filed_on or "—",
        "authority": petition.authority.label if petition.authority_id else "—",
    }
    return _form_page(
        request,
        _("Record the decision"),
        form,
        case=case,
        intro=intro,
        status=400 if form.is_bound else 200,
    )


@require_http_methods(["GET", "POST"])
def consent_new(request, uuid):
    case = get_case_for_user(request.user, uuid, write=True)
    form = ConsentForm(
        request.POST if request.method == "POST" else None,
        instance=Consent(case=case, team=case.team),
        case=case,
    )
    if request.method == "POST" and form.is_valid():
        if not once.consume(request):
            return _duplicate(request, case)
        data = _model_fields(form, exclude=("person",))
        actions.record_consent(form.cleaned_data["person"], by=request.user, case=case, **data)
        messages.success(request, _("Consent recorded."))
        return redirect("cases:detail", uuid=case.uuid)
    return _form_page(
        request, _("Record consent"), form, case=case, status=400 if form.is_bound else 200
    )


# --- dashboard -----------------------------------------------------------------------------


def dashboard_context(user) -> dict:
    today = timezone.localdate()
    soon = today + timezone.timedelta(days=14)
    cases = Case.objects.visible_to(user)
    open_actions = (
        CaseAction.objects.visible_to(user)
        .filter(status__in=CaseAction.OPEN)
        .select_related("case", "kind")
    )
    return {
        "my_cases": list(
            cases.filter(lead=user).exclude(status=Case.Status.CLOSED).order_by("-opened_on")[:20]
        ),
        "my_actions": list(
            open_actions.filter(owner=user, due_on__isnull=False, due_on__lte=soon)
            .exclude(kind__code="petition")
            .order_by("due_on")[:20]
        ),
        "awaiting": list(
            CaseAction.objects.visible_to(user)
            .filter(kind__code="petition", decision=CaseAction.Decision.PENDING)
            .select_related("case", "authority")
            .order_by("filed_on")[:20]
        ),
        "deadlines": list(
            CaseAction.objects.visible_to(user)
            .filter(next_deadline__gte=today, next_deadline__lte=soon)
            .select_related("case")
            .order_by("next_deadline")[:20]
        ),
        "today": today,
        "unassigned_requests": Request.objects.visible_to(user).filter(case__isnull=True).count(),
    }
