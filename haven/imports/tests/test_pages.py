"""The Import pages as a member uses them: upload, map, preview, check, import; and who
may do what."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import sign_in
from haven.audit.models import AuditEntry
from haven.imports.models import ImportedRecord, ImportJob
from haven.incidents.models import Act, Incident
from haven.people.models import Person

CSV = (
    "Id,date,event_type,victims,place,comment\n"
    "1,04.12.2011,митинг,Иван Петров; Anna Smirnova,Moscow,first\n"
    "2,05.12.2011,Rally,Иван Петров,Грозный,\n"
).encode()


@pytest.fixture
def gazetteer(db):
    from haven.locations.gazetteer import load

    load()


def upload(client, personas, data=CSV, name="detentions.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        reverse("imports:upload"),
        {"file": SimpleUploadedFile(name, data), "team": personas.team.pk},
    )


def post_mapping(client, job, **extra):
    data = {
        "target": "incidents",
        "col-0": "ignore",
        "col-1": "incident.start",
        "col-2": "act.act_type",
        "col-3": "victim.name",
        "col-4": "incident.location",
        "col-5": "",
        "date_order": "DMY",
        "century": "50",
        "const-incident.title": "Detentions at a rally",
        **extra,
    }
    return client.post(reverse("imports:mapping", args=[job.uuid]), data)


def test_member_imports_a_file_through_the_pages(client, personas, gazetteer):
    sign_in(client, personas.member)
    response = upload(client, personas)
    assert response.status_code == 302, response.content.decode()[:2000]
    job = ImportJob.objects.get()
    page = client.get(response["Location"]).content.decode()
    assert "event_type" in page and "04.12.2011" in page
    post_mapping(client, job)
    page = client.get(reverse("imports:detail", args=[job.uuid])).content.decode()
    # Both values of the event column are listed for mapping; the places were found.
    assert "митинг" in page and "Rally" in page
    response = post_mapping(
        client,
        job,
        **{"val-2-0": "arbitrary_detention", "val-2-1": "arbitrary_detention", "check": "1"},
    )
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKED, job.error
    assert job.problem_count == 0, job.problems
    assert Incident.objects.count() == 0  # a check saves nothing
    client.post(reverse("imports:start", args=[job.uuid]))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE, job.error
    assert Incident.objects.count() == 2
    assert Act.objects.count() == 3
    # Иван Петров is on both rows: one person.
    assert Person.objects.count() == 2
    first = Incident.objects.get(start_earliest="2011-12-04")
    assert first.location.name_en == "Moscow"
    assert "comment: first" in first.description
    assert ImportedRecord.objects.filter(job=job).count() == 2 + 3 + 2
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {
        "imports.import.started",
        "imports.import.finished",
        "incidents.incident.created",
    } <= actions


def test_a_problem_is_shown_with_its_row_and_nothing_is_saved(client, personas, gazetteer):
    sign_in(client, personas.member)
    upload(client, personas, CSV + b"3,31.02.2011,Rally,X,,\n")
    job = ImportJob.objects.get()
    post_mapping(
        client,
        job,
        **{"val-2-0": "arbitrary_detention", "val-2-1": "arbitrary_detention", "check": "1"},
    )
    job.refresh_from_db()
    assert job.problem_count == 1
    assert job.problems[0]["row"] == 4 and job.problems[0]["column"] == "date"
    page = client.get(reverse("imports:detail", args=[job.uuid])).content.decode()
    assert "31.02.2011" in page
    response = client.post(reverse("imports:start", args=[job.uuid]))
    assert Incident.objects.count() == 0 and Person.objects.count() == 0
    assert response.status_code == 302


def test_read_only_member_and_outsider_cannot_import(client, personas):
    sign_in(client, personas.read_only)
    response = upload(client, personas)
    assert response.status_code == 403
    assert ImportJob.objects.count() == 0
    sign_in(client, personas.member)
    upload(client, personas)
    job = ImportJob.objects.get()
    for user, status in ((personas.outsider, 404), (personas.read_only, 403)):
        sign_in(client, user)
        assert client.post(reverse("imports:check", args=[job.uuid])).status_code == status
        assert client.post(reverse("imports:start", args=[job.uuid])).status_code == status
    sign_in(client, personas.outsider)
    assert client.get(reverse("imports:detail", args=[job.uuid])).status_code == 404


def test_uploaded_file_is_not_readable_at_rest(client, personas, settings):
    from pathlib import Path

    sign_in(client, personas.member)
    upload(client, personas)
    stored = list(Path(settings.HAVEN_EVIDENCE_DIR).rglob("*.hev"))
    assert stored
    for path in stored:
        assert "Петров".encode() not in path.read_bytes()
        assert b"Rally" not in path.read_bytes()


def _formula_workbook() -> bytes:
    import io

    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet()
    sheet.write_string(0, 0, "name")
    sheet.write_formula(1, 0, '=HYPERLINK("http://example.org","click")')
    book.close()
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("people.csv", b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, "PNG"),
        ("people.xlsx", _formula_workbook(), "formula"),
        ("people.csv", b"name\n" + b"\x00\xff" * 50, ""),
    ],
)
def test_hostile_files_are_refused_on_the_page_and_nothing_is_kept(
    client, personas, settings, name, data, says
):
    from pathlib import Path

    sign_in(client, personas.member)
    response = upload(client, personas, data, name)
    assert response.status_code == 400
    page = response.content.decode()
    assert says.lower() in page.lower()
    assert 'class="errorlist' in page
    assert ImportJob.objects.count() == 0
    assert not list(Path(settings.HAVEN_EVIDENCE_DIR).rglob("*.hev"))
    assert not list(Path(settings.HAVEN_EVIDENCE_DIR).rglob("*.part"))


def test_an_import_under_way_updates_its_progress_in_place(client, personas):
    """The progress is asked for again by haven.js and replaced in place (focus stays
    where it is); without a script the whole page reloads. Done, it asks no more."""
    sign_in(client, personas.member)
    upload(client, personas)
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.RUNNING, total_rows=2, done_rows=1
    )
    url = reverse("imports:detail", kwargs={"uuid": job.uuid})
    html = client.get(url).content.decode()
    assert '<div id="import-progress" data-refresh="2">' in html
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in html
    assert "1 of 2 rows imported." in html
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.DONE, done_rows=2)
    html = client.get(url).content.decode()
    assert '<div id="import-progress">' in html and "refresh" not in html
