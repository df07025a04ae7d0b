"""A migration step for PostgreSQL alone: its own indexes, triggers and the like, which
SQLite either lacks or gains nothing from."""

from __future__ import annotations

from django.db import migrations


def postgresql_only(forwards_sql: str, backwards_sql: str) -> migrations.RunPython:
    """Run ``forwards_sql`` when migrating a PostgreSQL database (``backwards_sql`` when
    unmigrating it); do nothing on any other."""

    def forwards(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(forwards_sql, params=None)

    def backwards(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(backwards_sql, params=None)

    return migrations.RunPython(forwards, backwards)
