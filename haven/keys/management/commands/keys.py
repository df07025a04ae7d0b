import sys
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from django.core.management.base import BaseCommand, CommandError

from haven.keys import actions
from haven.keys.keyring import get_keyring


class Command(BaseCommand):
    help = "Rotate keys and show the instance's public signing key."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        rotate = sub.add_parser("rotate", help="re-wrap data keys under a new key-encryption key")
        rotate.add_argument(
            "--reencrypt",
            action="store_true",
            help="instead, re-encrypt every value under new data keys (resumable)",
        )
        rotate.add_argument(
            "--new-passphrase-file", type=Path, help="switch to (or change) a passphrase"
        )
        rotate.add_argument(
            "--to-key-file", action="store_true", help="switch from a passphrase to a key file"
        )
        sub.add_parser("public-key", help="print the Ed25519 key that signs checkpoints")

    def handle(self, *args, verb, **options):
        if verb == "public-key":
            public = get_keyring().signing_key().public_key()
            self.stdout.write(
                public.public_bytes(
                    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
                ).decode()
            )
            return
        if options["reencrypt"]:
            total = actions.reencrypt_all(progress=self._progress)
            self.stdout.write(f"\nRe-encrypted {total} records under new data keys.")
            return
        passphrase = None
        if options["new_passphrase_file"]:
            try:
                passphrase = options["new_passphrase_file"].read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise CommandError(f"cannot read the passphrase file: {exc.strerror}") from None
            if len(passphrase) < 16:
                raise CommandError("the new passphrase must be at least 16 characters long")
        try:
            where = actions.rotate_kek(
                new_passphrase=passphrase, to_key_file=options["to_key_file"]
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if where == "passphrase":
            self.stdout.write(
                "Data keys are now wrapped by the new passphrase. Set HAVEN_PASSPHRASE or "
                "HAVEN_PASSPHRASE_FILE to it before the next start."
            )
        else:
            self.stdout.write(
                f"Data keys are now wrapped by a new key in {where}. Back that file up now: "
                "without it the data cannot be read."
            )

    def _progress(self, label, done, count):
        percent = 100 if count == 0 else done * 100 // count
        sys.stdout.write(f"\r{label}: {done}/{count} ({percent}%)   ")
        if done >= count:
            sys.stdout.write("\n")
        sys.stdout.flush()
