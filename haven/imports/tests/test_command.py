"""haven import: the dry run saves nothing, the import makes everything or nothing, a
killed import resumes after its last whole chunk, and bad mappings are refused."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from haven.audit.actions import verify_chain
from haven.imports import actions
from haven.imports.models import ImportedRecord, ImportJob
from haven.incidents.models import Act, Incident
from haven.people.models import Person

ROWS = [
    (f"2020-04-0{n % 9 + 1}", f"Detention {n}", "Detention", victim)
    for n, victim in enumerate(
        ["Магомед Магамадов", "Ислам Бетиев", "Магомед Магамадов", "Анзор Исаев", "Ислам Бетиев"]
    )
]
MAPPING = {
    "target": "incidents",
    "dates": {"order": "YMD"},
    "columns": {
        "date": {"field": "incident.start"},
        "title": {"field": "incident.title"},
        "act": {"field": "act.act_type", "values": {"Detention": "arbitrary_detention"}},
        "victim": {"field": "victim.name"},
    },
}


def _csv(rows=ROWS) -> str:
    return "date,title,act,victim\n" + "".join(",".join(row) + "\n" for row in rows)


@pytest.fixture
def files(tmp_path):
    sheet = tmp_path / "detentions.csv"
    sheet.write_text(_csv(), encoding="cp1251")
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps(MAPPING), encoding="utf-8")
    return sheet, mapping


def run(files, personas, *extra, user=None):
    sheet, mapping = files
    call_command(
        "import",
        str(sheet),
        "--mapping",
        str(mapping),
        "--team",
        personas.team.name,
        "--by",
        (user or personas.member).email,
        *extra,
    )


def test_dry_run_saves_nothing_and_the_import_makes_everything(files, personas, capsys):
    run(files, personas, "--dry-run")
    out = capsys.readouterr().out
    assert "cp1251" in out and "5 rows, no problems; nothing saved" in out
    assert Incident.objects.count() == 0 and ImportJob.objects.count() == 0
    run(files, personas)
    assert Incident.objects.count() == 5 and Act.objects.count() == 5
    assert Person.objects.count() == 3  # a name on several rows is one person
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.DONE and job.done_rows == 5
    rows = set(ImportedRecord.objects.filter(job=job).values_list("row", flat=True))
    assert rows == {2, 3, 4, 5, 6}
    assert verify_chain().ok


def test_problems_are_listed_by_row_and_nothing_is_saved(files, personas, capsys):
    sheet, _mapping = files
    sheet.write_text(_csv([*ROWS, ("2020-13-45", "Bad", "Detention", "X")]), encoding="utf-8")
    with pytest.raises(CommandError, match="1 problems in 6 rows: nothing imported"):
        run(files, personas)
    assert "row 7, date:" in capsys.readouterr().out
    assert Incident.objects.count() == 0 and Person.objects.count() == 0


def test_refused_mappings_and_people(files, personas):
    sheet, mapping = files
    mapping.write_text(json.dumps({**MAPPING, "columns": {"date": {"field": "incident.secret"}}}))
    with pytest.raises(CommandError, match="incident.secret"):
        run(files, personas)
    mapping.write_text(json.dumps(MAPPING))
    with pytest.raises(CommandError, match="no team"):
        call_command(
            "import",
            str(sheet),
            "--mapping",
            str(mapping),
            "--team",
            "Nope",
            "--by",
            personas.member.email,
        )
    # A member of no team may not write to this one: refused, nothing saved.
    with pytest.raises(Exception, match="(?i)permission|may not|not allowed|denied"):
        run(files, personas, user=personas.outsider)
    assert Incident.objects.count() == 0


def _dying_on_the_second_chunk(monkeypatch, message: str):
    """``create_records`` raising ``message`` on its second call, as a crash in the middle
    of an import; the real one, to put back."""
    from haven.records import bulk

    real, calls = bulk.create_records, []

    def dies_on_second_chunk(instances, **kwargs):
        calls.append(len(instances))
        if len(calls) == 2:
            raise RuntimeError(message)
        return real(instances, **kwargs)

    monkeypatch.setattr(bulk, "create_records", dies_on_second_chunk)
    return real


def test_an_interrupted_import_resumes_after_its_last_whole_chunk(personas, settings, monkeypatch):
    from haven.imports import readers  # noqa: F401  (the real reader reads the stored file)
    from haven.records import bulk

    settings.HAVEN_IMPORT_CHUNK_ROWS = 2
    job = actions.start_import(
        team=personas.team,
        by=personas.member,
        name="d.csv",
        data=_csv().encode(),
        mapping=MAPPING,
    )
    job = actions.check_job(job, by=personas.member)
    assert job.problem_count == 0
    actions.queue_import(job, by=personas.member)
    real = _dying_on_the_second_chunk(monkeypatch, "killed")
    with pytest.raises(RuntimeError):
        actions.run_job(job, by=personas.member)
    job.refresh_from_db()
    # The first chunk (two rows) is whole; nothing of the second is left.
    assert job.done_rows == 2
    assert Incident.objects.count() == 2 and Act.objects.count() == 2
    monkeypatch.setattr(bulk, "create_records", real)
    actions.run_job(job, by=personas.member)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.done_rows == 5
    assert Incident.objects.count() == 5
    # Row 4 names the person row 2 made before the crash: the same person.
    assert [p.name for p in Person.objects.all()].count("Магомед Магамадов") == 1
    assert Person.objects.count() == 3


def test_a_command_that_stops_says_how_to_run_it_on_and_resumes(
    files, personas, settings, monkeypatch
):
    """An import that stops in the middle is marked failed with its reason (not left
    "running"), and ``--resume`` runs it on after its last whole chunk."""
    from haven.records import bulk

    settings.HAVEN_IMPORT_CHUNK_ROWS = 2
    real = _dying_on_the_second_chunk(monkeypatch, "the disk is full")
    with pytest.raises(CommandError) as stopped:
        run(files, personas)
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.FAILED and job.done_rows == 2
    assert "the disk is full" in job.error
    message = str(stopped.value)
    assert "the disk is full" in message and "stopped after 2 of 5 rows" in message
    assert f"haven import --resume {job.uuid} --by {personas.member.email}" in message
    monkeypatch.setattr(bulk, "create_records", real)
    # Another member may not run it on; an unknown id is refused.
    for name, user in ((str(job.uuid), personas.outsider), ("not-an-id", personas.member)):
        with pytest.raises(CommandError, match="no import"):
            call_command("import", "--resume", name, "--by", user.email)
    call_command("import", "--resume", str(job.uuid), "--by", personas.member.email)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.done_rows == 5
    assert Incident.objects.count() == 5 and Person.objects.count() == 3
    with pytest.raises(CommandError, match="nothing to run"):
        call_command("import", "--resume", str(job.uuid), "--by", personas.member.email)


def test_a_failed_import_keeps_its_reason_out_of_the_audit_log(personas):
    from haven.audit.models import AuditEntry

    job = actions.start_import(
        team=personas.team, by=personas.member, name="d.csv", data=_csv().encode()
    )
    actions.mark_failed(job, by=personas.member, message="Row 3: 'Магомед Магамадов' is wrong")
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and "Магамадов" in job.error
    entry = AuditEntry.objects.get(action="imports.import.failed")
    assert "Магамадов" not in entry.summary


def test_an_import_its_workers_gave_up_on_says_it_stopped_and_can_be_resumed(personas, settings):
    """Killed with its server three times, an import's task is failed by the worker
    recovery (WorkerLost) without running the task's own error handling: the job must
    say it stopped, so that its page offers to resume it, not show 'Importing' for ever
    (found by bench/crash_drill.py)."""
    from haven.imports import actions, tasks
    from haven.imports.models import ImportJob
    from haven.jobs.queue import enqueue
    from haven.jobs.tests.lost import killed_every_time
    from haven.jobs.tests.test_queue import DATABASE_BACKEND

    settings.TASKS = DATABASE_BACKEND
    job = actions.start_import(
        team=personas.team, by=personas.member, name="people.csv", data=b"name\nIvan\n"
    )
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING, done_rows=1)
    result_id = enqueue(tasks.run_import, actor=personas.member, job_id=job.pk)
    assert killed_every_time(result_id) == "FAILED"
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert "interrupted" in job.error
    actions.retry_import(job, by=personas.member)  # the page's button works again
    assert job.status == ImportJob.Status.RUNNING


def test_an_import_whose_preparing_process_stopped_says_so_on_its_page(personas):
    """The worker's run keeps what the stopped second process means for the user, not
    only the exception's name."""
    from haven.audit.context import Channel, audit_context
    from haven.imports import tasks
    from haven.imports.pipeline import PreparationStopped

    job = actions.start_import(
        team=personas.team, by=personas.member, name="d.csv", data=_csv().encode()
    )
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING)
    message = "The process preparing the import's rows stopped: run the import again."

    def stops(job, *, by):
        raise PreparationStopped(message)

    with audit_context(Channel.JOB, actor=personas.member), pytest.raises(PreparationStopped):
        tasks._run(stops, job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and job.error == message


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_note_of_unmapped_columns_is_searched_by_its_values_only(
    files, personas, language, settings
):
    """The note's heading and the column names are the same in every row: searching for
    them would find every imported record. The cells' words are found."""
    from django.utils import translation

    from haven.search.words import search_texts

    sheet, _mapping = files
    rows = "".join(
        f"{','.join(row)},{witness}\n" for row, witness in zip(ROWS, WITNESSES, strict=True)
    )
    sheet.write_text("date,title,act,victim,witness account\n" + rows, encoding="utf-8")
    with translation.override(language):
        run(files, personas)
    notes = [incident.description for incident in Incident.objects.order_by("pk")]
    assert "witness account: saw Ruslan taken" in notes[0]
    assert len(search_texts("Ruslan", personas.member).hits) == 1
    assert len(search_texts("taken", personas.member).hits) == 5
    for label in ("witness", "account", "imported", "file", "импортированного", "файла"):
        assert search_texts(label, personas.member).hits == [], label


WITNESSES = ["saw Ruslan taken", "neighbours saw him taken", *["taken at night"] * 3]
