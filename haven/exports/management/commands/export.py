import os
import sys
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.http import QueryDict
from django.utils import translation

from haven.accounts.models import Team, User
from haven.exports import actions
from haven.exports.formats import FORMATS
from haven.exports.kinds import KINDS


class Command(BaseCommand):
    help = (
        "Export a list as a user sees it: pseudonymised unless --identifying (with a "
        "--reason, for a role that may). The file is not encrypted: keep it on an "
        "encrypted disk and delete it when done."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(KINDS), help="the list to export")
        parser.add_argument("--by", required=True, help="e-mail of the user exporting")
        parser.add_argument("--out", required=True, help="the file to write; - for stdout")
        parser.add_argument(
            "--format",
            choices=sorted(FORMATS),
            help="csv, xlsx or json (default: from the file's extension, else csv)",
        )
        parser.add_argument("--team", help="only this team's records (one of the user's)")
        parser.add_argument(
            "--filter",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="a filter of the list, as its page names it (status=active, q=P-1234)",
        )
        parser.add_argument("--identifying", action="store_true", help="names, places, contacts")
        parser.add_argument("--reason", default="", help="why an identifying export is needed")
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            help="of the headers and labels (default: the user's)",
        )

    def handle(self, *args, kind, by, out, team, identifying, reason, **options):
        user = User.objects.filter(email__iexact=by, is_active=True).first()
        if user is None:
            raise CommandError(f"no active user with the e-mail {by!r}")
        chosen_team = None
        if team:
            chosen_team = Team.objects.filter(name=team).first()
            if chosen_team is None:
                raise CommandError(f"no team named {team!r}")
        language = options["language"] or user.language or settings.LANGUAGE_CODE
        fmt = options["format"] or _format_of(out)
        with translation.override(language):
            try:
                export = actions.start_export(
                    kind,
                    by=user,
                    data=_filters(options["filter"]),
                    format=fmt,
                    identifying=identifying,
                    reason=reason,
                    team=chosen_team,
                )
            except PermissionDenied:
                if identifying and not actions.may_export_identifying(user):
                    raise CommandError(
                        "this user's role may not make identifying exports; the roles that "
                        "may: " + ", ".join(actions.identifying_roles())
                    ) from None
                raise CommandError(f"{user.email} is not a member of {team!r}") from None
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from None
            expected = export.expected_rows()
            export.progress = lambda done: self._progress(kind, done, expected)
            self._write(export, out)
        self._progress(kind, export.rows_written, expected, last=True)
        what = f"{export.rows_written} rows, {export.size} bytes, SHA-256 {export.sha256}"
        if identifying:
            what += f"; {len(export.left_out)} people left out (consent)"
        self.stderr.write(f"Exported {kind} to {out}: {what}")

    def _write(self, export, out: str) -> None:
        if out == "-":
            for piece in export.chunks():
                sys.stdout.buffer.write(piece)
            sys.stdout.buffer.flush()
            return
        path = Path(out)
        # Readable by its owner alone, whatever the umask.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(descriptor, "wb") as handle:
                for piece in export.chunks():
                    handle.write(piece)
        except BaseException as exc:
            # A part of a file is no use, and it may name people: it goes.
            path.unlink(missing_ok=True)
            if isinstance(exc, ValidationError):
                raise CommandError(" ".join(exc.messages)) from None
            raise

    def _progress(self, kind: str, done: int, expected: int, *, last: bool = False) -> None:
        if not self.stderr.isatty() and not last:
            return
        end = "\n" if last else ""
        self.stderr.write(f"\rExporting {kind}: {done} of {expected} rows", ending=end)
        self.stderr.flush()


def _format_of(out: str) -> str:
    extension = Path(out).suffix.lower().lstrip(".")
    return extension if extension in FORMATS else "csv"


def _filters(pairs: list[str]) -> QueryDict | None:
    if not pairs:
        return None
    data = QueryDict(mutable=True)
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise CommandError(f"--filter {pair!r}: give it as NAME=VALUE")
        data.appendlist(name.strip(), value)
    return data
