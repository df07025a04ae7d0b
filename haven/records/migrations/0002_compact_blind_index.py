"""Blind-index rows become (64-bit token, team, record) instead of (scope text, hex
token, UUID): integers only, and a search reads only its teams' part of the index.

The new token is the first 64 bits of the same HMAC, so existing rows are converted
without the keys; rows of records that no longer exist are dropped.
"""

from django.db import migrations, models
import django.db.models.deletion


def convert(apps, schema_editor):
    BlindTerm = apps.get_model("records", "BlindTerm")
    ContentType = apps.get_model("contenttypes", "ContentType")
    for scope in BlindTerm.objects.values_list("scope", flat=True).distinct():
        app_label, model_name, _field = scope.split(".", 2)
        try:
            model = apps.get_model(app_label, model_name)
        except LookupError:
            continue  # no such model any more: its rows are dropped below
        kind, _created = ContentType.objects.get_or_create(app_label=app_label, model=model_name)
        # Live records only: a deleted record has no index rows now.
        records = {
            uuid: (pk, team_id)
            for uuid, pk, team_id in model._base_manager.filter(
                deleted_at__isnull=True
            ).values_list("uuid", "pk", "team_id")
        }
        last = 0
        while True:
            rows = list(
                BlindTerm.objects.filter(scope=scope, pk__gt=last).order_by("pk")[:5000]
            )
            if not rows:
                break
            last = rows[-1].pk
            found = []
            for row in rows:
                if row.object_uuid in records:
                    row.new_token = int.from_bytes(
                        bytes.fromhex(row.token[:16]), "big", signed=True
                    )
                    row.record_id, row.team_id = records[row.object_uuid]
                    row.kind_id = kind.pk
                    found.append(row)
            BlindTerm.objects.bulk_update(found, ["new_token", "record_id", "team_id", "kind_id"])
    # Rows of records that are gone or deleted, or of models that are gone.
    BlindTerm.objects.filter(record_id__isnull=True).delete()


def drop_all(apps, schema_editor):
    """Going back: the old rows cannot be rebuilt without the keys. Run
    ``haven search reindex`` after downgrading Haven."""
    apps.get_model("records", "BlindTerm").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0001_initial"),
        ("accounts", "0002_authenticator_with_encrypted_secret"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("people", "0003_merges_that_can_be_undone"),
        ("cases", "0001_initial"),
        ("incidents", "0002_links_to_people_sources_and_teams"),
        ("sources", "0002_evidence_files"),
    ]

    operations = [
        migrations.AddField("blindterm", "new_token", models.BigIntegerField(null=True)),
        migrations.AddField(
            "blindterm",
            "team",
            models.ForeignKey(
                null=True,
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="accounts.team",
            ),
        ),
        migrations.AddField(
            "blindterm",
            "kind",
            models.ForeignKey(
                null=True,
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="contenttypes.contenttype",
            ),
        ),
        migrations.AddField("blindterm", "record_id", models.BigIntegerField(null=True)),
        migrations.RunPython(convert, migrations.RunPython.noop),
        migrations.RemoveIndex("blindterm", "records_bli_scope_2b26dd_idx"),
        migrations.RemoveIndex("blindterm", "records_bli_object__4991ce_idx"),
        migrations.RemoveField("blindterm", "scope"),
        migrations.RemoveField("blindterm", "object_uuid"),
        migrations.RemoveField("blindterm", "token"),
        migrations.RenameField("blindterm", "new_token", "token"),
        migrations.AlterField("blindterm", "token", models.BigIntegerField()),
        migrations.AlterField(
            "blindterm",
            "team",
            models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="accounts.team",
            ),
        ),
        migrations.AlterField(
            "blindterm",
            "kind",
            models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="contenttypes.contenttype",
            ),
        ),
        migrations.AlterField("blindterm", "record_id", models.BigIntegerField()),
        migrations.AddIndex(
            "blindterm",
            models.Index(fields=["token", "team", "record_id"], name="blind_lookup"),
        ),
        migrations.AddIndex(
            "blindterm", models.Index(fields=["kind", "record_id"], name="blind_record")
        ),
        # Last, so that going back empties the table before the old columns return.
        migrations.RunPython(migrations.RunPython.noop, drop_all),
    ]
