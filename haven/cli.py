"""The ``haven`` command: one entry point for running and looking after an instance."""

from __future__ import annotations

import os
import sys

COMMANDS = {
    "init": "Create or reuse the instance under var/: key, database, first administrator.",
    "serve": "Serve Haven with gunicorn on HAVEN_BIND (default 127.0.0.1:8000) and a job worker.",
    "worker": "Run background jobs (imports); 'serve' starts one itself.",
    "user": "Manage accounts: add, disable, reset-2fa, list.",
    "audit": "The tamper-evident audit log: verify, checkpoint.",
    "keys": "Key management: rotate, rotate --reencrypt, public-key.",
    "demo": "Load fictional demo data: the seed story and about fifty cases.",
    "evidence": "The evidence vault: add, verify, verify-bundle.",
    "search": "Search index upkeep: reindex (every token), words (the narratives' word index).",
    "records": "Records: verify (every encrypted value opens; damaged ones are listed).",
    "people": "People: duplicates (candidate pairs with scores and reasons).",
    "digest": "E-mail the daily reminder digest to users who asked for it (run from cron).",
    "intake": "The public request page: digest (e-mail the intake team how many requests "
    "wait, counts only, now).",
    "export": "Export a list (people, cases, incidents, sources, statistics) to CSV, XLSX, JSON.",
    "dossier": "A case's dossier for its lawyer: CASE --by EMAIL --reason R -o FILE (PDF, DOCX).",
    "own-copy": "A person's own copy (subject access): PERSON --by EMAIL --reason R -o FILE.zip.",
    "backup": "Encrypted backup (age): FILE, --dir DIR --keep N, verify FILE.",
    "restore": "Restore a backup into a new, empty instance that has the same KEK.",
    "erase": "Erase a person, case, request or evidence file: KIND CODE-or-UUID --by EMAIL "
    "--reason R.",
    "retention": "Retention: review (what falls due), apply (dry run; --yes erases), reapply, "
    "compact.",
    "import": "Import a spreadsheet (CSV, XLSX, ODS) with a mapping: FILE --mapping M.json.",
    "exchange": "Team archives and HURIDOCS events: export-team, import-team, export-events, "
    "import-events.",
    "reports": "Pattern reports' counted acts: rebuild (from the records), check (against them).",
    "drafts": "Petition drafts: install-templates (the built-in ones), templates (list).",
    "manage": "Run any Django management command (migrate, shell, check ...).",
}


def usage() -> str:
    width = max(len(name) for name in COMMANDS)
    lines = ["usage: haven COMMAND [options]", "", "commands:"]
    lines += [f"  {name.ljust(width)}  {text}" for name, text in COMMANDS.items()]
    lines += ["", "Run 'haven COMMAND --help' for the options of one command."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(usage())  # noqa: T201
        return 0
    name, rest = argv[0], argv[1:]
    if name not in COMMANDS:
        print(f"haven: unknown command {name!r}\n\n{usage()}", file=sys.stderr)  # noqa: T201
        return 2
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haven.settings")
    # Keys, the database and uploads are for Haven's eyes only.
    os.umask(0o077)
    from django.core.management import execute_from_command_line

    from haven.audit.context import Channel, audit_context

    command = ["haven", *rest] if name == "manage" else ["haven", name.replace("-", "_"), *rest]
    if name == "serve":  # the web server's requests set their own context
        execute_from_command_line(command)
    else:
        with audit_context(Channel.CLI):
            execute_from_command_line(command)
    return 0


if __name__ == "__main__":
    sys.exit(main())
