"""Seal every entry with an HMAC under a key the database does not hold.

Entries written before this migration are sealed here, once, after their plain hash
chain has been verified; entries from a broken point on are left unsealed, so that
``haven audit verify`` keeps reporting the break instead of this migration hiding it.
"""

import hashlib

from django.db import migrations, models


def seal_existing(apps, schema_editor):
    AuditEntry = apps.get_model("audit", "AuditEntry")
    if not AuditEntry.objects.exists():
        return
    from haven.audit.models import GENESIS_HASH, seal_key, seal_of
    from haven.audit.models import AuditEntry as Live

    key = seal_key()
    connection = schema_editor.connection
    table = AuditEntry._meta.db_table
    if connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {table} DISABLE TRIGGER audit_append_only")
    prev = GENESIS_HASH
    for position, entry in enumerate(AuditEntry.objects.order_by("seq").iterator(), start=1):
        digest = hashlib.sha256(Live.canonical(entry)).hexdigest()
        if entry.seq != position or entry.prev_hash != prev or digest != entry.hash:
            break
        AuditEntry.objects.filter(pk=entry.pk).update(seal=seal_of(entry.hash, key))
        prev = entry.hash
    if connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {table} ENABLE TRIGGER audit_append_only")


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_entry_channel_and_bulk_records"),
        ("keys", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditentry",
            name="seal",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
        migrations.RunPython(seal_existing, migrations.RunPython.noop),
    ]
