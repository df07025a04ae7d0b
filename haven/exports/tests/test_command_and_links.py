"""The ``haven export`` command, the lists' "Export" links, and the roles setting."""

from __future__ import annotations

import csv
import io
import stat

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from conftest import sign_in
from haven.audit.context import Channel, audit_context
from haven.audit.models import AuditEntry
from haven.exports.tests.conftest import NAME, REASON, sha256, xlsx_parts


def export(*args, **options):
    err = io.StringIO()
    with audit_context(Channel.CLI):
        call_command("export", *args, stderr=err, **options)
    return err.getvalue()


def test_the_command_writes_the_file_for_its_owner_alone_and_records_it(personas, world, tmp_path):
    out = tmp_path / "people.xlsx"
    said = export("people", by=personas.member.email, out=str(out), team=personas.team.name)
    data = out.read_bytes()
    assert "<f>" not in "".join(xlsx_parts(data).values())
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert "2 of 2 rows" in said and sha256(data) in said
    entry = AuditEntry.objects.get(action="exports.export.downloaded")
    assert entry.channel == Channel.CLI and entry.actor == personas.member
    assert "people xlsx pseudonymised, 2 rows" in entry.summary
    assert f"sha256 {sha256(data)}" in entry.summary


def test_the_command_applies_the_lists_filters_and_names_people_only_when_allowed(
    personas, world, tmp_path
):
    out = tmp_path / "cases.csv"
    export("cases", by=personas.member.email, out=str(out), filter=["status=closed"])
    rows = [row for row in csv.reader(io.StringIO(out.read_text("utf-8-sig"))) if row]
    assert [row for row in rows if not row[0].startswith("#")][1:] == []
    with pytest.raises(CommandError, match="may not make identifying exports"):
        export("people", by=personas.member.email, out=str(out), identifying=True, reason=REASON)
    with pytest.raises(CommandError, match="Say why"):
        export("people", by=personas.read_only.email, out=str(out), identifying=True)
    with pytest.raises(CommandError, match="not a member"):
        export("people", by=personas.read_only.email, out=str(out), team="Other desk")
    export(
        "people",
        by=personas.read_only.email,
        out=str(out),
        identifying=True,
        reason=REASON,
        format="json",
    )
    assert NAME in out.read_text("utf-8")


def test_list_pages_carry_their_filters_to_the_export(client, personas, world):
    sign_in(client, personas.member)
    html = client.get(reverse("cases:list"), {"status": "intake", "sort": "code"}).content
    assert b'href="/export/cases/?status=intake&amp;sort=code"' in html
    # A lookup was POSTed: the export is a form that posts it on, never a link with it.
    html = client.post(reverse("people:list"), {"q": "Селимханов"}).content.decode()
    assert 'action="/export/people/"' in html
    assert "/export/people/?q=" not in html
    page = client.post(reverse("exports:page", kwargs={"kind": "people"}), {"q": "Селимханов"})
    html = page.content.decode()
    assert "1 row will be exported" in html
    assert '<input type="hidden" name="q" value="Селимханов">' in html
    assert "Find: Селимханов" in html
    for name in ("incidents:list", "sources:list", "incidents:statistics"):
        assert b"/export/" in client.get(reverse(name)).content, name


def test_unknown_roles_in_the_setting_stop_the_start(settings):
    from django.apps import apps

    from haven.lib.env import ConfigError

    settings.HAVEN_EXPORT_IDENTIFYING_ROLES = ["lawyer", "janitor"]
    with pytest.raises(ConfigError, match="janitor"):
        apps.get_app_config("exports").ready()
