import os
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from haven.accounts.models import User
from haven.audit.actions import record
from haven.audit.context import Channel, audit_context
from haven.documents.actions import make_own_copy
from haven.documents.subject_access import allowed_roles, person_language
from haven.people.models import Person


class Command(BaseCommand):
    help = (
        "Make a person's own copy (subject access) as a user sees it: a signed zip with "
        "a PDF and its data, other people by code only, with a reason for the audit log. "
        "The file is not encrypted: keep it on an encrypted disk."
    )

    def add_arguments(self, parser):
        parser.add_argument("person", help="the person's code (P-XXXXXX)")
        parser.add_argument("--by", required=True, help="e-mail of the user making it")
        parser.add_argument("--reason", required=True, help="who asked, and how it reaches them")
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            help="default: the person's, else the user's",
        )
        parser.add_argument("-o", "--output", required=True, help="the .zip file to write")

    def handle(self, *args, person, by, reason, output, **options):
        user = User.objects.filter(email__iexact=by, is_active=True).first()
        if user is None:
            raise CommandError(f"no active user with the e-mail {by!r}")
        # Read as the user: what a sealed person shows depends on who reads.
        with audit_context(Channel.CLI, actor=user):
            found = Person.objects.visible_to(user).filter(code=person.strip().upper()).first()
            if found is None:
                # The same answer whether the person is another team's or does not exist.
                record("access.denied", actor=user, summary=f"own copy {person[:20]}")
                raise CommandError(f"{user.email} has no person {person!r}")
            language = (
                options["language"]
                or person_language(found)
                or user.language
                or settings.LANGUAGE_CODE
            )
            try:
                made = make_own_copy(found, by=user, language=language, reason=reason)
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from None
            except PermissionDenied:
                raise CommandError(
                    f"{user.email} may not make it: the roles that may are "
                    f"{', '.join(allowed_roles())}, as a writing member of the person's "
                    "team (and, for a sealed person, one of the members named)"
                ) from None
        descriptor = os.open(Path(output), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(made.data)
        self.stderr.write(
            f"Wrote the own copy of {found.code} ({language}) to {output}: "
            f"{len(made.data)} bytes, SHA-256 {made.sha256}; "
            f"{len(made.copy.others)} other people by code only"
        )
