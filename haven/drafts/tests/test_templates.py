"""Templates at upload: what is refused (and why, and that nothing is kept), the
sandbox, versions, and the administrators' pages."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from jinja2.sandbox import SecurityError

from conftest import sign_in
from haven.drafts import actions, rendering
from haven.drafts.models import DocumentTemplate, TemplateVersion
from haven.drafts.placeholders import sample_context
from haven.drafts.tests.parts import docx_with
from haven.sources.vault import vault_dir


@pytest.fixture
def admin_client(client, personas):
    sign_in(client, personas.administrator)
    return client


def _upload(client, data: bytes, name: str = "letter.docx"):
    return client.post(
        reverse("drafts:templates"),
        {"name": "Letter", "language": "ru", "file": SimpleUploadedFile(name, data)},
    )


def _nothing_kept():
    assert not DocumentTemplate.objects.exists()
    assert not TemplateVersion.objects.exists()
    folder = vault_dir() / "templates"
    assert not folder.exists() or not any(folder.iterdir())
    incoming = vault_dir() / "incoming"
    assert not incoming.exists() or not any(incoming.iterdir())


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def _refused(admin_client, data: bytes, *expected: str, name="letter.docx"):
    response = _upload(admin_client, data, name)
    assert response.status_code == 400
    page = response.content.decode()
    for text in expected:
        assert text in page, text
    _nothing_kept()
    return page


def test_an_unknown_placeholder_is_refused_and_named(admin_client):
    _refused(
        admin_client,
        docx_with("{{ case.code }} for {{ victim_name }}"),
        "placeholder Haven does not know: victim_name",
    )


def test_a_misspelt_field_of_a_known_placeholder_is_refused(admin_client):
    _refused(admin_client, docx_with("{{ petition.refrence }}"), "refrence")


def test_a_syntax_error_is_refused(admin_client):
    _refused(admin_client, docx_with("Dear {{ authority ", "more"), "syntax error")
    _refused(admin_client, docx_with("{% if case.code %}no end"), "syntax error")


def test_a_file_that_is_not_a_docx_is_refused(admin_client):
    _refused(admin_client, b"%PDF-1.4 not a docx", "not a DOCX", name="letter.pdf")
    _refused(admin_client, _zip({"hello.txt": b"hi"}), "not a DOCX", "word/document.xml")


def test_a_damaged_docx_is_refused(admin_client):
    data = _zip({"[Content_Types].xml": b"<not xml", "word/document.xml": b"<w:document>broken"})
    _refused(admin_client, data, "damaged")
    cut = docx_with("{{ case.code }}")
    _refused(admin_client, cut[: len(cut) // 2], "not a DOCX")


def test_a_zip_bomb_is_refused(admin_client):
    bomb = _zip(
        {
            "[Content_Types].xml": b"<Types/>",
            "word/document.xml": b"<w:document>" + b" " * (20 * 1024 * 1024),
        }
    )
    assert len(bomb) < 100_000
    _refused(admin_client, bomb, "zip bomb")


@pytest.mark.parametrize(
    "text",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ case.__class__ }}",
        "{{ persons.append(1) }}",
        "{{ case.update(code='x') }}",
        "{{ 'x' * 10000000 }}",
        "{{ 2 ** 1000000 }}",
    ],
)
def test_a_template_that_reaches_for_python_is_refused(admin_client, text):
    _refused(admin_client, docx_with(text), "templates may not do")


def test_the_sandbox_holds_even_for_a_template_not_checked():
    with pytest.raises(SecurityError):
        rendering.render(docx_with("{{ ''.__class__.__mro__ }}"), sample_context())
    with pytest.raises(SecurityError):
        rendering.render(docx_with("{{ persons.clear() }}"), sample_context())


def test_harmless_methods_stay_harmless_and_values_cannot_break_the_xml(personas):
    context = {**sample_context(), "authority": "<w:p>A & B</w:p>"}
    data = rendering.render(docx_with("{{ lawyer.name.upper() }} {{ authority }}"), context)
    from haven.documents.testing import docx_text

    assert docx_text(data) == "LAWYER <w:p>A & B</w:p>"


def test_a_good_template_is_kept_encrypted_and_listed(admin_client, personas):
    data = docx_with("{{ case.code }} — {{ authority }}")
    response = _upload(admin_client, data)
    template = DocumentTemplate.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("drafts:template", kwargs={"uuid": template.uuid})
    version = template.active
    assert version.number == 1 and version.uploaded_by == personas.administrator
    assert version.placeholders == ["authority", "case"]
    stored = actions.template_path(version).read_bytes()
    assert not stored.startswith(b"PK") and actions.template_bytes(version) == data
    page = admin_client.get(response.url).content.decode()
    assert version.sha256 in page
    download = admin_client.get(reverse("drafts:version_download", kwargs={"uuid": version.uuid}))
    assert download.content == data
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")


def test_a_new_version_through_the_page_becomes_active(admin_client, personas):
    _upload(admin_client, docx_with("v1 {{ case.code }}"))
    template = DocumentTemplate.objects.get()
    url = reverse("drafts:template", kwargs={"uuid": template.uuid})
    refused = admin_client.post(
        url, {"file": SimpleUploadedFile("v2.docx", docx_with("{{ oops }}"))}
    )
    assert refused.status_code == 400 and "oops" in refused.content.decode()
    assert template.versions.count() == 1
    accepted = admin_client.post(
        url, {"file": SimpleUploadedFile("v2.docx", docx_with("v2 {{ case.code }}"))}
    )
    assert accepted.status_code == 302
    template.refresh_from_db()
    assert template.active.number == 2 and template.versions.count() == 2


def test_retire_and_offer_again(admin_client):
    template = actions.add_template(
        name="Letter",
        language="en",
        petition_type=None,
        file_name="l.docx",
        data=docx_with("{{ case.code }}"),
        by=None,
    )
    url = reverse("drafts:template_retire", kwargs={"uuid": template.uuid})
    assert admin_client.post(url, {"retire": "1"}).status_code == 302
    template.refresh_from_db()
    assert template.retired_at is not None
    admin_client.post(url, {"retire": "0"})
    template.refresh_from_db()
    assert template.retired_at is None


def test_the_upload_page_documents_the_placeholders_in_both_languages(admin_client):
    page = admin_client.get(reverse("drafts:templates")).content.decode()
    assert "persons[].display" in page and "incidents[].acts[].type" in page
    assert "Install the built-in templates" in page
    russian = admin_client.get(reverse("drafts:templates"), HTTP_ACCEPT_LANGUAGE="ru")
    assert russian.status_code == 200 and 'lang="ru"' in russian.content.decode()
    assert "persons[].display" in russian.content.decode()


def test_installing_the_built_ins_from_the_page(admin_client):
    response = admin_client.post(reverse("drafts:install"))
    assert response.status_code == 302
    assert set(DocumentTemplate.objects.values_list("builtin", flat=True)) == {
        "state_protection_ru",
        "criminal_complaint_ru",
        "echr_rule39_en",
    }
