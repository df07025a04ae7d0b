"""Capture a saved news page, cite it on an incident, and download its evidence bundle."""

import io
import zipfile

from conftest import add_totp
from haven.accounts.models import Membership, Role
from haven.accounts.tests.factories import TeamFactory, UserFactory
from haven.incidents import actions
from haven.lib.fuzzy_dates import FuzzyDate
from haven.sources import bundle
from haven.sources.models import Source
from haven.sources.tests.test_bundles_and_capture import ARTICLE
from haven.tests.browser.conftest import pick, sign_in_through_page


def test_capture_cite_and_bundle(page, shoot, transactional_db, tmp_path):
    team = TeamFactory(name="North Caucasus desk")
    documenter = UserFactory(email="doc@example.org", role=Role.DOCUMENTER)
    Membership.objects.create(team=team, user=documenter)
    device = add_totp(documenter)
    incident = actions.record_incident(
        team=team, by=documenter, title="Threats by relatives", start=FuzzyDate.parse("2021-02")
    )
    saved = tmp_path / "news.html"
    saved.write_text(ARTICLE, encoding="utf-8")
    sign_in_through_page(page, documenter, device)

    page.goto("/sources/capture/")
    page.get_by_label("Team:").select_option(label="North Caucasus desk")
    page.get_by_label("Or a saved page (.html):").set_input_files(str(saved))
    page.get_by_role("button", name="Capture").click()
    page.wait_for_url("**/sources/*/")
    assert "not yet clear what kind of protection" in page.locator(".source-text").inner_text()
    assert "Support us" not in page.locator(".source-text").inner_text()
    shoot(page, "captured")
    source = Source.objects.get()

    page.goto(f"/incidents/{incident.uuid}/sources/new/")
    pick(page, "Source:", source.code)
    page.get_by_label("The source's connection:").select_option(label="Media")
    page.get_by_label("Reliability of the source:").select_option(value="B")
    page.get_by_label("Credibility of the information:").select_option(value="2")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"**/incidents/{incident.uuid}/")
    assert source.code in page.content()

    page.goto("/sources/")
    page.get_by_label(f"Put {source.code} in the bundle").check()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download an evidence bundle").click()
    path = tmp_path / "bundle.zip"
    download.value.save_as(path)
    data = path.read_bytes()
    assert bundle.verify(data) == []
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert any(name.endswith(".html") for name in names)
    shoot(page, "sources")
