"""Blind indexes: look up encrypted values by keyed HMACs of their normalised terms.

A model declares ``blind_indexes = {"field": term_function}``. On every save the
record's tokens are replaced; a lookup hashes the query through the same function.

To index more forms of a value (transliterations, phonetic keys, n-grams), make
the term function return more ``kind:term`` strings; see docs/blind-indexes.md.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import QuerySet

from haven.keys.keyring import get_keyring
from haven.lib.crypto import blind_token_list
from haven.lib.stemming import WORD_INDEX
from haven.records.masking import unmasked
from haven.records.models import BlindTerm
from haven.records.signals import written_together


def scope_of(model, field: str) -> str:
    """The scope of a field, which its HMAC key is made for: ``app.model.field``, or that
    of the field whose scope it shares (``blind_scopes``: a person's three name fields
    are one scope, so that a search looks each term of a name up once, not three times)."""
    return f"{model._meta.label_lower}.{getattr(model, 'blind_scopes', {}).get(field, field)}"


def word_fields(model) -> list[str]:
    """The fields of ``model`` in the word index (narratives), less those that
    ``HAVEN_WORD_INDEX_SKIP`` leaves out."""
    return [
        name
        for name, entry in getattr(model, "blind_indexes", {}).items()
        if entry is WORD_INDEX and scope_of(model, name) not in settings.HAVEN_WORD_INDEX_SKIP
    ]


def field_tokens(instance, field: str) -> set[int]:
    """The tokens of one index field of a record. A narrative's words are hashed with a
    key of the record's team as well as of the field, so that equal words of two teams
    give unequal tokens (docs/blind-indexes.md); a field left out gives none."""
    model = type(instance)
    value = getattr(instance, field)
    if model.blind_indexes[field] is not WORD_INDEX:
        return tokens(model, field, value)
    if not value or field not in word_fields(model):
        return set()
    return _value_tokens(model, field, WORD_INDEX[0], value, team=instance.team_id)


def term_functions(model, field: str):
    """(index function, query function) of a field; one function serves both unless a
    pair is declared (a query may look up more forms than a value is stored under)."""
    entry = model.blind_indexes[field]
    return entry if isinstance(entry, tuple) else (entry, entry)


def tokens(model, field: str, value, *, query: bool = False) -> set[int]:
    function = term_functions(model, field)[1 if query else 0]
    return _value_tokens(model, field, function, value) if value else set()


# The tokens of whole values indexed most recently, per field key and term function. An
# import repeats values across its rows (a description, a title, a victim's name, a
# gender): their terms (a name's transliterations and one-edit keys) cost far more to
# make than to look up. At most VALUES_KEPT values are kept.
_recent_values: dict[tuple, frozenset[int]] = {}
VALUES_KEPT = 20_000


def _value_tokens(model, field: str, function, value, team: int | None = None) -> set[int]:
    """``hashed(model, field, function(value), team)``, remembered per value."""
    if isinstance(value, str):
        remembered = value
    elif isinstance(value, list) and all(isinstance(item, str) for item in value):
        remembered = ("list", *value)
    else:  # dicts (contacts), dates: made each time
        return hashed(model, field, function(value), team)
    scope = scope_of(model, field) if team is None else f"{scope_of(model, field)}|team:{team}"
    cache_key = (get_keyring().index_key(scope), function, remembered)
    found = _recent_values.get(cache_key)
    if found is None:
        if len(_recent_values) >= VALUES_KEPT:
            _recent_values.clear()
        found = _recent_values[cache_key] = frozenset(hashed(model, field, function(value), team))
    return set(found)


# The tokens of the terms hashed most recently, per field key. Names and titles share
# most of their terms (common names, "word:detention"), so an import would hash the same
# few thousand terms over and over; this keeps at most TOKENS_KEPT (some 15 MB).
_recent_tokens: dict[bytes, dict[str, int]] = {}
_recent_count = 0
TOKENS_KEPT = 100_000


def hashed(model, field: str, terms: Iterable[str], team: int | None = None) -> set[int]:
    """The tokens of terms already computed for ``field`` (of ``team``'s records, for a
    word index)."""
    return set(token_map(model, field, terms, team).values())


def token_map(model, field: str, terms: Iterable[str], team: int | None = None) -> dict[str, int]:
    """Each term's token in ``field``'s scope (a search that weighs its terms differently
    needs to know which token is which); a word index's scope is also ``team``'s."""
    global _recent_count
    scope = scope_of(model, field) if team is None else f"{scope_of(model, field)}|team:{team}"
    key = get_keyring().index_key(scope)
    recent = _recent_tokens.get(key)
    if recent is None:
        recent = _recent_tokens[key] = {}
    found: dict[str, int] = {}
    missing = []
    for term in terms:
        token = recent.get(term)
        if token is None:
            missing.append(term)
        else:
            found[term] = token
    if missing:
        if _recent_count + len(missing) > TOKENS_KEPT:
            _recent_tokens.clear()
            _recent_tokens[key] = recent = {}
            _recent_count = 0
        tokens_ = blind_token_list(key, missing)
        recent.update(zip(missing, tokens_, strict=True))
        _recent_count += len(missing)
        found.update(zip(missing, tokens_, strict=True))
    return found


def token_rows(instance) -> list[tuple[int, int, int, int]]:
    """(token, team id, kind id, record id) of each index row of a record's current values;
    none for a deleted record, which no search may find (restoring it indexes it again)."""
    return token_rows_of([instance])


def token_rows_of(instances: list) -> list[tuple[int, int, int, int]]:
    """``token_rows`` of each of ``instances`` (records of one kind), in order."""
    if not instances:
        return []
    model = type(instances[0])
    kind = ContentType.objects.get_for_model(model).pk
    # ``field_tokens`` for each field, its term function and kind of index found once:
    # (field, function or None for a word field left out, whether a word index).
    words = set(word_fields(model))
    fields = [
        (field, WORD_INDEX[0] if field in words else None, True)
        if entry is WORD_INDEX
        else (field, term_functions(model, field)[0], False)
        for field, entry in model.blind_indexes.items()
    ]
    rows = []
    with unmasked():  # the index holds the real values (haven.records.masking)
        for instance in instances:
            if getattr(instance, "deleted_at", None):
                continue
            team, record = instance.team_id, instance.pk
            # One row per token: fields that share a scope (a name and another name of
            # one person) give the same token for the same term.
            tokens: set[int] = set()
            for field, function, word in fields:
                value = getattr(instance, field)
                if not value or function is None:
                    continue
                tokens |= _value_tokens(model, field, function, value, team=team if word else None)
            rows += [(token, team, kind, record) for token in sorted(tokens)]
    return rows


def terms_of(instance) -> list[BlindTerm]:
    """The index rows of a record's current values (not saved)."""
    return [
        BlindTerm(token=token, team_id=team, kind_id=kind, record_id=record)
        for token, team, kind, record in token_rows(instance)
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
    records = list(records)
    insert_rows([row for record in records for row in token_rows(record)], batch_size)
    written_together((type(record), [record.pk]) for record in records)


def insert_rows(rows: list[tuple[int, int, int, int]], batch_size: int = 5000) -> None:
    """Insert index rows given as ``token_rows`` tuples.

    A record has tens of index rows (a name's skeletons and one-edit keys), so an import
    writes millions: as plain tuples, not model instances, which would cost more to build
    and insert than everything else the import does; and in token order, so that each
    page of the lookup index is written once per batch, not once per row.
    """
    if not rows:
        return
    rows = sorted(rows)
    table = connection.ops.quote_name(BlindTerm._meta.db_table)
    columns = ", ".join(
        connection.ops.quote_name(BlindTerm._meta.get_field(name).column)
        for name in ("token", "team", "kind", "record_id")
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY: a sixth of the time of INSERT statements (bench/bulk_records.py).
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        sql = f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s)"  # noqa: S608 (names, not values)
        for start in range(0, len(rows), batch_size):
            cursor.executemany(sql, rows[start : start + batch_size])


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


def reindex_all(model, progress=None, batch_size: int = 1000) -> int:
    """Replace the tokens of every record of ``model`` with those of its current values
    (``haven search reindex``; a migration that changes what a field's tokens are).
    Batches by primary key, each in one transaction: an interrupted run leaves every
    record either with its old tokens or with its new ones. ``progress(done, count)`` is
    called after each batch. Returns how many records there were."""
    kind = ContentType.objects.get_for_model(model)
    count = model._base_manager.count()
    last, done = 0, 0
    while True:
        batch = list(model._base_manager.filter(pk__gt=last).order_by("pk")[:batch_size])
        if not batch:
            break
        with transaction.atomic():
            BlindTerm.objects.filter(
                kind=kind, record_id__gt=last, record_id__lte=batch[-1].pk
            ).delete()
            index_new(batch)
        last, done = batch[-1].pk, done + len(batch)
        if progress:
            progress(done, count)
    # Rows of records that no longer exist, above the last one.
    BlindTerm.objects.filter(kind=kind, record_id__gt=last).delete()
    return count


def index_fields(model, names: Iterable[str], batch_size: int = 2000) -> int:
    """Add the tokens of the index fields ``names`` to every live record of ``model``,
    leaving its other tokens alone: for an index that is declared after records exist
    (a migration calls it; ``haven search reindex`` rebuilds everything). Returns how
    many records were read."""
    names = list(names)
    kind = ContentType.objects.get_for_model(model).pk
    last, done = 0, 0
    while True:
        batch = list(
            model._base_manager.filter(pk__gt=last, deleted_at__isnull=True).order_by("pk")[
                :batch_size
            ]
        )
        if not batch:
            return done
        with unmasked():
            rows = [
                (token, record.team_id, kind, record.pk)
                for record in batch
                for name in names
                for token in sorted(field_tokens(record, name))
            ]
        insert_rows(rows)
        last, done = batch[-1].pk, done + len(batch)
