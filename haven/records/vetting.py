"""The checks of records made in bulk (``haven.records.bulk``), as ``full_clean`` and a
save's unique checks would make them one record at a time, done once per batch: the
references looked up together (``existing_references``), a field's value that passed
before in the run not checked again (``Vetted``), unique values checked against each
other and the table together (``check_unique``)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import connection, connections, router
from django.db.models.expressions import DatabaseDefault

from haven.keys.fields import Damaged, Sealed
from haven.records.models import SensitiveRecord

# Values per IN (...) lookup: well under SQLite's limit on query parameters.

LOOKUP_CHUNK = 900


def _chunks(values: list, size: int = LOOKUP_CHUNK) -> Iterator[list]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def existing_references(model, run: list, known: dict) -> dict:
    """Per foreign key, the values among ``run``'s that ``ForeignKey.validate`` would find:
    the same query (the target's base manager and ``limit_choices_to``), for all at once.
    Ids in ``known`` (records of this batch or import made ready, written before this
    transaction ends) are found without asking, where no ``limit_choices_to`` applies."""
    found = {}
    for field in model._meta.concrete_fields:
        if not field.many_to_one or field.remote_field.parent_link or field.validators:
            continue
        values = {getattr(instance, field.attname) for instance in run} - {None}
        target = field.remote_field.field_name
        rows = set()
        ready = known.get(field.remote_field.model)
        by_id = target == field.remote_field.model._meta.pk.attname
        if ready and by_id and not field.get_limit_choices_to():
            rows = values & ready
            values -= rows
        values = list(values)
        for chunk in _chunks(values):
            queryset = field.remote_field.model._base_manager.filter(**{f"{target}__in": chunk})
            queryset = queryset.complex_filter(field.get_limit_choices_to())
            rows |= set(queryset.values_list(target, flat=True))
        found[field] = rows
    return found


_ABSENT = object()
_SEALED = (Sealed, Damaged)  # read through the field, which opens them or stands in


class Vetted:
    """``clean_fields`` for a run of records of one model, which skips the field values
    it already passed in this run: an import repeats most values (the team's choices, a
    type of act, a description, an empty field) on every row.

    A field's check of a plain value (its conversion, its choices, its length, its
    validators) depends on the value alone, so the same value passes again. Left out of
    the skipping: references (``ForeignKey.validate`` reads the database;
    ``existing_references`` answers them), unique fields (their values do not repeat),
    values of other types than the plain ones below, and values that cleaning changed.

    The loop is Django's ``Model.clean_fields`` (every field but those excluded; an
    empty value of a field that may be blank is not checked; the cleaned value is set
    back), then ``SensitiveRecord.check_date_bounds``, worked out once per model. A
    model with a ``clean_fields`` of its own is checked by it, without skipping."""

    PLAIN = (str, int, bool, date, datetime, Decimal)

    def __init__(self, model):
        self.own = model.clean_fields is SensitiveRecord.clean_fields
        # (field, name, attname, the values passed so far, or None where none is skipped)
        self.fields = [
            (
                field,
                field.name,
                field.attname,
                set() if not field.is_relation and not field.unique else None,
            )
            for field in model._meta.fields
            if not field.generated
        ]

    def clean_fields(self, instance, exclude: set) -> None:
        if not self.own:
            instance.clean_fields(exclude=exclude)
            return
        errors = {}
        plain, stored = self.PLAIN, instance.__dict__
        for field, name, attname, passed in self.fields:
            if name in exclude:
                continue
            # What reading the field gives, for a value the record holds as itself.
            raw = stored.get(attname, _ABSENT)
            if raw is _ABSENT or type(raw) in _SEALED:
                raw = getattr(instance, attname)
            kind = type(raw)
            if passed is not None and kind in plain and (kind, raw) in passed:
                continue
            if field.blank and raw in field.empty_values:
                continue
            if isinstance(raw, DatabaseDefault):
                continue
            try:
                cleaned = field.clean(raw, instance)
            except ValidationError as error:
                errors[name] = error.error_list
                continue
            if cleaned is not raw:
                setattr(instance, attname, cleaned)
            if passed is not None and kind in plain and type(cleaned) is kind and cleaned == raw:
                passed.add((kind, raw))
        instance.check_date_bounds(errors)
        if errors:
            raise ValidationError(errors)


def full_clean(instance, found: dict, *, index: int, vetted: Vetted | None = None) -> None:
    """``full_clean`` without the reference lookups answered in ``found``, without the
    values ``vetted`` saw pass, and without the unique checks (``check_unique`` makes
    them for the run); on any error, ``full_clean`` itself, so that the error is exactly
    ``save_record``'s."""
    answered = {
        field.name for field, rows in found.items() if getattr(instance, field.attname) in rows
    }
    try:
        try:
            if vetted is not None:
                vetted.clean_fields(instance, answered)
            else:
                instance.clean_fields(exclude=answered)
            instance.clean()
            if instance._meta.constraints:
                instance.validate_constraints()
        except ValidationError:
            instance.full_clean()
            raise
    except ValidationError as error:
        error.index, error.record = index, instance
        raise


def check_unique(run: list, seen: dict, *, start: int) -> None:
    """``validate_unique`` for every record of ``run``: single fields against the table in
    one query each, and every check against the records already in this batch."""
    model = type(run[0])
    unique_checks, date_checks = run[0]._get_unique_checks()
    for model_class, names in unique_checks:
        fields = [model._meta.get_field(name) for name in names]
        values_of = {}
        for offset, instance in enumerate(run):
            values = tuple(getattr(instance, field.attname) for field in fields)
            if any(_no_value(value) for value in values):
                continue  # Django skips the check too
            key = (model_class, names)
            if values in seen[key]:
                error = ValidationError(
                    {
                        names[0] if len(names) == 1 else NON_FIELD_ERRORS: [
                            instance.unique_error_message(model_class, names)
                        ]
                    }
                )
                error.index, error.record = start + offset, instance
                raise error
            seen[key].add(values)
            values_of[offset] = values
        if len(names) == 1:
            taken = values_taken(
                model_class, names[0], [values[0] for values in values_of.values()]
            )
            clashing = [offset for offset, values in values_of.items() if values[0] in taken]
            if taken and not clashing:  # told apart differently by the database: look each up
                clashing = list(values_of)
        else:
            clashing = list(values_of)
        for offset in clashing:
            instance = run[offset]
            _raise_if(
                instance, instance._perform_unique_checks([(model_class, names)]), start + offset
            )
    if date_checks:
        for offset, instance in enumerate(run):
            _raise_if(instance, instance._perform_date_checks(date_checks), start + offset)


def _no_value(value) -> bool:
    return value is None or (value == "" and connection.features.interprets_empty_strings_as_nulls)


def values_taken(model_class, name: str, values: list) -> set:
    """Which of ``values`` of the unique field ``name`` the table holds, in any row (the
    default manager's filter aside: a value found here is then checked as
    ``validate_unique`` checks it). A value the database gives back in another form
    than it was sent comes back as the database gives it.

    One plain statement per chunk: an import checks a code and a UUID per record, and
    building the same lookups through the ORM cost more than running them."""
    field = model_class._meta.get_field(name)
    database = connections[router.db_for_read(model_class)]
    sent = {field.get_db_prep_value(value, database): value for value in values}
    quote = database.ops.quote_name
    taken = set()
    with database.cursor() as cursor:
        for chunk in _chunks(list(sent)):
            cursor.execute(
                f"SELECT {quote(field.column)} FROM {quote(model_class._meta.db_table)} "  # noqa: S608 (names, not values)
                f"WHERE {quote(field.column)} IN ({', '.join(['%s'] * len(chunk))})",
                chunk,
            )
            taken.update(sent.get(row[0], row[0]) for row in cursor.fetchall())
    return taken


def _raise_if(instance, errors: dict, index: int) -> None:
    """Raise ``full_clean``'s error for ``instance`` when a check found ``errors``."""
    if not errors:
        return
    try:
        instance.full_clean()
        raise ValidationError(errors)  # found here, missed by full_clean(): still refused
    except ValidationError as error:
        error.index, error.record = index, instance
        raise
