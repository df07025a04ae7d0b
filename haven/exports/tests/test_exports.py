"""Exports: only what the user may see, as the list is filtered, pseudonymised unless
an allowed role gives a reason, without the people who refused consent, safe to open
in a spreadsheet, and on the record with the checksum of the bytes sent."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.urls import reverse

from conftest import sign_in
from haven.audit.models import AuditEntry
from haven.cases.actions import record_consent
from haven.exports.tests.conftest import (
    CANARIES,
    CASE_TITLE,
    INCIDENT_TITLE,
    NAME,
    PHONE,
    REASON,
    THEIR_NAME,
    download,
    readable,
    sha256,
    xlsx_parts,
)
from haven.vocab.models import term

KINDS = ["people", "cases", "incidents", "sources", "statistics"]
FORMATS = ["csv", "xlsx", "json"]


def rows_of(body: bytes) -> list[list[str]]:
    """A CSV export's header and rows, without its closing ``#`` lines."""
    lines = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    return [line for line in lines if line and not line[0].startswith("#")]


def column(body: bytes, header: str) -> list[str]:
    header_row, *rows = rows_of(body)
    index = header_row.index(header)
    return [row[index] for row in rows]


def test_the_export_page_counts_the_rows_and_offers_names_only_to_allowed_roles(
    client, personas, world
):
    sign_in(client, personas.member)  # a caseworker
    page = client.get(reverse("exports:page", kwargs={"kind": "people"}))
    html = page.content.decode()
    assert "2 rows will be exported" in html
    assert 'value="identifying"' not in html
    assert 'name="export-reason"' not in html
    assert "Identifying exports, with names, can be made by these roles" in html
    sign_in(client, personas.read_only)  # a lawyer, read-only on the team
    html = client.get(reverse("exports:page", kwargs={"kind": "incidents"})).content.decode()
    assert "2 rows will be exported" in html  # one act, and an incident without acts
    assert 'value="identifying"' in html
    assert 'name="export-reason"' in html
    # Statistics are counts: there is nothing to name.
    html = client.get(reverse("exports:page", kwargs={"kind": "statistics"})).content.decode()
    assert 'value="identifying"' not in html
    assert client.get(reverse("exports:page", kwargs={"kind": "nothing"})).status_code == 404


def test_a_pseudonymised_export_names_no_one_in_any_format(client, personas, world):
    sign_in(client, personas.read_only)
    for kind in KINDS:
        for fmt in FORMATS:
            response, body = download(client, kind, format=fmt)
            text = readable(body, fmt)
            leaked = [value for value in CANARIES if value in text]
            assert not leaked, f"{kind} {fmt} carries {leaked}"
            assert "pseudonymised" in response["Content-Disposition"]
            if kind in ("people", "cases", "incidents", "requests"):
                assert world.person.code in text, f"{kind} {fmt} lacks the person's code"
    people = download(client, "people")[1]
    by_code = {row[0]: row for row in rows_of(people)}
    header = by_code.pop("Code")
    person = dict(zip(header, by_code[world.person.code], strict=True))
    assert person["Birth year"] == "1996"
    assert person["Region"] == "Chechen Republic"  # from "ул. …, Грозный"
    unit = dict(zip(header, by_code[world.unit.code], strict=True))
    assert unit["Birth year"] == unit["Region"] == ""
    incidents = download(client, "incidents")[1]
    assert "Chechen Republic" in column(incidents, "Region")


def test_an_identifying_export_names_people_and_is_on_the_record(client, personas, world):
    sign_in(client, personas.read_only)
    response, body = download(client, "people", variant="identifying", reason=REASON)
    text = body.decode("utf-8-sig")
    assert NAME in text and "'" + PHONE in text and "1996-05-17" in text
    assert "identifying" in response["Content-Disposition"]
    entry = AuditEntry.objects.filter(action="exports.export.downloaded").get()
    assert entry.actor == personas.read_only
    assert entry.channel == "web"
    assert f"sha256 {sha256(body)}" in entry.summary
    assert f"reason: {REASON}" in entry.summary
    assert "people csv identifying, 2 rows" in entry.summary
    assert f"people.person:{world.person.uuid}" in entry.records
    assert NAME not in entry.summary
    # An XLSX is checked the same way: the hash is of the bytes received.
    response, body = download(client, "cases", format="xlsx")
    assert int(response["Content-Length"]) == len(body)
    entry = AuditEntry.objects.filter(action="exports.export.downloaded").latest("seq")
    assert f"sha256 {sha256(body)}" in entry.summary
    assert entry.records == [f"cases.case:{world.case.uuid}"]
    # An incident is listed once, however many of its acts the file has rows for.
    from haven.incidents.actions import record_act

    second = record_act(
        world.incident, by=personas.member, act_type=term("act_type", "threat"), victim=world.unit
    )
    download(client, "incidents")
    entry = AuditEntry.objects.filter(action="exports.export.downloaded").latest("seq")
    assert "incidents csv pseudonymised, 3 rows" in entry.summary
    assert entry.records.count(f"incidents.incident:{world.incident.uuid}") == 1
    assert {f"incidents.act:{world.act.uuid}", f"incidents.act:{second.uuid}"} <= set(entry.records)


def test_an_identifying_export_needs_an_allowed_role_and_a_reason(client, personas, world):
    sign_in(client, personas.member)  # a caseworker: not an allowed role by default
    before = AuditEntry.objects.filter(action__startswith="exports.").count()
    download(client, "people", variant="identifying", reason=REASON, status=403)
    assert AuditEntry.objects.filter(action="access.denied", actor=personas.member).exists()
    sign_in(client, personas.read_only)
    response, _body = download(client, "people", variant="identifying", reason="", status=400)
    assert "Say why this export needs names" in response.content.decode()
    response, _body = download(client, "people", variant="identifying", reason="x" * 9, status=400)
    download(client, "statistics", variant="identifying", reason=REASON, status=400)
    assert AuditEntry.objects.filter(action__startswith="exports.").count() == before


def test_the_roles_that_may_name_people_are_a_setting(client, personas, world, settings):
    settings.HAVEN_EXPORT_IDENTIFYING_ROLES = ["caseworker"]
    sign_in(client, personas.member)
    _response, body = download(client, "people", variant="identifying", reason=REASON)
    assert NAME in body.decode("utf-8-sig")
    sign_in(client, personas.read_only)
    download(client, "people", variant="identifying", reason=REASON, status=403)


def test_a_person_who_refused_consent_is_left_out_and_the_file_says_so(client, personas, world):
    person = world.person
    record_consent(
        person,
        by=personas.member,
        case=world.case,
        purpose=term("consent_purpose", "legal_action"),
        status="given",
        given_on=world.case.opened_on,
    )
    record_consent(
        person,
        by=personas.member,
        case=world.case,
        purpose=term("consent_purpose", "publication"),
        status="refused",
        given_on=world.case.opened_on,
    )
    sign_in(client, personas.read_only)
    _response, body = download(client, "people", variant="identifying", reason=REASON)
    text = body.decode("utf-8-sig")
    assert NAME not in text and PHONE not in text
    assert column(body, "Code") == [world.unit.code]
    assert "1 person left out because they refused or withdrew consent." in text
    entry = AuditEntry.objects.filter(action="exports.export.downloaded").latest("seq")
    assert "1 left out (consent)" in entry.summary
    assert f"people.person:{person.uuid}" not in entry.records
    # Other lists keep the rows about them, written by code only, and say so.
    for kind in ("cases", "incidents", "sources"):
        _response, body = download(
            client, kind, variant="identifying", reason=REASON, format="json"
        )
        found = json.loads(body)
        assert found["totals"]["people_left_out"] == 1, kind
        assert NAME not in body.decode(), kind
        assert CASE_TITLE not in body.decode() and INCIDENT_TITLE not in body.decode(), kind
        withheld = [row for row in found["rows"] if row["consent"]]
        assert withheld, kind
    incident_rows = json.loads(
        download(client, "incidents", variant="identifying", reason=REASON, format="json")[1]
    )["rows"]
    act_row = next(row for row in incident_rows if row["victim"])
    assert act_row["victim"] == person.code
    assert act_row["title"] is None and act_row["region"] == "Chechen Republic"
    # The quiet incident is about no one who refused: it keeps its title.
    assert any(row["title"] == "Threats by phone" for row in incident_rows)
    # A pseudonymised export is not affected: it names no one anyway.
    assert person.code in column(download(client, "people")[1], "Code")
    # Consent given again, later, for that purpose: the person is named again.
    record_consent(
        person,
        by=personas.member,
        case=world.case,
        purpose=term("consent_purpose", "publication"),
        status="given",
        given_on=world.case.opened_on,
    )
    _response, body = download(client, "people", variant="identifying", reason=REASON)
    assert NAME in body.decode("utf-8-sig")
    assert "0 people left out" in body.decode("utf-8-sig")


def test_cells_that_would_run_as_formulas_stay_text(client, personas):
    from haven.people.actions import add_person

    dangers = {
        "name": '=HYPERLINK("http://example.org/x","click")',
        "nationality": "+1+1",
        "notes": "@SUM(A1:A2)",
        "languages": ["-2+3"],
        "nicknames": ["\t=1+1"],
    }
    add_person(team=personas.team, by=personas.member, **dangers)
    sign_in(client, personas.read_only)
    _response, body = download(client, "people", variant="identifying", reason=REASON)
    header, row = rows_of(body)
    cells = dict(zip(header, row, strict=True))
    assert cells["Name"] == "'" + dangers["name"]
    assert cells["Nationality"] == "'+1+1"
    assert cells["Notes"] == "'@SUM(A1:A2)"
    assert cells["Languages"] == "'-2+3"
    assert cells["Other name forms"] == "'\t=1+1"
    assert all(not cell.startswith(("=", "+", "-", "@")) for cell in row)

    _response, body = download(
        client, "people", variant="identifying", reason=REASON, format="xlsx"
    )
    parts = xlsx_parts(body)
    sheets = {name: xml for name, xml in parts.items() if name.startswith("xl/worksheets/")}
    assert len(sheets) == 2  # the rows, and About
    assert not any("<f>" in xml or "<f " in xml for xml in sheets.values())
    strings = parts["xl/sharedStrings.xml"]
    assert '<t>=HYPERLINK("http://example.org/x","click")</t>' in strings
    assert "@SUM(A1:A2)" in strings
    assert 'quotePrefix="1"' in parts["xl/styles.xml"]
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_filelike(io.BytesIO(body))
    first = workbook.get_sheet_by_index(0).to_python()
    assert first[1][first[0].index("Name")] == dangers["name"]


def test_no_export_writes_a_temporary_file(client, personas, world, monkeypatch):
    """Nothing readable goes to disk: every format is made in memory."""
    import tempfile

    def refuse(*args, **kwargs):
        raise AssertionError("an export tried to write a temporary file")

    for name in ("mkstemp", "mkdtemp", "TemporaryFile", "NamedTemporaryFile"):
        monkeypatch.setattr(tempfile, name, refuse)
    monkeypatch.setattr(tempfile, "SpooledTemporaryFile", refuse)
    sign_in(client, personas.read_only)
    for fmt in FORMATS:
        _response, body = download(
            client, "incidents", variant="identifying", reason=REASON, format=fmt
        )
        assert INCIDENT_TITLE in readable(body, fmt)


def test_a_json_export_is_one_valid_object(client, personas, world):
    sign_in(client, personas.read_only)
    response, body = download(client, "incidents", format="json")
    assert response["Content-Type"] == "application/json; charset=utf-8"
    found = json.loads(body)
    assert found["about"]["kind"] == "incidents"
    assert found["about"]["variant"] == "pseudonymised"
    keys = [column["key"] for column in found["about"]["columns"]]
    assert "title" not in keys and "victim" in keys
    assert found["totals"]["rows"] == len(found["rows"]) == 2
    assert {row["incident"] for row in found["rows"]} == {world.incident.code, world.quiet.code}


def test_an_export_holds_what_the_list_shows_as_filtered(client, personas, world):
    sign_in(client, personas.read_only)
    # A lookup, POSTed as on the list: only the person it finds.
    body = download(client, "people", list_data={"q": "Селимханов"})[1]
    assert column(body, "Code") == [world.person.code]
    assert "Find: given (not written in a pseudonymised export)" in body.decode("utf-8-sig")
    assert "Селимханов" not in body.decode("utf-8-sig")
    # The list's order.
    body = download(client, "people", list_data={"sort": "-code"})[1]
    assert column(body, "Code") == sorted([world.person.code, world.unit.code], reverse=True)
    # A filter of the case list: none of the cases is closed.
    body = download(client, "cases", list_data={"status": "closed"})[1]
    assert column(body, "Code") == []
    assert "Status: Closed" in body.decode("utf-8-sig")
    body = download(client, "cases", list_data={"status": "intake"})[1]
    assert column(body, "Code") == [world.case.code]
    # Incidents with a type of act: the one without acts is not among them.
    torture = term("act_type", "torture")
    body = download(client, "incidents", list_data={"act_type": torture.pk})[1]
    assert column(body, "Incident") == [world.incident.code]
    # Filters that are not valid are not "no filters".
    response, _body = download(client, "cases", list_data={"status": "nonsense"}, status=400)
    assert "filters are not valid" in response.content.decode()


def test_an_export_holds_only_what_the_user_may_see(client, personas, world):
    sign_in(client, personas.outsider)  # a member of another team
    for kind in KINDS:
        _response, body = download(client, kind, format="json")
        text = body.decode()
        for record in (world.person, world.unit, world.case, world.incident, world.source):
            assert record.code not in text, f"{kind} shows {record.code}"
    people = json.loads(download(client, "people", format="json")[1])["rows"]
    assert [row["code"] for row in people] == [world.stranger.code]
    sign_in(client, personas.administrator)  # manages users, not the team's records
    for kind in KINDS:
        found = json.loads(download(client, kind, format="json")[1])
        assert found["rows"] == [], kind
    assert THEIR_NAME  # the other team's person is theirs alone


def test_a_russian_export_has_russian_labels(client, personas, world):
    personas.read_only.language = "ru"
    personas.read_only.save()
    sign_in(client, personas.read_only)
    _response, body = download(client, "people")
    header = rows_of(body)[0]
    assert header[:2] == ["Код", "Тип"]
    assert "Команда" in header and "Регион" in header
    assert "Человек" in column(body, "Тип")
    body = download(client, "statistics")[1]
    assert "Действия по регионам" in body.decode("utf-8-sig")


def test_the_statistics_export_holds_the_pages_counts(client, personas, world):
    sign_in(client, personas.member)
    found = json.loads(download(client, "statistics", format="json")[1])
    rows = [
        (row["table"], row["month"], row["act_type"], row["region"], row["acts"])
        for row in found["rows"]
    ]
    assert rows == [
        ("Acts per month, by type", "2020-04", "Torture", None, 1),
        ("Acts per region", None, None, "Chechen Republic", 1),
    ]


def test_an_xlsx_export_has_a_row_limit(client, personas, world, settings):
    settings.HAVEN_EXPORT_XLSX_MAX_ROWS = 1
    sign_in(client, personas.member)
    response, _body = download(client, "people", format="xlsx", status=400)
    assert "more than 1 rows" in response.content.decode()
    download(client, "people", format="csv")  # CSV streams: no limit


def test_a_download_cut_short_is_on_the_record(personas, world):
    from haven.exports.actions import start_export

    export = start_export("people", by=personas.member, format="json")
    pieces = export.chunks()
    first = next(pieces)
    # The browser went away: the server closes the response, which closes this.
    pieces.close()
    entry = AuditEntry.objects.get(action="exports.export.interrupted")
    assert f"interrupted after {len(first)} bytes" in entry.summary
    assert f"sha256 {sha256(first)}" in entry.summary
    assert not AuditEntry.objects.filter(action="exports.export.downloaded").exists()


@pytest.mark.parametrize("kind", ["people", "cases", "incidents", "sources", "requests"])
def test_an_export_takes_as_many_queries_for_many_rows_as_for_one(client, personas, kind):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from haven.exports.tests.conftest import add_rows

    add_rows(personas, kind, 1)
    sign_in(client, personas.read_only)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            download(client, kind, variant="identifying", reason=REASON)
        return len(captured)

    queries()  # caches filled on first use don't count
    one = queries()
    add_rows(personas, kind, 6)
    assert queries() == one


def test_the_requests_waiting_for_a_case_export_with_their_requester(client, personas, world):
    from haven.exports.tests.conftest import REQUEST_SUMMARY, REQUESTER_AS_GIVEN

    sign_in(client, personas.read_only)
    html = client.get(reverse("cases:requests")).content.decode()
    assert reverse("exports:page", kwargs={"kind": "requests"}) in html
    body = download(client, "requests", variant="identifying", reason=REASON)[1]
    rows = rows_of(body)
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Urgency"] == "Immediate danger"
    assert row["Requester"] == f"{world.person.code} {NAME}"
    assert row["Requester as given"] == REQUESTER_AS_GIVEN
    assert row["Summary"] == REQUEST_SUMMARY
    assert len(rows) == 2  # the other desk's requests are not theirs to see
    pseudonymised = dict(zip(*rows_of(download(client, "requests")[1])[:2], strict=True))
    assert pseudonymised["Requester"] == world.person.code
    assert "Summary" not in pseudonymised
