from django.apps import apps
from django.core.management.base import BaseCommand, CommandError

from haven.keys.fields import EncryptedField, Sealed
from haven.lib.crypto import DecryptionError


def damaged_values(progress=None):
    """Every stored encrypted value that does not open: (model label, row uuid, field)."""
    found = []
    for model in apps.get_models():
        sealed = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedField)]
        if not sealed:
            continue
        rows = 0
        for instance in model._base_manager.order_by("pk").iterator(chunk_size=500):
            rows += 1
            for field in sealed:
                value = instance.__dict__.get(field.attname)
                if not isinstance(value, Sealed):
                    continue
                try:
                    field.open(instance, value.blob)
                except DecryptionError:
                    found.append((model._meta.label_lower, str(instance.uuid), field.name))
        if progress:
            progress(model._meta.label_lower, rows)
    return found


class Command(BaseCommand):
    help = "Check the records: every encrypted value opens with this instance's keys."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        sub.add_parser("verify", help="open every encrypted value and list those that fail")

    def handle(self, *args, verb, **options):
        def progress(label, rows):
            self.stderr.write(f"  {label}: {rows} rows checked")

        found = damaged_values(progress)
        for label, uuid, field in found:
            self.stdout.write(f"DAMAGED {label} {uuid} {field}")
        if found:
            raise CommandError(
                f"{len(found)} damaged value{'s' if len(found) != 1 else ''}: "
                "restore them from a backup or enter them again"
            )
        self.stdout.write("OK: no damaged value")
