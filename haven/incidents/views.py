"""Pages for documenting violations. Every record comes through the policy layer."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from haven.accounts.models import writable_teams
from haven.audit.actions import record
from haven.incidents import actions, selectors, stats
from haven.incidents.forms import (
    ActForm,
    ChainForm,
    CiteForm,
    IncidentFilterForm,
    IncidentForm,
    InvolvementForm,
    LinkCaseForm,
    NewIncidentForm,
)
from haven.incidents.models import Act, get_incident_for_user
from haven.records.access import get_part_for_user
from haven.web.forms import form_view
from haven.web.lists import Sorting, lookup
from haven.web.pagination import paginate, shown


def _posted(request):
    return request.POST if request.method == "POST" else None


def _back(incident) -> tuple[str, str]:
    return (
        reverse("incidents:detail", kwargs={"uuid": incident.uuid}),
        f"{incident.code} · {incident.title}",
    )


# A lookup is POSTed so that a name never appears in a URL; links are GETs.
@require_http_methods(["GET", "POST"])
def incident_list(request):
    user = request.user
    filters = IncidentFilterForm(lookup(request), user=user)
    sorting = Sorting.of(request, selectors.INCIDENT_COLUMNS, selectors.INCIDENT_ORDER)
    incidents = paginate(request, sorting.apply(filters.apply(selectors.incident_list(user))))
    record(
        "incidents.incident.listed",
        summary=shown(incidents) + (", lookup" if filters.query else ""),
    )
    return render(
        request,
        "incidents/list.html",
        {
            "incidents": incidents,
            "filters": filters,
            "sorting": sorting,
            "can_add": writable_teams(user).exists(),
        },
        status=400 if filters.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def incident_new(request):
    teams = writable_teams(request.user)
    if not teams.exists():
        raise PermissionDenied

    def save(data):
        data = dict(data)
        incident = actions.record_incident(team=data.pop("team"), by=request.user, **data)
        messages.success(request, _("Incident %(code)s recorded.") % {"code": incident.code})
        return redirect("incidents:detail", uuid=incident.uuid)

    return form_view(
        request,
        NewIncidentForm(_posted(request), teams=teams),
        title=_("Record an incident"),
        save=save,
        creates=True,
        back=(reverse("incidents:list"), _("Incidents")),
    )


@require_GET
def incident_detail(request, uuid):
    incident = get_incident_for_user(request.user, uuid)
    return render(request, "incidents/detail.html", selectors.incident_page(request.user, incident))


@require_http_methods(["GET", "POST"])
def incident_edit(request, uuid):
    incident = get_incident_for_user(request.user, uuid, write=True)

    def save(data):
        actions.update_incident(incident, by=request.user, **data)
        messages.success(request, _("Changes saved."))
        return redirect("incidents:detail", uuid=incident.uuid)

    return form_view(
        request,
        IncidentForm(_posted(request), initial=IncidentForm.initial_from(incident)),
        title=_("Edit %(code)s") % {"code": incident.code},
        save=save,
        back=_back(incident),
        edits=incident,
    )


def _part_page(request, incident, form_class, *, title, make, creates=True):
    """A form that adds something to ``incident``: ``make(data)`` calls the action."""

    def save(data):
        make(data)
        messages.success(request, _("Saved."))
        return redirect("incidents:detail", uuid=incident.uuid)

    return form_view(
        request,
        form_class(_posted(request), incident=incident, user=request.user),
        title=title,
        save=save,
        creates=creates,
        back=_back(incident),
    )


@require_http_methods(["GET", "POST"])
def act_new(request, uuid):
    incident = get_incident_for_user(request.user, uuid, write=True)
    return _part_page(
        request,
        incident,
        ActForm,
        title=_("Add an act"),
        make=lambda data: actions.record_act(incident, by=request.user, **data),
    )


@require_http_methods(["GET", "POST"])
def involvement_new(request, uuid, act):
    incident = get_incident_for_user(request.user, uuid, write=True)
    the_act = get_part_for_user(request.user, incident, "acts", act, write=True)
    title = _("Who did it: %(act)s against %(victim)s") % {
        "act": the_act.act_type.label,
        "victim": the_act.victim.code,
    }
    return _part_page(
        request,
        incident,
        InvolvementForm,
        title=title,
        make=lambda data: actions.add_involvement(the_act, by=request.user, **data),
    )


@require_http_methods(["GET", "POST"])
def chain_new(request, uuid):
    incident = get_incident_for_user(request.user, uuid, write=True)
    return _part_page(
        request,
        incident,
        ChainForm,
        title=_("Link to another incident"),
        make=lambda data: actions.chain(
            incident, data["target"], by=request.user, relation=data["relation"], note=data["note"]
        ),
    )


@require_http_methods(["GET", "POST"])
def cite_new(request, uuid):
    incident = get_incident_for_user(request.user, uuid, write=True)

    def make(data):
        data = dict(data)
        actions.cite_source(incident, data.pop("source"), by=request.user, **data)

    return _part_page(request, incident, CiteForm, title=_("Cite a source"), make=make)


@require_http_methods(["GET", "POST"])
def link_case(request, uuid):
    incident = get_incident_for_user(request.user, uuid, write=True)

    def make(data):
        if data["action"]:
            actions.link_intervention(incident, data["action"], by=request.user)
        else:
            actions.link_case(incident, data["case"], by=request.user)

    # Linking twice changes nothing, so a resent form needs no guard.
    return _part_page(
        request, incident, LinkCaseForm, title=_("Link to a case"), make=make, creates=False
    )


@require_GET
def statistics(request):
    counts = stats.count_acts(Act.objects.visible_to(request.user))
    record("incidents.statistics.viewed", summary=f"{counts.total} acts counted")
    return render(
        request,
        "incidents/statistics.html",
        {
            "per_month": stats.month_chart(counts.per_month, counts.vague),
            "per_region": stats.region_chart(counts.per_region),
            "total": counts.total,
        },
    )
