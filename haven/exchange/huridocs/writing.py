"""Writing incidents as an ESF document: what the user may see, in one audited read."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.audit.actions import record
from haven.exchange.huridocs.format import (
    ESTIMATED,
    EXACT,
    FORMAT,
    SOURCE_UNITS,
    STANDARD,
    UNKNOWN,
    VERSION,
    esf_date,
    may_identify,
)
from haven.exchange.references import place_chain, term_entry
from haven.incidents.models import Act, Chain, Incident, InformationLink, Involvement
from haven.lib.partial_dates import PartialDate
from haven.people.models import Person
from haven.sources.models import Source


def _place(location) -> dict | None:
    if location is None:
        return None
    *within, place = place_chain(location)
    return {**place, "within": within}


def _person(person: Person, roles: list[str], identifying: bool) -> dict:
    entry = {
        "person_record_number": person.code,
        "counting_unit": person.kind,
        "roles": roles,
    }
    if identifying:
        birth = person.birth_date
        entry.update(
            {
                "person_name": person.name,
                "other_names": list(person.other_names or []),
                "nicknames": list(person.nicknames or []),
                "sex": person.gender or None,
                "date_of_birth": str(birth) if birth else None,
                "date_of_birth_type": (
                    UNKNOWN if birth is None else (EXACT if _exact_birth(birth) else ESTIMATED)
                ),
                "citizenship": person.nationality or None,
                "remarks": person.notes or None,
            }
        )
    return entry


def _exact_birth(birth: PartialDate) -> bool:
    return birth.day is not None and not birth.estimated


def _source_person(source: Source, identifying: bool) -> dict:
    entry = {
        "person_record_number": source.code,
        "counting_unit": SOURCE_UNITS.get(source.kind, "organisation"),
        "roles": ["source"],
        "reliability_as_source": source.reliability,
    }
    if identifying:
        entry.update(
            {
                "person_name": source.author or source.title,
                "title_of_source_material": source.title,
                "author": source.author or None,
                "url": source.url or None,
            }
        )
    return entry


def export_events(user, *, team=None, identifying: bool = False, reason: str = "") -> dict:
    """The incidents ``user`` may see (of ``team`` when given) as an ESF document.

    ``identifying`` needs a role of ``IDENTIFYING_ROLES`` (``PermissionDenied``) and a
    ``reason`` (``ValidationError``); both kinds of export are audited in one entry
    that names every record read.
    """
    if identifying:
        if not may_identify(user):
            raise PermissionDenied
        if not reason.strip():
            raise ValidationError({"reason": _("Say why the export must name people.")})
    chosen = Incident.objects.visible_to(user)
    if team is not None:
        chosen = chosen.filter(team=team)
    incidents = list(chosen.select_related("location").order_by("start_earliest", "code"))
    # What belongs to them is asked for by subquery, not by a list of their ids: a
    # team's tens of thousands of incidents would be as many parameters of one statement
    # (SQLite takes 32,766 at most, PostgreSQL 65,535).
    chosen = chosen.values("pk")
    chosen_acts = Act.objects.visible_to(user).filter(incident__in=chosen)
    acts = list(
        chosen_acts.select_related("incident", "act_type", "victim", "location").order_by(
            "incident__code", "start_earliest", "created_at"
        )
    )
    involvements = list(
        Involvement.objects.visible_to(user)
        .filter(act__in=chosen_acts.values("pk"))
        .select_related("act__incident", "perpetrator")
        .order_by("created_at")
    )
    chains = list(
        Chain.objects.visible_to(user)
        .filter(source__in=chosen, target__in=chosen)
        .select_related("source", "target")
        .order_by("created_at")
    )
    information = list(
        InformationLink.objects.visible_to(user)
        .filter(incident__in=chosen)
        .select_related("incident", "source")
        .order_by("created_at")
    )

    roles: dict[int, tuple[Person, list[str]]] = {}
    for person, role in [(act.victim, "victim") for act in acts] + [
        (involvement.perpetrator, "perpetrator") for involvement in involvements
    ]:
        held = roles.setdefault(person.pk, (person, []))[1]
        if role not in held:
            held.append(role)
    sources = {link.source.pk: link.source for link in information}
    act_types = {act.act_type.pk: act.act_type for act in acts}

    document = {
        "format": FORMAT,
        "version": VERSION,
        "standard": STANDARD,
        "exported_at": timezone.now().isoformat(),
        "exported_by": user.email,
        "team": team.name if team is not None else None,
        "identifying": identifying,
        "thesauri": {
            "type_of_act": [
                {"code": term.code, **term_entry(term)}
                for term in sorted(act_types.values(), key=lambda term: term.code)
            ]
        },
        "events": [_event(incident) for incident in incidents],
        "acts": [_act(act) for act in acts],
        "involvements": [_involvement(involvement) for involvement in involvements],
        "chains_of_events": [_chain(link) for link in chains],
        "information": [_information(link) for link in information],
        "persons": [
            _person(person, held, identifying)
            for person, held in sorted(roles.values(), key=lambda pair: pair[0].code)
        ]
        + [
            _source_person(source, identifying)
            for source in sorted(sources.values(), key=lambda source: source.code)
        ],
    }
    mode = "identifying" if identifying else "pseudonymised"
    summary = f"ESF events, {mode}: {len(incidents)} events"
    if identifying:
        summary += f"; reason: {reason.strip()}"
    record(
        "exchange.events.exported",
        actor=user,
        summary=summary[:300],
        records=[
            *incidents,
            *acts,
            *involvements,
            *chains,
            *information,
            *(person for person, _held in roles.values()),
            *sources.values(),
        ],
    )
    return document


def _event(incident: Incident) -> dict:
    return {
        "event_record_number": incident.code,
        "event_title": incident.title,
        "confidentiality": incident.confidentiality,
        "geographical_term": _place(incident.location),
        **esf_date("initial_date", incident.start),
        **esf_date("final_date", incident.end),
        "event_description": incident.description or None,
        "violation_status": incident.violation_status,
        "stated_reason": incident.stated_grounds or None,
        "documented_motive": incident.documented_motive or None,
    }


def _act(act: Act) -> dict:
    return {
        "act_record_number": str(act.uuid),
        "event": act.incident.code,
        "victim": act.victim.code,
        "type_of_act": act.act_type.code,
        **esf_date("initial_date", act.start),
        **esf_date("final_date", act.end),
        "exact_location": _place(act.location),
        "status_at_end_of_act": act.victim_status,
        "consequences": act.consequences or None,
    }


def _involvement(involvement: Involvement) -> dict:
    return {
        "involvement_record_number": str(involvement.uuid),
        "act": str(involvement.act.uuid),
        "event": involvement.act.incident.code,
        "perpetrator": involvement.perpetrator.code,
        "degree_of_involvement": involvement.degree,
        "affiliation": involvement.affiliation or None,
    }


def _chain(link: Chain) -> dict:
    return {
        "chain_of_events_record_number": str(link.uuid),
        "event": link.source.code,
        "related_event": link.target.code,
        "type_of_chain_of_events": link.relation,
        "remarks": link.note or None,
    }


def _information(link: InformationLink) -> dict:
    source = link.source
    return {
        "information_record_number": str(link.uuid),
        "event": link.incident.code,
        "source": source.code,
        "source_connection_to_information": link.connection,
        "reliability_of_source": link.reliability,
        "reliability_of_information": link.credibility,
        "type_of_source_material": source.kind,
        "language_of_source_material": source.language or None,
        **esf_date("date_of_source_material", source.published),
        "remarks": link.note or None,
    }
