"""A throwaway Haven instance for benchmarks: SQLite file under a temporary folder,
or the database named by HAVEN_DATABASE_URL."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"


def start(workdir: Path | None = None) -> Path:
    """Set Haven up on a new instance, or on the one left in ``workdir`` by an earlier run."""
    sys.path.insert(0, str(ROOT))
    if workdir is None and os.environ.get("HAVEN_VAR_DIR"):
        workdir = Path(os.environ["HAVEN_VAR_DIR"])
    workdir = workdir or Path(tempfile.mkdtemp(prefix="haven-bench-"))
    os.environ.setdefault("HAVEN_VAR_DIR", str(workdir))
    os.environ.setdefault("HAVEN_DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}")
    os.environ["DJANGO_SETTINGS_MODULE"] = "haven.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return workdir


def bulk_people(team, rows, batch=2000) -> list:
    """Create people fast: encrypted by the fields as usual, indexed in bulk, no history."""
    from django.db import transaction

    from haven.people.models import Person
    from haven.records.blind import index_new

    created = []
    for start in range(0, len(rows), batch):
        with transaction.atomic():
            people = Person.objects.bulk_create(
                Person(team=team, **row) for row in rows[start : start + batch]
            )
            index_new(people)
        created += people
    return created
