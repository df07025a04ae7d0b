"""Sources, their evidence files (upload, download, custody), web capture and bundles."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from haven.accounts.models import Role, writable_teams
from haven.audit.actions import record
from haven.records.access import can_write, get_part_for_user
from haven.sources import actions, selectors
from haven.sources.capture import keep_page
from haven.sources.forms import CaptureForm, SourceForm, source_listing
from haven.sources.models import get_source_for_user
from haven.sources.vault import (
    EncryptingUploadHandler,
    SealedUpload,
    discard_unstored,
    track,
)
from haven.web.forms import form_view
from haven.web.lists import lookup
from haven.web.pagination import paginate, shown


# A lookup is POSTed so that a title never appears in a URL; links are GETs.
@require_http_methods(["GET", "POST"])
def source_list(request):
    listed = source_listing(request.user, lookup(request), posted=request.method == "POST")
    sources = paginate(request, listed.rows)
    filters = listed.filters
    record("sources.source.listed", summary=shown(sources) + (", lookup" if filters.query else ""))
    return render(
        request,
        "sources/list.html",
        {
            "sources": sources,
            "filters": filters,
            "sorting": listed.sorting,
            "can_add": writable_teams(request.user).exists(),
            "can_bundle": actions.may_export_bundles(request.user),
            # Named to those who may not, so the missing export is not a mystery.
            "bundle_roles": [role.label for role in Role if role in actions.BUNDLE_ROLES],
        },
    )


@require_http_methods(["GET", "POST"])
def source_new(request):
    teams = writable_teams(request.user)
    if not teams.exists():
        raise PermissionDenied
    form = SourceForm(request.POST if request.method == "POST" else None, teams=teams)

    def save(data):
        source = actions.add_source(by=request.user, **data)
        messages.success(request, _("Source %(code)s added.") % {"code": source.code})
        return redirect("sources:detail", uuid=source.uuid)

    return form_view(
        request,
        form,
        title=_("Add a source"),
        save=save,
        creates=True,
        back=(reverse("sources:list"), _("Sources")),
    )


def _detail(request, source, files, status=200, upload_error=None):
    return render(
        request,
        "sources/detail.html",
        {
            "source": source,
            "files": files,
            "custody": selectors.custody_of(files),
            "links": source.information.live()
            .filter(incident__deleted_at__isnull=True)
            .select_related("incident"),
            "can_write": can_write(request.user, source),
            "upload_error": upload_error,
            "max_mb": settings.HAVEN_EVIDENCE_MAX_BYTES // 2**20,
        },
        status=status,
    )


@require_GET
def source_detail(request, uuid):
    source = get_source_for_user(request.user, uuid)
    files = selectors.live_files(source)
    # Seeing a file's details on this page is part of its custody record too.
    for evidence in files:
        actions.custody(evidence, "viewed", by=request.user)
    return _detail(request, source, files)


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

    def refused(message):
        return _detail(
            request, source, selectors.live_files(source), status=400, upload_error=message
        )

    if getattr(request, "haven_upload_refused", None) == "too_large":
        record("evidence.refused", summary="larger than the limit")
        return refused(
            _("The file is larger than %(mb)s MB, so nothing was stored.")
            % {"mb": settings.HAVEN_EVIDENCE_MAX_BYTES // 2**20}
        )
    if not isinstance(upload, SealedUpload):
        return refused(_("Choose a file to upload; nothing was stored."))
    if len(request.FILES.getlist("file")) > 1:
        record("evidence.refused", target=source, summary="several files in one upload")
        return refused(_("Upload one file at a time; nothing was stored."))
    try:
        evidence = actions.attach_file(source, upload, by=request.user)
    except ValidationError as exc:
        record("evidence.refused", target=source, summary=str(exc.messages[0])[:200])
        return refused(exc.messages[0])
    messages.success(request, _("File stored. SHA-256: %(sha)s") % {"sha": evidence.sha256})
    return redirect("sources:detail", uuid=source.uuid)


@require_GET
def file_download(request, uuid, file_uuid):
    source = get_source_for_user(request.user, uuid)
    evidence = get_part_for_user(request.user, source, "files", file_uuid)
    # Checked whole before the first byte goes out: a damaged file is refused, never
    # sent as a truncated 200 that someone could keep as the evidence.
    problem = actions.check_before_sending(evidence, by=request.user)
    if problem:
        return render(
            request,
            "sources/damaged_file.html",
            {"source": source, "evidence": evidence, "problem": problem},
            status=409,
        )
    response = StreamingHttpResponse(
        actions.send_file(evidence, by=request.user), content_type="application/octet-stream"
    )
    response["Content-Disposition"] = content_disposition_header(True, evidence.name)
    response["Content-Length"] = str(evidence.size)
    # Never rendered, never run: a downloaded HTML or SVG file stays inert.
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


@csrf_exempt
@require_http_methods(["GET", "POST"])
@discard_unstored
def capture(request):
    if request.method == "POST":
        request.upload_handlers = [EncryptingUploadHandler(request)]
    return _capture(request)


@csrf_protect
def _capture(request):
    teams = writable_teams(request.user)
    if not teams.exists():
        raise PermissionDenied
    posted = request.method == "POST"
    form = CaptureForm(
        request.POST if posted else None, request.FILES if posted else None, teams=teams
    )

    def save(data):
        result = keep_page(data["captured"], team=data["team"], by=request.user)
        if result.problem:
            messages.warning(
                request,
                _("The page is kept as evidence, but %(problem)s") % {"problem": result.problem},
            )
        else:
            messages.success(request, _("Page captured; the article's text was extracted."))
        return redirect("sources:detail", uuid=result.source.uuid)

    try:
        return form_view(
            request,
            form,
            title=_("Capture a web page"),
            save=save,
            creates=True,
            back=(reverse("sources:list"), _("Sources")),
            submit=_("Capture"),
            intro=_(
                "Haven keeps the page exactly as fetched, encrypted and hashed, as evidence, "
                "and extracts the article's text, title, author and date without the page's "
                "menus, appeals and advertising."
            ),
        )
    finally:
        # A page fetched while cleaning the form is discarded unless it was stored.
        captured = getattr(form, "cleaned_data", {}).get("captured")
        if captured is not None:
            track(request, captured.original.sealer)


@require_POST
def bundle_download(request):
    try:
        data = actions.export_bundle(request.POST.getlist("source"), by=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("sources:list")
    response = HttpResponse(data, content_type="application/zip")
    name = f"haven-evidence-{timezone.localdate().isoformat()}.zip"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response
