import os
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from haven.accounts.models import User
from haven.audit.actions import record
from haven.cases.models import Case
from haven.documents.actions import FORMATS, make_dossier


class Command(BaseCommand):
    help = (
        "Make the dossier of a case (PDF or DOCX) as a user sees it, with a reason for "
        "the audit log. The file is not encrypted: keep it on an encrypted disk."
    )

    def add_arguments(self, parser):
        parser.add_argument("case", help="the case's code (C-XXXXXX)")
        parser.add_argument("--by", required=True, help="e-mail of the user making it")
        parser.add_argument("--reason", required=True, help="who needs it, and for what")
        parser.add_argument("--format", choices=sorted(FORMATS), help="default: from -o, else pdf")
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            help="default: the user's",
        )
        parser.add_argument("-o", "--output", required=True, help="the file to write")

    def handle(self, *args, case, by, reason, output, **options):
        user = User.objects.filter(email__iexact=by, is_active=True).first()
        if user is None:
            raise CommandError(f"no active user with the e-mail {by!r}")
        found = Case.objects.visible_to(user).filter(code=case.strip().upper()).first()
        if found is None:
            # The same answer whether the case is another team's or does not exist.
            record("access.denied", actor=user, summary=f"dossier {case[:20]}")
            raise CommandError(f"{user.email} has no case {case!r}")
        path = Path(output)
        fmt = options["format"] or path.suffix.lower().lstrip(".")
        fmt = fmt if fmt in FORMATS else "pdf"
        language = options["language"] or user.language or settings.LANGUAGE_CODE
        try:
            made = make_dossier(found, by=user, format=fmt, language=language, reason=reason)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        # Readable by its owner alone, whatever the umask.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(made.data)
        dossier = made.dossier
        self.stderr.write(
            f"Wrote the dossier of {found.code} to {path}: {len(made.data)} bytes, "
            f"SHA-256 {made.sha256}; named {len(dossier.named)}, "
            f"by code only {len(dossier.coded)}"
        )
