import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from haven.backups.actions import BackupError, backup_to_folder, create_backup, open_backup
from haven.backups.secrets import add_secret_arguments, opening_secret, writing_secret

KEK_NOTE = (
    "The backup does not contain the key-encryption key (master.key or passphrase): "
    "restoring it needs that key, kept separately from the backups."
)


class Command(BaseCommand):
    help = (
        "Write one encrypted backup (age format) of the database and the evidence files: "
        "'haven backup FILE', 'haven backup --dir DIR --keep N', or check one with "
        "'haven backup verify FILE'."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "words", nargs="*", metavar="FILE | verify FILE", help="where to write, or verify FILE"
        )
        parser.add_argument(
            "--dir",
            type=Path,
            help="write a dated backup into this folder (default HAVEN_BACKUP_DIR) and rotate",
        )
        parser.add_argument(
            "--keep", type=int, help="with --dir: keep the newest N backups (default 7)"
        )
        add_secret_arguments(parser)

    def progress(self, message: str) -> None:
        if self.verbosity:
            sys.stderr.write(f"{message}\n")

    def handle(self, *args, words, **options):
        self.verbosity = options["verbosity"]
        try:
            if words[:1] == ["verify"]:
                if len(words) != 2:
                    raise CommandError("usage: haven backup verify FILE")
                self.verify(Path(words[1]), options)
            else:
                self.write(words, options)
        except BackupError as exc:
            raise CommandError(str(exc)) from None

    def verify(self, path: Path, options) -> None:
        backup = open_backup(path, **opening_secret(options))
        manifest = backup.manifest
        rows = sum(table["rows"] for table in manifest["tables"].values())
        files = sum(name.startswith("evidence/") for name in manifest["members"])
        self.stdout.write(
            f"OK: {path} opens and every hash matches: {len(manifest['tables'])} tables, "
            f"{rows} rows, {files} evidence files, made {manifest['created_at']} by Haven "
            f"{manifest['haven']['version']} on {manifest['database']}."
        )

    def write(self, words: list[str], options) -> None:
        if len(words) > 1:
            raise CommandError("usage: haven backup [FILE] [--dir DIR --keep N]")
        secret = writing_secret(options)
        folder = options["dir"] or (None if words else settings.HAVEN_BACKUP_DIR)
        if words:
            path = Path(words[0])
            manifest = create_backup(path, progress=self.progress, **secret)
        elif folder:
            keep = options["keep"] or settings.HAVEN_BACKUP_KEEP
            if keep < 1:
                raise CommandError("--keep must be at least 1.")
            path, manifest = backup_to_folder(folder, keep=keep, progress=self.progress, **secret)
        else:
            raise CommandError("Give a FILE, or --dir DIR (or set HAVEN_BACKUP_DIR).")
        rows = sum(table["rows"] for table in manifest["tables"].values())
        files = sum(name.startswith("evidence/") for name in manifest["members"])
        self.stdout.write(
            f"Backup written to {path}: {len(manifest['tables'])} tables, {rows} rows, "
            f"{files} evidence files."
        )
        self.stdout.write(KEK_NOTE)
