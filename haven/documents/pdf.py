"""PDF documents drawn by WeasyPrint from Django templates.

``render_pdf`` renders a template that extends ``documents/print.html`` and turns it
into PDF bytes. WeasyPrint is given no way out: every URL it would fetch (an image, a
style sheet, a font) is refused, so a document can embed only what its template inlines
(its styles, SVG charts) and fonts come from the system (DejaVu, installed by
``scripts/system-deps``, has Cyrillic). The footer of every page carries the title, the
date it was made, the page number and the seal of its statement (see signing.py).
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone, translation

from haven.documents.signing import Seal, seal


class FetchRefused(Exception):
    pass


def refuse_fetch(url: str):
    raise FetchRefused(f"a document may not fetch {url[:80]!r}")


def _no_fetching():
    from weasyprint.urls import URLFetcher

    class NoFetching(URLFetcher):
        """Refuses every URL (WeasyPrint then leaves the resource out)."""

        def fetch(self, url, headers=None):
            return refuse_fetch(url)

    return NoFetching()


def render_html(template_name: str, context: dict, *, language: str, title: str, statement: bytes):
    """The HTML of a printed document and its seal, in ``language``."""
    document_seal: Seal = seal(statement)
    with translation.override(language):
        html = render_to_string(
            template_name,
            {
                **context,
                "document_title": title,
                "document_language": language,
                "document_made": timezone.localtime(),
                "document_seal": document_seal,
            },
        )
    return html, document_seal


def render_pdf(
    template_name: str, context: dict, *, language: str, title: str, statement: bytes
) -> bytes:
    """PDF bytes of ``template_name`` rendered with ``context`` in ``language``.

    ``statement`` is the canonical content the footer's hash and signature cover
    (``signing.canonical(...)`` of what the document says)."""
    import weasyprint  # a heavy import, needed only when a document is made

    html, _seal = render_html(
        template_name, context, language=language, title=title, statement=statement
    )
    return weasyprint.HTML(string=html, url_fetcher=_no_fetching()).write_pdf()
