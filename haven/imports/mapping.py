"""What a spreadsheet's columns become: the fields an import can fill, and the mapping a
user builds (saved as JSON and reused).

A mapping names a *target* (what one row creates) and, per column, a field of it. Fields
whose values come from a list (a vocabulary, a fixed choice, a place, a person) carry a
value table: each distinct value of the column mapped to a term, a choice, a place or a
decision about a person. Columns mapped to nothing are kept, as "column: value" lines,
in the encrypted note of the row's main record, unless marked to be left out.

The JSON form (``Mapping.to_json``/``Mapping.from_json``)::

    {"version": 1, "target": "incidents",
     "dates": {"order": "DMY", "century": 50},
     "columns": {"date": {"field": "incident.start"},
                 "event_type_eng": {"field": "act.act_type",
                                    "values": {"Rally": "arbitrary_detention"}},
                 "links": {"field": "ignore"}},
     "places": {"чистые пруды": "12", "Ayn Tarma": "new"},
     "people": {"Магомед Магамадов": "new"},
     "constants": {"act.act_type": "arbitrary_detention"}}
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from haven.vocab.models import Vocabulary

VERSION = 1
KEEP = ""  # an unmapped column: kept in the note
IGNORE = "ignore"  # left out of the import altogether
NEW = "new"  # a value table entry: create the term, the place or the person
SKIP = "skip"  # a person decision: leave this name out


@dataclass(frozen=True)
class Field:
    """One thing a column can fill.

    ``kind`` says how a cell is read: ``text``, ``date`` (a vague date), ``place``,
    ``term:<vocabulary>``, ``choice`` (``choices`` lists them), ``people`` (names, several
    separated by ";"), ``list`` (several values separated by ";").
    """

    key: str
    label: object
    kind: str = "text"
    choices: tuple = ()
    required: bool = False

    @property
    def record(self) -> str:
        return self.key.split(".", 1)[0]

    @property
    def name(self) -> str:
        return self.key.split(".", 1)[1]

    @property
    def has_values(self) -> bool:
        """Is a value table shown for it?"""
        return self.kind.startswith("term:") or self.kind == "choice"


def _choices(model_choices) -> tuple:
    return tuple(model_choices.choices)


def _targets() -> dict[str, tuple[object, list[Field]]]:
    from haven.cases.models import Request
    from haven.incidents.models import Act, Incident, InformationLink, Involvement
    from haven.people.models import Person
    from haven.sources.models import Source

    gender = _choices(Person.Gender)
    return {
        "incidents": (
            gettext_lazy("Incidents (with acts, victims, perpetrators and sources)"),
            [
                Field("incident.title", gettext_lazy("Incident: title"), required=True),
                Field("incident.start", gettext_lazy("Incident: date"), "date", required=True),
                Field("incident.end", gettext_lazy("Incident: end date"), "date"),
                Field("incident.location", gettext_lazy("Incident: place"), "place"),
                Field("incident.description", gettext_lazy("Incident: description")),
                Field("incident.stated_grounds", gettext_lazy("Incident: stated grounds")),
                Field("incident.documented_motive", gettext_lazy("Incident: documented motive")),
                Field(
                    "incident.violation_status",
                    gettext_lazy("Incident: violation status"),
                    "choice",
                    _choices(Incident.ViolationStatus),
                ),
                Field(
                    "act.act_type", gettext_lazy("Act: type of act"), f"term:{Vocabulary.ACT_TYPE}"
                ),
                Field("act.start", gettext_lazy("Act: date, if different"), "date"),
                Field(
                    "act.victim_status",
                    gettext_lazy("Act: victim's status at the end"),
                    "choice",
                    _choices(Act.VictimStatus),
                ),
                Field("act.consequences", gettext_lazy("Act: consequences")),
                Field(
                    "victim.name", gettext_lazy("Victims: names (several separated by ;)"), "people"
                ),
                Field("victim.gender", gettext_lazy("Victim: gender"), "choice", gender),
                Field("victim.birth_date", gettext_lazy("Victim: birth date"), "date"),
                Field(
                    "perpetrator.name",
                    gettext_lazy("Perpetrators: names or units (several separated by ;)"),
                    "people",
                ),
                Field(
                    "involvement.degree",
                    gettext_lazy("Perpetrator: degree of involvement"),
                    "choice",
                    _choices(Involvement.Degree),
                ),
                Field("involvement.affiliation", gettext_lazy("Perpetrator: affiliation")),
                Field("source.url", gettext_lazy("Source: address (URL)")),
                Field("source.title", gettext_lazy("Source: title")),
                Field("source.kind", gettext_lazy("Source: kind"), "choice", _choices(Source.Kind)),
                Field(
                    "information.connection",
                    gettext_lazy("Source: connection to the incident"),
                    "choice",
                    _choices(InformationLink.Connection),
                ),
            ],
        ),
        "people": (
            gettext_lazy("People"),
            [
                Field("person.name", gettext_lazy("Person: name"), "people", required=True),
                Field("person.other_names", gettext_lazy("Person: other name forms"), "list"),
                Field("person.nicknames", gettext_lazy("Person: nicknames"), "list"),
                Field("person.gender", gettext_lazy("Person: gender"), "choice", gender),
                Field("person.birth_date", gettext_lazy("Person: birth date"), "date"),
                Field("person.nationality", gettext_lazy("Person: nationality")),
                Field("person.languages", gettext_lazy("Person: languages"), "list"),
                Field(
                    "person.contacts",
                    gettext_lazy("Person: contacts (phones, e-mails, handles; separated by ;)"),
                    "list",
                ),
                Field("person.whereabouts", gettext_lazy("Person: where they are now")),
                Field("person.notes", gettext_lazy("Person: notes")),
            ],
        ),
        "requests": (
            gettext_lazy("Requests for help"),
            [
                Field("request.summary", gettext_lazy("Request: what is asked"), required=True),
                Field("request.received_at", gettext_lazy("Request: received on"), "date"),
                Field(
                    "request.channel",
                    gettext_lazy("Request: channel"),
                    f"term:{Vocabulary.CHANNEL}",
                ),
                Field(
                    "request.urgency",
                    gettext_lazy("Request: urgency"),
                    "choice",
                    _choices(Request.Urgency),
                ),
                Field("requester.name", gettext_lazy("Requester: name"), "people"),
                Field("requester.contacts", gettext_lazy("Requester: contacts"), "list"),
            ],
        ),
        "sources": (
            gettext_lazy("Sources"),
            [
                Field("source.title", gettext_lazy("Source: title"), required=True),
                Field("source.kind", gettext_lazy("Source: kind"), "choice", _choices(Source.Kind)),
                Field("source.author", gettext_lazy("Source: author or publisher")),
                Field("source.url", gettext_lazy("Source: address (URL)")),
                Field("source.published", gettext_lazy("Source: published on"), "date"),
                Field("source.text", gettext_lazy("Source: text")),
                Field("source.notes", gettext_lazy("Source: notes")),
            ],
        ),
    }


def targets() -> dict[str, tuple[object, list[Field]]]:
    return _targets()


def fields_of(target: str) -> dict[str, Field]:
    return {item.key: item for item in _targets()[target][1]}


DATE_ORDERS = ("DMY", "MDY", "YMD")


@dataclass
class Mapping:
    target: str = "incidents"
    columns: dict[str, dict] = field(default_factory=dict)
    places: dict[str, str] = field(default_factory=dict)
    people: dict[str, str] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    date_order: str = "DMY"
    # Two-digit years below this are in the 2000s, the others in the 1900s: 13 → 2013,
    # 87 → 1987 with the default 50.
    century: int = 50
    new_places_parent: str = ""

    def field_of(self, column: str) -> str:
        return (self.columns.get(column) or {}).get("field", KEEP)

    def values_of(self, column: str) -> dict[str, str]:
        return (self.columns.get(column) or {}).get("values", {})

    def mapped(self) -> dict[str, str]:
        """field key → column, for the columns mapped to a field."""
        return {
            spec["field"]: column
            for column, spec in self.columns.items()
            if spec.get("field") not in (KEEP, IGNORE, None)
        }

    def to_json(self) -> dict:
        return {
            "version": VERSION,
            "target": self.target,
            "dates": {"order": self.date_order, "century": self.century},
            "columns": self.columns,
            "places": self.places,
            "people": self.people,
            "constants": self.constants,
            "new_places_parent": self.new_places_parent,
        }

    @classmethod
    def from_json(cls, data, *, columns: list[str] | None = None) -> Mapping:
        """A mapping from its JSON form, checked: an unknown target or field, a column the
        file does not have (when ``columns`` is given) or a malformed entry is refused
        with a ValidationError naming it."""
        if isinstance(data, str | bytes):
            try:
                data = json.loads(data)
            except ValueError as exc:
                raise ValidationError(
                    _("The mapping is not valid JSON: %(error)s") % {"error": exc}
                ) from None
        if not isinstance(data, dict):
            raise ValidationError(_("The mapping must be a JSON object."))
        problems = []
        target = data.get("target")
        if target not in _targets():
            raise ValidationError(
                _("Unknown target %(target)r: choose one of %(targets)s.")
                % {"target": target, "targets": ", ".join(_targets())}
            )
        known = fields_of(target)
        dates = data.get("dates") or {}
        order = dates.get("order", "DMY")
        if order not in DATE_ORDERS:
            problems.append(
                _("Date order must be one of %(orders)s.") % {"orders": ", ".join(DATE_ORDERS)}
            )
        century = dates.get("century", 50)
        if not isinstance(century, int) or not 0 <= century <= 100:
            problems.append(_("The century rule must be a number from 0 to 100."))
        mapped_columns = data.get("columns") or {}
        if not isinstance(mapped_columns, dict):
            raise ValidationError(_("“columns” must be an object of column names."))
        clean_columns = {}
        for column, spec in mapped_columns.items():
            if not isinstance(spec, dict):
                problems.append(_("Column %(column)r: expected an object.") % {"column": column})
                continue
            name = spec.get("field", KEEP) or KEEP
            if name not in (KEEP, IGNORE) and name not in known:
                problems.append(
                    _("Column %(column)r: there is no field %(field)r in %(target)s.")
                    % {"column": column, "field": name, "target": target}
                )
            if columns is not None and column not in columns:
                problems.append(_("Column %(column)r is not in this file.") % {"column": column})
            values = spec.get("values") or {}
            if not isinstance(values, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in values.items()
            ):
                problems.append(
                    _("Column %(column)r: the value table must map text to text.")
                    % {"column": column}
                )
                values = {}
            clean_columns[column] = {"field": name, **({"values": values} if values else {})}
        used = [
            spec["field"] for spec in clean_columns.values() if spec["field"] not in (KEEP, IGNORE)
        ]
        for name in {n for n in used if used.count(n) > 1}:
            problems.append(
                _("Field %(field)s is filled from more than one column.") % {"field": name}
            )
        constants = data.get("constants") or {}
        for name in constants:
            if name not in known:
                problems.append(
                    _("There is no field %(field)r to fill with a constant.") % {"field": name}
                )
        for table in ("places", "people"):
            entries = data.get(table) or {}
            if not isinstance(entries, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in entries.items()
            ):
                problems.append(_("“%(table)s” must map text to text.") % {"table": table})
        if problems:
            raise ValidationError(problems)
        return cls(
            target=target,
            columns=clean_columns,
            places=dict(data.get("places") or {}),
            people=dict(data.get("people") or {}),
            constants={k: str(v) for k, v in constants.items()},
            date_order=order,
            century=century,
            new_places_parent=str(data.get("new_places_parent") or ""),
        )
