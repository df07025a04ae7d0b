"""Document templates and petition drafts as verbs, each one audited transaction.

Templates are managed by administrators (or by Haven itself, ``by=None``, when it
installs the built-in ones): adding one, adding a version (which becomes the active
one), retiring and restoring. Every file is checked (``rendering.check_template``)
before anything is written, and a refused file leaves nothing behind.

A draft is made by a writing member of the petition's team, from the data that user
may see, and kept encrypted with its hash; a draft is never changed afterwards:
regenerating makes a new one beside it.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from haven.audit.actions import record
from haven.cases.models import CaseAction
from haven.drafts import rendering
from haven.drafts.builtin import BUILTINS
from haven.drafts.context import petition_context
from haven.drafts.models import DocumentTemplate, Draft, TemplateVersion
from haven.lib.stream_crypto import SealingWriter, open_stream
from haven.records.access import require_write
from haven.records.actions import save_record
from haven.sources.vault import private_dir, vault_dir
from haven.vocab.models import Term

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


# --- files in the vault ----------------------------------------------------------------


def template_path(version: TemplateVersion) -> Path:
    return vault_dir() / "templates" / f"{version.uuid}.hev"


def draft_path(draft: Draft) -> Path:
    return vault_dir() / "drafts" / f"{draft.uuid}.hev"


def _seal(data: bytes, path: Path, key: bytes, file_id: str) -> None:
    private_dir(path.parent)
    part = path.with_suffix(".part")
    with part.open("wb") as handle:
        writer = SealingWriter(handle, key, file_id)
        writer.write(data)
        writer.close()
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(part, path)


def _open(path: Path, key_hex: str, file_id: str) -> bytes:
    with path.open("rb") as handle:
        return b"".join(open_stream(handle, bytes.fromhex(key_hex), file_id))


def template_bytes(version: TemplateVersion) -> bytes:
    return _open(template_path(version), version.file_key, str(version.uuid))


def draft_bytes(draft: Draft) -> bytes:
    return _open(draft_path(draft), draft.file_key, str(draft.uuid))


# --- templates ---------------------------------------------------------------------------


def _require_administrator(by) -> None:
    if by is not None and not by.is_administrator:
        raise PermissionDenied


def _new_version(template: DocumentTemplate, *, file_name: str, data: bytes, by, placeholders):
    number = (template.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = TemplateVersion(
        uuid=uuid.uuid4(),
        template=template,
        number=number,
        file_name=(file_name or "template.docx")[:255],
        file_key=os.urandom(32).hex(),
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        placeholders=placeholders,
        uploaded_by=by,
    )
    path = template_path(version)
    _seal(data, path, bytes.fromhex(version.file_key), str(version.uuid))
    try:
        version.save()
        template.active = version
        template.save(update_fields=["active"])
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return version


@transaction.atomic
def add_template(
    *,
    name: str,
    language: str,
    petition_type: Term | None,
    file_name: str,
    data: bytes,
    by,
    builtin: str = "",
) -> DocumentTemplate:
    """A new template whose first version is ``data`` (a DOCX, checked first: a refused
    file raises ``rendering.TemplateRefused`` and nothing is saved)."""
    _require_administrator(by)
    placeholders = rendering.check_template(data)
    template = DocumentTemplate.objects.create(
        name=name.strip()[:200], language=language, petition_type=petition_type, builtin=builtin
    )
    version = _new_version(
        template, file_name=file_name, data=data, by=by, placeholders=placeholders
    )
    record(
        "drafts.template.added",
        actor=by,
        target=version,
        summary=f"{template.name} ({language}) v1, sha256 {version.sha256}",
    )
    return template


@transaction.atomic
def add_version(template: DocumentTemplate, *, file_name: str, data: bytes, by) -> TemplateVersion:
    """A new file for ``template``, checked first; it becomes the active version. The
    drafts made from older versions keep pointing at them."""
    _require_administrator(by)
    placeholders = rendering.check_template(data)
    template = DocumentTemplate.objects.select_for_update().get(pk=template.pk)
    version = _new_version(
        template, file_name=file_name, data=data, by=by, placeholders=placeholders
    )
    record(
        "drafts.template.versioned",
        actor=by,
        target=version,
        summary=f"{template.name} v{version.number}, sha256 {version.sha256}",
    )
    return version


@transaction.atomic
def retire_template(template: DocumentTemplate, *, by, retired: bool = True) -> DocumentTemplate:
    """Take a template out of the choice for new drafts (or put it back); its versions
    and the drafts made from them stay."""
    _require_administrator(by)
    template.retired_at = timezone.now() if retired else None
    template.save(update_fields=["retired_at"])
    record(
        "drafts.template.retired" if retired else "drafts.template.restored",
        actor=by,
        target=template,
        summary=template.name,
    )
    return template


def send_template(version: TemplateVersion, *, by) -> bytes:
    _require_administrator(by)
    data = template_bytes(version)
    record(
        "drafts.template.downloaded",
        actor=by,
        target=version,
        summary=f"{version.template.name} v{version.number}",
    )
    return data


def _petition_type(code: str) -> Term:
    """The petition type a built-in template is for; added to the vocabulary if an
    instance seeded before it existed lacks it (with the labels of ``vocab.seed``)."""
    from haven.vocab.seed import DEFAULT_TERMS

    labels = {entry[0]: entry[1:] for entry in DEFAULT_TERMS["petition_type"]}
    label_en, label_ru = labels[code]
    found, _made = Term.objects.get_or_create(
        vocabulary="petition_type",
        code=code,
        defaults={"label_en": label_en, "label_ru": label_ru, "position": 100},
    )
    return found


@transaction.atomic
def install_builtin_templates(*, by=None, codes=None) -> list[DocumentTemplate]:
    """Install each built-in template (of ``codes``, or all) that is not installed yet;
    a retired one counts as installed: an administrator retired it on purpose. Returns
    those installed."""
    _require_administrator(by)
    installed = set(DocumentTemplate.objects.exclude(builtin="").values_list("builtin", flat=True))
    made = []
    for builtin in BUILTINS:
        if builtin.code in installed or (codes is not None and builtin.code not in codes):
            continue
        petition_type = _petition_type(builtin.petition_type)
        made.append(
            add_template(
                name=builtin.name,
                language=builtin.language,
                petition_type=petition_type,
                file_name=builtin.file_name,
                data=builtin.build(),
                by=by,
                builtin=builtin.code,
            )
        )
    return made


def usable_templates():
    """Templates that new drafts may use: not retired, with a version."""
    return (
        DocumentTemplate.objects.filter(retired_at__isnull=True, active__isnull=False)
        .select_related("active", "petition_type")
        .order_by("name")
    )


def default_template(petition: CaseAction, language: str | None = None):
    """The template a new draft of ``petition`` starts from: one for its kind of petition
    (in ``language`` if there are several), else the first one."""
    templates = list(usable_templates())
    if not templates:
        return None

    def score(template):
        return (
            template.petition_type_id is not None
            and template.petition_type_id == petition.petition_type_id,
            template.language == language,
        )

    return max(templates, key=score)


# --- drafts ------------------------------------------------------------------------------


def _file_name(petition: CaseAction, template: DocumentTemplate, when) -> str:
    kind = slugify(template.builtin or template.name) or "draft"
    return f"{petition.case.code}-{kind}-{when:%Y%m%d-%H%M%S}.docx"


@transaction.atomic
def draft_document(petition: CaseAction, *, template: DocumentTemplate, by) -> Draft:
    """Fill ``template``'s active version from ``petition``'s case, as ``by`` may see it,
    and keep the DOCX as a new draft of the petition."""
    require_write(by, petition)
    if not petition.is_petition or petition.deleted_at or petition.case.deleted_at:
        raise ValidationError(_("Only a petition of a case on record can be drafted."))
    if template.retired_at or template.active_id is None:
        raise ValidationError(_("This template is retired: choose another."))
    version = template.active
    return _make_draft(petition, version, by=by)


def _make_draft(petition: CaseAction, version: TemplateVersion, *, by) -> Draft:
    context = petition_context(petition, user=by, language=version.template.language)
    try:
        data = rendering.render(template_bytes(version), context)
    except Exception as exc:  # noqa: BLE001 - a checked template should not fail; say so
        raise ValidationError(
            _("The template could not be filled (%(error)s); tell an administrator.")
            % {"error": type(exc).__name__}
        ) from None
    made_at = timezone.now()
    draft = Draft(
        uuid=uuid.uuid4(),
        team=petition.team,
        petition=petition,
        template_version=version,
        file_name=_file_name(petition, version.template, made_at),
        file_key=os.urandom(32).hex(),
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        made_by=by,
        made_at=made_at,
    )
    path = draft_path(draft)
    _seal(data, path, bytes.fromhex(draft.file_key), str(draft.uuid))
    try:
        save_record(draft, by=by)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    record(
        "drafts.draft.made",
        actor=by,
        target=draft,
        summary=f"petition {petition.uuid}, template {version.template.name} v{version.number}, "
        f"sha256 {draft.sha256}",
    )
    return draft


@transaction.atomic
def regenerate(draft: Draft, *, by) -> Draft:
    """A new draft of the same petition from the same template, with the case as it is
    now: the template's active version, or the draft's own if the template is retired.
    The old draft stays."""
    template = draft.template_version.template
    version = draft.template_version if template.retired_at else template.active
    require_write(by, draft.petition)
    return _make_draft(draft.petition, version, by=by)


def send_draft(draft: Draft, *, by) -> bytes:
    """The draft's bytes for a download, checked against its hash; audited."""
    data = draft_bytes(draft)
    if hashlib.sha256(data).hexdigest() != draft.sha256:
        raise ValidationError(_("The stored draft does not match its hash."))
    record("drafts.draft.downloaded", actor=by, target=draft, summary=f"sha256 {draft.sha256}")
    return data
