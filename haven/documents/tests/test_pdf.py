import pytest

from haven.documents import pdf, signing
from haven.documents.testing import pdf_pages, pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def sample_template(tmp_path, settings):
    folder = tmp_path / "templates"
    (folder / "sample").mkdir(parents=True)
    (folder / "sample" / "doc.html").write_text(
        '{% extends "documents/print.html" %}{% block content %}<h1>{{ name }}</h1>'
        '<img src="http://example.org/x.png"><img src="file:///etc/passwd">'
        "{% endblock %}"
    )
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [folder]}]
    return "sample/doc.html"


def test_a_pdf_carries_its_text_in_cyrillic_and_its_seal_in_the_footer(sample_template):
    statement = signing.canonical({"figures": [1, 2, 3]})
    data = pdf.render_pdf(
        sample_template,
        {"name": "Магамадов Исмаил"},
        language="ru",
        title="Отчёт",
        statement=statement,
    )
    text = pdf_text(data)
    assert "Магамадов Исмаил" in text
    sealed = signing.seal(statement)
    assert sealed.sha256 in text.replace("\n", " ")
    assert sealed.key_fingerprint in text
    assert "Страница 1 / 1" in text
    assert pdf_pages(data, "documents-sample")


def test_a_document_fetches_nothing(sample_template, monkeypatch):
    fetched = []

    def spy(url):
        fetched.append(url)
        return pdf.refuse_fetch(url)

    monkeypatch.setattr(pdf, "refuse_fetch", spy)
    pdf.render_pdf(sample_template, {"name": "x"}, language="en", title="t", statement=b"s")
    assert fetched  # WeasyPrint asked, and was refused: the PDF still renders
    assert all(url.startswith(("http://example.org", "file:///etc")) for url in fetched)


def test_a_signature_verifies_only_for_its_statement():
    sealed = signing.seal(b"figures")
    assert signing.verify(b"figures", sealed.signature)
    assert not signing.verify(b"figures!", sealed.signature)
    assert not signing.verify(b"figures", "not base64 !")
