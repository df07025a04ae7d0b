import sys

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from haven.records.blind import reindex


class Command(BaseCommand):
    help = "Rebuild the blind indexes of every record (after upgrading Haven's term functions)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        sub.add_parser("reindex", help="recompute every record's blind-index tokens")

    def handle(self, *args, verb, **options):
        total = 0
        for model in apps.get_models():
            if not getattr(model, "blind_indexes", None):
                continue
            rows = model._base_manager.order_by("pk")
            count = rows.count()
            for done, record in enumerate(rows.iterator(chunk_size=500), start=1):
                with transaction.atomic():
                    reindex(record)
                if done % 200 == 0 or done == count:
                    sys.stdout.write(f"\r{model._meta.label_lower}: {done}/{count}   ")
                    sys.stdout.flush()
            if count:
                sys.stdout.write("\n")
            total += count
        self.stdout.write(f"Reindexed {total} records.")
