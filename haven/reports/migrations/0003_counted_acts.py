"""The counted acts that reports read (haven/reports/facts.py). They are filled from the
records that exist by reports/0004, which adds the columns today's code writes."""

from django.db import migrations, models


def fill(apps, schema_editor):
    """Nothing: reports/0004 fills the table with the columns it adds."""


class Migration(migrations.Migration):

    dependencies = [
        ('reports', '0002_index_fields_for_counting'),
        ('incidents', '0002_links_to_people_sources_and_teams'),
    ]

    operations = [
        migrations.CreateModel(
            name='CountedAct',
            fields=[
                ('act_id', models.BigIntegerField(primary_key=True, serialize=False)),
                ('team_id', models.BigIntegerField()),
                ('incident_id', models.BigIntegerField()),
                ('victim_id', models.BigIntegerField(null=True)),
                ('act_type_id', models.BigIntegerField(null=True)),
                ('place_id', models.BigIntegerField(null=True)),
                ('first_day', models.DateField(null=True)),
                ('last_day', models.DateField(null=True)),
                ('first_month', models.IntegerField(null=True)),
                ('last_month', models.IntegerField(null=True)),
            ],
            options={
                'indexes': [models.Index(fields=['first_month', 'last_month', 'act_type_id', 'team_id'], name='counted_act_period_type'), models.Index(fields=['first_month', 'last_month', 'place_id', 'team_id'], name='counted_act_period_place'), models.Index(fields=['act_type_id', 'team_id'], name='counted_act_type'), models.Index(fields=['place_id', 'team_id'], name='counted_act_place'), models.Index(fields=['team_id'], name='counted_act_team'), models.Index(fields=['incident_id', 'team_id'], name='counted_act_incident'), models.Index(fields=['victim_id', 'team_id'], name='counted_act_victim')],
            },
        ),
        migrations.CreateModel(
            name='CountedAffiliation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('act_id', models.BigIntegerField()),
                ('token', models.BigIntegerField(null=True)),
                ('involvement_id', models.BigIntegerField()),
            ],
            options={
                'indexes': [models.Index(fields=['act_id', 'token'], name='counted_affiliation_act')],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
