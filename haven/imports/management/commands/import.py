"""haven import FILE --mapping M.json --team NAME --by EMAIL [--dry-run]"""

from __future__ import annotations

import json
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
        parser.add_argument("file")
        parser.add_argument("--mapping", required=True, help="the mapping, a JSON file")
        parser.add_argument("--team", required=True, help="the team the records belong to")
        parser.add_argument("--by", required=True, help="e-mail of the member importing")
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
            job = actions.run_job(job, by=by, progress=Progress("imported"))
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        made = ", ".join(f"{n:,} {kind}" for kind, n in sorted(job.created.items()))
        self.stdout.write(f"imported {job.done_rows:,} rows: {made or 'nothing'}")
