"""haven import FILE --mapping M.json --team NAME --by EMAIL [--dry-run]
haven import --resume IMPORT --by EMAIL"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from haven.accounts.models import Team, User, writable_teams
from haven.jobs.progress import ProgressBar


class Progress:
    """The engine reports (rows done, rows in all); a terminal bar shows it."""

    def __init__(self, label: str):
        self.label, self.bar = label, None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            self.bar = ProgressBar(total, label=self.label)
        self.bar.advance(done - self.bar.done)
        if done >= total:
            self.bar.finish()


class Command(BaseCommand):
    help = (
        "Import a spreadsheet (CSV, XLSX, ODS) with a mapping (JSON, as the Import page "
        "saves it): check every row first, then import all of it, or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?")
        parser.add_argument("--mapping", help="the mapping, a JSON file")
        parser.add_argument("--team", help="the team the records belong to")
        parser.add_argument("--by", required=True, help="e-mail of the member importing")
        parser.add_argument(
            "--resume",
            metavar="IMPORT",
            help="run a stopped import on after its last whole chunk (its id, as printed)",
        )
        parser.add_argument("--dry-run", action="store_true", help="check only; save nothing")
        parser.add_argument("--encoding", default="", help="e.g. cp1251 (default: detected)")
        parser.add_argument("--delimiter", default="", help="e.g. ';' (default: detected)")
        parser.add_argument("--sheet", default="", help="the sheet to read (default: first)")

    def handle(self, *args, **options):
        from haven.imports import actions
        from haven.imports.mapping import Mapping
        from haven.imports.readers import FileRefused, open_table

        try:
            by = User.objects.get(email=options["by"].lower(), is_active=True)
        except User.DoesNotExist:
            raise CommandError(f"no active account {options['by']}") from None
        if options["resume"]:
            return self.resume(options["resume"], by)
        for needed in ("file", "mapping", "team"):
            if not options[needed]:
                raise CommandError(f"give the {needed} to import (or --resume IMPORT)")
        team = Team.objects.filter(name=options["team"]).first()
        if team is None:
            raise CommandError(f"no team named {options['team']!r}")
        if not writable_teams(by).filter(pk=team.pk).exists():
            raise CommandError(f"{by.email} may not write in the team {team.name!r}")
        path = Path(options["file"])
        try:
            data = path.read_bytes()
            spec = json.loads(Path(options["mapping"]).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CommandError(str(exc)) from None
        try:
            table = open_table(
                data,
                name=path.name,
                encoding=options["encoding"] or None,
                delimiter=options["delimiter"] or None,
                sheet=options["sheet"] or None,
            )
            mapping = Mapping.from_json(spec, columns=table.columns)
        except FileRefused as exc:
            raise CommandError(str(exc)) from None
        except ValidationError as exc:
            raise CommandError("the mapping is refused:\n  " + "\n  ".join(exc.messages)) from None
        self.stdout.write(
            f"{path.name}: {table.format}"
            + (f", {table.encoding}, delimiter {table.delimiter!r}" if table.encoding else "")
            + f", {table.row_count:,} rows, sha256 {table.sha256}"
        )
        builder = actions.Builder(mapping, team=team, by=by, columns=table.columns)
        rows, count, problems = actions.dry_run(table, builder, progress=Progress("checked"))
        if count:
            for problem in problems:
                column = problem["column"] or "—"
                self.stdout.write(f"  row {problem['row']}, {column}: {problem['message']}")
            if count > len(problems):
                self.stdout.write(f"  … and {count - len(problems):,} more")
            raise CommandError(f"{count:,} problems in {rows:,} rows: nothing imported")
        if options["dry_run"]:
            self.stdout.write(f"dry run: {rows:,} rows, no problems; nothing saved")
            return
        try:
            job = actions.start_import(
                team=team, by=by, name=path.name, data=data, mapping=mapping.to_json()
            )
            if options["encoding"] or options["delimiter"] or options["sheet"]:
                actions.set_options(
                    job,
                    by=by,
                    encoding=options["encoding"],
                    delimiter=options["delimiter"],
                    sheet=options["sheet"],
                )
            job = actions.check_job(job, by=by)
            actions.queue_import(job, by=by)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        self.run(job, by)

    def resume(self, name: str, by) -> None:
        from haven.imports import actions
        from haven.imports.models import ImportJob

        try:
            job = ImportJob.objects.filter(uuid=uuid.UUID(name)).first()
        except ValueError:
            job = None
        if job is None or not writable_teams(by).filter(pk=job.team_id).exists():
            raise CommandError(f"no import {name} that {by.email} may run")
        if job.status == ImportJob.Status.FAILED:
            job = actions.retry_import(job, by=by)
        elif job.status not in (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING):
            raise CommandError(f"the import {name} is {job.get_status_display()}: nothing to run")
        # A run still going (its process killed without a word leaves it "running") is
        # safe to join: each chunk's count is compared and set, and the later run stops.
        self.stdout.write(f"resuming after row {job.done_rows:,} of {job.total_rows:,}")
        self.run(job, by)

    def run(self, job, by) -> None:
        """Import the job's rows not done; a run that stops is marked failed, with how to
        run it on."""
        from haven.imports import actions

        try:
            job = actions.run_job(job, by=by, progress=Progress("imported"))
        except (Exception, KeyboardInterrupt) as exc:
            message = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            message = message or type(exc).__name__
            actions.mark_failed(job, by=by, message=message)
            raise CommandError(
                f"{message}\nstopped after {job.done_rows:,} of {job.total_rows:,} rows (each "
                f"chunk whole); run it on with: haven import --resume {job.uuid} --by {by.email}"
            ) from exc
        made = ", ".join(f"{n:,} {kind}" for kind, n in sorted(job.created.items()))
        self.stdout.write(f"imported {job.done_rows:,} rows: {made or 'nothing'}")
