"""Sources, their evidence files (upload, download, custody), web capture and bundles."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from haven.accounts.models import Role, writable_teams
from haven.audit.actions import record
from haven.audit.models import AuditEntry
from haven.lib.fuzzy_dates import FuzzyDate
from haven.records.access import can_write
from haven.sources import actions, bundle
from haven.sources.fetch import FetchError, fetch
from haven.sources.forms import SourceForm
from haven.sources.models import EvidenceFile, Reliability, Source, get_source_for_user
from haven.sources.vault import (
    EncryptingUploadHandler,
    SealedUpload,
    discard_unstored,
    read_plaintext,
    seal_bytes,
    track,
)
from haven.web import once

BUNDLE_ROLES = {Role.COORDINATOR, Role.LAWYER, Role.DOCUMENTER}


class SourceFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        required=False,
        choices=[("", gettext_lazy("Any")), *Source.Kind.choices],
    )
    reliability = forms.ChoiceField(
        label=gettext_lazy("Reliability"),
        required=False,
        choices=[("", gettext_lazy("Any")), *Reliability.choices],
    )
    language = forms.CharField(label=gettext_lazy("Language"), required=False, max_length=8)


@require_GET
def source_list(request):
    sources = Source.objects.visible_to(request.user).select_related("team")
    filters = SourceFilterForm(request.GET or None)
    if filters.is_valid():
        data = filters.cleaned_data
        if data["kind"]:
            sources = sources.filter(kind=data["kind"])
        if data["reliability"]:
            sources = sources.filter(reliability=data["reliability"])
        if data["language"]:
            sources = sources.filter(language=data["language"].strip().lower())
    sources = list(sources[:300])
    record("sources.source.listed", summary=f"{len(sources)} shown")
    return render(
        request,
        "sources/list.html",
        {
            "sources": sources,
            "filters": filters,
            "can_add": writable_teams(request.user).exists(),
            "can_bundle": request.user.role in BUNDLE_ROLES,
        },
    )


@require_http_methods(["GET", "POST"])
def source_new(request):
    teams = writable_teams(request.user)
    if not teams.exists():
        raise PermissionDenied
    form = SourceForm(request.POST if request.method == "POST" else None, teams=teams)
    if request.method == "POST" and form.is_valid():
        if not once.consume(request):
            messages.warning(request, _("This form was already sent; nothing was saved twice."))
            return redirect("sources:list")
        data = dict(form.cleaned_data)
        source = actions.add_source(team=data.pop("team"), by=request.user, **data)
        messages.success(request, _("Source %(code)s added.") % {"code": source.code})
        return redirect("sources:detail", uuid=source.uuid)
    return render(
        request, "sources/form.html", {"form": form}, status=400 if form.is_bound else 200
    )


def _detail(request, source, status=200, upload_error=None):
    files = list(source.files.live().select_related("uploaded_by"))
    custody = AuditEntry.objects.filter(
        object_type="sources.evidencefile", object_id__in=[str(f.uuid) for f in files]
    ).order_by("-seq")[:200]
    names = {str(f.uuid): f.name for f in files}
    return render(
        request,
        "sources/detail.html",
        {
            "source": source,
            "files": files,
            "custody": [(entry, names.get(entry.object_id, "")) for entry in custody],
            "links": source.information.live().select_related("incident"),
            "can_write": can_write(request.user, source),
            "upload_error": upload_error,
            "max_mb": _max_mb(),
        },
        status=status,
    )


def _max_mb():
    from django.conf import settings

    return settings.HAVEN_EVIDENCE_MAX_BYTES // 2**20


@require_GET
def source_detail(request, uuid):
    source = get_source_for_user(request.user, uuid)
    # Seeing a file's details on this page is part of its custody record too.
    for evidence in source.files.live():
        actions.custody(evidence, "viewed", by=request.user)
    return _detail(request, source)


@csrf_exempt
@require_POST
@discard_unstored
def file_upload(request, uuid):
    # The encrypting handler must be in place before anything reads the body, so the
    # CSRF check runs inside, once the handlers are set.
    request.upload_handlers = [EncryptingUploadHandler(request)]
    return _file_upload(request, uuid)


@csrf_protect
def _file_upload(request, uuid):
    source = get_source_for_user(request.user, uuid, write=True)
    upload = request.FILES.get("file")
    if getattr(request, "haven_upload_refused", None) == "too_large":
        record("evidence.refused", summary="larger than the limit")
        return _detail(
            request,
            source,
            status=400,
            upload_error=_("The file is larger than %(mb)s MB, so nothing was stored.")
            % {"mb": _max_mb()},
        )
    if not isinstance(upload, SealedUpload):
        return _detail(
            request,
            source,
            status=400,
            upload_error=_("Choose a file to upload; nothing was stored."),
        )
    for extra in request.FILES.getlist("file")[1:]:
        extra.discard()
    try:
        evidence = actions.attach_file(source, upload, by=request.user)
    except ValidationError as exc:
        record("evidence.refused", target=source, summary=str(exc.messages[0])[:200])
        return _detail(request, source, status=400, upload_error=exc.messages[0])
    messages.success(request, _("File stored. SHA-256: %(sha)s") % {"sha": evidence.sha256})
    return redirect("sources:detail", uuid=source.uuid)


def _evidence_for(request, uuid, file_uuid) -> EvidenceFile:
    source = get_source_for_user(request.user, uuid)
    evidence = source.files.filter(uuid=file_uuid, deleted_at__isnull=True).first()
    if evidence is None:
        raise Http404
    return evidence


@require_GET
def file_download(request, uuid, file_uuid):
    evidence = _evidence_for(request, uuid, file_uuid)
    actions.custody(evidence, "downloaded", by=request.user)
    response = StreamingHttpResponse(
        read_plaintext(str(evidence.uuid), evidence.key),
        content_type="application/octet-stream",
    )
    response["Content-Disposition"] = content_disposition_header(True, evidence.name)
    response["Content-Length"] = str(evidence.size)
    # Never rendered, never run: a downloaded HTML or SVG file stays inert.
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


class CaptureForm(forms.Form):
    team = forms.ModelChoiceField(label=gettext_lazy("Team"), queryset=None)
    url = forms.URLField(
        label=gettext_lazy("Address of the page"),
        required=False,
        max_length=2000,
        assume_scheme="https",
    )
    page = forms.FileField(label=gettext_lazy("Or a saved page (.html)"), required=False)

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("url") and not cleaned.get("page"):
            raise forms.ValidationError(_("Give an address or a saved page."))
        return cleaned


@csrf_exempt
@require_http_methods(["GET", "POST"])
@discard_unstored
def capture(request):
    if request.method == "POST":
        request.upload_handlers = [EncryptingUploadHandler(request)]
    return _capture(request)


@csrf_protect
def _capture(request):
    from haven.lib.capture import CaptureError

    teams = writable_teams(request.user)
    if not teams.exists():
        raise PermissionDenied
    form = CaptureForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        teams=teams,
    )
    if request.method != "POST" or not form.is_valid():
        return render(
            request, "sources/capture.html", {"form": form}, status=400 if form.is_bound else 200
        )
    page = form.cleaned_data.get("page")
    try:
        if page is not None:
            html = b"".join(read_plaintext_upload(page))
            raw, url = page, ""
        else:
            url = form.cleaned_data["url"]
            body, url, _content_type = fetch(url)
            html, raw = body, seal_bytes(body, "captured-page.html", "text/html")
            track(request, raw.sealer)
    except FetchError as exc:
        form.add_error("url", str(exc))
        return render(request, "sources/capture.html", {"form": form}, status=400)
    try:
        article, problem = _extract_in_time(html, url), None
    except CaptureError as exc:
        article, problem = None, str(exc)
    published = None
    if article and article.date:
        try:
            published = FuzzyDate.parse(article.date[:10])
        except ValueError:
            published = None
    with transaction.atomic():
        source = actions.add_source(
            team=form.cleaned_data["team"],
            by=request.user,
            kind=Source.Kind.MEDIA,
            title=(article.title if article and article.title else url or page.name)[:300],
            author=((article.author or article.site) if article else "")[:300] or "",
            url=url,
            language=(article.language or "")[:8] if article else "",
            published=published,
            text=article.text if article else "",
            notes=_("Captured on %(date)s.") % {"date": timezone.localdate().isoformat()},
        )
        try:
            actions.attach_file(source, raw, by=request.user, role=EvidenceFile.Role.CAPTURED_PAGE)
        except ValidationError as exc:
            transaction.set_rollback(True)
            form.add_error(None, exc.messages[0])
            return render(request, "sources/capture.html", {"form": form}, status=400)
    if problem:
        messages.warning(
            request, _("The page is kept as evidence, but %(problem)s") % {"problem": problem}
        )
    else:
        messages.success(request, _("Page captured; the article's text was extracted."))
    return redirect("sources:detail", uuid=source.uuid)


def _extract_in_time(html: bytes, url: str):
    """Extract in a separate process with a time limit: a page crafted to be slow to
    parse must not hold a server worker (or run into its timeout)."""
    import concurrent.futures
    import multiprocessing

    from django.conf import settings

    from haven.lib.capture import CaptureError, extract_article

    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        future = pool.submit(extract_article, html, url or None)
        try:
            return future.result(timeout=settings.HAVEN_CAPTURE_TIMEOUT)
        except concurrent.futures.TimeoutError:
            for process in pool._processes.values():
                process.terminate()
            raise CaptureError(
                _("the page took too long to read, so no text was extracted.")
            ) from None


def read_plaintext_upload(upload: SealedUpload):
    """The bytes of a just-sealed upload, read back through decryption (never from clear)."""
    from haven.lib.stream_crypto import open_stream

    with upload.sealer.tmp_path.open("rb") as handle:
        yield from open_stream(handle, upload.sealer.key, upload.sealer.file_id)


@require_POST
def bundle_download(request):
    user = request.user
    if user.role not in BUNDLE_ROLES:
        raise PermissionDenied
    chosen = request.POST.getlist("source")
    sources = list(Source.objects.visible_to(user).filter(uuid__in=_uuids(chosen)))
    if not sources or len(sources) != len(set(chosen)):
        record("access.denied", summary="bundle of unknown or hidden sources")
        raise Http404
    for source in sources:
        refused = consent_problem(source)
        if refused:
            messages.error(request, refused)
            return redirect("sources:list")
    try:
        data = bundle.build(sources, by=user)
    except bundle.BundleTooLarge as exc:
        messages.error(request, str(exc))
        return redirect("sources:list")
    for source in sources:
        for evidence in source.files.live():
            actions.custody(evidence, "exported", by=user, summary="evidence bundle")
    record("sources.bundle.exported", summary=", ".join(s.code for s in sources)[:300])
    response = HttpResponse(data, content_type="application/zip")
    name = f"haven-evidence-{timezone.localdate().isoformat()}.zip"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


def _uuids(values):
    import uuid

    found = []
    for value in values:
        try:
            found.append(uuid.UUID(value))
        except ValueError:
            continue
    return found


def consent_problem(source) -> str | None:
    """Why a bundle may not include ``source``: a person it concerns refused legal use."""
    from haven.cases.actions import consent_for
    from haven.incidents.models import Act

    victims = {
        act.victim
        for act in Act.objects.filter(
            incident__information__source=source, deleted_at__isnull=True
        ).select_related("victim")
    }
    for person in sorted(victims, key=lambda p: p.code):
        consent = consent_for(person, "legal_action")
        if consent is not None and not consent.allows():
            return _(
                "%(code)s has not consented to legal use of their records, so %(source)s "
                "cannot go into a bundle."
            ) % {"code": person.code, "source": source.code}
    return None
