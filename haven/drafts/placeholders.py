"""The placeholders a document template may use: one documented set, shown to
administrators on the upload page, checked at upload, and filled by ``context.py``.

Every value is plain data — strings, booleans, lists and dicts of them — so a
template sees what the case says and nothing else: no record, no queryset, no method
that reaches the database. A value that is not known is an empty string (never a
missing key), so a template can test it with ``{% if petition.reference %}``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Placeholder:
    name: str  # as written in the template: "persons[].display"
    meaning: object  # a lazy translation


PLACEHOLDERS = [
    Placeholder("case.code", _("The case's code (C-…).")),
    Placeholder("case.title", _("The case's title.")),
    Placeholder("case.opened_on", _("The day the case was opened.")),
    Placeholder(
        "persons",
        _(
            "The persons the petition is for (or, if it names none, the case's persons at "
            "risk): a list, repeated with a paragraph loop (see above)."
        ),
    ),
    Placeholder(
        "persons[].display",
        _(
            "The person's name where their consent for legal action allows it, otherwise "
            "their code."
        ),
    ),
    Placeholder("persons[].name", _("The name where consent allows it; empty otherwise.")),
    Placeholder("persons[].code", _("The person's code (P-…).")),
    Placeholder("persons[].named", _("True when the name may be used.")),
    Placeholder("persons[].birth_date", _("Birth date as known (“1999”, “May 1999”); or empty.")),
    Placeholder("persons_display", _("All the persons in one line: “A and B”.")),
    Placeholder("authority", _("The authority the petition is addressed to.")),
    Placeholder("petition.title", _("The petition's title.")),
    Placeholder("petition.type", _("The kind of petition.")),
    Placeholder("petition.reference", _("The petition's reference number; or empty.")),
    Placeholder("petition.filed_on", _("The filing date; or empty.")),
    Placeholder("petition.details", _("The petition's details (free text).")),
    Placeholder("petition.decision", _("The decision, if one is recorded.")),
    Placeholder("petition.decision_on", _("The decision's date; or empty.")),
    Placeholder("petition.measures", _("The measures granted; or empty.")),
    Placeholder(
        "incidents",
        _(
            "What happened to the persons, oldest first: the incidents linked to the case "
            "or the petition and those where one of the persons is a victim."
        ),
    ),
    Placeholder("incidents[].code", _("The incident's code.")),
    Placeholder("incidents[].title", _("The incident's title.")),
    Placeholder("incidents[].date", _("When it happened, as precisely as known.")),
    Placeholder("incidents[].place", _("Where it happened; or empty.")),
    Placeholder("incidents[].description", _("The incident's description.")),
    Placeholder("incidents[].stated_grounds", _("The reason the perpetrators gave.")),
    Placeholder("incidents[].documented_motive", _("The motive as documented.")),
    Placeholder(
        "incidents[].acts",
        _("The acts against the persons: a list with type, date, place, victim, perpetrators."),
    ),
    Placeholder("incidents[].acts[].type", _("The type of act (detention, torture …).")),
    Placeholder("incidents[].acts[].date", _("The act's date (the incident's if not its own).")),
    Placeholder("incidents[].acts[].place", _("The act's place (the incident's if not its own).")),
    Placeholder("incidents[].acts[].victim", _("The victim, named as in persons[].display.")),
    Placeholder("incidents[].acts[].perpetrators", _("Who did it, with their affiliation.")),
    Placeholder("incidents[].acts[].victim_status", _("The victim's status after the act.")),
    Placeholder("risk.date", _("The date of the latest risk assessment; or empty.")),
    Placeholder("risk.level", _("Its overall level.")),
    Placeholder("risk.threat_sources", _("Who threatens (state agents, family …).")),
    Placeholder("risk.threat_types", _("What is threatened (honour killing, abduction …).")),
    Placeholder("risk.narrative", _("The assessment's narrative.")),
    Placeholder("sources", _("The sources cited for the incidents: code, title, kind.")),
    Placeholder("lawyer.name", _("The user who makes the draft.")),
    Placeholder("lawyer.email", _("Their e-mail address.")),
    Placeholder("today", _("The day the draft is made.")),
]

# The names a template may use at its top level.
VARIABLES = frozenset(p.name.split(".")[0].split("[")[0] for p in PLACEHOLDERS)


def sample_context() -> dict:
    """A fictional case with every placeholder filled, for the check at upload: a
    template that renders this renders every case (the values have the same shape)."""
    act = {
        "type": "Arbitrary detention",
        "date": "April 2020",
        "place": "Grozny",
        "victim": "A. Example",
        "perpetrators": "Police unit (police)",
        "victim_status": "Released",
    }
    person = {
        "code": "P-0000",
        "name": "A. Example",
        "display": "A. Example",
        "named": True,
        "birth_date": "1999",
    }
    return {
        "case": {"code": "C-0000", "title": "Example", "opened_on": "1 May 2020"},
        "persons": [person, {**person, "name": "", "display": "P-0001", "named": False}],
        "persons_display": "A. Example and P-0001",
        "authority": "Investigative Committee",
        "petition": {
            "title": "Request",
            "type": "Request for state protection",
            "reference": "REF-1",
            "filed_on": "12 February 2021",
            "details": "",
            "decision": "Pending",
            "decision_on": "",
            "measures": "",
        },
        "incidents": [
            {
                "code": "I-0000",
                "title": "Detention",
                "date": "April 2020",
                "place": "Grozny",
                "description": "Held for days.",
                "stated_grounds": "",
                "documented_motive": "",
                "acts": [act],
            }
        ],
        "risk": {
            "date": "5 February 2021",
            "level": "Critical",
            "threat_sources": "Family",
            "threat_types": "Honour killing",
            "narrative": "",
        },
        "sources": [{"code": "S-0000", "title": "Report", "kind": "Media report"}],
        "lawyer": {"name": "Lawyer", "email": "lawyer@example.org"},
        "today": "1 March 2021",
    }
