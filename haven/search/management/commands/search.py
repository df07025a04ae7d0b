from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import connection

from haven.lib.stemming import WORD_INDEX
from haven.records.blind import reindex_all
from haven.records.models import BlindTerm


class Command(BaseCommand):
    help = "Rebuild the blind indexes of every record (after upgrading Haven's term functions)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        sub.add_parser("reindex", help="recompute every record's blind-index tokens")
        sub.add_parser(
            "words",
            help="(re)build the word index of the narratives: after upgrading to text "
            "search, or after changing HAVEN_WORD_INDEX_SKIP",
        )

    def handle(self, *args, verb, **options):
        models = [model for model in apps.get_models() if getattr(model, "blind_indexes", None)]
        if verb == "words":
            # A record's tokens are one set (the index does not say which field each
            # came from), so the records with narratives are re-indexed whole.
            models = [
                model
                for model in models
                if any(entry is WORD_INDEX for entry in model.blind_indexes.values())
            ]
        total = sum(self.reindex(model) for model in models)
        self.stdout.write(f"Reindexed {total} records.")
        # On PostgreSQL every replaced token left a dead row version, and the new rows
        # are not yet marked visible to all: until a vacuum, each index row a lookup
        # matches is checked in the table as well (a random read each when it is not in
        # memory). Autovacuum would come later; a search should not wait for it. VACUUM
        # cannot run inside a caller's transaction: then it is left to autovacuum.
        if total and connection.vendor == "postgresql" and not connection.in_atomic_block:
            self.stdout.write("Vacuuming the index table…")
            table = connection.ops.quote_name(BlindTerm._meta.db_table)
            with connection.cursor() as cursor:
                cursor.execute(f"VACUUM (ANALYZE) {table}")
            self.stdout.write("Vacuumed.")

    def reindex(self, model) -> int:
        def progress(done: int, count: int) -> None:
            self.stdout.write(f"\r{model._meta.label_lower}: {done}/{count}   ", ending="")
            self.stdout.flush()

        count = reindex_all(model, progress)
        if count:
            self.stdout.write("")
        return count
