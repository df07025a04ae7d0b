"""Pages for documenting violations. Every record comes through the policy layer."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from haven.accounts.models import writable_teams
from haven.audit.actions import record
from haven.incidents import actions
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
from haven.incidents.models import Act, Chain, Incident, Involvement, get_incident_for_user
from haven.incidents.stats import acts_per_month, acts_per_region
from haven.records.access import can_write
from haven.web import once
from haven.web.forms import apply_action


def _fields(form, *names):
    return {name: form.cleaned_data[name] for name in names}


def _form_page(request, title, form, incident=None, status=200):
    return render(
        request,
        "incidents/form.html",
        {"title": title, "form": form, "incident": incident},
        status=status,
    )


@require_GET
def incident_list(request):
    user = request.user
    filters = IncidentFilterForm(request.GET or None, user=user)
    incidents = Incident.objects.visible_to(user).select_related("location")
    status, possible = 200, set()
    if filters.is_bound and not filters.is_valid():
        status, incidents = 400, incidents.none()
    elif filters.is_bound:
        data = filters.cleaned_data
        acts = Act.objects.visible_to(user)
        if data["act_type"]:
            acts = acts.filter(act_type=data["act_type"])
            incidents = incidents.filter(pk__in=acts.values("incident"))
        if data["region"]:
            path = data["region"].path
            incidents = incidents.filter(
                Q(location__path__startswith=path)
                | Q(pk__in=Act.objects.filter(location__path__startswith=path).values("incident"))
            )
        if data["since"]:
            incidents = incidents.filter(
                Q(end_latest__gte=data["since"])
                | Q(end_latest__isnull=True, start_latest__gte=data["since"])
            )
        if data["until"]:
            incidents = incidents.filter(start_earliest__lte=data["until"])
        if data["perpetrator"]:
            incidents = incidents.filter(
                pk__in=Involvement.objects.visible_to(user)
                .filter(perpetrator=data["perpetrator"])
                .values("act__incident")
            )
        if data["case"]:
            incidents = incidents.filter(cases=data["case"])
        if data["victim_gender"]:
            # The victim's gender is encrypted: open it for the acts the user may see.
            matching = {
                act.incident_id
                for act in acts.select_related("victim")
                if act.victim.gender == data["victim_gender"]
            }
            incidents = incidents.filter(pk__in=matching)
        if data["since"] or data["until"]:
            for incident in incidents:
                if not incident.start or not _certainly_within(
                    incident, data["since"], data["until"]
                ):
                    possible.add(incident.pk)
    incidents = list(
        incidents.prefetch_related(
            Prefetch(
                "acts",
                queryset=Act.objects.live().select_related("act_type"),
            )
        )[:300]
    )
    record("incidents.incident.listed", summary=f"{len(incidents)} shown")
    return render(
        request,
        "incidents/list.html",
        {
            "incidents": incidents,
            "filters": filters,
            "possible": possible,
            "can_add": writable_teams(user).exists(),
        },
        status=status,
    )


def _certainly_within(incident, since, until) -> bool:
    start, end = incident.start, incident.end or incident.start
    return (since is None or start.earliest >= since) and (until is None or end.latest <= until)


@require_http_methods(["GET", "POST"])
def incident_new(request):
    teams = writable_teams(request.user)
    if not teams.exists():
        raise PermissionDenied
    form = NewIncidentForm(request.POST if request.method == "POST" else None, teams=teams)
    if request.method == "POST" and form.is_valid():
        if not once.consume(request):
            messages.warning(request, _("This form was already sent; nothing was saved twice."))
            return redirect("incidents:list")
        data = dict(form.cleaned_data)
        team = data.pop("team")
        incident = actions.record_incident(team=team, by=request.user, **data)
        messages.success(request, _("Incident %(code)s recorded.") % {"code": incident.code})
        return redirect("incidents:detail", uuid=incident.uuid)
    return _form_page(request, _("Record an incident"), form, status=400 if form.is_bound else 200)


def _detail_context(request, incident):
    acts = list(
        incident.acts.live()
        .select_related("act_type", "victim", "location")
        .prefetch_related(
            Prefetch(
                "involvements",
                queryset=Involvement.objects.live().select_related("perpetrator"),
            )
        )
    )
    chains = list(
        Chain.objects.filter(
            Q(source=incident) | Q(target=incident), deleted_at__isnull=True
        ).select_related("source", "target")
    )
    return {
        "incident": incident,
        "acts": acts,
        "chains_out": [c for c in chains if c.source_id == incident.pk],
        "chains_in": [c for c in chains if c.target_id == incident.pk],
        "chain_path": chain_path(incident),
        "information": list(incident.information.live().select_related("source")),
        "cases": list(incident.cases.live()),
        "interventions": list(incident.interventions.live().select_related("case", "kind")),
        "can_write": can_write(request.user, incident),
    }


def chain_path(incident) -> list:
    """The chain of events this incident sits in, earliest first (precedes/causes only)."""
    before, current, seen = [], incident, {incident.pk}
    while True:
        link = (
            Chain.objects.filter(
                target=current, deleted_at__isnull=True, relation__in=["precedes", "causes"]
            )
            .select_related("source")
            .first()
        )
        if link is None or link.source_id in seen:
            break
        before.insert(0, (link.source, link.get_relation_display()))
        seen.add(link.source_id)
        current = link.source
    after, current = [], incident
    while True:
        link = (
            Chain.objects.filter(
                source=current, deleted_at__isnull=True, relation__in=["precedes", "causes"]
            )
            .select_related("target")
            .first()
        )
        if link is None or link.target_id in seen:
            break
        after.append((link.target, link.get_relation_display()))
        seen.add(link.target_id)
        current = link.target
    if not before and not after:
        return []
    steps = [(item, relation) for item, relation in before]
    steps.append((incident, after[0][1] if after else ""))
    for index, (item, _relation) in enumerate(after):
        relation = after[index + 1][1] if index + 1 < len(after) else ""
        steps.append((item, relation))
    return steps


@require_GET
def incident_detail(request, uuid):
    incident = get_incident_for_user(request.user, uuid)
    return render(request, "incidents/detail.html", _detail_context(request, incident))


@require_http_methods(["GET", "POST"])
def incident_edit(request, uuid):
    incident = get_incident_for_user(request.user, uuid, write=True)
    form = IncidentForm(
        request.POST if request.method == "POST" else None,
        initial=IncidentForm.initial_from(incident),
    )
    if request.method == "POST" and form.is_valid():
        actions.update_incident(incident, by=request.user, **form.cleaned_data)
        messages.success(request, _("Changes saved."))
        return redirect("incidents:detail", uuid=incident.uuid)
    return _form_page(
        request,
        _("Edit %(code)s") % {"code": incident.code},
        form,
        incident,
        status=400 if form.is_bound else 200,
    )


def _part_form(request, uuid, form_class, title, make, *, repeatable=True):
    incident = get_incident_for_user(request.user, uuid, write=True)
    form = form_class(
        request.POST if request.method == "POST" else None, incident=incident, user=request.user
    )
    if request.method == "POST" and form.is_valid():
        if repeatable and not once.consume(request):
            messages.warning(request, _("This form was already sent; nothing was saved twice."))
            return redirect("incidents:detail", uuid=incident.uuid)
        if apply_action(form, lambda: make(incident, form.cleaned_data)):
            messages.success(request, _("Saved."))
            return redirect("incidents:detail", uuid=incident.uuid)
    return _form_page(request, title, form, incident, status=400 if form.is_bound else 200)


@require_http_methods(["GET", "POST"])
def act_new(request, uuid):
    def make(incident, data):
        actions.record_act(incident, by=request.user, **data)

    return _part_form(request, uuid, ActForm, _("Add an act"), make)


@require_http_methods(["GET", "POST"])
def involvement_new(request, uuid, act):
    incident = get_incident_for_user(request.user, uuid, write=True)
    the_act = (
        incident.acts.filter(uuid=act, deleted_at__isnull=True)
        .select_related("act_type", "victim")
        .first()
    )
    if the_act is None:
        raise Http404

    def make(_incident, data):
        actions.add_involvement(the_act, by=request.user, **data)

    title = _("Who did it: %(act)s against %(victim)s") % {
        "act": the_act.act_type.label,
        "victim": the_act.victim.code,
    }
    return _part_form(request, uuid, InvolvementForm, title, make)


@require_http_methods(["GET", "POST"])
def chain_new(request, uuid):
    def make(incident, data):
        actions.chain(
            incident, data["target"], by=request.user, relation=data["relation"], note=data["note"]
        )

    return _part_form(request, uuid, ChainForm, _("Link to another incident"), make)


@require_http_methods(["GET", "POST"])
def cite_new(request, uuid):
    def make(incident, data):
        source = data.pop("source")
        actions.cite_source(incident, source, by=request.user, **data)

    return _part_form(request, uuid, CiteForm, _("Cite a source"), make)


@require_http_methods(["GET", "POST"])
def link_case(request, uuid):
    def make(incident, data):
        if data["action"]:
            actions.link_intervention(incident, data["action"], by=request.user)
        else:
            actions.link_case(incident, data["case"], by=request.user)

    return _part_form(request, uuid, LinkCaseForm, _("Link to a case"), make, repeatable=False)


@require_GET
def statistics(request):
    acts = list(
        Act.objects.visible_to(request.user).select_related(
            "act_type", "location", "incident__location"
        )
    )
    record("incidents.statistics.viewed", summary=f"{len(acts)} acts counted")
    return render(
        request,
        "incidents/statistics.html",
        {
            "per_month": acts_per_month(acts),
            "per_region": acts_per_region(acts),
            "total": len(acts),
        },
    )


def person_acts(user, person) -> list:
    """The person's acts as victim and as perpetrator, for the person page's timeline."""
    as_victim = list(
        Act.objects.visible_to(user).filter(victim=person).select_related("act_type", "incident")
    )
    as_perpetrator = list(
        Act.objects.visible_to(user)
        .filter(involvements__perpetrator=person, involvements__deleted_at__isnull=True)
        .select_related("act_type", "incident")
        .distinct()
    )
    rows = [(act, "victim") for act in as_victim] + [(act, "perpetrator") for act in as_perpetrator]
    rows.sort(key=lambda row: row[0].when.sort_key if row[0].when else (date.max, date.max))
    return rows
