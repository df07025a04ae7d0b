"""The blind index's ``blind_record`` index (a record's rows) holds the token too.

The counted acts (``haven/reports/facts.py``) read each act's victim's and incident's
tokens by record: with the token in the index that is a read of the index alone, not a
lookup of the table for each of the record's rows. Measured on SQLite, 2,000 imported
acts recounted in 120 ms before and 55 ms after, in an instance of 100,000 imported
rows (docs/import.md). The index is built again: on a large instance that takes a
while, with the table's writes held meanwhile.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("records", "0003_blind_index_without_autoincrement")]

    operations = [
        migrations.RemoveIndex(model_name="blindterm", name="blind_record"),
        migrations.AddIndex(
            model_name="blindterm",
            index=models.Index(fields=["kind", "record_id", "token"], name="blind_record"),
        ),
    ]
