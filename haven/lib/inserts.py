"""Inserting many rows of one model with one prepared statement.

``bulk_create`` compiles every value of every row through Django's SQL compiler (the
checks for expressions, the placeholders, the parameters): for a wide table that
costs more than the insert itself, and an import writes hundreds of thousands of such
rows (history versions, audit entries). ``insert_plain`` prepares each value as
``bulk_create`` would (the field's ``pre_save`` and ``get_db_prep_save``, so encrypted
fields are sealed and JSON is encoded the same way) and runs one single-row INSERT
over all of them with ``executemany``.

The price: the new rows' ids are not read back. Use it only for rows that nothing
refers to by id in the same call (history, audit, origins); where the ids are needed,
use ``bulk_create``.
"""

from __future__ import annotations

from django.db import connections, router
from django.db.models.fields import AutoFieldMixin

BATCH = 2000


def insert_plain(model, instances: list, *, batch_size: int = BATCH) -> None:
    """Insert ``instances`` (unsaved, of ``model``, with no pk set) and mark them saved.

    Each instance's fields are prepared exactly as ``bulk_create`` prepares them (field
    defaults were applied when the instance was made); no signals are sent, as with
    ``bulk_create``. Their ``pk`` stays ``None``.
    """
    if not instances:
        return
    alias = router.db_for_write(model)
    connection = connections[alias]
    fields = [
        field
        for field in model._meta.local_concrete_fields
        if not isinstance(field, AutoFieldMixin) and not field.generated
    ]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608 (names, not values)
    for instance in instances:
        if instance.pk is not None:
            raise ValueError(f"insert_plain() inserts new rows; {instance!r} has a pk")
    with connection.cursor() as cursor:
        for start in range(0, len(instances), batch_size):
            batch = instances[start : start + batch_size]
            rows = [
                tuple(
                    field.get_db_prep_save(field.pre_save(instance, True), connection)
                    for field in fields
                )
                for instance in batch
            ]
            cursor.executemany(sql, rows)
    for instance in instances:
        instance._state.adding = False
        instance._state.db = alias
