import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from haven.backups.actions import BackupError, restore_backup
from haven.backups.secrets import add_secret_arguments, opening_secret


class Command(BaseCommand):
    help = (
        "Restore a backup into this new, empty instance (migrated, same Haven version), "
        "all or nothing. It needs this instance to use the backup's key-encryption key."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        add_secret_arguments(parser)

    def handle(self, *args, file, **options):
        def progress(message: str) -> None:
            if options["verbosity"]:
                sys.stderr.write(f"{message}\n")

        try:
            manifest = restore_backup(file, progress=progress, **opening_secret(options))
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        rows = sum(table["rows"] for table in manifest["tables"].values())
        self.stdout.write(
            f"Restored {file}: {rows} rows in {len(manifest['tables'])} tables, made "
            f"{manifest['created_at']}. Run 'haven audit verify' and 'haven evidence verify'."
        )
