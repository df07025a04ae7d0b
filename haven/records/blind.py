"""Blind indexes: look up encrypted values by keyed HMACs of their normalised terms.

A model declares ``blind_indexes = {"field": term_function}``. On every save the
record's tokens are replaced; a lookup hashes the query through the same function.

To index more forms of a value (transliterations, phonetic keys, n-grams), make
the term function return more ``kind:term`` strings; see docs/blind-indexes.md.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet

from haven.keys.keyring import get_keyring
from haven.lib.crypto import blind_tokens
from haven.records.models import BlindTerm


def scope_of(model, field: str) -> str:
    return f"{model._meta.label_lower}.{field}"


def term_functions(model, field: str):
    """(index function, query function) of a field; one function serves both unless a
    pair is declared (a query may look up more forms than a value is stored under)."""
    entry = model.blind_indexes[field]
    return entry if isinstance(entry, tuple) else (entry, entry)


def tokens(model, field: str, value, *, query: bool = False) -> set[int]:
    function = term_functions(model, field)[1 if query else 0]
    return hashed(model, field, function(value)) if value else set()


def hashed(model, field: str, terms: Iterable[str]) -> set[int]:
    """The tokens of terms already computed for ``field``."""
    return blind_tokens(get_keyring().index_key(scope_of(model, field)), terms)


def terms_of(instance) -> list[BlindTerm]:
    """The index rows of a record's current values (not saved); none for a deleted record,
    which no search may find (restoring it indexes it again)."""
    model = type(instance)
    if getattr(instance, "deleted_at", None):
        return []
    kind = ContentType.objects.get_for_model(model)
    return [
        BlindTerm(token=token, team_id=instance.team_id, kind=kind, record_id=instance.pk)
        for field in model.blind_indexes
        for token in sorted(tokens(model, field, getattr(instance, field)))
    ]


def reindex(instance) -> None:
    """Replace the record's tokens with those of its current values."""
    model = type(instance)
    if not model.blind_indexes:
        return
    kind = ContentType.objects.get_for_model(model)
    BlindTerm.objects.filter(kind=kind, record_id=instance.pk).delete()
    BlindTerm.objects.bulk_create(terms_of(instance))


def index_new(records: Iterable, batch_size: int = 5000) -> None:
    """Index records that have no tokens yet, in bulk (imports, re-indexing)."""
    rows = [row for record in records for row in terms_of(record)]
    BlindTerm.objects.bulk_create(rows, batch_size=batch_size)


def matching(queryset: QuerySet, field: str, query) -> QuerySet:
    """Narrow ``queryset`` to records whose ``field`` shares a term with ``query``."""
    model = queryset.model
    wanted = tokens(model, field, query, query=True)
    if not wanted:
        return queryset.none()
    ids = BlindTerm.objects.filter(
        token__in=wanted, kind=ContentType.objects.get_for_model(model)
    ).values("record_id")
    return queryset.filter(pk__in=ids)
