"""A documenter brings in two spreadsheets shaped like the ones organisations keep (protest
detentions in Russian and English with DD.MM.YYYY dates; incidents in English and Arabic
with US two-digit-year dates and placeholder columns), building the mapping on the page."""

from __future__ import annotations

import csv
import io

from conftest import add_totp
from haven.accounts.models import Membership
from haven.accounts.tests.factories import TeamFactory, UserFactory
from haven.imports.models import ImportJob
from haven.incidents.models import Incident
from haven.tests.browser.conftest import sign_in_through_page

# Made for this test in the shape of OVD-Info's list of detentions (its columns, its
# date format, its two languages side by side); the events are invented.
DETENTIONS = [
    [
        "Id",
        "date",
        "agreement",
        "agreement_eng",
        "event_type",
        "event_type_eng",
        "subject",
        "subject_eng",
        "description",
        "description_eng",
        "place",
        "number_of_detentions",
        "links",
    ],
    [
        "1",
        "04.12.2011",
        "не согласовано",
        "Unauthorised",
        "митинг",
        "Rally",
        "За выборы",
        "For elections",
        "Сход у площади",
        "Gathering at the square",
        "Москва",
        "198",
        "http://example.org/1",
    ],
    [
        "2",
        "05.12.2011",
        "согласовано",
        "Authorised",
        "пикет",
        "Picket",
        "За выборы",
        "For elections",
        "Пикет у суда",
        "Picket at the court",
        "чистые пруды",
        "12",
        "http://example.org/2",
    ],
    [
        "3",
        "24.12.2011",
        "согласовано",
        "Authorised",
        "митинг",
        "Rally",
        "За выборы",
        "For elections",
        "Митинг на проспекте",
        "Rally on the avenue",
        "Санкт-Петербург",
        "0",
        "",
    ],
]
# In the shape of the Syrian Archive's incident list: English and Arabic columns, US dates
# with two-digit years and a time, empty placeholder columns; the incidents are invented.
ATTACKS = [
    [
        "unique_event_ID",
        "location_name",
        "location_name_ar",
        "geo_accuracy",
        "date_time",
        "event_summary",
        "event_summary_ar",
        "type_of_violation",
        "sources",
        "number_1: *RENAME*",
        "tag_1: *RENAME*",
        "Column",
        "COMMENTS / QUERIES",
    ],
    [
        "CW_1",
        "Ayn Tarma",
        "عين ترما",
        "APPROXIMATE",
        "08/21/13 12:00 AM",
        "Casualties of an attack",
        "حالات الإغماء",
        "Use of illegal weapons",
        "Media office",
        "",
        "",
        "",
        "",
    ],
    [
        "CW_2",
        "Zamalka",
        "زملكا",
        "APPROXIMATE",
        "08/22/13 12:00 AM",
        "Shelling of a district",
        "قصف",
        "Use of illegal weapons",
        "Coordinating committee",
        "",
        "",
        "",
        "check the date",
    ],
]


def _csv(rows) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


def _map(page, column: str, field: str) -> None:
    page.get_by_label(column, exact=True).select_option(label=field)


def _import(page, shoot, name: str, data: bytes, mapping: dict, tag: str, dates: str):
    page.goto("/imports/")
    page.get_by_label("Spreadsheet (CSV, XLSX or ODS)").set_input_files(
        {"name": name, "mimeType": "text/csv", "buffer": data}
    )
    page.get_by_role("button", name="Upload and map the columns").click()
    page.wait_for_url("**/imports/*/")
    assert "Read as CSV" in page.inner_text("main")
    for column, field in mapping.items():
        _map(page, column, field)
    page.get_by_label("Dates written as").select_option(label=dates)
    page.get_by_role("button", name="Save and preview").click()
    preview = page.locator("section", has_text="Preview: the first rows").inner_text()
    shoot(page, f"{tag}-mapped")
    page.get_by_role("button", name="Save and check every row").click()
    page.get_by_text("rows can be imported").wait_for()
    page.get_by_role("button", name="Import").click()
    page.get_by_text("rows imported.").wait_for()
    shoot(page, f"{tag}-done")
    return preview


def test_both_shapes_import_through_the_page(page, shoot, transactional_db):
    team = TeamFactory(name="Documentation")
    user = UserFactory(email="documenter@example.org")
    Membership.objects.create(team=team, user=user, access=Membership.Access.MEMBER)
    sign_in_through_page(page, user, add_totp(user))

    preview = _import(
        page,
        shoot,
        "detentions.csv",
        _csv(DETENTIONS),
        {
            "date": "Incident: date *",
            "description": "Incident: title *",
            "description_eng": "Incident: description",
            "place": "Incident: place",
            "links": "Source: address (URL)",
            "Id": "— leave out —",
        },
        "detentions",
        "day.month.year (31.12.2020)",
    )
    # The preview shows the first row as it will be created, dates read day first.
    assert "Сход у площади" in preview and "December 4, 2011" in preview
    detentions = Incident.objects.filter(team=team).order_by("start_earliest")
    assert detentions.count() == 3
    assert [i.start.earliest.isoformat() for i in detentions] == [
        "2011-12-04",
        "2011-12-05",
        "2011-12-24",
    ]
    # Unmapped columns are kept in the description; the Id column was left out.
    assert "number_of_detentions: 198" in detentions[0].description
    assert "Id:" not in detentions[0].description
    assert detentions[0].information.count() == 1

    _import(
        page,
        shoot,
        "attacks.csv",
        _csv(ATTACKS),
        {
            "date_time": "Incident: date *",
            "event_summary": "Incident: title *",
            "event_summary_ar": "Incident: description",
            "location_name": "Incident: place",
            "sources": "Source: title",
            "number_1: *RENAME*": "— leave out —",
            "tag_1: *RENAME*": "— leave out —",
        },
        "attacks",
        "month/day/year (12/31/20, US)",
    )
    attacks = Incident.objects.filter(team=team, start_earliest__year=2013)
    assert sorted(i.start.earliest.isoformat() for i in attacks) == ["2013-08-21", "2013-08-22"]
    first = attacks.get(start_earliest="2013-08-21")
    assert "حالات الإغماء" in first.description
    # A place the gazetteer does not know is kept, as written, in the description.
    assert "location_name: Ayn Tarma" in first.description
    assert ImportJob.objects.filter(status=ImportJob.Status.DONE).count() == 2
