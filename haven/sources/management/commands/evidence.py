import sys
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from haven.accounts.models import User
from haven.sources import actions, bundle
from haven.sources.models import EvidenceFile, Source
from haven.sources.vault import SealedUpload, Sealer, vault_dir


class Command(BaseCommand):
    help = "The evidence vault: add a file, verify every file, verify a bundle."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        add = sub.add_parser("add", help="store a file as evidence on a source")
        add.add_argument("source", help="the source's code, e.g. S-ABC123")
        add.add_argument("file", type=Path)
        add.add_argument("--by", required=True, help="e-mail of the member adding it")
        sub.add_parser("verify", help="re-hash every stored file and report mismatches")
        check = sub.add_parser(
            "verify-bundle", help="check an evidence bundle's checksums and signature"
        )
        check.add_argument("bundle_file", type=Path, metavar="bundle")
        check.add_argument(
            "--public-key", type=Path, help="PEM public key to trust (default: this instance's)"
        )

    def handle(self, *args, verb, **options):
        getattr(self, verb.replace("-", "_"))(**options)

    def add(self, source, file, by, **options):
        user = User.objects.filter(email__iexact=by).first()
        target = Source.objects.filter(code=source.upper()).first()
        if user is None or target is None or target not in Source.objects.visible_to(user):
            raise CommandError("no such source for that user")
        if not file.is_file():
            raise CommandError(f"{file} is not a readable file")
        sealer = Sealer()
        with file.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                sealer.write(chunk)
        upload = SealedUpload(sealer, file.name, "", sealer.finish())
        try:
            evidence = actions.attach_file(target, upload, by=user)
        except ValidationError as exc:
            raise CommandError(exc.messages[0]) from None
        self.stdout.write(
            f"Stored {evidence.name} ({evidence.size} bytes), SHA-256 {evidence.sha256}"
        )

    def verify(self, **options):
        stale, orphans = actions.tidy_vault()
        if stale:
            self.stdout.write(f"Removed {stale} unfinished upload parts (encrypted, unused).")
        if orphans:
            self.stdout.write(
                f"Set aside {orphans} stored files that no record names in "
                f"{vault_dir() / 'orphans'} (encrypted; their keys were never recorded)."
            )
        files = list(EvidenceFile.objects.order_by("pk"))
        bad = 0
        for index, evidence in enumerate(files, start=1):
            problem = actions.verify_file(evidence)
            sys.stdout.write(f"\rChecking {index}/{len(files)}   ")
            sys.stdout.flush()
            if problem:
                bad += 1
                sys.stdout.write("\n")
                self.stdout.write(f"MISMATCH {evidence.uuid} ({evidence.name}): {problem}")
        sys.stdout.write("\n")
        if bad:
            raise CommandError(f"{bad} of {len(files)} files failed verification")
        self.stdout.write(f"OK: {len(files)} files verified")

    def verify_bundle(self, bundle_file, public_key, **options):
        try:
            data = bundle_file.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {bundle_file}: {exc.strerror}") from None
        key = public_key.read_bytes() if public_key else bundle.public_key_pem()
        problems = bundle.verify(data, key)
        if problems:
            raise CommandError("bundle fails verification:\n  " + "\n  ".join(problems))
        self.stdout.write("OK: every checksum matches and the signature verifies")
