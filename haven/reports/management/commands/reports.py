from django.core.management.base import BaseCommand, CommandError

from haven.reports import facts


class Command(BaseCommand):
    help = "The counted acts that pattern reports read: rebuild them, or check them."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        sub.add_parser(
            "rebuild",
            help="recompute the counted acts from the records (after a restore from an "
            "older Haven, or when 'check' finds a difference)",
        )
        sub.add_parser(
            "check", help="compare the counted acts with the records; exit 1 on a difference"
        )

    def handle(self, *args, verb, **options):
        if verb == "rebuild":
            self.stdout.write(f"Counted {facts.rebuild()} acts.")
            return
        found = facts.differences()
        for line in found[:20]:
            self.stdout.write(line)
        if found:
            raise CommandError(
                f"{len(found)} counted acts differ from the records: run 'haven reports rebuild'."
            )
        self.stdout.write("The counted acts match the records.")
