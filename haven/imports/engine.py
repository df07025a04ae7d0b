"""From rows of text to records: what each row will create, every problem with its row
and column, and the import itself.

``Builder.row(number, cells)`` turns one row into unsaved records (people first, then the
row's main record and what hangs from it) and the problems found on the way. The same
builder serves the preview (records shown as they will be created), the dry run (every
row built and validated, nothing saved) and the import (rows built and created in chunks
through ``create_records``, so each record gets its version, blind index and audit entry
like one typed into a form). A row is never split between two transactions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.imports import cells
from haven.imports.mapping import IGNORE, KEEP, NEW, SKIP, Mapping, fields_of
from haven.lib.fuzzy_dates import FuzzyDate
from haven.lib.normalize import contact_terms, fold
from haven.lib.partial_dates import PartialDate
from haven.lib.stemming import IMPORT_NOTE_HEADING, note_line
from haven.records.plans import new_record


@dataclass
class Problem:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class Built:
    """One row's records, unsaved, in the order they must be created."""

    row: int
    records: list = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # The people this row reuses (already in the team, or made by an earlier row).
    reused: list = field(default_factory=list)


class Builder:
    """Reads rows for one import: caches terms, places and people across rows, so a name
    that appears on many rows is one person, and a new term or place is made once."""

    def __init__(self, mapping: Mapping, *, team, by, columns: list[str]):
        from haven.locations.models import Location
        from haven.vocab.models import Term

        self.mapping, self.team, self.by, self.columns = mapping, team, by, columns
        # In the language of whoever starts the import, in either process; once, not per row.
        self.note_heading = _(IMPORT_NOTE_HEADING)
        self.fields = fields_of(mapping.target)
        self.source_of = mapping.mapped()  # field key → column
        self.kept = [c for c in columns if mapping.field_of(c) == KEEP]
        # Fields neither a column nor a constant fills: empty on every row.
        self.unfilled = {
            key
            for key in self.fields
            if key not in self.source_of and not mapping.constants.get(key, "").strip()
        }
        self.terms: dict[str, list] = {}
        for vocabulary in {f.kind[5:] for f in self.fields.values() if f.kind.startswith("term:")}:
            self.terms[vocabulary] = list(Term.objects.of(vocabulary))
        self.places = {place.pk: place for place in Location.objects.all()}
        self.place_names: dict[str, int] = {}
        for place in sorted(self.places.values(), key=lambda p: p.path, reverse=True):
            for name in (place.name_en, place.name_ru):
                self.place_names[fold(name)] = place.pk
        self.found_places: dict[str, object] = {}
        self.new_places: dict[str, Location] = {}
        self.new_terms: dict[tuple[str, str], Term] = {}
        self.people: dict[str, object] = {}  # folded name → Person (saved or not)
        self.sources: dict[str, object] = {}  # folded address or title → Source
        # Dates read so far: a file repeats its dates (FuzzyDate is immutable). Only
        # dates that read are kept; a wrong one is reported on each row it is on.
        self.dates: dict[str, FuzzyDate] = {}
        self.existing = self._decided_people()

    # -- reading cells -------------------------------------------------------------

    def _decided_people(self) -> dict[str, object]:
        """Existing people the mapping says a name stands for, by folded name."""
        from haven.people.models import Person

        wanted = {
            name: decision
            for name, decision in self.mapping.people.items()
            if decision not in (NEW, SKIP, "")
        }
        found = {
            str(person.uuid): person
            for person in Person.objects.writable_by(self.by).filter(
                team=self.team, uuid__in=[d for d in wanted.values() if _is_uuid(d)]
            )
        }
        return {fold(name): found.get(decision) for name, decision in wanted.items()}

    def raw(self, key: str, cells_: dict) -> tuple[str, str]:
        """(column, text) of field ``key`` in a row: its column's cell, else a constant."""
        column = self.source_of.get(key)
        text = cells_.get(column, "").strip() if column is not None else ""
        if text:
            return column, text
        # The same value for every row also fills the rows whose cell is empty.
        constant = self.mapping.constants.get(key, "").strip()
        return ("", constant) if constant else (column or "", "")

    def value(self, key: str, cells_: dict, built: Built):
        """Field ``key`` of the row, read as its kind says; None when empty or wrong (a
        problem is added for a wrong value)."""
        if key in self.unfilled:
            return None
        column, text = self.raw(key, cells_)
        if not text:
            return None
        spec = self.fields[key]
        try:
            if spec.kind == "date":
                found = self.dates.get(text)
                if found is None:
                    found = self.dates[text] = cells.parse_date(
                        text, order=self.mapping.date_order, century=self.mapping.century
                    )
                return found
            if spec.kind == "choice":
                return self._choice(spec, column, text)
            if spec.kind.startswith("term:"):
                return self._term(spec.kind[5:], column, text)
            if spec.kind == "place":
                return self._place(text)
            if spec.kind in ("list", "people"):
                return cells.split(text)
        except ValueError as exc:
            built.problems.append(Problem(built.row, column, str(exc)))
            return None
        return text

    def _mapped_value(self, column: str, text: str) -> str | None:
        table = self.mapping.values_of(column) if column else {}
        return table.get(text, table.get(text.strip()))

    def _choice(self, spec, column, text):
        chosen = self._mapped_value(column, text) or cells.match_choice(text, spec.choices)
        if chosen not in {code for code, _label in spec.choices}:
            raise ValueError(
                _("%(value)r is not one of the values of %(field)s: map it to one.")
                % {"value": text, "field": spec.label}
            )
        return chosen

    def _term(self, vocabulary, column, text):
        from haven.vocab.models import Term

        chosen = self._mapped_value(column, text)
        if chosen == NEW:
            key = (vocabulary, text)
            if key not in self.new_terms:
                code = cells.term_code(text)
                existing = next((t for t in self.terms[vocabulary] if t.code == code), None)
                self.new_terms[key] = existing or Term(
                    vocabulary=vocabulary, code=code, label_en=text[:200], label_ru=text[:200]
                )
            return self.new_terms[key]
        chosen = chosen or cells.match_term(text, self.terms[vocabulary])
        found = next((t for t in self.terms[vocabulary] if t.code == chosen), None)
        if found is None:
            raise ValueError(
                _("%(value)r is not a known term: map it to a term or create it.") % {"value": text}
            )
        return found

    def _place(self, text):
        """A gazetteer place, or None: an unknown place is kept as text in the note."""
        from haven.locations.models import Location

        decision = self.mapping.places.get(text, "")
        if decision == NEW:
            if text not in self.new_places:
                parent = self.places.get(int(self.mapping.new_places_parent or 0))
                self.new_places[text] = Location(
                    parent=parent,
                    kind=Location.Kind.TOWN,
                    name_en=text[:150],
                    name_ru=text[:150],
                )
            return self.new_places[text]
        if decision.isdigit() and int(decision) in self.places:
            return self.places[int(decision)]
        if text not in self.found_places:
            found = self.place_names.get(fold(text))
            self.found_places[text] = self.places[found] if found else None
        return self.found_places[text]

    # -- people ----------------------------------------------------------------------

    def person(self, name: str, built: Built, **details):
        """The person a name stands for: the existing one the mapping chose, one already
        made by this import, a new one, or None when the mapping says to skip it."""
        from haven.people.models import Person

        folded = fold(name)
        decision = self.mapping.people.get(name, NEW)
        if decision == SKIP:
            return None
        if folded in self.existing and self.existing[folded] is not None:
            built.reused.append(self.existing[folded])
            return self.existing[folded]
        if folded in self.people:
            person = self.people[folded]
            if person.pk is not None or person not in built.records:
                built.reused.append(person)
            return person
        person = new_record(
            Person, team=self.team, name=name, **{k: v for k, v in details.items() if v}
        )
        self.people[folded] = person
        built.records.append(person)
        return person

    # -- rows ------------------------------------------------------------------------

    def row(self, number: int, cells_: dict) -> Built:
        built = Built(number)
        for key, spec in self.fields.items():
            if spec.required and not self.raw(key, cells_)[1]:
                built.problems.append(
                    Problem(
                        number,
                        self.source_of.get(key, ""),
                        _("%(field)s is empty: every row needs it.") % {"field": spec.label},
                    )
                )
        make = getattr(self, f"_row_{self.mapping.target}")
        main = make(cells_, built)
        if main is not None:
            self._keep_unmapped(main, cells_)
        return built

    def _note(self, cells_: dict) -> str:
        lines = [note_line(column, cells_[column]) for column in self.kept if cells_.get(column)]
        for key, column in self.source_of.items():
            # A place the gazetteer does not know stays in the note as written.
            place = cells_.get(column, "").strip()
            if self.fields[key].kind == "place" and place and self._place(place) is None:
                lines.append(note_line(column, cells_[column]))
        return "\n".join(lines)

    NOTE_FIELD = {
        "incidents": "description",
        "people": "notes",
        "requests": "summary",
        "sources": "notes",
    }

    def _keep_unmapped(self, main, cells_: dict) -> None:
        note = self._note(cells_)
        if not note:
            return
        name = self.NOTE_FIELD[self.mapping.target]
        before = getattr(main, name) or ""
        setattr(main, name, f"{before}\n\n{self.note_heading}\n{note}".strip())

    def _text(self, key, cells_, built) -> str:
        return self.value(key, cells_, built) or ""

    def _row_incidents(self, cells_, built):
        from haven.incidents.models import Act, Incident, InformationLink, Involvement
        from haven.sources.models import Source

        v = lambda key: self.value(key, cells_, built)  # noqa: E731
        incident = new_record(
            Incident,
            team=self.team,
            title=self._text("incident.title", cells_, built),
            description=self._text("incident.description", cells_, built),
            location=v("incident.location"),
            stated_grounds=self._text("incident.stated_grounds", cells_, built),
            documented_motive=self._text("incident.documented_motive", cells_, built),
            violation_status=v("incident.violation_status") or Incident.ViolationStatus.ALLEGED,
        )
        incident.start = v("incident.start")
        incident.end = v("incident.end")
        birth = v("victim.birth_date")
        victims = [
            self.person(
                name,
                built,
                gender=v("victim.gender") or "",
                birth_date=_partial(birth),
            )
            for name in v("victim.name") or []
        ]
        victims = [person for person in victims if person is not None]
        perpetrators = [self.person(name, built) for name in v("perpetrator.name") or []]
        perpetrators = [person for person in perpetrators if person is not None]
        built.records.append(incident)
        act_type = v("act.act_type")
        if (victims or perpetrators) and act_type is None:
            column, _text = self.raw("act.act_type", cells_)
            if not _text:
                built.problems.append(
                    Problem(
                        built.row,
                        self.source_of.get("victim.name", ""),
                        _(
                            "This row names people but no type of act: map a column or give "
                            "one type of act for every row."
                        ),
                    )
                )
        if act_type is not None and not victims:
            built.problems.append(
                Problem(
                    built.row,
                    self.source_of.get("act.act_type", ""),
                    _("An act needs a victim: map the column with the victims' names."),
                )
            )
        if act_type is not None:
            act_start = v("act.start")
            for victim in victims:
                act = new_record(
                    Act,
                    incident=incident,
                    team=self.team,
                    act_type=act_type,
                    victim=victim,
                    victim_status=v("act.victim_status") or Act.VictimStatus.UNKNOWN,
                    consequences=self._text("act.consequences", cells_, built),
                )
                act.start = act_start
                built.records.append(act)
                for perpetrator in perpetrators:
                    built.records.append(
                        new_record(
                            Involvement,
                            act=act,
                            team=self.team,
                            perpetrator=perpetrator,
                            degree=v("involvement.degree") or Involvement.Degree.DIRECT,
                            affiliation=self._text("involvement.affiliation", cells_, built),
                        )
                    )
        url = self._text("source.url", cells_, built)
        title = self._text("source.title", cells_, built)
        if url or title:
            key = fold(url or title)
            source = self.sources.get(key)
            if source is None:
                source = new_record(
                    Source,
                    team=self.team,
                    kind=v("source.kind") or Source.Kind.MEDIA,
                    title=(title or url)[:300],
                    url=url,
                )
                self.sources[key] = source
                built.records.append(source)
            built.records.append(
                new_record(
                    InformationLink,
                    incident=incident,
                    source=source,
                    team=self.team,
                    connection=v("information.connection") or InformationLink.Connection.OTHER,
                    reliability="F",
                    credibility="6",
                )
            )
        return incident

    def _row_people(self, cells_, built):
        v = lambda key: self.value(key, cells_, built)  # noqa: E731
        names = v("person.name") or []
        if not names:
            return None
        contacts = [
            {"kind": (contact_terms(c) or ["handle:"])[0].split(":", 1)[0], "value": c}
            for c in v("person.contacts") or []
        ]
        whereabouts = self._text("person.whereabouts", cells_, built)
        before = len(built.records)
        person = self.person(
            names[0],
            built,
            other_names=[*names[1:], *(v("person.other_names") or [])],
            nicknames=v("person.nicknames") or [],
            gender=v("person.gender") or "",
            birth_date=_partial(v("person.birth_date")),
            nationality=self._text("person.nationality", cells_, built),
            languages=v("person.languages") or [],
            contacts=contacts,
            whereabouts=[{"place": whereabouts, "since": "", "note": ""}] if whereabouts else [],
            notes=self._text("person.notes", cells_, built),
        )
        # A name already in the team (or earlier in the file) makes no new person.
        return person if len(built.records) > before else None

    def _row_requests(self, cells_, built):
        from haven.cases.models import Request

        v = lambda key: self.value(key, cells_, built)  # noqa: E731
        names = v("requester.name") or []
        contacts = [
            {"kind": (contact_terms(c) or ["handle:"])[0].split(":", 1)[0], "value": c}
            for c in v("requester.contacts") or []
        ]
        requester = self.person(names[0], built, contacts=contacts) if names else None
        received = v("request.received_at")
        request = new_record(
            Request,
            team=self.team,
            summary=self._text("request.summary", cells_, built),
            channel=v("request.channel"),
            urgency=v("request.urgency") or Request.Urgency.URGENT,
            requester=requester,
            requester_name=names[0] if names else "",
        )
        if received is not None:
            request.received_at = timezone.make_aware(datetime.combine(received.earliest, time(12)))
        built.records.append(request)
        return request

    def _row_sources(self, cells_, built):
        from haven.lib.fuzzy_fields import set_fuzzy
        from haven.sources.models import Source

        v = lambda key: self.value(key, cells_, built)  # noqa: E731
        source = new_record(
            Source,
            team=self.team,
            kind=v("source.kind") or Source.Kind.MEDIA,
            title=self._text("source.title", cells_, built),
            author=self._text("source.author", cells_, built),
            url=self._text("source.url", cells_, built),
            text=self._text("source.text", cells_, built),
            notes=self._text("source.notes", cells_, built),
        )
        set_fuzzy(source, "published", v("source.published"))
        built.records.append(source)
        return source

    # -- checking ------------------------------------------------------------------

    ORIGIN = {
        "incident": "incident",
        "act": "act",
        "involvement": "involvement",
        "informationlink": "information",
        "source": "source",
        "request": "request",
    }

    def check(self, built: Built) -> None:
        """Validate the row's records as ``save_record`` will, without saving: each
        problem with the column it came from. A column already found wrong (a date
        that does not read) is not reported again by the record it left empty."""
        reported = {problem.column for problem in built.problems if problem.column}
        for instance in built.records:
            # A foreign key set to an object is not looked up again: the object was
            # loaded (or is made by this row). Only ids set raw are checked.
            unsaved = [
                f.name
                for f in instance._meta.concrete_fields
                if isinstance(f, models.ForeignKey) and f.is_cached(instance)
            ]
            try:
                instance.full_clean(
                    exclude=unsaved, validate_unique=False, validate_constraints=False
                )
            except ValidationError as exc:
                for name, messages in exc.message_dict.items():
                    column = self._column_of(instance, name)
                    if column in reported:
                        continue
                    for message in messages:
                        built.problems.append(Problem(built.row, column, message))

    def _column_of(self, instance, name: str) -> str:
        from haven.people.models import Person

        model = instance._meta.model_name
        if name in ("start_earliest", "start_latest"):
            name = "start"
        if isinstance(instance, Person):
            for key in ("victim.name", "perpetrator.name", "person.name", "requester.name"):
                if key in self.source_of and name == "name":
                    return self.source_of[key]
            prefix = "person" if self.mapping.target == "people" else "victim"
            return self.source_of.get(f"{prefix}.{name}", "")
        prefix = self.ORIGIN.get(model, model)
        return self.source_of.get(f"{prefix}.{name}", "")

    # -- creating --------------------------------------------------------------------

    def create_new_terms_and_places(self) -> None:
        """Make the terms and places the mapping asks to create, before any row: each
        with its own audit entry through the vocabulary's and the gazetteer's verbs."""
        from haven.locations.actions import save_place
        from haven.vocab.actions import add_term

        for column, spec in self.mapping.columns.items():
            kind = self.fields[spec["field"]].kind if spec["field"] in self.fields else ""
            for text, decision in spec.get("values", {}).items():
                if decision == NEW and kind.startswith("term:"):
                    self._term(kind[5:], column, text)
        for text, decision in self.mapping.places.items():
            if decision == NEW:
                self._place(text)
        for key, term in list(self.new_terms.items()):
            if term.pk is None:
                made = add_term(
                    key[0], code=term.code, label_en=term.label_en, label_ru=term.label_ru
                )
                self.new_terms[key] = made
                self.terms[key[0]].append(made)
        for place in self.new_places.values():
            if place.pk is None:
                save_place(place)


def _partial(value: FuzzyDate | None) -> PartialDate | None:
    if value is None:
        return None
    day = value.earliest
    if value.precision == "day":
        return PartialDate(day.year, day.month, day.day, value.estimated)
    if value.precision == "month":
        return PartialDate(day.year, day.month, None, value.estimated)
    return PartialDate(day.year, None, None, value.estimated or value.precision != "year")


def _is_uuid(text: str) -> bool:
    import uuid

    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


__all__ = ["IGNORE", "KEEP", "Builder", "Built", "Problem"]
