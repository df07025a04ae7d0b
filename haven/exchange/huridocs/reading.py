"""Reading an ESF document into a team: every check first, then one transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from dataclasses import field as dataclass_field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from haven.audit.actions import record
from haven.exchange.access import acting, is_writing_member
from haven.exchange.errors import validation_messages
from haven.exchange.huridocs.format import (
    FORMAT,
    VERSION,
    EventsError,
    read_esf_date,
)
from haven.exchange.references import Places, Terms, existing, place_problems
from haven.incidents.models import Act, Chain, Incident, InformationLink, Involvement
from haven.lib.fuzzy_dates import FuzzyDate
from haven.lib.partial_dates import PartialDate
from haven.people.models import Person
from haven.records.actions import save_record
from haven.sources.models import Credibility, Reliability, Source
from haven.vocab.models import Vocabulary


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
        taken = existing(Incident, "code", sorted(codes))
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
