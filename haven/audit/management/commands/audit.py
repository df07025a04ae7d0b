from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from haven.audit.actions import verify_chain
from haven.audit.checkpoint import CheckpointError, check_against, write_checkpoint


class Command(BaseCommand):
    help = "Check the tamper-evident audit log."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        verify = sub.add_parser(
            "verify", help="recompute the hash chain and report the first bad entry"
        )
        verify.add_argument(
            "--checkpoint", type=Path, help="also check the log still contains this checkpoint"
        )
        checkpoint = sub.add_parser(
            "checkpoint", help="write a signed head (count and hash) to a file"
        )
        checkpoint.add_argument("file", type=Path)

    def handle(self, *args, verb, **options):
        if verb == "checkpoint":
            try:
                document = write_checkpoint(options["file"])
            except (CheckpointError, OSError) as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(
                f"Checkpoint written to {options['file']}: {document['count']} entries, "
                f"head {document['head']}. Keep it outside the database and its backups."
            )
            return
        verdict = verify_chain()
        if not verdict.ok:
            raise CommandError(
                f"audit log is broken at entry {verdict.position}: {verdict.problem} "
                f"({verdict.count} entries before it verify)"
            )
        if options["checkpoint"]:
            try:
                result = check_against(options["checkpoint"])
            except CheckpointError as exc:
                raise CommandError(str(exc)) from None
            if not result.ok:
                raise CommandError(f"audit log fails the checkpoint: {result.message}")
            self.stdout.write(f"Checkpoint OK: {result.message}")
        self.stdout.write(f"OK: {verdict.count} entries, head {verdict.head}")
