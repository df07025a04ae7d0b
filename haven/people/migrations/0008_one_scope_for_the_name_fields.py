"""A person's name, other names and nicknames share one blind-index scope
(``Person.blind_scopes``): the tokens of the other names and nicknames change, so every
person is indexed again.

The tokens are keyed HMACs made by today's term functions and keys, so this uses the
current model rather than the historical one (which carries no ``blind_indexes``), as
``haven search reindex`` does. On an empty database it reads nothing and needs no key.
Going back re-indexes nothing: run ``haven search reindex`` after it.
"""

from django.db import migrations


def index(apps, schema_editor):
    from django.apps import apps as current

    from haven.records.blind import reindex_all

    model = current.get_model("people", "Person")
    if model._base_manager.exists():
        reindex_all(model)


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0007_facet_columns_index_on_postgresql"),
        ("records", "0005_versions_without_the_second_record_index"),
        ("reports", "0004_counted_tokens_and_affiliation_rows"),
    ]

    operations = [migrations.RunPython(index, migrations.RunPython.noop)]
