"""Exports: the rules (who may make which), and the file, hashed and audited as it goes.

``start_export(kind, by=…, data=…, …)`` checks everything before the first byte:
the kind, the filters (the list's own form, so the file holds the rows the page
shows), the role and reason of an identifying export, the XLSX row limit. It returns
an ``Export``, whose ``chunks()`` yields the file. Every interface sends those
chunks as they come (the web streams them, the ``haven export`` command writes
them), so a large export needs no more memory than one piece of it (XLSX aside:
see ``haven.exports.formats``).

The audit entry is written when the last chunk has been yielded: one entry
``exports.export.downloaded`` with the kind, format, variant, row count, people
left out, the reason and the SHA-256 of exactly the bytes sent, and every record
the file showed. A download cut short (the browser closed, the disk full) is
recorded as ``exports.export.interrupted`` with what had been sent. A process
killed mid-export writes no entry; the web server's access log still has the
request.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext

from haven.accounts.models import Role
from haven.audit.actions import record
from haven.exports import formats
from haven.exports.columns import IDENTIFYING, PSEUDONYMISED, Cells, Column, Kind
from haven.exports.consent import refusing_people
from haven.exports.kinds import KINDS
from haven.records.masking import reading_as
from haven.records.models import member_teams
from haven.web.lists import Listing

# Records read per database round: each chunk costs a fixed number of queries.
CHUNK = 500
# Rows between two calls of an export's ``progress``.
PROGRESS_EVERY = 500
REASON_MIN = 10
REASON_MAX = 150

CONSENT_COLUMN = Column("consent", gettext_lazy("Consent"), lambda row, cells: None)


def identifying_roles() -> list[str]:
    return [role.lower() for role in settings.HAVEN_EXPORT_IDENTIFYING_ROLES]


def may_export_identifying(user) -> bool:
    """Whether ``user``'s role may make identifying exports (``HAVEN_EXPORT_IDENTIFYING_ROLES``)."""
    return getattr(user, "role", None) in identifying_roles()


def identifying_role_labels() -> list[str]:
    allowed = identifying_roles()
    return [str(role.label) for role in Role if role.value in allowed]


def kind_named(name: str) -> Kind:
    """The kind of export ``name``; ``Http404`` for any other (an unknown URL)."""
    try:
        return KINDS[name]
    except KeyError:
        raise Http404 from None


class _Read:
    """A record as the audit entry names it, without holding the record itself."""

    __slots__ = ("_meta", "uuid")

    def __init__(self, instance):
        self._meta = instance._meta
        self.uuid = getattr(instance, "uuid", None) or instance.pk


def _chunks_of(iterator, size: int):
    while True:
        chunk = list(islice(iterator, size))
        if not chunk:
            return
        yield chunk


def described_filters(listing: Listing | None, *, named: bool) -> list[str]:
    """The filters a list was given, as "Status: Active" lines. A typed text (the find
    box, a perpetrator's name) and a member of staff are written only in an identifying
    export: in a pseudonymised one the text could be the very name the file leaves out."""
    if listing is None or not listing.filters.is_bound or not listing.valid:
        return []
    form = listing.filters
    found = []
    for name, form_field in form.fields.items():
        value = form.cleaned_data.get(name)
        if isinstance(value, str):
            value = value.strip()
        if value in (None, "", False):
            continue
        if isinstance(value, get_user_model()):
            # A member of staff: named, like the case's lead, only where names are.
            text = (
                value.display_name if named else _("given (not written in a pseudonymised export)")
            )
        elif isinstance(form_field, forms.ModelChoiceField):
            text = str(value)
        elif isinstance(form_field, forms.ChoiceField):
            text = str(dict(form_field.choices).get(value, value))
        elif value is True:
            text = _("yes")
        elif isinstance(value, str):
            text = value if named else _("given (not written in a pseudonymised export)")
        else:
            text = str(value)
        found.append(f"{form_field.label}: {text}")
    return found


def _order(listing: Listing | None) -> str:
    if listing is None:
        return ""
    sorting = listing.sorting
    column = next(c for c in sorting.columns if c.key == sorting.key)
    way = _("descending") if sorting.descending else _("ascending")
    return f"{column.label} ({way})"


@dataclass
class Export:
    """One export being made: what and how, and once sent, what was sent."""

    kind: Kind
    format: formats.Format
    by: object
    identifying: bool = False
    reason: str = ""
    listing: Listing | None = None
    team: object = None
    request: object = None  # the web request, for the audit entry's address
    progress: Callable[[int], None] | None = None  # called with the rows written so far
    made_at: object = field(default_factory=timezone.now)
    language: str = field(default_factory=lambda: translation.get_language() or "en")
    # Filled in as the file is written.
    rows_written: int = 0
    left_out: set[int] = field(default_factory=set)
    sha256: str = ""
    size: int = 0
    finished: bool = False
    _built: bytes | None = None
    _read: dict = field(default_factory=dict)

    @property
    def variant(self) -> str:
        return IDENTIFYING if self.identifying else PSEUDONYMISED

    @property
    def columns(self) -> list[Column]:
        columns = self.kind.columns_for(self.variant)
        if self.identifying and not self.kind.drops_refused:
            columns = [*columns, CONSENT_COLUMN]
        return columns

    @property
    def filename(self) -> str:
        day = timezone.localdate(self.made_at).isoformat()
        variant = "identifying" if self.identifying else "pseudonymised"
        return f"haven-{slugify(self.kind.name)}-{variant}-{day}.{self.format.extension}"

    def _records(self):
        if self.kind.table is not None:
            return None
        rows = self.listing.rows
        if self.team is not None:
            rows = rows.filter(team=self.team)
        return rows

    def expected_rows(self) -> int:
        """How many rows the file will have (before people who refused are left out)."""
        if self.kind.table is not None:
            return len(self.kind.table(self.by, self.team))
        return self.kind.count(self._records(), self.by)

    # --- the rows ---------------------------------------------------------------------

    def rows(self) -> Iterator[list]:
        """The file's rows, as lists of cells in the order of ``columns``."""
        columns = self.columns
        cells = Cells(named=self.identifying)
        coded = cells.coded()
        if self.kind.table is not None:
            for row in self.kind.table(self.by, self.team):
                self._count_row()
                yield [column.cell(row, coded) for column in columns]
            return
        refused = refusing_people(self.by) if self.identifying else set()
        records = self.kind.prepare(self._records(), self.by).iterator(chunk_size=CHUNK)
        for chunk in _chunks_of(records, CHUNK):
            self.kind.chunk(chunk, cells, self.by)
            for record_ in chunk:
                for row in self.kind.rows(record_):
                    withheld = refused & self.kind.people(row) if refused else set()
                    if withheld:
                        self.left_out |= withheld
                        if self.kind.drops_refused:
                            continue
                    for item in self.kind.read(row):
                        # An incident is on each of its acts' rows: listed once.
                        self._read.setdefault((item._meta.label, item.pk), _Read(item))
                    self._count_row()
                    this = coded if withheld or not self.identifying else cells
                    line = [column.cell(row, this) for column in columns]
                    if withheld:
                        line[-1] = _("refused or withdrawn: shown by code only")
                    yield line

    def _count_row(self) -> None:
        self.rows_written += 1
        if self.progress is not None and self.rows_written % PROGRESS_EVERY == 0:
            self.progress(self.rows_written)

    # --- what the file says about itself ------------------------------------------------

    def about_head(self) -> formats.About:
        lines = [
            (_("Export of"), str(self.kind.label)),
            (_("Variant"), _("Identifying") if self.identifying else _("Pseudonymised")),
            (_("Made at"), timezone.localtime(self.made_at).isoformat(timespec="seconds")),
            (_("Made by"), self.by.email),
        ]
        if self.identifying:
            lines.append((_("Reason"), self.reason))
        if self.team is not None:
            lines.append((_("Team"), self.team.name))
        filters = described_filters(self.listing, named=self.identifying)
        lines += [(pgettext("export", "Filter"), text) for text in filters]
        if self.listing is not None and not filters:
            lines.append((pgettext("export", "Filter"), _("none: the whole list")))
        if self.listing is not None:
            lines.append((_("Order"), _order(self.listing)))
        lines.append((pgettext("export", "Note"), self.variant_note()))
        return lines

    def variant_note(self) -> str:
        if self.kind.table is not None:
            return _("Counts only: no record and no person appears in this file.")
        if self.identifying:
            return _(
                "Identifying: this file names people. Keep it encrypted, share it with no "
                "one who should not read it, and delete it when the work is done. Its "
                "making is recorded in the audit log with its reason and checksum."
            )
        return _(
            "Pseudonymised: people appear by their codes, birth dates by their year and "
            "places by their region. Names, contacts, whereabouts and free texts that "
            "may name people (titles, descriptions, summaries, notes) are left out."
        )

    def consent_note(self) -> str:
        n = len(self.left_out)
        if self.kind.drops_refused:
            return ngettext(
                "%(n)s person left out because they refused or withdrew consent.",
                "%(n)s people left out because they refused or withdrew consent.",
                n,
            ) % {"n": n}
        return ngettext(
            "%(n)s person left out because they refused or withdrew consent: the rows "
            "about them are written pseudonymised, by code only.",
            "%(n)s people left out because they refused or withdrew consent: the rows "
            "about them are written pseudonymised, by code only.",
            n,
        ) % {"n": n}

    def about_tail(self, cut: int = 0) -> formats.About:
        lines = [(_("Rows"), str(self.rows_written))]
        if self.identifying:
            lines.append((_("Consent"), self.consent_note()))
        if cut:
            lines.append(
                (
                    pgettext("export", "Note"),
                    ngettext(
                        "%(n)s text was longer than a cell holds and is cut.",
                        "%(n)s texts were longer than a cell holds and are cut.",
                        cut,
                    )
                    % {"n": cut},
                )
            )
        return lines

    # --- the file ------------------------------------------------------------------------

    def _file(self) -> Iterator[bytes]:
        headers = [column.header(self.variant) for column in self.columns]
        if self.format.name == "csv":
            return formats.write_csv(
                headers, self.rows(), lambda: self.about_head() + self.about_tail()
            )
        if self.format.name == "json":
            head = {
                "kind": self.kind.name,
                "variant": self.variant,
                "made_at": timezone.localtime(self.made_at).isoformat(timespec="seconds"),
                "made_by": self.by.email,
                "columns": [
                    {"key": column.key, "label": header}
                    for column, header in zip(self.columns, headers, strict=True)
                ],
                "lines": [{"label": k, "value": v} for k, v in self.about_head()],
            }

            def totals():
                found = {"rows": self.rows_written}
                if self.identifying:
                    found["people_left_out"] = len(self.left_out)
                found["lines"] = [{"label": k, "value": v} for k, v in self.about_tail()]
                return found

            return formats.write_json(head, [c.key for c in self.columns], self.rows(), totals)
        return iter([self.build()])

    @property
    def built_size(self) -> int | None:
        """The size of a file built before it is sent (XLSX); ``None`` for a streamed one."""
        return None if self._built is None else len(self._built)

    def build(self) -> bytes:
        """An XLSX export's bytes, built now (so that its size is known before it is
        sent); ``ValidationError`` past the row limit."""
        if self._built is None:
            with translation.override(self.language):
                try:
                    self._built = formats.write_xlsx(
                        str(self.kind.label),
                        [column.header(self.variant) for column in self.columns],
                        self.rows(),
                        lambda cut: self.about_head() + self.about_tail(cut),
                        about_title=_("About"),
                        max_rows=settings.HAVEN_EXPORT_XLSX_MAX_ROWS,
                    )
                except formats.TooManyRows:
                    raise ValidationError({"format": too_many_rows_message()}) from None
        return self._built

    def chunks(self) -> Iterator[bytes]:
        """The file, piece by piece; the audit entry is written after the last piece,
        or when the sending stops early."""
        digest = hashlib.sha256()
        try:
            with translation.override(self.language):
                if self.format.streams:
                    pieces = self._file()
                else:
                    with reading_as(self.by):
                        built = self.build()
                    pieces = (
                        built[start : start + formats.PIECE]
                        for start in range(0, len(built), formats.PIECE)
                    )
                while True:
                    # The pieces are read after the view returned, outside its request:
                    # sealed names are read for the exporter (haven.records.masking),
                    # each piece apart, so that nothing is set across a yield.
                    with reading_as(self.by):
                        piece = next(pieces, None)
                    if piece is None:
                        break
                    digest.update(piece)
                    self.size += len(piece)
                    yield piece
            self.finished = True
        finally:
            self.sha256 = digest.hexdigest()
            self._audit()

    def _audit(self) -> None:
        summary = f"{self.kind.name} {self.format.name} {self.variant}, {self.rows_written} rows"
        if self.identifying:
            summary += f", {len(self.left_out)} left out (consent)"
        if self.listing is not None and self.listing.filters.is_bound:
            summary += ", filtered"
        if not self.finished:
            summary += f", interrupted after {self.size} bytes"
        summary += f", sha256 {self.sha256}"
        if self.identifying:
            summary += f", reason: {self.reason}"
        record(
            "exports.export.downloaded" if self.finished else "exports.export.interrupted",
            actor=self.by,
            request=self.request,
            summary=summary,
            records=list(self._read.values()),
        )


def too_many_rows_message() -> str:
    return _(
        "An Excel workbook of this export would have more than %(n)s rows. Choose CSV "
        "or JSON, or narrow the list."
    ) % {"n": settings.HAVEN_EXPORT_XLSX_MAX_ROWS}


def start_export(
    kind: str | Kind,
    *,
    by,
    data=None,
    posted: bool = False,
    format: str = "csv",
    identifying: bool = False,
    reason: str = "",
    team=None,
    request=None,
) -> Export:
    """An export of the list ``kind`` as ``by`` sees it, filtered by ``data`` (the list's
    GET or POSTed lookup), checked before anything is written.

    Refuses with ``PermissionDenied`` (after an ``access.denied`` entry) an identifying
    export by a role that may not make one, and a ``team`` that ``by`` is not on; with
    ``ValidationError`` an identifying export without a reason, of statistics (counts
    only), with filters that are not valid, or an XLSX past the row limit.
    """
    kind = kind_named(kind) if isinstance(kind, str) else kind
    if format not in formats.FORMATS:
        raise ValidationError({"format": _("Choose CSV, XLSX or JSON.")})
    reason = " ".join((reason or "").split())
    if identifying:
        if not may_export_identifying(by):
            record("access.denied", actor=by, request=request, summary="identifying export")
            raise PermissionDenied
        if not kind.has_identifying:
            raise ValidationError(
                {"variant": _("This table holds counts only: it has no identifying variant.")}
            )
        if len(reason) < REASON_MIN:
            raise ValidationError(
                {
                    "reason": _(
                        "Say why this export needs names (at least %(n)s characters): "
                        "the reason goes into the audit log."
                    )
                    % {"n": REASON_MIN}
                }
            )
        reason = reason[:REASON_MAX]
    if team is not None and not member_teams(by).filter(team_id=team.pk).exists():
        record("access.denied", actor=by, request=request, summary="export of another team")
        raise PermissionDenied
    listing = None
    if kind.listing is not None:
        listing = kind.listing(by, data, posted=posted)
        if not listing.valid:
            raise ValidationError(
                _("The list's filters are not valid: correct them on the list, then export.")
            )
    export = Export(
        kind=kind,
        format=formats.FORMATS[format],
        by=by,
        identifying=identifying,
        reason=reason if identifying else "",
        listing=listing,
        team=team,
        request=request,
    )
    if format == "xlsx" and export.expected_rows() > settings.HAVEN_EXPORT_XLSX_MAX_ROWS:
        raise ValidationError({"format": too_many_rows_message()})
    return export
