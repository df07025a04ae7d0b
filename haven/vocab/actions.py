"""Verbs for the controlled lists: each one audited transaction. Codes never change
once a term exists: records and exports refer to them."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from haven.audit.actions import record
from haven.vocab.models import Term, Vocabulary


def _label(term: Term) -> str:
    return f"{term.vocabulary}:{term.code}"


@transaction.atomic
def add_term(
    vocabulary: str, *, code: str, label_en: str, label_ru: str, position: int = 100
) -> Term:
    if vocabulary not in Vocabulary.values:
        raise ValidationError(_("Unknown vocabulary."))
    if Term.objects.filter(vocabulary=vocabulary, code=code).exists():
        raise ValidationError({"code": _("This vocabulary already has a term with this code.")})
    term = Term(
        vocabulary=vocabulary, code=code, label_en=label_en, label_ru=label_ru, position=position
    )
    term.full_clean()
    term.save()
    record("vocab.term.created", target=term, summary=_label(term))
    return term


@transaction.atomic
def relabel_term(term: Term, *, label_en: str, label_ru: str, position: int) -> Term:
    term.label_en, term.label_ru, term.position = label_en, label_ru, position
    term.full_clean()
    term.save(update_fields=["label_en", "label_ru", "position"])
    record("vocab.term.updated", target=term, summary=_label(term))
    return term


@transaction.atomic
def retire_term(term: Term, *, retired: bool) -> Term:
    """Hide a term from new choices (or bring it back); where it is used, it stays."""
    term.retired = retired
    term.save(update_fields=["retired"])
    record(
        "vocab.term.retired" if retired else "vocab.term.restored",
        target=term,
        summary=_label(term),
    )
    return term


@transaction.atomic
def delete_term(term: Term) -> None:
    """Delete a term nothing uses; a term in use is refused (retire it instead)."""
    summary = _label(term)
    try:
        with transaction.atomic():
            term.delete()
    except ProtectedError:
        raise ValidationError(
            _("This term is in use, so it cannot be deleted: retire it instead.")
        ) from None
    record("vocab.term.deleted", summary=summary)
