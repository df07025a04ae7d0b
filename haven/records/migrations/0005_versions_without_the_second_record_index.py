"""A record's history versions lose their index on (object type, object UUID): the unique
constraint's index on (object type, object UUID, number) begins with the same two
columns, and both databases use it to find a record's versions. Each new version (every
save, three per imported incident row) wrote both, at random places, since the UUIDs
are random.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("records", "0004_blind_record_with_token")]

    operations = [
        migrations.RemoveIndex(model_name="recordversion", name="records_rec_object__20ab98_idx"),
    ]
