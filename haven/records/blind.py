"""Blind indexes: look up encrypted values by keyed HMACs of their normalised terms.

A model declares ``blind_indexes = {"field": term_function}``. On every save the
record's tokens are replaced; a lookup hashes the query through the same function.

To index more forms of a value (transliterations, phonetic keys, n-grams), make
the term function return more ``kind:term`` strings; see docs/blind-indexes.md.
"""

from __future__ import annotations

from django.db.models import QuerySet

from haven.keys.keyring import get_keyring
from haven.lib.crypto import blind_token
from haven.records.models import BlindTerm


def scope_of(model, field: str) -> str:
    return f"{model._meta.label_lower}.{field}"


def term_functions(model, field: str):
    """(index function, query function) of a field; one function serves both unless a
    pair is declared (a query may look up more forms than a value is stored under)."""
    entry = model.blind_indexes[field]
    return entry if isinstance(entry, tuple) else (entry, entry)


def tokens(model, field: str, value, *, query: bool = False) -> set[str]:
    function = term_functions(model, field)[1 if query else 0]
    key = get_keyring().index_key(scope_of(model, field))
    return {blind_token(key, term) for term in function(value)} if value else set()


def reindex(instance) -> None:
    """Replace the record's tokens with those of its current values."""
    model = type(instance)
    if not model.blind_indexes:
        return
    BlindTerm.objects.filter(object_uuid=instance.uuid).delete()
    BlindTerm.objects.bulk_create(
        BlindTerm(scope=scope_of(model, field), token=token, object_uuid=instance.uuid)
        for field in model.blind_indexes
        for token in sorted(tokens(model, field, getattr(instance, field)))
    )


def matching(queryset: QuerySet, field: str, query) -> QuerySet:
    """Narrow ``queryset`` to records whose ``field`` shares a term with ``query``."""
    model = queryset.model
    wanted = tokens(model, field, query, query=True)
    if not wanted:
        return queryset.none()
    uuids = BlindTerm.objects.filter(scope=scope_of(model, field), token__in=wanted).values(
        "object_uuid"
    )
    return queryset.filter(uuid__in=uuids)
