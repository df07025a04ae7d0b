"""Existing records get the tokens of the indexes that reports group by (a victim's
gender and birth year, an incident's grounds, an involvement's affiliation).

The tokens are keyed HMACs made by today's term functions and keys, so this uses the
current models rather than the historical ones (which carry no ``blind_indexes``), as
``haven search reindex`` does. On an empty database it reads nothing and needs no key.
Going back removes nothing: ``haven search reindex`` rebuilds every token.
"""

from django.db import migrations

FIELDS = {
    ("people", "Person"): ["gender", "birth_date"],
    ("incidents", "Incident"): ["grounds_agreement"],
    ("incidents", "Involvement"): ["affiliation"],
}


def index(apps, schema_editor):
    from django.apps import apps as current

    from haven.records.blind import index_fields

    for (app_label, name), fields in FIELDS.items():
        model = current.get_model(app_label, name)
        if model._base_manager.exists():
            index_fields(model, fields)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_saved_report_definitions"),
        ("people", "0003_merges_that_can_be_undone"),
        ("incidents", "0002_links_to_people_sources_and_teams"),
        ("records", "0002_compact_blind_index"),
    ]

    operations = [migrations.RunPython(index, migrations.RunPython.noop)]
