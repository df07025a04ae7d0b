from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand
from django.db import transaction

from haven.lib.stemming import WORD_INDEX
from haven.records.blind import index_new
from haven.records.models import BlindTerm

BATCH = 1000


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

    def reindex(self, model) -> int:
        kind = ContentType.objects.get_for_model(model)
        count = model._base_manager.count()
        last, done = 0, 0
        # Batches by primary key, each in one transaction: an interrupted run leaves
        # every record either with its old tokens or with its new ones.
        while True:
            batch = list(model._base_manager.filter(pk__gt=last).order_by("pk")[:BATCH])
            if not batch:
                break
            with transaction.atomic():
                BlindTerm.objects.filter(
                    kind=kind, record_id__gt=last, record_id__lte=batch[-1].pk
                ).delete()
                index_new(batch)
            last, done = batch[-1].pk, done + len(batch)
            self.stdout.write(f"\r{model._meta.label_lower}: {done}/{count}   ", ending="")
            self.stdout.flush()
        # Rows of records that no longer exist, above the last one.
        BlindTerm.objects.filter(kind=kind, record_id__gt=last).delete()
        if count:
            self.stdout.write("")
        return count
