"""Capturing a web page as a source: the page kept as evidence, its article as the text.

``capture_page(team=..., by=..., url=...)`` (or ``page=`` a saved page) is the one way
in for the web, the ``haven`` command, the API and jobs. It is two steps, and callers
that run inside a transaction of their own call them apart: ``read_page`` fetches the
page, seals it and extracts the article, touching no database — a fetch and an
extraction may each take the whole capture timeout, and on SQLite an open write
transaction would hold every other writer back meanwhile; ``keep_page`` then records
the source and attaches the page in one short transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from haven.lib.capture import Article, CaptureError
from haven.lib.fuzzy_dates import FuzzyDate
from haven.records.access import require_write
from haven.sources import filetypes
from haven.sources.actions import add_source, attach_file
from haven.sources.fetch import FetchError, fetch
from haven.sources.models import EvidenceFile, Source
from haven.sources.vault import SealedUpload, seal_bytes


@dataclass(frozen=True)
class CapturedPage:
    """A page read for capture, not yet recorded.

    ``original`` is the page exactly as fetched or uploaded, already encrypted;
    ``article`` is None when no text could be extracted, and ``problem`` says why,
    in the language that was active when the page was read.
    """

    original: SealedUpload
    url: str
    article: Article | None
    problem: str | None


@dataclass(frozen=True)
class CaptureResult:
    source: Source
    problem: str | None  # why no text was extracted; the page is kept all the same


def capture_page(
    *, team, by, url: str | None = None, page: SealedUpload | None = None
) -> CaptureResult:
    """Capture ``url`` (or the saved ``page``) as a new media source of ``team``.

    Raises ``PermissionDenied`` unless ``by`` writes for ``team``, and a
    ``ValidationError`` (on ``url`` where the address is at fault) when the page cannot
    be fetched or kept; nothing is recorded then. A page whose text cannot be extracted
    is kept all the same, and ``CaptureResult.problem`` says why it has no text.
    """
    require_write(by, Source(team=team))
    captured = read_page(url=url, page=page)
    try:
        return keep_page(captured, team=team, by=by)
    finally:
        # Whatever did not make it into the vault goes; a stored page has nothing left.
        captured.original.discard()


def read_page(*, url: str | None = None, page: SealedUpload | None = None) -> CapturedPage:
    """Fetch ``url`` or take the saved ``page``, and extract its article; no database work.

    A fetched page is sealed into a temporary file: whoever calls this discards
    ``original`` unless ``keep_page`` stored it. A saved page whose content is not a
    web page is refused (a ``ValidationError`` on ``page``) and discarded.
    """
    if page is not None:
        refusal = not_a_page(page)
        if refusal:
            page.discard()
            raise ValidationError({"page": refusal})
        html = b"".join(read_plaintext_upload(page))
        original, url = page, ""
    elif url:
        try:
            html, url, _content_type = fetch(url)
        except FetchError as exc:
            raise ValidationError({"url": str(exc)}) from None
        original = seal_bytes(html, "captured-page.html", "text/html")
    else:
        raise ValidationError(_("Give an address or a saved page."))
    try:
        article, problem = _extract_in_time(html, url), None
    except CaptureError as exc:
        article, problem = None, translated(exc)
    return CapturedPage(original=original, url=url, article=article, problem=problem)


@transaction.atomic
def keep_page(captured: CapturedPage, *, team, by) -> CaptureResult:
    """Record a read page as a source with the page attached; all or nothing."""
    article = captured.article
    published = None
    if article and article.date:
        try:
            published = FuzzyDate.parse(article.date[:10])
        except ValueError:
            published = None
    fallback = captured.url or captured.original.name or "page"
    source = add_source(
        team=team,
        by=by,
        kind=Source.Kind.MEDIA,
        title=(article.title if article and article.title else fallback)[:300],
        author=((article.author or article.site or "") if article else "")[:300],
        url=captured.url,
        language=(article.language or "")[:8] if article else "",
        published=published,
        text=article.text if article else "",
        notes=_capture_notes(article),
    )
    attach_file(source, captured.original, by=by, role=EvidenceFile.Role.CAPTURED_PAGE)
    return CaptureResult(source=source, problem=captured.problem)


def _capture_notes(article: Article | None) -> str:
    """When the page was captured, and the captions of the article's photos (kept out of
    the text, which is the report as written, but saying who and what a photo shows)."""
    notes = _("Captured on %(date)s.") % {"date": timezone.localdate().isoformat()}
    if article and article.captions:
        lines = "\n".join(f"- {caption}" for caption in article.captions)
        notes += "\n\n" + _("Photo captions:") + "\n" + lines
    return notes


def not_a_page(page: SealedUpload) -> str | None:
    """Why an upload cannot be a saved web page, judged by its content; None if it can be.

    Only what is recognisably something else is refused: a page saved without its
    doctype reads as plain text, and extraction says so if it holds no article.
    """
    found = filetypes.detect(bytes(page.sealer.head))
    if found in {"text/html", "application/xhtml+xml", "text/plain"}:
        return None
    if found == "application/pdf":
        return _(
            "This file is a PDF, not a saved web page: add it as evidence to a source instead."
        )
    return _("This file is not a saved web page: add it as evidence to a source instead.")


def translated(error: CaptureError) -> str:
    """A capture error's message in the active language."""
    message = _(error.message)
    return message % error.params if error.params else message


def _extract_in_time(html: bytes, url: str) -> Article:
    """Extract in a separate process with a time limit: a page crafted to be slow to
    parse must not hold a server worker (or run into its timeout)."""
    import concurrent.futures
    import multiprocessing

    from haven.lib.capture import extract_article

    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        future = pool.submit(
            extract_article, html, url or None, max_bytes=settings.HAVEN_CAPTURE_MAX_BYTES
        )
        try:
            return future.result(timeout=settings.HAVEN_CAPTURE_TIMEOUT)
        except concurrent.futures.TimeoutError:
            for process in pool._processes.values():
                process.terminate()
            raise CaptureError(
                gettext_noop("the page took too long to read, so no text was extracted.")
            ) from None


def read_plaintext_upload(upload: SealedUpload):
    """The bytes of a just-sealed upload, read back through decryption (never from clear)."""
    from haven.lib.stream_crypto import open_stream

    with upload.sealer.tmp_path.open("rb") as handle:
        yield from open_stream(handle, upload.sealer.key, upload.sealer.file_id)
