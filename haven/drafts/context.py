"""What a template is filled with: the petition's case as plain data, read through the
policy layer for the user who drafts it, in the template's language.

Only strings, booleans, lists and dicts leave this module (``placeholders.py`` lists
them): a template never holds a record, a queryset or a method that reaches the
database, so it cannot read past what the user may see.

Who is named: a petition goes to an authority on the persons' behalf, so a person's
name is used only where their newest consent record for *legal action* on file says
*given* and has not expired; anyone else (no consent for legal action, refused,
withdrawn, expired) appears by their code. This is narrower than the export rule
(``haven.exports.consent``, where a refusal for any purpose leaves a person out): a
person who refused publication has still asked the lawyer to act for them.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone, translation
from django.utils.formats import date_format

from haven.cases.models import CaseAction, Consent, RiskAssessment

LEGAL_ACTION = "legal_action"


def _day(value) -> str:
    """A date as a letter writes it: "12 February 2021", "12 февраля 2021 г."."""
    if not value:
        return ""
    return date_format(value, "j F Y" if translation.get_language() == "en" else "DATE_FORMAT")


def named_people(people, *, on=None) -> set[int]:
    """Ids of ``people`` whose newest legal-action consent is given and current."""
    on = on or timezone.localdate()
    newest: dict[int, Consent] = {}
    consents = (
        Consent.objects.live()
        .filter(person__in=[person.pk for person in people], purpose__code=LEGAL_ACTION)
        .order_by("person_id", "-given_on", "-created_at", "-pk")
    )
    for consent in consents:
        newest.setdefault(consent.person_id, consent)
    return {person_id for person_id, consent in newest.items() if consent.allows(on)}


def petition_persons(petition: CaseAction, user) -> list:
    from haven.people.models import Person

    visible = Person.objects.visible_to(user)
    chosen = list(visible.filter(pk__in=petition.persons.values("pk")).order_by("code"))
    if chosen:
        return chosen
    # A petition that names nobody is for the case's persons at risk.
    return list(
        petition.case.current_persons().filter(pk__in=visible.values("pk")).order_by("code")
    )


def _person(person, named: set[int]) -> dict:
    allowed = person.pk in named
    birth = person.birth_date
    return {
        "code": person.code,
        "name": person.name if allowed else "",
        "display": person.name if allowed else person.code,
        "named": allowed,
        "birth_date": birth.label() if birth and not isinstance(birth, str) else "",
    }


# The document's language, not the reader's: written here, not translated.
AND = {"ru": "и", "en": "and"}


def _joined(names: list[str], language: str) -> str:
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} {AND.get(language, 'and')} {names[-1]}"


def _incidents(petition: CaseAction, user, persons, display: dict[int, str]) -> list[dict]:
    from haven.incidents.models import Act, Incident, Involvement

    incidents = list(
        Incident.objects.visible_to(user)
        .filter(
            Q(cases=petition.case)
            | Q(interventions=petition)
            | Q(acts__victim__in=[person.pk for person in persons], acts__deleted_at=None)
        )
        .distinct()
        .select_related("location")
        .order_by("start_earliest", "code")
    )
    acts = (
        Act.objects.visible_to(user)
        .filter(incident__in=incidents, victim__in=[person.pk for person in persons])
        .select_related("act_type", "location", "incident__location")
        .order_by("start_earliest", "created_at")
    )
    involvements = (
        Involvement.objects.visible_to(user)
        .filter(act__in=acts)
        .select_related("perpetrator")
        .order_by("created_at")
    )
    who: dict[int, list[str]] = {}
    for involvement in involvements:
        if involvement.perpetrator.deleted_at is None:
            name = involvement.perpetrator.name
            if involvement.affiliation and involvement.affiliation.lower() != name.lower():
                name = f"{name} ({involvement.affiliation})"
            who.setdefault(involvement.act_id, []).append(name)
    by_incident: dict[int, list[dict]] = {}
    for act in acts:
        when = act.when
        where = act.where
        by_incident.setdefault(act.incident_id, []).append(
            {
                "type": act.act_type.label,
                "date": when.label() if when else "",
                "place": where.name if where else "",
                "victim": display[act.victim_id],
                "perpetrators": ", ".join(who.get(act.pk, [])),
                "victim_status": act.get_victim_status_display(),
            }
        )
    return [
        {
            "code": incident.code,
            "title": incident.title,
            "date": incident.period_label or "",
            "place": incident.location.name if incident.location else "",
            "description": incident.description or "",
            "stated_grounds": incident.stated_grounds or "",
            "documented_motive": incident.documented_motive or "",
            "acts": by_incident.get(incident.pk, []),
        }
        for incident in incidents
    ]


def _risk(petition: CaseAction, user) -> dict:
    latest = (
        RiskAssessment.objects.visible_to(user)
        .filter(case=petition.case)
        .prefetch_related("threat_sources", "threat_types")
        .order_by("-assessed_on", "-created_at")
        .first()
    )
    if latest is None:
        return dict.fromkeys(("date", "level", "threat_sources", "threat_types", "narrative"), "")
    return {
        "date": _day(latest.assessed_on),
        "level": latest.get_level_display(),
        "threat_sources": ", ".join(t.label for t in latest.threat_sources.all()),
        "threat_types": ", ".join(t.label for t in latest.threat_types.all()),
        "narrative": latest.narrative or "",
    }


def _sources(incidents: list[dict], user) -> list[dict]:
    from haven.incidents.models import InformationLink
    from haven.sources.models import Source

    codes = [incident["code"] for incident in incidents]
    links = (
        InformationLink.objects.live()
        .filter(incident__code__in=codes, source__in=Source.objects.visible_to(user))
        .select_related("source")
        .order_by("source__code")
    )
    seen: dict[str, dict] = {}
    for link in links:
        source = link.source
        seen.setdefault(
            source.code,
            {"code": source.code, "title": source.title, "kind": source.get_kind_display()},
        )
    return list(seen.values())


def petition_context(petition: CaseAction, *, user, language: str) -> dict:
    """The placeholders' values for ``petition`` (already fetched for ``user``), in
    ``language``: labels, dates and places are written in it."""
    case = petition.case
    with translation.override(language):
        persons = petition_persons(petition, user)
        named = named_people(persons)
        people = [_person(person, named) for person in persons]
        display = {
            person.pk: entry["display"] for person, entry in zip(persons, people, strict=True)
        }
        incidents = _incidents(petition, user, persons, display)
        return {
            "case": {"code": case.code, "title": case.title, "opened_on": _day(case.opened_on)},
            "persons": people,
            "persons_display": _joined([entry["display"] for entry in people], language),
            "authority": petition.authority.label if petition.authority_id else "",
            "petition": {
                "title": petition.title,
                "type": petition.petition_type.label if petition.petition_type_id else "",
                "reference": petition.reference or "",
                "filed_on": _day(petition.filed_on),
                "details": petition.details or "",
                "decision": petition.get_decision_display() if petition.decision else "",
                "decision_on": _day(petition.decision_on),
                "measures": petition.measures or "",
            },
            "incidents": incidents,
            "risk": _risk(petition, user),
            "sources": _sources(incidents, user),
            "lawyer": {"name": user.display_name, "email": user.email},
            "today": _day(timezone.localdate()),
        }
