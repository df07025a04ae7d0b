from django.db import migrations, models


def copy_person(apps, schema_editor):
    CaseAction = apps.get_model("cases", "CaseAction")
    for action in CaseAction.objects.exclude(person=None).only("pk", "person_id"):
        action.persons.add(action.person_id)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0002_action_done_note_happened_status_since_person_removal"),
        ("people", "0003_merges_that_can_be_undone"),
    ]

    operations = [
        migrations.AddField(
            model_name="caseaction",
            name="persons",
            field=models.ManyToManyField(
                blank=True, related_name="+", to="people.person", verbose_name="for whom"
            ),
        ),
        migrations.RunPython(copy_person, migrations.RunPython.noop),
        migrations.RemoveField(model_name="caseaction", name="person"),
    ]
