"""Existing petitions get a blind-index token of their document number, so that the search
box finds a petition by it (``reference_terms``). Today's models and keys, as
``reports/0002`` does; on an empty database it reads nothing and needs no key. Going back
removes nothing: ``haven search reindex`` rebuilds every token."""

from django.db import migrations


def index(apps, schema_editor):
    from django.apps import apps as current

    from haven.records.blind import index_fields

    model = current.get_model("cases", "CaseAction")
    if model._base_manager.exists():
        index_fields(model, ["reference"])


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0004_a_request_assigned_to_a_member"),
        ("records", "0002_compact_blind_index"),
    ]

    operations = [migrations.RunPython(index, migrations.RunPython.noop)]
