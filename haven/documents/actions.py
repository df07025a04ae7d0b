"""Making a case dossier: checked, drawn, hashed and audited in one verb.

A dossier is an export: it leaves Haven with the case's story in it. Anyone who may
read the case may make one (a read-only member too: the team's outside lawyer is
often one), with a reason that goes into the audit log; who is *named* in it
follows the identifying-export rules (see ``haven.documents.dossier``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from haven.audit.actions import record, record_many
from haven.cases.models import Case
from haven.cases.timeline import picture
from haven.documents.dossier import Dossier, gather
from haven.documents.pdf import render_pdf
from haven.documents.signing import seal
from haven.documents.subject_access import OwnCopy, build_bundle, may_make
from haven.documents.subject_access import gather as gather_own_copy
from haven.documents.word import render_docx
from haven.exports.actions import REASON_MAX, REASON_MIN
from haven.records.access import can_write

FORMATS = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
# The colours of the case page's timeline (haven.css), one per kind of event.
COLOURS = {
    "request": "#1d4e89",
    "status": "#6c757d",
    "risk": "#e85d04",
    "action": "#2a9d8f",
    "petition": "#7b2cbf",
    "decision": "#2d6a4f",
    "note": "#b08968",
}
SUMMARY_MAX = 300  # an audit entry's summary


@dataclass
class DossierFile:
    data: bytes
    filename: str
    content_type: str
    sha256: str
    dossier: Dossier


def notice() -> str:
    return _(
        "Confidential: prepared for legal proceedings. It describes people at risk; keep "
        "it encrypted and share it only with those the case requires."
    )


def clean_reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if len(reason) < REASON_MIN:
        raise ValidationError(
            {
                "reason": _(
                    "Say why this dossier is needed and for whom (at least %(n)s "
                    "characters): the reason goes into the audit log."
                )
                % {"n": REASON_MIN}
            }
        )
    return reason[:REASON_MAX]


def make_dossier(
    case: Case, *, by, format: str, language: str, reason: str, request=None
) -> DossierFile:
    """The dossier of ``case`` as ``by`` sees it, as a PDF or DOCX in ``language``.

    Refuses with ``Http404`` (after an ``access.denied`` entry) a case ``by`` may not
    read, and with ``ValidationError`` a missing reason, an unknown format or language.
    Writes one ``documents.dossier.made`` entry with the case, the format, the
    language, the SHA-256 of the file, the reason, the persons named and those shown
    by code, and every record the dossier shows.
    """
    if not Case.objects.visible_to(by).filter(pk=case.pk).exists():
        record("access.denied", actor=by, request=request, summary=f"dossier {case.code}")
        raise Http404
    if format not in FORMATS:
        raise ValidationError({"format": _("Choose PDF or DOCX.")})
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Choose English or Russian.")})
    reason = clean_reason(reason)
    made = timezone.now()
    dossier = gather(case, by=by, language=language, reason=reason, made_at=made)
    statement = dossier.statement()
    with translation.override(language):
        if format == "pdf":
            drawn = picture(dossier.timeline)
            for event in drawn["events"]:
                event.colour = COLOURS.get(event.kind, "#333333")
            data = render_pdf(
                "documents/dossier.html",
                {"dossier": dossier, "picture": drawn, "notice": notice()},
                language=language,
                title=dossier.title,
                statement=statement,
            )
        else:
            data = render_docx(
                dossier.parts,
                title=dossier.title,
                subtitle=dossier.subtitle,
                notice=notice(),
                language=language,
                seal=seal(statement),
                made=made,
            )
    digest = hashlib.sha256(data).hexdigest()
    _audit(dossier, by=by, format=format, sha256=digest, reason=reason, request=request)
    day = timezone.localdate(made).isoformat()
    return DossierFile(
        data=data,
        filename=f"dossier-{case.code}-{language}-{day}.{format}",
        content_type=FORMATS[format],
        sha256=digest,
        dossier=dossier,
    )


@transaction.atomic
def _audit(dossier: Dossier, *, by, format, sha256, reason, request=None) -> None:
    head = f"dossier {dossier.case.code} {format} {dossier.language}, sha256 {sha256}"
    people = (
        f"named: {', '.join(dossier.named) or 'none'}; "
        f"by code: {', '.join(dossier.coded) or 'none'}"
    )
    summary = f"{head}, {people}, reason: {reason}"
    rest: list[str] = []
    if len(summary) > SUMMARY_MAX:
        # Too many people for one entry: their lists follow in entries of their own.
        counts = f"named {len(dossier.named)}, by code {len(dossier.coded)} (listed next)"
        summary = f"{head}, {counts}, reason: {reason}"
        rest = _pieces(people, SUMMARY_MAX - 20)
    record(
        "documents.dossier.made",
        actor=by,
        target=dossier.case,
        request=request,
        summary=summary,
        records=dossier.records,
    )
    if rest:
        record_many(
            [("documents.dossier.people", dossier.case, piece) for piece in rest],
            actor=by,
            request=request,
        )


def _pieces(text: str, size: int) -> list[str]:
    pieces, current = [], ""
    for word in text.split(" "):
        if current and len(current) + 1 + len(word) > size:
            pieces.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    return [*pieces, current] if current else pieces


@dataclass
class OwnCopyFile:
    data: bytes
    filename: str
    sha256: str
    copy: OwnCopy


def own_copy_notice() -> str:
    return _(
        "Everything Haven holds about this person, for the person. Other people appear "
        "by their codes only."
    )


def make_own_copy(person, *, by, language: str, reason: str, request=None) -> OwnCopyFile:
    """The own copy of ``person`` (subject access) as a signed zip, in ``language``.

    Refuses with ``Http404`` a person ``by`` may not read; with ``PermissionDenied`` a
    role outside ``HAVEN_SUBJECT_ACCESS_ROLES``, a member who may not write in the
    person's team, or one not named on a sealed person (the copy would have the code
    where the name is); with ``ValidationError`` a missing reason or an unknown
    language. Writes one ``documents.own_copy.made`` entry with the language, the
    SHA-256 of the zip, the reason and every record the copy shows.
    """
    from haven.people.models import Person

    if not Person.objects.visible_to(by).filter(pk=person.pk).exists():
        record("access.denied", actor=by, request=request, summary=f"own copy {person.code}")
        raise Http404
    if not may_make(by) or not can_write(by, person) or not person.shown_to(by):
        record("access.denied", actor=by, request=request, target=person, summary="own copy")
        raise PermissionDenied
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Choose English or Russian.")})
    reason = " ".join((reason or "").split())
    if len(reason) < REASON_MIN:
        raise ValidationError(
            {
                "reason": _(
                    "Say who asked for the copy and how it reaches them (at least %(n)s "
                    "characters): the reason goes into the audit log."
                )
                % {"n": REASON_MIN}
            }
        )
    reason = reason[:REASON_MAX]
    made = timezone.now()
    copy = gather_own_copy(person, by=by, language=language, reason=reason, made_at=made)
    statement = copy.statement()
    with translation.override(language):
        pdf = render_pdf(
            "documents/dossier.html",
            {"dossier": copy, "picture": None, "notice": own_copy_notice()},
            language=language,
            title=copy.title,
            statement=statement,
        )
    data = build_bundle(pdf, statement)
    digest = hashlib.sha256(data).hexdigest()
    _audit_own_copy(copy, by=by, sha256=digest, reason=reason, request=request)
    day = timezone.localdate(made).isoformat()
    return OwnCopyFile(
        data=data, filename=f"own-copy-{person.code}-{language}-{day}.zip", sha256=digest, copy=copy
    )


@transaction.atomic
def _audit_own_copy(copy: OwnCopy, *, by, sha256, reason, request=None) -> None:
    summary = (
        f"own copy {copy.person.code} {copy.language}, sha256 {sha256}, "
        f"{len(copy.others)} others by code, reason: {reason}"
    )
    record(
        "documents.own_copy.made",
        actor=by,
        target=copy.person,
        request=request,
        summary=summary[:SUMMARY_MAX],
        records=copy.records,
    )
