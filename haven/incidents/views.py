"""Pages for documenting violations. Every record comes through the policy layer."""

from __future__ import annotations

import uuid as uuid_module

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from haven.accounts.models import writable_teams
from haven.audit.actions import record
from haven.incidents import actions, selectors, stats
from haven.incidents.forms import (
    ActForm,
    ActsForm,
    ChainForm,
    CitationForm,
    CiteForm,
    IncidentForm,
    InvolvementForm,
    LinkCaseForm,
    NewIncidentForm,
    incident_listing,
)
from haven.incidents.models import Act, Chain, get_incident_for_user
from haven.records.access import get_part_for_user
from haven.web.forms import form_view
from haven.web.lists import lookup
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
    listed = incident_listing(user, lookup(request), posted=request.method == "POST")
    incidents = paginate(request, listed.rows)
    filters = listed.filters
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
            "sorting": listed.sorting,
            "can_add": writable_teams(user).exists(),
        },
        status=400 if filters.errors else 200,
    )


def _uuid_or_none(value: str):
    try:
        return uuid_module.UUID(value)
    except ValueError:
        return None


@require_http_methods(["GET", "POST"])
def incident_new(request):
    teams = writable_teams(request.user)
    if not teams.exists():
        raise PermissionDenied

    def save(data):
        data = dict(data)
        incident = actions.record_incident_with_acts(team=data.pop("team"), by=request.user, **data)
        messages.success(request, _("Incident %(code)s recorded.") % {"code": incident.code})
        return redirect("incidents:detail", uuid=incident.uuid)

    form = NewIncidentForm(_posted(request), teams=teams, user=request.user)
    if request.method == "GET" and request.GET.get("case"):
        # Opened from a case's page: the case (if this user may write to it) is chosen.
        case = form.fields["case"].queryset.filter(uuid=_uuid_or_none(request.GET["case"]))
        case = case.first()
        if case is not None:
            form.initial.update(case=case, team=case.team)
    return form_view(
        request,
        form,
        title=_("Record an incident"),
        save=save,
        creates=True,
        back=(reverse("incidents:list"), _("Incidents")),
    )


def _detail_page(request, incident, act_form=None) -> dict:
    """The incident page; a writing member finds the form that adds acts on it."""
    page = selectors.incident_page(request.user, incident)
    if page["can_write"]:
        page["act_form"] = act_form or ActsForm(incident=incident, user=request.user)
    return page


@require_GET
def incident_detail(request, uuid):
    incident = get_incident_for_user(request.user, uuid)
    return render(request, "incidents/detail.html", _detail_page(request, incident))


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
    """Acts of one type for several victims and perpetrators. The form sits on the
    incident page: a post with mistakes shows that page again with them marked."""
    incident = get_incident_for_user(request.user, uuid, write=True)
    form = ActsForm(_posted(request), incident=incident, user=request.user)

    def save(data):
        acts = actions.record_acts(incident, by=request.user, **data)
        messages.success(
            request,
            ngettext("%(count)d act recorded.", "%(count)d acts recorded.", len(acts))
            % {"count": len(acts)},
        )
        return redirect(reverse("incidents:detail", kwargs={"uuid": incident.uuid}) + "#acts")

    in_place = request.method == "POST"
    return form_view(
        request,
        form,
        title=_("Add acts"),
        save=save,
        creates=True,
        back=_back(incident),
        template="incidents/detail.html" if in_place else "web/form.html",
        context=(lambda: _detail_page(request, incident, form)) if in_place else None,
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


def _edit_page(request, incident, record, form, *, title, save_with):
    """An edit page for a part of ``incident``: ``save_with(data)`` calls the action."""

    def save(data):
        save_with(data)
        messages.success(request, _("Changes saved."))
        return redirect("incidents:detail", uuid=incident.uuid)

    return form_view(request, form, title=title, save=save, back=_back(incident), edits=record)


def _removal_page(request, incident, *, title, intro, remove):
    """A page that asks first; ``remove()`` calls the action (soft, kept in history)."""

    def save(_data):
        remove()
        messages.success(request, _("Removed; the history is kept."))
        return redirect("incidents:detail", uuid=incident.uuid)

    return form_view(
        request,
        forms.Form(_posted(request)),
        title=title,
        intro=intro,
        save=save,
        submit=_("Remove"),
        back=_back(incident),
    )


def _act(request, uuid, act):
    incident = get_incident_for_user(request.user, uuid, write=True)
    return incident, get_part_for_user(request.user, incident, "acts", act, write=True)


def _act_label(act) -> dict:
    return {"act": act.act_type.label, "victim": act.victim.code}


@require_http_methods(["GET", "POST"])
def act_edit(request, uuid, act):
    incident, the_act = _act(request, uuid, act)
    form = ActForm(
        _posted(request),
        initial=ActForm.initial_from(the_act),
        incident=incident,
        user=request.user,
        act=the_act,
    )
    return _edit_page(
        request,
        incident,
        the_act,
        form,
        title=_("Edit the act: %(act)s against %(victim)s") % _act_label(the_act),
        save_with=lambda data: actions.update_act(the_act, by=request.user, **data),
    )


@require_http_methods(["GET", "POST"])
def act_delete(request, uuid, act):
    incident, the_act = _act(request, uuid, act)
    return _removal_page(
        request,
        incident,
        title=_("Remove the act: %(act)s against %(victim)s?") % _act_label(the_act),
        intro=_(
            "The act and who did it leave the incident, its statistics and the people's "
            "pages. Nothing is erased: the history is kept."
        ),
        remove=lambda: actions.remove_act(the_act, by=request.user),
    )


def _involvement(request, uuid, act, involvement):
    incident, the_act = _act(request, uuid, act)
    return (
        incident,
        the_act,
        get_part_for_user(request.user, the_act, "involvements", involvement, write=True),
    )


@require_http_methods(["GET", "POST"])
def involvement_edit(request, uuid, act, involvement):
    incident, the_act, inv = _involvement(request, uuid, act, involvement)
    form = InvolvementForm(
        _posted(request),
        initial=InvolvementForm.initial_from(inv),
        incident=incident,
        user=request.user,
    )
    return _edit_page(
        request,
        incident,
        inv,
        form,
        title=_("Who did it: %(act)s against %(victim)s") % _act_label(the_act),
        save_with=lambda data: actions.update_involvement(inv, by=request.user, **data),
    )


@require_http_methods(["GET", "POST"])
def involvement_delete(request, uuid, act, involvement):
    incident, the_act, inv = _involvement(request, uuid, act, involvement)
    return _removal_page(
        request,
        incident,
        title=_("Remove %(perpetrator)s from the act?") % {"perpetrator": inv.perpetrator.code},
        intro=_(
            "%(perpetrator)s is no longer recorded as involved in %(act)s against "
            "%(victim)s. Nothing is erased: the history is kept."
        )
        % {"perpetrator": inv.perpetrator.code, **_act_label(the_act)},
        remove=lambda: actions.remove_involvement(inv, by=request.user),
    )


def _chain(request, uuid, chain):
    """A chain that starts or ends at the incident: 404 (and on the record) otherwise."""
    incident = get_incident_for_user(request.user, uuid, write=True)
    links = Chain.objects.visible_to(request.user).filter(Q(source=incident) | Q(target=incident))
    link = links.filter(uuid=chain).select_related("source", "target").first()
    if link is None:
        record("access.denied", actor=request.user, summary=f"incidents.chain {chain}")
        raise Http404
    return incident, link


@require_http_methods(["GET", "POST"])
def chain_edit(request, uuid, chain):
    incident, link = _chain(request, uuid, chain)
    # The form speaks from the link's first incident ("This incident precedes …").
    form = ChainForm(
        _posted(request),
        initial=ChainForm.initial_from(link),
        incident=link.source,
        user=request.user,
    )
    return _edit_page(
        request,
        incident,
        link,
        form,
        title=_("Edit the link from %(code)s") % {"code": link.source.code},
        save_with=lambda data: actions.update_chain(link, by=request.user, **data),
    )


@require_http_methods(["GET", "POST"])
def chain_delete(request, uuid, chain):
    incident, link = _chain(request, uuid, chain)
    return _removal_page(
        request,
        incident,
        title=_("Remove the link between %(source)s and %(target)s?")
        % {"source": link.source.code, "target": link.target.code},
        intro=_(
            "Both incidents stay; only the link between them goes. Nothing is erased: "
            "the history is kept."
        ),
        remove=lambda: actions.remove_chain(link, by=request.user),
    )


def _citation(request, uuid, link):
    incident = get_incident_for_user(request.user, uuid, write=True)
    return incident, get_part_for_user(request.user, incident, "information", link, write=True)


@require_http_methods(["GET", "POST"])
def cite_edit(request, uuid, link):
    incident, citation = _citation(request, uuid, link)
    form = CitationForm(
        _posted(request),
        initial=CitationForm.initial_from(citation),
        incident=incident,
        user=request.user,
    )
    return _edit_page(
        request,
        incident,
        citation,
        form,
        title=_("Edit the citation of %(code)s") % {"code": citation.source.code},
        save_with=lambda data: actions.update_citation(citation, by=request.user, **data),
    )


@require_http_methods(["GET", "POST"])
def cite_delete(request, uuid, link):
    incident, citation = _citation(request, uuid, link)
    return _removal_page(
        request,
        incident,
        title=_("Stop citing %(code)s?") % {"code": citation.source.code},
        intro=_(
            "The source stays; it is no longer cited for this incident. Nothing is erased: "
            "the history is kept."
        ),
        remove=lambda: actions.remove_citation(citation, by=request.user),
    )


@require_http_methods(["GET", "POST"])
def case_unlink(request, uuid, case):
    incident = get_incident_for_user(request.user, uuid, write=True)
    the_case = get_part_for_user(request.user, incident, "cases", case, write=True)
    return _removal_page(
        request,
        incident,
        title=_("Unlink case %(code)s?") % {"code": the_case.code},
        intro=_("The case and the incident stay; only the link between them goes."),
        remove=lambda: actions.unlink_case(incident, the_case, by=request.user),
    )


@require_http_methods(["GET", "POST"])
def intervention_unlink(request, uuid, action):
    incident = get_incident_for_user(request.user, uuid, write=True)
    the_action = get_part_for_user(request.user, incident, "interventions", action, write=True)
    return _removal_page(
        request,
        incident,
        title=_("Unlink %(action)s?") % {"action": the_action.title},
        intro=_(
            "The action stays in its case and the incident stays; only the link between them goes."
        ),
        remove=lambda: actions.unlink_intervention(incident, the_action, by=request.user),
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
