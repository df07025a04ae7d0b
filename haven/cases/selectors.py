"""What the case pages, the dashboard and the person page read, for any interface.

Every query starts from ``visible_to(user)`` (or from a case the caller has
already fetched through the getter), so the data are the user's to see.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Exists, F, OuterRef, Q, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone
from django.utils.translation import gettext_lazy

from haven.cases.models import Case, CaseAction, CasePerson, Request, RequestMessage, RiskLevel
from haven.cases.timeline import case_events, picture
from haven.people.selectors import people_found
from haven.records.access import can_write
from haven.records.models import member_teams
from haven.web.lists import Column, in_language, ranked, text_match

# The case list's columns. The title is encrypted: it does not sort (haven.web.lists).
CASE_COLUMNS = [
    Column("code", gettext_lazy("Code"), ["code"]),
    Column("title", gettext_lazy("Title"), encrypted=True),
    Column("status", gettext_lazy("Status"), [ranked("status", Case.Status.values)]),
    Column("risk", gettext_lazy("Risk"), [ranked("risk_level", RiskLevel.values)]),
    Column(
        "lead",
        gettext_lazy("Lead"),
        [Coalesce(NullIf("lead__full_name", Value("")), "lead__email")],
    ),
    Column("team", gettext_lazy("Team"), ["team__name"]),
    Column("opened", gettext_lazy("Opened"), ["opened_on", "code"]),
]
CASE_ORDER = "-opened"

REQUEST_COLUMNS = [
    Column("received", gettext_lazy("Received"), ["received_at"]),
    Column(
        "channel", gettext_lazy("Channel"), [in_language("channel__label_en", "channel__label_ru")]
    ),
    Column("urgency", gettext_lazy("Urgency"), [ranked("urgency", Request.Urgency.values)]),
    Column("summary", gettext_lazy("Summary"), encrypted=True),
]
REQUEST_ORDER = "-received"


def overdue_actions():
    """An ``Exists`` test for a case with an open action past its due date."""
    return Exists(
        CaseAction.objects.live().filter(
            case=OuterRef("pk"),
            status__in=CaseAction.OPEN,
            due_on__lt=timezone.localdate(),
        )
    )


def case_list(user):
    """The cases ``user`` may see, as the list shows them (``overdue`` marks late work)."""
    return (
        Case.objects.visible_to(user)
        .select_related("team", "lead")
        .annotate(overdue=overdue_actions())
    )


def find_cases(user, query: str) -> Q:
    """Cases found by their code or title, or by a person on them."""
    on_case = CasePerson.objects.filter(person__in=people_found(user, query)).values("case")
    return text_match(Case, query, member_teams(user)) | Q(pk__in=on_case)


def find_requests(user, query: str) -> Q:
    """Requests found by their requester (a person on record). The name a request gave
    is not indexed: it is read on the request's page, not looked up."""
    return Q(requester__in=people_found(user, query))


def waiting_requests(user):
    """The requests for help ``user`` may see that are not yet on a case, newest first."""
    return (
        Request.objects.visible_to(user)
        .filter(case__isnull=True)
        .select_related("channel", "requester")
    )


def conversation(request: Request) -> list[RequestMessage]:
    """The messages of ``request`` (already fetched for its reader), oldest first."""
    return list(request.messages.live().select_related("author"))


def similar_people(user, request: Request, limit: int = 5) -> list[tuple]:
    """People ``user`` may see whose names match the name the request gives, in either
    script, each with the cases they are on: where a new request may belong."""
    if request.requester_id or not (request.requester_name or "").strip():
        return []
    people = list(people_found(user, request.requester_name).order_by("code")[:limit])
    links = (
        CasePerson.objects.filter(
            person__in=people, removed_at__isnull=True, case__in=Case.objects.visible_to(user)
        )
        .select_related("case")
        .order_by("case__code")
    )
    cases_of: dict[int, list] = {}
    for link in links:
        cases_of.setdefault(link.person_id, []).append(link.case)
    return [(person, cases_of.get(person.pk, [])) for person in people]


def case_conversation(case: Case) -> list[RequestMessage]:
    """The messages of every live request of ``case``, oldest first."""
    return list(
        RequestMessage.objects.live()
        .filter(request__case=case, request__deleted_at__isnull=True)
        .select_related("author", "request")
    )


def case_page_data(case: Case, user) -> dict:
    """Everything the case page shows of ``case`` (already fetched for ``user``)."""
    events = case_events(case)
    # The incidents this case answers (linked from the incident's page), read through
    # the policy layer like any list.
    incidents = list(case.incidents.visible_to(user).order_by("start_earliest", "code"))
    actions = list(
        case.actions.live()
        .select_related("kind", "owner", "authority", "petition_type")
        .prefetch_related("persons")
    )
    return {
        "case": case,
        "persons": list(case.current_persons()),
        # Who was taken off the case, by whom and when: the case keeps it.
        "removed_persons": list(
            CasePerson.objects.filter(
                case=case, removed_at__isnull=False, person__deleted_at__isnull=True
            )
            .select_related("person", "removed_by")
            .order_by("removed_at")
        ),
        "requests": list(case.requests.live().select_related("channel")),
        "conversation": case_conversation(case),
        "assessments": list(
            case.assessments.live().prefetch_related("threat_sources", "threat_types")
        ),
        "actions": [action for action in actions if not action.is_petition],
        "petitions": [action for action in actions if action.is_petition],
        "incidents": incidents,
        "sources": case_sources(user, incidents),
        "consents": list(case.consents.live().select_related("person", "purpose")),
        "notes": list(case.notes.live().select_related("author")),
        "events": events,
        "timeline": picture(events),
        "can_write": can_write(user, case),
    }


def case_sources(user, incidents) -> list:
    """The sources cited for ``incidents`` (a case's) that ``user`` may see, each once,
    with the incidents it informs as ``for_incidents``."""
    from haven.incidents.models import InformationLink
    from haven.sources.models import Source

    by_pk = {incident.pk: incident for incident in incidents}
    links = (
        InformationLink.objects.live()
        .filter(incident__in=list(by_pk), source__in=Source.objects.visible_to(user))
        .select_related("source")
        .order_by("source__code")
    )
    sources: dict[int, object] = {}
    for link in links:
        source = sources.setdefault(link.source_id, link.source)
        found = getattr(source, "for_incidents", [])
        if by_pk[link.incident_id] not in found:
            found.append(by_pk[link.incident_id])
        source.for_incidents = found
    return list(sources.values())


def person_cases(user, person) -> list[Case]:
    """The cases ``person`` is on (and was not removed from) that ``user`` may see."""
    on = CasePerson.objects.filter(person=person, removed_at__isnull=True).values("case")
    return list(Case.objects.visible_to(user).filter(pk__in=on).order_by("-opened_on", "code"))


def dashboard_context(user) -> dict:
    """The home page's work list: my open cases and actions, petitions awaiting a
    decision, deadlines in the next two weeks, requests not yet on a case."""
    today = timezone.localdate()
    soon = today + timedelta(days=14)
    cases = Case.objects.visible_to(user)
    # An action of a deleted case is gone with it.
    actions = CaseAction.objects.visible_to(user).filter(case__deleted_at__isnull=True)
    open_actions = actions.filter(status__in=CaseAction.OPEN).select_related("case", "kind")
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
            actions.filter(kind__code="petition", decision=CaseAction.Decision.PENDING)
            .select_related("case", "authority")
            .order_by("filed_on")[:20]
        ),
        "deadlines": list(
            actions.filter(next_deadline__gte=today, next_deadline__lte=soon)
            # A deadline a decision has answered is closed (as the case page shows it).
            .exclude(decision_on__isnull=False, next_deadline__lte=F("decision_on"))
            .select_related("case")
            .order_by("next_deadline")[:20]
        ),
        "today": today,
        "unassigned_requests": Request.objects.visible_to(user).filter(case__isnull=True).count(),
    }
