"""On SQLite, the blind index's table keeps its ``id`` as a plain ``INTEGER PRIMARY KEY``,
without ``AUTOINCREMENT`` (what Django gives every automatic id there).

``AUTOINCREMENT`` makes SQLite update its ``sqlite_sequence`` table on every insert, so
that an id is never used twice even after the largest is deleted. Nothing refers to an
index row by its id, and an import writes some thirty of them per row: in a plain SQLite
test of this table and its indexes, 4.5-4.6 µs per row with it, 3.5-3.8 without
(bench/import_files.py, docs/import.md). The table is copied once into the new form: on
a large instance that takes a while (SQLite's write lock held throughout) and room on
disk for a second copy of the table, left as free pages in the file afterwards.

PostgreSQL is left as it is (its ids come from a sequence either way). A later change to
this model on SQLite would make Django rebuild the table with ``AUTOINCREMENT`` again:
``haven/records/tests/test_migrations.py`` says so.
"""

import re

from django.db import migrations

TABLE = "records_blindterm"


def without_autoincrement(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = %s", [TABLE])
        (table_sql,) = cursor.fetchone()
        if "AUTOINCREMENT" not in table_sql.upper():
            return
        cursor.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
            "AND sql IS NOT NULL",
            [TABLE],
        )
        indexes = [row[0] for row in cursor.fetchall()]
        cursor.execute(f'PRAGMA table_info("{TABLE}")')
        columns = ", ".join(f'"{row[1]}"' for row in cursor.fetchall())
        new_sql = re.sub("AUTOINCREMENT", "", table_sql, flags=re.IGNORECASE).replace(
            f'"{TABLE}"', f'"{TABLE}__new"', 1
        )
        cursor.execute(new_sql)
        cursor.execute(f'INSERT INTO "{TABLE}__new" ({columns}) SELECT {columns} FROM "{TABLE}"')  # noqa: S608
        cursor.execute(f'DROP TABLE "{TABLE}"')
        cursor.execute(f'ALTER TABLE "{TABLE}__new" RENAME TO "{TABLE}"')
        for index_sql in indexes:
            cursor.execute(index_sql)


class Migration(migrations.Migration):
    dependencies = [("records", "0002_compact_blind_index")]

    operations = [migrations.RunPython(without_autoincrement, migrations.RunPython.noop)]
