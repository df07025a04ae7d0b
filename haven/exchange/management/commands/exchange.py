import json
import os
import tempfile
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from haven.accounts.models import Team, User
from haven.audit.context import Channel, audit_context
from haven.exchange.archive import export_team, import_team, read_archive
from haven.exchange.errors import ExchangeError
from haven.exchange.huridocs import export_events, import_events

SENSITIVE = (
    "The file holds decrypted records: keep it as safe as the database, and delete it "
    "once it has been imported."
)


class Command(BaseCommand):
    help = (
        "Exchange formats: a team archive (export-team, import-team) and incidents in the "
        "HURIDOCS Events Standard Formats (export-events, import-events)."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        export = sub.add_parser("export-team", help="write everything a team holds to FILE")
        export.add_argument("team", help="the team's name")
        export.add_argument("file", type=Path)
        export.add_argument("--by", required=True, help="e-mail of a writing member")
        restore = sub.add_parser("import-team", help="create a team archive's records")
        restore.add_argument("file", type=Path)
        restore.add_argument("--team", required=True, help="the receiving team's name")
        restore.add_argument("--by", required=True, help="e-mail of a writing member")
        events = sub.add_parser("export-events", help="incidents as ESF JSON")
        events.add_argument("file", type=Path)
        events.add_argument("--team", help="only this team's incidents")
        events.add_argument("--by", required=True, help="e-mail of the user exporting")
        events.add_argument(
            "--identifying",
            action="store_true",
            help="name people and sources (coordinators, lawyers, administrators; needs --reason)",
        )
        events.add_argument("--reason", default="", help="why the export must name people")
        take = sub.add_parser("import-events", help="create the incidents of an ESF JSON file")
        take.add_argument("file", type=Path)
        take.add_argument("--team", required=True, help="the receiving team's name")
        take.add_argument("--by", required=True, help="e-mail of a writing member")
        take.add_argument(
            "--create-terms", action="store_true", help="add types of act this instance lacks"
        )

    def handle(self, *args, verb, by, **options):
        user = User.objects.filter(email__iexact=by, is_active=True).first()
        if user is None:
            raise CommandError(f"no active account with e-mail {by}")
        with audit_context(Channel.CLI, actor=user):
            try:
                getattr(self, verb.replace("-", "_"))(user, **options)
            except PermissionDenied:
                raise CommandError(f"{user.email} may not do that for this team") from None
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from None
            except ExchangeError as exc:
                raise CommandError(f"nothing was imported or written:\n{exc}") from None

    @staticmethod
    def _team(name: str | None) -> Team | None:
        if name is None:
            return None
        team = Team.objects.filter(name=name).first()
        if team is None:
            raise CommandError(f"no team named {name!r}")
        return team

    @staticmethod
    def _read(path: Path):
        try:
            with path.open(encoding="utf-8") as handle:
                return read_archive(handle)
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from None

    @staticmethod
    def _write(path: Path, write) -> None:
        """Write through a temporary file beside ``path``, readable by its owner only,
        and put it in place only when ``write`` succeeds."""
        folder = path.parent if str(path.parent) else Path(".")
        handle, temporary = tempfile.mkstemp(prefix=".haven-exchange-", dir=folder)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                write(out)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def export_team(self, user, *, team, file, **options):
        chosen = self._team(team)
        counts = {}
        self._write(file, lambda out: counts.update(export_team(chosen, by=user, out=out)))
        self.stdout.write(f"Wrote {sum(counts.values())} records of '{chosen.name}' to {file}.")
        self.stdout.write(SENSITIVE)

    def import_team(self, user, *, team, file, **options):
        chosen = self._team(team)
        result = import_team(self._read(file), team=chosen, by=user)
        self.stdout.write(f"Imported {result.total} records into '{chosen.name}'.")
        for label, count in sorted(result.counts.items()):
            self.stdout.write(f"  {label}: {count}")
        if result.created_terms:
            self.stdout.write("Terms added: " + ", ".join(result.created_terms))
        if result.created_places:
            self.stdout.write("Places added: " + "; ".join(result.created_places))
        if result.missing_users:
            self.stdout.write(
                f"Not in this instance, recorded as {user.email}: "
                + ", ".join(result.missing_users)
            )
        if result.sealed:
            self.stdout.write("Sealed, as in the archive: " + ", ".join(result.sealed))
        if result.seal_members_missing:
            self.stdout.write(
                "Named on a seal but not members of the team here (left off the seal): "
                + ", ".join(result.seal_members_missing)
            )
        if result.sealed_for_importer:
            self.stdout.write(
                f"None of their named members is here; sealed for {user.email} alone, "
                "who may name the members again on each person's page: "
                + ", ".join(result.sealed_for_importer)
            )

    def export_events(self, user, *, team, file, identifying, reason, **options):
        document = export_events(
            user, team=self._team(team), identifying=identifying, reason=reason
        )
        self._write(file, lambda out: json.dump(document, out, ensure_ascii=False, indent=1))
        kind = "identifying" if identifying else "pseudonymised (people by code)"
        self.stdout.write(f"Wrote {len(document['events'])} events, {kind}, to {file}.")
        if identifying:
            self.stdout.write(SENSITIVE)

    def import_events(self, user, *, team, file, create_terms, **options):
        chosen = self._team(team)
        result = import_events(self._read(file), team=chosen, by=user, create_terms=create_terms)
        self.stdout.write(
            f"Imported {result.counts.get('incidents.incident', 0)} events "
            f"({sum(result.counts.values())} records) into '{chosen.name}'."
        )
        if result.reused_persons or result.reused_sources:
            self.stdout.write(
                f"Found already in the team: {len(set(result.reused_persons))} people, "
                f"{len(set(result.reused_sources))} sources."
            )
        if result.created_terms:
            self.stdout.write("Terms added: " + ", ".join(result.created_terms))
