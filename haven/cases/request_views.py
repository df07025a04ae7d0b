"""Pages for requests for help: the list of those waiting for a case, a new request, and
a request's page with what can be done from it (open a case, join one, reply, assign).
Every record is fetched through the policy layer; every change is a verb of
``haven.cases.actions``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from haven.audit.actions import record
from haven.cases import actions, selectors
from haven.cases.forms import (
    AssignRequestForm,
    ConvertRequestForm,
    JoinRequestForm,
    ReplyForm,
    RequestForm,
    request_listing,
)
from haven.cases.models import get_request_for_user
from haven.cases.pages import can_create, posted, saved
from haven.records.access import can_write
from haven.web.forms import form_view
from haven.web.lists import lookup
from haven.web.pagination import paginate, shown


@require_http_methods(["GET", "POST"])
def request_list(request):
    listed = request_listing(request.user, lookup(request), posted=request.method == "POST")
    requests = paginate(request, listed.rows)
    filters, sorting = listed.filters, listed.sorting
    record("cases.request.listed", summary=shown(requests) + (", lookup" if filters.query else ""))
    return render(
        request,
        "cases/requests.html",
        {
            "requests": requests,
            "filters": filters,
            "sorting": sorting,
            "can_add": can_create(request.user),
        },
        status=400 if filters.errors else 200,
    )


# --- requests ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def request_new(request):
    if not can_create(request.user):
        raise PermissionDenied
    form = RequestForm(
        posted(request),
        user=request.user,
        initial={"received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")},
    )

    def save(data):
        intake = actions.record_request(by=request.user, **data)
        messages.success(request, _("Request recorded."))
        return redirect("cases:request_detail", uuid=intake.uuid)

    return form_view(
        request,
        form,
        title=_("New request for help"),
        save=save,
        creates=True,
        back=(reverse("cases:requests"), _("Requests")),
    )


def _request_page(request, intake, form=None, save=None, **forms):
    """The request page; a form of the page itself (open a case, join one) comes back on
    it with its errors."""

    def page():
        return {
            "intake": intake,
            "convert": ConvertRequestForm(),
            "join": JoinRequestForm(request_obj=intake, user=request.user),
            "reply": ReplyForm(),
            "assign": AssignRequestForm(
                request_obj=intake, initial={"assignee": intake.assignee_id}
            ),
            "conversation": selectors.conversation(intake),
            "similar_people": selectors.similar_people(request.user, intake),
            "can_write": can_write(request.user, intake),
            **forms,
        }

    if form is None:
        return render(request, "cases/request.html", page())
    return form_view(
        request,
        form,
        title=_("Request for help"),
        save=save,
        template="cases/request.html",
        context=page,
    )


@require_GET
def request_detail(request, uuid):
    return _request_page(request, get_request_for_user(request.user, uuid))


@require_POST
def request_convert(request, uuid):
    intake = get_request_for_user(request.user, uuid, write=True)
    form = ConvertRequestForm(request.POST)

    # Sent twice, the request is already on the case the first submission opened:
    # no double-submit token is needed to say so.
    def save(data):
        if intake.case_id:
            messages.warning(request, _("This request is already part of a case."))
            return redirect("cases:detail", uuid=intake.case.uuid)
        case = actions.open_case_from_request(intake, by=request.user, **data)
        return saved(request, case, _("Case %(code)s opened.") % {"code": case.code})

    return _request_page(request, intake, form, save, convert=form)


@require_POST
def request_join(request, uuid):
    intake = get_request_for_user(request.user, uuid, write=True)
    form = JoinRequestForm(request.POST, request_obj=intake, user=request.user)

    def save(data):
        actions.join_request_to_case(intake, by=request.user, **data)
        case = data["case"]
        return saved(request, case, _("Request added to case %(code)s.") % {"code": case.code})

    return _request_page(request, intake, form, save, join=form)


@require_POST
def request_reply(request, uuid):
    intake = get_request_for_user(request.user, uuid, write=True)
    form = ReplyForm(request.POST)

    def save(data):
        actions.write_to_requester(intake, by=request.user, **data)
        messages.success(
            request, _("Message sent: the person reads it when they come back with their receipt.")
        )
        return redirect("cases:request_detail", uuid=intake.uuid)

    return _request_page(request, intake, form, save, reply=form)


@require_POST
def request_assign(request, uuid):
    intake = get_request_for_user(request.user, uuid, write=True)
    form = AssignRequestForm(request.POST, request_obj=intake)

    def save(data):
        actions.assign_request(intake, by=request.user, **data)
        messages.success(request, _("Request assigned."))
        return redirect("cases:request_detail", uuid=intake.uuid)

    return _request_page(request, intake, form, save, assign=form)
