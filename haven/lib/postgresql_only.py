"""A migration step for one database alone: PostgreSQL's own indexes, triggers and the
like, which SQLite either lacks or gains nothing from, or an index that only SQLite's
statements are told to use."""

from __future__ import annotations

from django.db import migrations


def postgresql_only(forwards_sql: str, backwards_sql: str) -> migrations.RunPython:
    """Run ``forwards_sql`` when migrating a PostgreSQL database (``backwards_sql`` when
    unmigrating it); do nothing on any other."""
    return only_on("postgresql", forwards_sql, backwards_sql)


def only_on(vendor: str, forwards_sql: str, backwards_sql: str) -> migrations.RunPython:
    """Run ``forwards_sql`` when migrating a database of ``vendor`` (``backwards_sql``
    when unmigrating it); do nothing on any other."""

    def forwards(apps, schema_editor):
        if schema_editor.connection.vendor == vendor:
            schema_editor.execute(forwards_sql, params=None)

    def backwards(apps, schema_editor):
        if schema_editor.connection.vendor == vendor:
            schema_editor.execute(backwards_sql, params=None)

    return migrations.RunPython(forwards, backwards)
