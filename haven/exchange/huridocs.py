"""Incidents in the HURIDOCS Events Standard Formats (ESF, 2001), as JSON.

The ESF describe violations as *events* made of *acts* (one violation against one
victim), *involvements* (a perpetrator's part in an act), *chains of events* and
*information* (a source's account of an event); victims, perpetrators and sources are
*persons*. Haven's incidents were modelled on them, so each record maps to one ESF
record; field names are those of the ESF as HURIDOCS' own implementation (OpenEvsys)
spells them, and docs/exchange.md lists the mapping with the few fields Haven adds.

Vague dates: each ESF date comes with its *date type* (exact, estimated, unknown);
Haven adds the range it stands for (earliest, latest), its precision (day, month,
season, year, before, after) and whether it was marked an estimate, so a date such as
"summer 2021" comes back as it left.

An export is pseudonymised unless asked otherwise: persons appear by their code and
kind only, and sources without their title, author and address. An identifying export
(names and all) is for the roles whose work needs one, with a reason, and is audited
as such. Either way only what the user may see is exported, in one audit entry that
names every record read.

``import_events`` reads such a document back into a team, all or nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.accounts.models import Role
from haven.audit.actions import record
from haven.exchange.access import acting, is_writing_member
from haven.exchange.errors import ExchangeError, validation_messages
from haven.exchange.references import Places, Terms, place_chain, place_problems, term_entry
from haven.incidents.models import Act, Chain, Incident, InformationLink, Involvement
from haven.lib.fuzzy_dates import DAY, FuzzyDate
from haven.lib.partial_dates import PartialDate
from haven.people.models import Person
from haven.records.actions import save_record
from haven.sources.models import Credibility, Reliability, Source
from haven.vocab.models import Vocabulary

FORMAT = "huridocs-esf"
VERSION = 1
STANDARD = "HURIDOCS Events Standard Formats (2001)"
# Who may take names out of Haven in an identifying export: those whose work puts a
# named account before a court, an authority or an international body.
IDENTIFYING_ROLES = frozenset({Role.COORDINATOR, Role.LAWYER, Role.ADMINISTRATOR})
# ESF date types (micro-thesaurus "Types of dates").
EXACT, ESTIMATED, UNKNOWN = "exact", "estimated", "unknown"
# A source is a person in the ESF: a witness giving testimony, or an organisation.
SOURCE_UNITS = {
    Source.Kind.TESTIMONY: "individual",
    Source.Kind.SOCIAL: "individual",
    Source.Kind.MEDIA: "organisation",
    Source.Kind.OFFICIAL: "organisation",
    Source.Kind.NGO: "organisation",
}


class EventsError(ExchangeError):
    """An ESF document that cannot be imported."""


def may_identify(user) -> bool:
    return bool(user is not None and user.is_active and user.role in IDENTIFYING_ROLES)


# ---- dates -------------------------------------------------------------------------------


def esf_date(prefix: str, value: FuzzyDate | None) -> dict[str, Any]:
    """``initial_date`` and its date type, with the range Haven knows it to be.

    The date given is the first day it may be, or for "before …" the last.
    """
    if value is None:
        return {prefix: None, f"{prefix}_type": UNKNOWN}
    exact = value.precision == DAY and not value.estimated
    shown = value.latest if value.precision == "before" else value.earliest
    return {
        prefix: shown.isoformat(),
        f"{prefix}_type": EXACT if exact else ESTIMATED,
        f"{prefix}_precision": value.precision,
        f"{prefix}_earliest": value.earliest.isoformat(),
        f"{prefix}_latest": value.latest.isoformat(),
        f"{prefix}_estimated": value.estimated,
    }


def read_esf_date(item: dict, prefix: str) -> FuzzyDate | None:
    """The date ``esf_date`` wrote, or one from an ESF date and its type alone;
    ``ValueError`` when it is neither."""
    if f"{prefix}_earliest" in item:
        return FuzzyDate(
            date.fromisoformat(item[f"{prefix}_earliest"]),
            date.fromisoformat(item[f"{prefix}_latest"]),
            item.get(f"{prefix}_precision") or DAY,
            bool(item.get(f"{prefix}_estimated")),
        )
    if item.get(prefix) in (None, "") or item.get(f"{prefix}_type") == UNKNOWN:
        return None
    day = date.fromisoformat(item[prefix])
    return FuzzyDate.of_day(day, estimated=item.get(f"{prefix}_type") == ESTIMATED)


# ---- export ------------------------------------------------------------------------------


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
    incidents = Incident.objects.visible_to(user).select_related("location")
    if team is not None:
        incidents = incidents.filter(team=team)
    incidents = list(incidents.order_by("start_earliest", "code"))
    acts = list(
        Act.objects.visible_to(user)
        .filter(incident__in=incidents)
        .select_related("incident", "act_type", "victim", "location")
        .order_by("incident__code", "start_earliest", "created_at")
    )
    involvements = list(
        Involvement.objects.visible_to(user)
        .filter(act__in=acts)
        .select_related("act__incident", "perpetrator")
        .order_by("created_at")
    )
    chains = list(
        Chain.objects.visible_to(user)
        .filter(source__in=incidents, target__in=incidents)
        .select_related("source", "target")
        .order_by("created_at")
    )
    information = list(
        InformationLink.objects.visible_to(user)
        .filter(incident__in=incidents)
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


# ---- import ------------------------------------------------------------------------------


@dataclass
class EventsImportResult:
    counts: dict[str, int]
    reused_persons: list[str] = dataclass_field(default_factory=list)
    reused_sources: list[str] = dataclass_field(default_factory=list)
    created_terms: list[str] = dataclass_field(default_factory=list)
    created_places: list[str] = dataclass_field(default_factory=list)


def _items(data: dict, name: str, problems: list[str]) -> list[dict]:
    items = data.get(name, [])
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        problems.append(_("%(part)s is not a list of records.") % {"part": name})
        return []
    return items


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


class _Plan:
    """An ESF document read and checked against the team it goes to."""

    def __init__(self, data, team, create_terms: bool):
        self.problems: list[str] = []
        self.team = team
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            self.problems.append(_("This is not an ESF events document written by Haven."))
            return
        if data.get("version") != VERSION:
            self.problems.append(
                _("This document has version %(version)s; this Haven reads version %(ours)s.")
                % {"version": data.get("version"), "ours": VERSION}
            )
            return
        parts = ("events", "acts", "involvements", "chains_of_events", "information", "persons")
        self.events, self.acts, self.involvements, self.chains, self.information, persons = (
            _items(data, part, self.problems) for part in parts
        )
        self.persons = {_text(p.get("person_record_number")): p for p in persons}
        thesauri = data.get("thesauri") if isinstance(data.get("thesauri"), dict) else {}
        described = {
            f"{Vocabulary.ACT_TYPE}:{entry['code']}": entry
            for entry in thesauri.get("type_of_act") or []
            if isinstance(entry, dict) and isinstance(entry.get("code"), str)
        }
        self.terms = Terms(described)
        self.create_terms = create_terms
        self.dates: dict[tuple[int, str], FuzzyDate | None] = {}
        self._check()

    def _problem(self, record: str, message: str) -> None:
        self.problems.append(f"{record}: {message}")

    def _date(self, item: dict, prefix: str, record: str) -> FuzzyDate | None:
        try:
            value = read_esf_date(item, prefix)
        except (TypeError, ValueError):
            self._problem(record, _("%(field)s is not a date Haven reads.") % {"field": prefix})
            return None
        self.dates[id(item), prefix] = value
        return value

    def _choice(self, item: dict, name: str, choices, record: str) -> None:
        if item.get(name) not in choices:
            self._problem(
                record,
                _("%(field)s must be one of %(choices)s.")
                % {"field": name, "choices": ", ".join(map(str, choices))},
            )

    def _place(self, item: dict, name: str, record: str) -> None:
        place = item.get(name)
        if place is None:
            return
        chain = [*place.get("within", []), place] if isinstance(place, dict) else None
        for problem in place_problems(chain):
            self._problem(record, problem)

    def _check(self) -> None:
        codes = set()
        for event in self.events:
            code = _text(event.get("event_record_number"))
            record = code or _("an event without a record number")
            if not code or code in codes:
                self._problem(record, _("each event needs its own record number."))
            codes.add(code)
            if not _text(event.get("event_title")):
                self._problem(record, _("the event has no title."))
            if self._date(event, "initial_date", record) is None:
                self._problem(record, _("Give at least an approximate date."))
            self._date(event, "final_date", record)
            self._place(event, "geographical_term", record)
            self._choice(event, "violation_status", Incident.ViolationStatus.values, record)
            self._choice(event, "confidentiality", Incident.Confidentiality.values, record)
        taken = set(Incident._base_manager.filter(code__in=codes).values_list("code", flat=True))
        if taken:
            self.problems.append(
                _("These events are already in this instance: %(codes)s.")
                % {"codes": ", ".join(sorted(taken)[:10])}
            )
        self.event_codes = codes

        act_numbers, act_types = set(), set()
        for act in self.acts:
            record = _text(act.get("act_record_number")) or _("an act")
            act_numbers.add(record)
            self._known(act, "event", self.event_codes, record)
            self._person(act, "victim", record)
            act_types.add(f"{Vocabulary.ACT_TYPE}:{act.get('type_of_act')}")
            self._date(act, "initial_date", record)
            self._date(act, "final_date", record)
            self._place(act, "exact_location", record)
            self._choice(act, "status_at_end_of_act", Act.VictimStatus.values, record)
        for involvement in self.involvements:
            record = _text(involvement.get("involvement_record_number")) or _("an involvement")
            self._known(involvement, "act", act_numbers, record)
            self._person(involvement, "perpetrator", record)
            self._choice(involvement, "degree_of_involvement", Involvement.Degree.values, record)
        for link in self.chains:
            record = _text(link.get("chain_of_events_record_number")) or _("a chain of events")
            self._known(link, "event", self.event_codes, record)
            self._known(link, "related_event", self.event_codes, record)
            self._choice(link, "type_of_chain_of_events", Chain.Relation.values, record)
        for link in self.information:
            record = _text(link.get("information_record_number")) or _("an information record")
            self._known(link, "event", self.event_codes, record)
            self._person(link, "source", record)
            self._choice(
                link, "source_connection_to_information", InformationLink.Connection.values, record
            )
            self._choice(link, "reliability_of_source", Reliability.values, record)
            self._choice(link, "reliability_of_information", Credibility.values, record)
            self._choice(link, "type_of_source_material", Source.Kind.values, record)
            self._date(link, "date_of_source_material", record)

        self.act_types = act_types
        missing = self.terms.missing(act_types)
        if missing and not self.create_terms:
            self.problems.append(
                _(
                    "These types of act are not in this instance's vocabulary: %(codes)s. "
                    "Add them first, or import with the option to create them."
                )
                % {"codes": ", ".join(key.split(":", 1)[1] for key in missing)}
            )
        elif missing:
            self.problems += self.terms.problems(missing)

    def _known(self, item: dict, name: str, known: set, record: str) -> None:
        if _text(item.get(name)) not in known:
            self._problem(
                record,
                _("%(field)s names %(value)s, which is not in this document.")
                % {"field": name, "value": str(item.get(name))[:60]},
            )

    def _person(self, item: dict, name: str, record: str) -> None:
        self._known(item, name, set(self.persons) - {""}, record)


class _Importer:
    def __init__(self, plan: _Plan, *, team, by):
        self.plan, self.team, self.by = plan, team, by
        self.places = Places()
        self.counts: dict[str, int] = {}
        self.result = EventsImportResult(counts=self.counts)
        self.people: dict[str, Person] = {}
        self.sources: dict[str, Source] = {}
        self.incidents: dict[str, Incident] = {}
        self.acts: dict[str, Act] = {}

    def save(self, instance, record: str):
        try:
            save_record(instance, by=self.by)
        except ValidationError as exc:
            raise EventsError([f"{record}: " + "; ".join(validation_messages(exc))]) from None
        label = instance._meta.label_lower
        self.counts[label] = self.counts.get(label, 0) + 1
        return instance

    def place(self, value):
        if value is None:
            return None
        return self.places.find_or_create([*value.get("within", []), value])

    def _code(self, model, code: str) -> str | None:
        """``code`` when it is free in this instance: an imported record keeps its code."""
        return code if code and not model._base_manager.filter(code=code).exists() else None

    def _keep_number(self, instance, number: str):
        """An act, involvement, chain or citation keeps its record number (its uuid)
        where the number is a uuid this instance does not have yet."""
        try:
            value = uuid.UUID(number)
        except ValueError:
            return instance
        if not type(instance)._base_manager.filter(uuid=value).exists():
            instance.uuid = value
        return instance

    def person(self, code: str) -> Person:
        if code in self.people:
            return self.people[code]
        entry = self.plan.persons[code]
        found = Person.objects.filter(team=self.team, code=code).live().first()
        if found is not None:
            self.result.reused_persons.append(code)
        else:
            found = Person(team=self.team, name=_text(entry.get("person_name")) or code)
            found.code = self._code(Person, code) or found.code
            if entry.get("counting_unit") in Person.Kind.values:
                found.kind = entry["counting_unit"]
            found.other_names = [n for n in entry.get("other_names") or [] if isinstance(n, str)]
            found.nicknames = [n for n in entry.get("nicknames") or [] if isinstance(n, str)]
            if entry.get("sex") in Person.Gender.values:
                found.gender = entry["sex"]
            found.nationality = _text(entry.get("citizenship"))
            found.notes = _text(entry.get("remarks"))
            birth = entry.get("date_of_birth")
            if isinstance(birth, str) and birth:
                try:
                    found.birth_date = PartialDate.parse(birth)
                except ValueError:
                    raise EventsError(
                        [f"{code}: " + _("date_of_birth is not a date Haven reads.")]
                    ) from None
            self.save(found, code)
        self.people[code] = found
        return found

    def source(self, code: str, citation: dict) -> Source:
        if code in self.sources:
            return self.sources[code]
        entry = self.plan.persons[code]
        found = Source.objects.filter(team=self.team, code=code).live().first()
        if found is not None:
            self.result.reused_sources.append(code)
        else:
            title = _text(entry.get("title_of_source_material")) or _text(entry.get("person_name"))
            found = Source(
                team=self.team,
                kind=citation["type_of_source_material"],
                title=title or code,
                author=_text(entry.get("author")),
                url=_text(entry.get("url")),
                language=_text(citation.get("language_of_source_material"))[:8],
                reliability=(
                    entry.get("reliability_as_source")
                    if entry.get("reliability_as_source") in Reliability.values
                    else Reliability.F
                ),
            )
            found.code = self._code(Source, code) or found.code
            published = self.plan.dates.get((id(citation), "date_of_source_material"))
            found.published_earliest = published.earliest if published else None
            found.published_latest = published.latest if published else None
            found.published_precision = published.precision if published else ""
            found.published_estimated = published.estimated if published else False
            self.save(found, code)
        self.sources[code] = found
        return found

    def run(self) -> EventsImportResult:
        plan = self.plan
        act_types = {key: plan.terms.get_or_create(key) for key in sorted(plan.act_types)}
        for event in plan.events:
            code = _text(event["event_record_number"])
            incident = Incident(
                team=self.team,
                title=_text(event["event_title"]),
                description=_text(event.get("event_description")),
                location=self.place(event.get("geographical_term")),
                stated_grounds=_text(event.get("stated_reason")),
                documented_motive=_text(event.get("documented_motive")),
                violation_status=event["violation_status"],
                confidentiality=event["confidentiality"],
            )
            incident.code = self._code(Incident, code) or incident.code
            incident.start = plan.dates[id(event), "initial_date"]
            incident.end = plan.dates[id(event), "final_date"]
            self.incidents[code] = self.save(incident, code)
        for item in plan.acts:
            number = _text(item.get("act_record_number"))
            act = Act(
                team=self.team,
                incident=self.incidents[_text(item["event"])],
                act_type=act_types[f"{Vocabulary.ACT_TYPE}:{item['type_of_act']}"],
                victim=self.person(_text(item["victim"])),
                location=self.place(item.get("exact_location")),
                victim_status=item["status_at_end_of_act"],
                consequences=_text(item.get("consequences")),
            )
            act.start = plan.dates[id(item), "initial_date"]
            act.end = plan.dates[id(item), "final_date"]
            self.acts[number] = self.save(self._keep_number(act, number), number)
        for item in plan.involvements:
            number = _text(item.get("involvement_record_number"))
            involvement = Involvement(
                team=self.team,
                act=self.acts[_text(item["act"])],
                perpetrator=self.person(_text(item["perpetrator"])),
                degree=item["degree_of_involvement"],
                affiliation=_text(item.get("affiliation")),
            )
            self.save(self._keep_number(involvement, number), number)
        for item in plan.chains:
            number = _text(item.get("chain_of_events_record_number"))
            link = Chain(
                team=self.team,
                source=self.incidents[_text(item["event"])],
                target=self.incidents[_text(item["related_event"])],
                relation=item["type_of_chain_of_events"],
                note=_text(item.get("remarks")),
            )
            self.save(self._keep_number(link, number), number)
        for item in plan.information:
            number = _text(item.get("information_record_number"))
            citation = InformationLink(
                team=self.team,
                incident=self.incidents[_text(item["event"])],
                source=self.source(_text(item["source"]), item),
                connection=item["source_connection_to_information"],
                reliability=item["reliability_of_source"],
                credibility=item["reliability_of_information"],
                note=_text(item.get("remarks")),
            )
            self.save(self._keep_number(citation, number), number)
        self.result.created_terms = plan.terms.created
        self.result.created_places = self.places.created
        return self.result


def import_events(data, *, team, by, create_terms: bool = False) -> EventsImportResult:
    """Create the events of the ESF document ``data`` in ``team``: incidents, their acts,
    involvements, chains and citations, and the people and sources they name; all of it
    or, with ``EventsError`` listing what is wrong, nothing.

    People and sources are found in the team by their code; the others are created
    (sources as metadata without files), keeping their code where it is free. Types of
    act the instance lacks are refused, or created from the document's thesaurus with
    ``create_terms``. ``by`` must be a writing member of ``team`` (``PermissionDenied``).
    """
    if not is_writing_member(by, team):
        raise PermissionDenied
    plan = _Plan(data, team, create_terms)
    if plan.problems:
        raise EventsError(plan.problems)
    with transaction.atomic(), acting(by):
        result = _Importer(plan, team=team, by=by).run()
        record(
            "exchange.events.imported",
            actor=by,
            target=team,
            summary=(
                f"ESF events: {result.counts.get('incidents.incident', 0)} events, "
                f"{sum(result.counts.values())} records"
            ),
        )
    return result
