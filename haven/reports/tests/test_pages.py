"""The report pages: the builder in English and Russian, saved reports, downloads read
back (PDF text and a page image, XLSX, CSV), audit, and "report figures only"."""

import io
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse

from conftest import sign_in
from haven.audit.models import AuditEntry
from haven.documents.testing import pdf_pages, pdf_text
from haven.incidents.models import Act, Incident
from haven.people.models import Person
from haven.reports.models import ReportDefinition

pytestmark = pytest.mark.django_db


def client_for(user, language=""):
    if language:
        user.language = language
        user.save()
    client = Client()
    sign_in(client, user)
    return client


def report_url(name="reports:index", **params):
    params = {"rows": "act_type", "measure": "acts", "period": "year", "level": "region", **params}
    return f"{reverse(name)}?{urlencode(params, doseq=True)}"


def test_the_builder_shows_the_table_chart_and_threshold(world, personas, settings):
    settings.HAVEN_REPORT_MIN_CELL = 2
    response = client_for(personas.member).get(report_url(columns="period"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="report-table"' in html and 'data-testid="report-chart"' in html
    assert "Arbitrary detention" in html and "&lt; 2" in html  # torture 2020: 1
    assert AuditEntry.objects.filter(action="report.run").count() == 1


def test_the_builder_works_in_russian(world, personas):
    response = client_for(personas.member, "ru").get(report_url(rows="region"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'lang="ru"' in html
    assert "Чеченская Республика" in html  # the gazetteer's Russian names


def test_a_report_over_nothing_says_so(personas):
    response = client_for(personas.member).get(report_url())
    assert response.status_code == 200
    assert 'data-testid="report-empty"' in response.content.decode()


def test_a_query_naming_only_the_rows_takes_the_defaults_for_the_rest(world, personas):
    url = f"{reverse('reports:index')}?rows=gender"
    response = client_for(personas.member).get(url)
    html = response.content.decode()
    assert response.status_code == 200, html
    assert 'data-testid="report-table"' in html and "This field is required" not in html


def test_a_bad_definition_is_a_400_that_names_the_field(personas):
    response = client_for(personas.member).get(report_url(rows="names"))
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_report_figures_only_sees_figures_and_no_record(world, personas):
    """The analyst has "report figures only" on both teams: every figure, no record."""
    analyst = client_for(world.analyst)
    response = analyst.get(report_url())
    assert response.status_code == 200
    assert "<strong>7</strong>" in response.content.decode()  # 5 + 2 acts of both teams
    assert not Person.objects.visible_to(world.analyst).exists()
    assert not Act.objects.visible_to(world.analyst).exists()
    assert not Incident.objects.visible_to(world.analyst).exists()
    person = Person.objects.filter(team=personas.team).first()
    for url in (
        reverse("people:detail", kwargs={"uuid": person.uuid}),
        reverse("incidents:detail", kwargs={"uuid": world.grozny.uuid}),
    ):
        assert analyst.get(url).status_code == 404, url
    for name in ("people:list", "incidents:list"):
        html = analyst.get(reverse(name)).content.decode()
        assert person.code not in html and world.grozny.code not in html
    found = analyst.get(reverse("search:search"), {"q": "Ibragim"}).content.decode()
    assert person.code not in found


def test_admin_pages_offer_report_figures_only(personas):
    admin = client_for(personas.administrator)
    html = admin.get(reverse("admin:team", kwargs={"uuid": personas.team.uuid})).content.decode()
    assert 'value="aggregate"' in html


def test_save_rerun_and_delete_a_report(world, personas):
    member = client_for(personas.member)
    params = {"rows": "gender", "columns": "", "measure": "victims", "period": "year"}
    params |= {"level": "region", "name": "Victims by gender", "team": str(personas.team.uuid)}
    response = member.post(reverse("reports:save"), params)
    saved = ReportDefinition.objects.get(name="Victims by gender")
    assert response.status_code == 302
    assert saved.definition["rows"] == "gender" and saved.created_by == personas.member
    rerun = member.get(reverse("reports:saved", kwargs={"uuid": saved.uuid}), follow=True)
    assert (
        "Victim&#x27;s gender" in rerun.content.decode()
        or "gender" in rerun.request["QUERY_STRING"]
    )
    assert "Victims by gender" in rerun.content.decode()
    # Another team's member does not see it.
    outsider = client_for(personas.outsider)
    assert outsider.get(reverse("reports:saved", kwargs={"uuid": saved.uuid})).status_code == 404
    assert outsider.post(reverse("reports:delete", kwargs={"uuid": saved.uuid})).status_code == 404
    member.post(reverse("reports:delete", kwargs={"uuid": saved.uuid}))
    assert not ReportDefinition.objects.exists()
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"report.saved", "report.deleted", "report.run"} <= actions


def test_the_pdf_says_what_the_page_says(world, personas):
    response = client_for(personas.member).get(
        report_url("reports:download", columns="period", format="pdf", language="en")
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    for words in ("Pattern report", "Type of act", "Period (Year)", "Arbitrary detention"):
        assert words in text, words
    assert "< 5" in text and "SHA-256" in text
    assert "Smallest figure shown" in text
    pages = pdf_pages(response.content, "report-en")
    assert pages and pages[0].stat().st_size > 1000
    assert AuditEntry.objects.filter(action="report.downloaded").count() == 1


def test_the_pdf_in_russian_and_its_figures(world, personas, settings):
    settings.HAVEN_REPORT_MIN_CELL = 1  # every figure shown
    response = client_for(personas.member).get(
        report_url("reports:download", rows="region", format="pdf", language="ru")
    )
    text = pdf_text(response.content)
    assert "Чеченская Республика" in text and "Республика Дагестан" in text
    lines = {line.split()[-1] for line in text.splitlines() if "Чеченская" in line}
    assert "3" in lines
    pdf_pages(response.content, "report-ru")


def test_the_workbook_and_the_csv_hold_the_same_figures(world, personas, settings):
    from python_calamine import CalamineWorkbook

    settings.HAVEN_REPORT_MIN_CELL = 2
    member = client_for(world.analyst)  # 4 detentions, 2 tortures, 1 threat
    response = member.get(report_url("reports:download", format="xlsx"))
    assert response.status_code == 200
    sheets = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    rows = sheets.get_sheet_by_index(0).to_python()
    assert rows[0] == ["Type of act", "Acts"]
    figures = {row[0]: row[1] for row in rows[1:]}
    assert figures["Arbitrary detention"] == 4
    assert figures["Threat"] == "< 2"
    assert figures["Torture"] == "×"  # or the total would give the threat away
    assert figures["Total"] == 7
    about = sheets.get_sheet_by_index(1).to_python()
    assert ["Smallest figure shown", "2"] in [list(map(str, row)) for row in about]
    csv = member.get(report_url("reports:download", format="csv")).content.decode("utf-8-sig")
    assert "Arbitrary detention,4" in csv and "Threat,< 2" in csv and "Torture,×" in csv


def test_a_download_in_an_unknown_format_is_refused(personas):
    response = client_for(personas.member).get(report_url("reports:download", format="exe"))
    assert response.status_code == 400
