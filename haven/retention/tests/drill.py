"""Run in a fresh SQLite instance (``python -m haven.retention.tests.drill SNAPSHOT``):
record a person with a history and an evidence file, back up, erase them, compact,
back up again, and leave copies of the database files taken before and after.

``test_files.py`` then looks for the person's ciphertext in those files, in the
evidence folder, in the fresh backup, and in a second instance restored from the
older backup.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

PASSPHRASE = "correct horse battery staple drill"
NAME = "Зелимхан Канарейкин"
EVIDENCE = b"%PDF-1.4\n" + b"Canary testimony of Kanareykin " * 40


def _copy_var(target: Path) -> None:
    from django.conf import settings

    target.mkdir(parents=True, exist_ok=True)
    for path in Path(settings.VAR_DIR).iterdir():
        if path.is_file() and path.name.startswith("haven.sqlite3"):
            shutil.copy(path, target / path.name)


def main(snapshot: str) -> None:
    import django

    django.setup()
    from django.db import connection

    from haven.accounts.actions import add_member, create_team, create_user
    from haven.accounts.models import Role
    from haven.backups.actions import create_backup
    from haven.incidents import actions as incidents
    from haven.lib.fuzzy_dates import FuzzyDate
    from haven.people.actions import add_person, update_person
    from haven.retention import actions, journal
    from haven.retention.tests.test_erasure import _blobs
    from haven.sources import actions as sources
    from haven.sources.vault import seal_bytes
    from haven.vocab.models import term

    folder = Path(snapshot)
    folder.mkdir(parents=True, exist_ok=True)
    user, _password = create_user(email="coordinator@example.org", role=Role.COORDINATOR)
    team = create_team("Drill desk")
    add_member(team, user)
    person = add_person(
        team=team, by=user, name=NAME, contacts=[{"kind": "phone", "value": "+7 928 555-01-99"}]
    )
    update_person(person, by=user, notes="Hid at the Soloveykin flat")
    incident = incidents.record_incident(
        team=team, by=user, title="Detention", start=FuzzyDate.parse("2020-04")
    )
    act = incidents.record_act(
        incident, by=user, act_type=term("act_type", "arbitrary_detention"), victim=person
    )
    source = sources.add_source(team=team, by=user, kind="testimony", title="Testimony")
    incidents.cite_source(
        incident, source, by=user, connection="victim", reliability="B", credibility="2"
    )
    evidence = sources.attach_file(source, seal_bytes(EVIDENCE, "k.pdf"), by=user)
    blobs = _blobs([person, act, source, evidence])
    (folder / "blobs.txt").write_text("\n".join(blob.hex() for blob in blobs))
    (folder / "evidence.txt").write_text(str(evidence.uuid))
    create_backup(folder / "older.tar.gz.age", passphrase=PASSPHRASE)
    connection.ensure_connection()
    _copy_var(folder / "before")

    entry = actions.erase(person, by=user, reason="subject_request")
    print(journal.compact(entry.tables), file=sys.stderr)  # noqa: T201
    create_backup(folder / "fresh.tar.gz.age", passphrase=PASSPHRASE)
    connection.ensure_connection()  # keep it open: the WAL stays as it is
    _copy_var(folder / "after")
    print("erased", file=sys.stderr)  # noqa: T201


if __name__ == "__main__":
    main(sys.argv[1])
