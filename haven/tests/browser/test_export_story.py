"""Exporting in the browser, with JavaScript off: a lookup on the people list goes on to
the export page, and an identifying workbook downloads with its audit entry."""

import hashlib
import io
import zipfile
from pathlib import Path

from conftest import add_totp
from haven.accounts.models import Membership, Role
from haven.accounts.tests.factories import TeamFactory, UserFactory
from haven.audit.models import AuditEntry
from haven.people.actions import add_person
from haven.tests.browser.conftest import sign_in_through_page


def test_a_lookup_exported_as_a_workbook_without_javascript(
    browser, live_server, shoot, transactional_db
):
    team = TeamFactory(name="North Caucasus desk")
    lawyer = UserFactory(email="lawyer@example.org", role=Role.LAWYER)
    Membership.objects.create(team=team, user=lawyer)
    device = add_totp(lawyer)
    salman = add_person(team=team, by=lawyer, name="Салман Тагиров")
    add_person(team=team, by=lawyer, name="Ислам Бетиев")
    context = browser.new_context(
        base_url=live_server.url, locale="en-GB", java_script_enabled=False, accept_downloads=True
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        sign_in_through_page(page, lawyer, device)
        page.goto("/people/")
        page.get_by_label("Find:").fill("Тагиров")
        page.get_by_role("button", name="Find").click()
        shoot(page, "people-list")
        page.get_by_role("button", name="Export").click()
        page.wait_for_url("**/export/people/")
        assert "1 row will be exported" in page.get_by_test_id("export-rows").inner_text()
        page.get_by_label("Excel workbook (XLSX)").check()
        page.get_by_label("Identifying", exact=True).check()
        page.get_by_label("Reason for an identifying export:").fill("Application to the ECHR")
        shoot(page, "export-page")
        with page.expect_download() as waiting:
            page.get_by_role("button", name="Download").click()
        download = waiting.value
        data = Path(download.path()).read_bytes()
    finally:
        context.close()
    assert download.suggested_filename.startswith("haven-people-identifying-")
    with zipfile.ZipFile(io.BytesIO(data)) as workbook:
        strings = workbook.read("xl/sharedStrings.xml").decode()
    assert "Салман Тагиров" in strings and "Ислам Бетиев" not in strings
    entry = AuditEntry.objects.get(action="exports.export.downloaded")
    assert hashlib.sha256(data).hexdigest() in entry.summary
    assert entry.records == [f"people.person:{salman.uuid}"]
