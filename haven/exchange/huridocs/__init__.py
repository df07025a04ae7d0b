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

from haven.exchange.huridocs.format import (
    FORMAT,
    IDENTIFYING_ROLES,
    VERSION,
    EventsError,
    esf_date,
    may_identify,
    read_esf_date,
)
from haven.exchange.huridocs.reading import EventsImportResult, import_events
from haven.exchange.huridocs.writing import export_events

__all__ = [
    "FORMAT",
    "IDENTIFYING_ROLES",
    "VERSION",
    "EventsError",
    "EventsImportResult",
    "esf_date",
    "export_events",
    "import_events",
    "may_identify",
    "read_esf_date",
]
