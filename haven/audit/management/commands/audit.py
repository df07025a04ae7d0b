from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from haven.audit.checkpoint import CheckpointError, check_all, checkpoint_dir, write_checkpoint


class Command(BaseCommand):
    help = "Check the tamper-evident audit log."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        verify = sub.add_parser(
            "verify",
            help="recompute the sealed hash chain, check it against every stored checkpoint "
            "and report the first bad entry",
        )
        verify.add_argument(
            "--checkpoint", type=Path, help="also check the log still contains this checkpoint"
        )
        checkpoint = sub.add_parser(
            "checkpoint",
            help="sign the log's head (count and hash) into FILE, or into the checkpoint "
            "folder (HAVEN_AUDIT_CHECKPOINT_DIR) when no FILE is given",
        )
        checkpoint.add_argument("file", type=Path, nargs="?")

    def handle(self, *args, verb, **options):
        if verb == "checkpoint":
            try:
                document = write_checkpoint(options["file"])
            except (CheckpointError, OSError) as exc:
                raise CommandError(str(exc)) from None
            where = options["file"] or checkpoint_dir()
            self.stdout.write(
                f"Checkpoint written to {where}: {document['count']} entries, "
                f"head {document['head']}. Keep it outside the database and its backups."
            )
            return
        results = check_all(options["checkpoint"])
        verdict = results[0][1].chain if results else None
        if verdict is None:
            from haven.audit.actions import verify_chain

            verdict = verify_chain()
        if not verdict.ok:
            raise CommandError(
                f"audit log is broken at entry {verdict.position}: {verdict.problem} "
                f"({verdict.count} entries before it verify)"
            )
        failed = [(path, result) for path, result in results if not result.ok]
        for path, result in failed:
            self.stderr.write(f"FAILED {path}: {result.message}")
        if failed:
            raise CommandError(
                f"audit log fails {len(failed)} of {len(results)} checkpoints: "
                f"{failed[0][1].message}"
            )
        if results:
            self.stdout.write(f"Checkpoint OK: {results[-1][1].message}")
            self.stdout.write(f"{len(results)} checkpoints verified.")
        self.stdout.write(f"OK: {verdict.count} entries, head {verdict.head}")
