"""The crash drill's record check, run in a process of its own on the instance after each
restart (``bench/crash_drill.py --check-instance LEDGER``)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

IMPORT_NAME = "Imported person {:05d}"


# --- the record check, run in a process of its own on the instance ---------------------


def check_instance(ledger_path: Path) -> dict:
    """What the instance holds against what the clients saw: problems and facts."""
    import django

    django.setup()
    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType

    from haven.cases.models import Case
    from haven.imports.models import ImportedRecord, ImportJob
    from haven.incidents.models import Act, Incident, Involvement
    from haven.keys.models import DataKey
    from haven.people.models import Person
    from haven.records.models import BlindTerm, RecordVersion, SensitiveRecord
    from haven.sources.models import EvidenceFile

    ledger = json.loads(ledger_path.read_text())
    problems: list[str] = []
    facts: dict = {}

    # Evidence: the startup sweep leaves no part; files and rows match both ways.
    vault = Path(ledger["evidence"])
    parts = list((vault / "incoming").glob("*.part"))
    facts["parts"] = len(parts)
    if parts:
        problems.append(f"{len(parts)} .part files left in evidence/incoming after the start")
    stored = {path.stem for path in vault.glob("??/*.hev")}
    rows = {str(u) for u in EvidenceFile.objects.values_list("uuid", flat=True)}
    facts["files"] = len(rows)
    facts["set_aside"] = len(list((vault / "orphans").glob("*.hev")))
    if stored - rows:
        problems.append(f"{len(stored - rows)} files in the vault without a row (orphans)")
    if rows - stored:
        problems.append(f"{len(rows - stored)} evidence rows without their file")

    # Every record has its version; every person its blind-index rows.
    total = 0
    for model in apps.get_models():
        if not issubclass(model, SensitiveRecord) or model._meta.abstract:
            continue
        uuids = set(model._base_manager.values_list("uuid", flat=True))
        total += len(uuids)
        versioned = set(
            RecordVersion.objects.filter(object_type=model._meta.label_lower).values_list(
                "object_uuid", flat=True
            )
        )
        if uuids - versioned:
            problems.append(
                f"{len(uuids - versioned)} {model._meta.label_lower} records without a version"
            )
    facts["records"] = total
    kind = ContentType.objects.get_for_model(Person)
    # The job worker may be importing while this runs: what a record's transaction also
    # wrote is read after the record, so that it is there for every record read.
    people = set(Person.objects.values_list("pk", flat=True))
    indexed = set(BlindTerm.objects.filter(kind=kind).values_list("record_id", flat=True))
    unindexed = people - indexed
    if unindexed:
        problems.append(f"{len(unindexed)} people without their blind-index rows")

    # The incidents the forms wrote: each with its act, victim and perpetrator.
    job_before = ImportJob.objects.first()  # read before its rows, and again after
    names = {}
    for person in Person.objects.all():
        names.setdefault(person.name, []).append(person)
    incidents = {}
    for incident in Incident.objects.all():
        incidents.setdefault(incident.title, []).append(incident)
        if not incident.title.startswith("Incident drill-"):
            continue
        acts = list(Act.objects.filter(incident=incident))
        if len(acts) != 1:
            problems.append(f"{incident.title} has {len(acts)} acts, not 1")
            continue
        marker = incident.title.split(" ", 1)[1]
        if acts[0].victim.name != f"Victim {marker}":
            problems.append(f"{incident.title}: its act's victim is missing")
        if not Involvement.objects.filter(act=acts[0]).exists():
            problems.append(f"{incident.title}: its act has no perpetrator")
    cases = {}
    for case in Case.objects.all():
        cases.setdefault(case.title, []).append(case)

    # Every acknowledged write is there, once.
    shas = Counter(evidence.sha256 for evidence in EvidenceFile.objects.all())
    lost, doubled = [], []
    for write in ledger["acknowledged"]:
        marker = write["marker"]
        held = {
            "person": names.get(f"Person {marker}", []),
            "case": cases.get(f"Case {marker}", []),
            "incident": incidents.get(f"Incident {marker}", []),
            "evidence": [None] * shas.get(write.get("sha256"), 0),
        }[write["kind"]]
        if not held:
            lost.append(f"{write['kind']} {marker} ({write['how']})")
        elif len(held) > 1:
            doubled.append(f"{write['kind']} {marker}")
    for table, prefix in (
        (names, "Person drill-"),
        (cases, "Case drill-"),
        (incidents, "Incident drill-"),
    ):
        doubled += [
            title for title, found in table.items() if title.startswith(prefix) and len(found) > 1
        ]
    facts["acknowledged"] = len(ledger["acknowledged"])
    if lost:
        problems.append(f"{len(lost)} acknowledged writes lost: {', '.join(lost[:10])}")
    if doubled:
        problems.append(
            f"{len(doubled)} writes saved twice: {', '.join(sorted(set(doubled))[:10])}"
        )

    # The import: never a row twice; at the end, every row once.
    job = ImportJob.objects.first()
    imported = [name for name in names if name.startswith("Imported person ")]
    twice = [name for name in imported if len(names[name]) > 1]
    if twice:
        problems.append(f"{len(twice)} import rows imported twice: {', '.join(twice[:5])}")
    facts["import_rows_held"] = len(imported)
    if job is not None:
        facts["import_status"] = job.status
        facts["import_done_rows"] = job.done_rows
        origins = ImportedRecord.objects.filter(job=job)
        if origins.count() != origins.values("row").distinct().count():
            problems.append("an import row has two origins")
        # A chunk's rows and its count are one transaction: the rows held lie between
        # the count read before them and the count read after.
        before = job_before.done_rows if job_before else 0
        if not before <= len(imported) <= job.done_rows:
            problems.append(
                f"the import says {before}..{job.done_rows} rows are done, "
                f"but {len(imported)} are held"
            )
    if ledger["final"]:
        if job is None or job.status != ImportJob.Status.DONE:
            problems.append(f"the import did not finish: {job.status if job else 'never uploaded'}")
        expected = {IMPORT_NAME.format(n) for n in range(ledger["rows"])}
        if set(imported) != expected:
            problems.append(
                f"the import holds {len(set(imported) & expected)} of the file's "
                f"{len(expected)} rows, and {len(set(imported) - expected)} others"
            )
    facts["retired_keys"] = DataKey.objects.filter(retired_at__isnull=False).count()
    return {"problems": problems, **facts}
