"""The team archive: everything one team holds, as one JSON document that another
Haven instance (or this one, after a loss) imports back to the same records.

The document (docs/exchange.md describes it field by field)::

    {"format": "haven-archive", "version": 2, "team": ..., "exported_at": ...,
     "exported_by": ..., "left_out": {...}, "counts": {kind: n},
     "terms": {"act_type:torture": {labels}}, "places": {"/1/9/57/": {names, parent}},
     "records": {"people.person": [{"uuid": ..., "created_at": ..., fields...}], ...}}

Values are decrypted: the file is as sensitive as the team's records, and the command
that writes it says so. A sealed person's seal travels with them (``kinds.SEALED``).
Records keep their uuids and codes; foreign keys are written as ``haven.exchange.kinds``
says. Kinds come in dependency order, one record a line,
so the file is written as it is read from the database and never held whole.

An archive holds every live record of the team, and each deleted record that one of
them points to (the person a merge retired), marked deleted. Evidence files, earlier
versions and the audit log are not carried (``kinds.LEFT_OUT``, ``kinds.NOT_CARRIED``).

Importing is all or nothing: the whole document is checked first (its shape, every
reference, every value, and that none of its uuids and codes exists here), then every
record is saved through ``save_record`` in one transaction, so each gets its version,
blind index and audit entry; any refusal on the way rolls everything back.
"""

from haven.exchange.archive.format import FORMAT, VERSION, ArchiveError
from haven.exchange.archive.reading import ImportResult, import_team, read_archive
from haven.exchange.archive.writing import export_team

__all__ = [
    "FORMAT",
    "VERSION",
    "ArchiveError",
    "ImportResult",
    "export_team",
    "import_team",
    "read_archive",
]
