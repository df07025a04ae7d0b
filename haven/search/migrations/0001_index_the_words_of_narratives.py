"""Existing narratives get their word tokens (the text search's index).

The tokens are keyed HMACs made by today's term functions and keys, so this uses the
current models rather than the historical ones (which carry no ``blind_indexes``), as
``haven search words`` does. On an empty database it reads nothing and needs no key.
Going back removes nothing: ``haven search words`` rebuilds the word index.
"""

from django.db import migrations


def index(apps, schema_editor):
    from django.apps import apps as current

    from haven.records.blind import index_fields, word_fields

    for model in current.get_models():
        fields = word_fields(model)
        if fields and model._base_manager.exists():
            index_fields(model, fields)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0005_petition_document_numbers_indexed"),
        ("people", "0003_merges_that_can_be_undone"),
        ("incidents", "0002_links_to_people_sources_and_teams"),
        ("sources", "0002_evidence_files"),
        ("records", "0002_compact_blind_index"),
        ("reports", "0002_index_fields_for_counting"),
    ]

    operations = [migrations.RunPython(index, migrations.RunPython.noop)]
