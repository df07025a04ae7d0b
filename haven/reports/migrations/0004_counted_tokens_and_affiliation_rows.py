"""The counted acts carry their victim's and incident's counted-only tokens (gender, year
of birth, grounds), and the affiliation rows carry their act's columns (one row per act
and affiliation token, or one for an act without a live involvement), so that a report
by any dimension is one grouped scan of one table. Filled from the records that exist,
with today's models, as reports/0003 did; on an empty database it reads nothing.

The fill runs the code of today, which writes the columns of today: a later migration
that changes these tables must turn this fill into a no-op (as this one did to
reports/0003's) and fill them itself, after its own schema change."""

from django.db import migrations, models


def fill(apps, schema_editor):
    from django.apps import apps as current

    from haven.reports.facts import rebuild

    if current.get_model("incidents", "Act")._base_manager.exists():
        rebuild()


class Migration(migrations.Migration):

    dependencies = [
        ("reports", "0003_counted_acts"),
    ]

    operations = [
        migrations.AddField(
            model_name="countedact",
            name="gender",
            field=models.BigIntegerField(null=True),
        ),
        migrations.AddField(
            model_name="countedact",
            name="born",
            field=models.BigIntegerField(null=True),
        ),
        migrations.AddField(
            model_name="countedact",
            name="grounds",
            field=models.BigIntegerField(null=True),
        ),
        migrations.AddIndex(
            model_name="countedact",
            index=models.Index(
                fields=["gender", "act_type_id", "team_id"], name="counted_act_gender"
            ),
        ),
        migrations.AddIndex(
            model_name="countedact",
            index=models.Index(fields=["grounds", "team_id"], name="counted_act_grounds"),
        ),
        migrations.AddIndex(
            model_name="countedact",
            index=models.Index(
                fields=["victim_id", "born", "first_month", "team_id"], name="counted_act_age"
            ),
        ),
        # The affiliation rows are made again, whole, by the fill below.
        migrations.DeleteModel(name="CountedAffiliation"),
        migrations.CreateModel(
            name="CountedAffiliation",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("team_id", models.BigIntegerField()),
                ("incident_id", models.BigIntegerField()),
                ("victim_id", models.BigIntegerField(null=True)),
                ("act_type_id", models.BigIntegerField(null=True)),
                ("place_id", models.BigIntegerField(null=True)),
                ("first_day", models.DateField(null=True)),
                ("last_day", models.DateField(null=True)),
                ("first_month", models.IntegerField(null=True)),
                ("last_month", models.IntegerField(null=True)),
                ("gender", models.BigIntegerField(null=True)),
                ("born", models.BigIntegerField(null=True)),
                ("grounds", models.BigIntegerField(null=True)),
                ("act_id", models.BigIntegerField()),
                ("token", models.BigIntegerField(null=True)),
                ("involvement_id", models.BigIntegerField(null=True)),
                ("shared", models.IntegerField(default=1)),
            ],
            options={
                "indexes": [
                    models.Index(fields=["act_id", "token"], name="counted_affiliation_act"),
                    models.Index(
                        fields=["token", "first_month", "last_month", "team_id", "involvement_id"],
                        name="counted_affiliation_period",
                    ),
                    models.Index(
                        condition=models.Q(("shared__gt", 1)),
                        fields=["act_id"],
                        name="counted_affiliation_shared",
                    ),
                ],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
