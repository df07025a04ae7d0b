"""The seed story's lawyer takes the case's papers out of Haven in the browser: the Russian
petition to the Investigative Committee drafted in one click, the case's dossier as a PDF,
and the pattern report for a rapporteur as a PDF, in English and in Russian."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from conftest import add_totp
from haven.accounts.models import Membership, Role
from haven.accounts.tests.factories import TeamFactory, UserFactory
from haven.audit.models import AuditEntry
from haven.documents.testing import docx_text, pdf_pages, pdf_text
from haven.drafts import actions as drafts
from haven.drafts.tests import parts
from haven.tests.browser.conftest import sign_in_through_page


def _downloaded(page, target) -> tuple[str, bytes]:
    """Click ``target`` (a locator) and take the file it downloads."""
    with page.expect_download() as waiting:
        target.click()
    download = waiting.value
    return download.suggested_filename, Path(download.path()).read_bytes()


def test_the_lawyer_drafts_the_petition_and_takes_the_dossier(
    browser, live_server, shoot, transactional_db
):
    team = TeamFactory(name="North Caucasus desk")
    lawyer = UserFactory(email="lawyer@example.org", role=Role.LAWYER, full_name="Анна Юрист")
    Membership.objects.create(team=team, user=lawyer)
    device = add_totp(lawyer)
    drafts.install_builtin_templates(codes={"state_protection_ru"})
    case, (salman, islam), petition = parts.seed_story(SimpleNamespace(team=team, member=lawyer))

    files = {}
    context = browser.new_context(base_url=live_server.url, locale="en-GB", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(60000)  # a PDF is drawn on a busy machine too
    try:
        # Signed in once, through the English pages (an authenticator's code is taken
        # once: a second sign-in within the same 30 s would be refused).
        sign_in_through_page(page, lawyer, device)
        for locale in ("ru", "en"):
            lawyer.language = locale  # the lawyer's own language holds from here
            lawyer.save(update_fields=["language"])
            russian = locale == "ru"
            page.goto(f"/cases/{case.uuid}/")
            if russian:  # one click from the case to the petition
                page.get_by_role("button", name="Подготовить документ").first.click()
                page.wait_for_url(f"**/drafts/petitions/{petition.uuid}/**")
                shoot(page, "petition-drafts-ru")
                name, files["petition"] = _downloaded(
                    page, page.get_by_role("link", name="Скачать DOCX")
                )
                assert name.endswith(".docx")
                page.goto(f"/cases/{case.uuid}/")
            page.get_by_test_id("dossier").click()
            page.get_by_label("PDF", exact=False).first.check()
            page.get_by_role("textbox").fill(
                "Для заявления в Следственный комитет" if russian else "For the ECHR application"
            )
            shoot(page, f"dossier-form-{locale}")
            button = "Скачать досье" if russian else "Download the dossier"
            name, files[locale] = _downloaded(page, page.get_by_role("button", name=button))
            assert name.startswith(f"dossier-{case.code}-{locale}") and name.endswith(".pdf")
            # The pattern for a rapporteur: acts by type and year, downloaded as a PDF.
            page.goto("/reports/")
            page.get_by_label("Столбцы" if russian else "Columns").select_option("period")
            page.get_by_role(
                "button", name="Показать отчёт" if russian else "Show the report"
            ).click()
            page.get_by_test_id("report-table").wait_for()
            shoot(page, f"report-{locale}")
            pdf_link = "PDF на русском" if russian else "PDF in English"
            _name, files[f"report-{locale}"] = _downloaded(
                page, page.get_by_role("link", name=pdf_link)
            )
    finally:
        context.close()

    petition_text = docx_text(files["petition"])
    assert "Следственное управление СК России по Чеченской Республике" in petition_text
    assert salman.name in petition_text and islam.name in petition_text
    for locale, heading in (("ru", "Досье по делу"), ("en", "Case dossier")):
        text = pdf_text(files[locale])
        assert f"{heading} {case.code}" in text, text[:300]
        assert salman.name in text
        pdf_pages(files[locale], f"browser-dossier-{locale}")
    for locale, words in (("ru", ("Вид действия", "< 5")), ("en", ("Type of act", "< 5"))):
        text = pdf_text(files[f"report-{locale}"])
        assert all(word in text for word in words), text[:400]
        assert salman.name not in text  # figures only
        pdf_pages(files[f"report-{locale}"], f"browser-report-{locale}")
    assert AuditEntry.objects.filter(action="drafts.draft.downloaded").count() == 1
    assert AuditEntry.objects.filter(action="documents.dossier.made").count() == 2
