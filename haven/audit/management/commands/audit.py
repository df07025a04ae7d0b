from django.core.management.base import BaseCommand, CommandError

from haven.audit.actions import verify_chain


class Command(BaseCommand):
    help = "Check the tamper-evident audit log."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        sub.add_parser("verify", help="recompute the hash chain and report the first bad entry")

    def handle(self, *args, verb, **options):
        verdict = verify_chain()
        if verdict.ok:
            self.stdout.write(f"OK: {verdict.count} entries, head {verdict.head}")
            return
        raise CommandError(
            f"audit log is broken at entry {verdict.position}: {verdict.problem} "
            f"({verdict.count} entries before it verify)"
        )
