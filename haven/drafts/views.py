"""Pages for petition drafts: a petition's drafts (make, regenerate, download) for its
team, and the document templates (upload, new version, download, retire) for
administrators. Every record is fetched through the policy layer; every change is a
verb of ``haven.drafts.actions``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from haven.accounts.decorators import administrator_required
from haven.cases.models import CaseAction
from haven.drafts import actions, rendering
from haven.drafts.context import named_people, petition_persons
from haven.drafts.forms import DraftForm, NewTemplateForm, RetireForm, VersionForm
from haven.drafts.models import DocumentTemplate, Draft, TemplateVersion
from haven.drafts.placeholders import PLACEHOLDERS
from haven.records.access import can_write, get_for_user
from haven.sources.vault import EncryptingUploadHandler, discard_unstored


def _docx_response(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=actions.DOCX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, name)
    response["Cache-Control"] = "no-store"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


# --- a petition's drafts -----------------------------------------------------------------


def _get_petition(request, uuid, *, write: bool = False) -> CaseAction:
    """The petition ``uuid`` as ``request.user`` may see it (404 otherwise, also for an
    action that is not a petition or a petition of a deleted case)."""
    petition = get_for_user(CaseAction, request.user, uuid, write=write)
    if not petition.is_petition or petition.case.deleted_at is not None:
        raise Http404
    return petition


def _get_draft(request, uuid, *, write: bool = False) -> Draft:
    draft = get_for_user(Draft, request.user, uuid, write=write)
    petition = draft.petition
    if petition.deleted_at is not None or petition.case.deleted_at is not None:
        raise Http404
    return draft


@require_GET
def petition_drafts(request, uuid):
    petition = _get_petition(request, uuid)
    templates = actions.usable_templates()
    chosen = actions.default_template(petition, get_language())
    form = DraftForm(templates=templates, initial={"template": chosen})
    persons = petition_persons(petition, request.user)
    named = named_people(persons)
    drafts = list(
        Draft.objects.visible_to(request.user)
        .filter(petition=petition)
        .select_related("template_version__template", "made_by")
    )
    made = request.GET.get("made", "")
    return render(
        request,
        "drafts/petition.html",
        {
            "petition": petition,
            "case": petition.case,
            "persons": [(person, person.pk in named) for person in persons],
            "drafts": drafts,
            "made": next((d for d in drafts if str(d.uuid) == made), None),
            "form": form,
            "has_templates": chosen is not None,
            "can_write": can_write(request.user, petition),
        },
    )


@require_POST
def make_draft(request, uuid):
    petition = _get_petition(request, uuid, write=True)
    templates = actions.usable_templates()
    form = DraftForm(request.POST, templates=templates)
    if not form.is_valid():
        messages.error(request, _("Choose one of the templates offered."))
        return redirect("drafts:petition", uuid=petition.uuid)
    template = form.cleaned_data["template"] or actions.default_template(petition, get_language())
    if template is None:
        messages.error(
            request,
            _(
                "No document template is installed: ask an administrator to install the "
                "built-in ones."
            ),
        )
        return redirect("drafts:petition", uuid=petition.uuid)
    try:
        draft = actions.draft_document(petition, template=template, by=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("drafts:petition", uuid=petition.uuid)
    messages.success(request, _("The draft is ready."))
    return redirect(f"{_petition_url(petition)}?made={draft.uuid}")


def _petition_url(petition) -> str:
    from django.urls import reverse

    return reverse("drafts:petition", kwargs={"uuid": petition.uuid})


@require_POST
def regenerate(request, uuid):
    draft = _get_draft(request, uuid, write=True)
    try:
        new = actions.regenerate(draft, by=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("drafts:petition", uuid=draft.petition.uuid)
    messages.success(
        request, _("A new draft is made from the case as it is now; the old one stays.")
    )
    return redirect(f"{_petition_url(draft.petition)}?made={new.uuid}")


@require_GET
def download(request, uuid):
    draft = _get_draft(request, uuid)
    try:
        data = actions.send_draft(draft, by=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("drafts:petition", uuid=draft.petition.uuid)
    return _docx_response(data, draft.file_name)


# --- templates, for administrators ------------------------------------------------------


def _template_upload(request) -> None:
    """Uploads are encrypted as they arrive, like evidence, and capped at the template
    limit: a bigger file stops arriving instead of filling the disk."""
    handler = EncryptingUploadHandler(request)
    handler.limit = rendering.MAX_UPLOAD_BYTES
    request.upload_handlers = [handler]


def _read_upload(form) -> tuple[str, bytes]:
    from haven.lib.stream_crypto import open_stream

    sealed = form.cleaned_data["file"]
    with sealed.sealer.tmp_path.open("rb") as handle:
        data = b"".join(open_stream(handle, sealed.sealer.key, sealed.sealer.file_id))
    return sealed.name or "template.docx", data


def _too_large(request, form) -> None:
    if getattr(request, "haven_upload_refused", None) == "too_large":
        form.errors.pop("file", None)
        form.add_error(
            "file",
            _("The file is larger than %(size)d MB: a template is a letter, not an archive.")
            % {"size": rendering.MAX_UPLOAD_BYTES // (1024 * 1024)},
        )


def _placeholders() -> list:
    return [(p.name, p.meaning) for p in PLACEHOLDERS]


@csrf_exempt
@administrator_required
@require_http_methods(["GET", "POST"])
@discard_unstored
def templates(request):
    if request.method == "POST":
        _template_upload(request)
    return _templates(request)


@csrf_protect
def _templates(request):
    posted = request.method == "POST"
    form = NewTemplateForm(request.POST if posted else None, request.FILES if posted else None)
    status = 200
    if posted:
        status = 400
        if form.is_valid():
            name, data = _read_upload(form)
            try:
                template = actions.add_template(
                    name=form.cleaned_data["name"],
                    language=form.cleaned_data["language"],
                    petition_type=form.cleaned_data["petition_type"],
                    file_name=name,
                    data=data,
                    by=request.user,
                )
            except rendering.TemplateRefused as exc:
                form.add_error("file", str(exc))
            else:
                messages.success(request, _("The template is saved."))
                return redirect("drafts:template", uuid=template.uuid)
        _too_large(request, form)
    all_templates = DocumentTemplate.objects.select_related("active", "petition_type")
    installed = set(all_templates.exclude(builtin="").values_list("builtin", flat=True))
    from haven.drafts.builtin import BUILTINS

    return render(
        request,
        "drafts/templates.html",
        {
            "templates": all_templates,
            "form": form,
            "placeholders": _placeholders(),
            "missing_builtins": [b for b in BUILTINS if b.code not in installed],
        },
        status=status,
    )


@csrf_exempt
@administrator_required
@require_http_methods(["GET", "POST"])
@discard_unstored
def template_detail(request, uuid):
    if request.method == "POST":
        _template_upload(request)
    return _template_detail(request, uuid)


@csrf_protect
def _template_detail(request, uuid):
    template = get_object_or_404(DocumentTemplate, uuid=uuid)
    posted = request.method == "POST"
    form = VersionForm(request.POST if posted else None, request.FILES if posted else None)
    status = 200
    if posted:
        status = 400
        if form.is_valid():
            name, data = _read_upload(form)
            try:
                version = actions.add_version(template, file_name=name, data=data, by=request.user)
            except rendering.TemplateRefused as exc:
                form.add_error("file", str(exc))
            else:
                messages.success(
                    request,
                    _("Version %(number)d is now the active one.") % {"number": version.number},
                )
                return redirect("drafts:template", uuid=template.uuid)
        _too_large(request, form)
    versions = template.versions.select_related("uploaded_by")
    return render(
        request,
        "drafts/template.html",
        {
            "template": template,
            "versions": versions,
            "form": form,
            "placeholders": _placeholders(),
        },
        status=status,
    )


@administrator_required
@require_POST
def template_retire(request, uuid):
    template = get_object_or_404(DocumentTemplate, uuid=uuid)
    form = RetireForm(request.POST)
    if not form.is_valid():
        return HttpResponse(status=400)
    retire = form.cleaned_data["retire"]
    actions.retire_template(template, by=request.user, retired=retire)
    messages.success(
        request,
        _("The template is retired: new drafts no longer offer it.")
        if retire
        else _("The template is offered for new drafts again."),
    )
    return redirect("drafts:template", uuid=template.uuid)


@administrator_required
@require_POST
def install_builtins(request):
    made = actions.install_builtin_templates(by=request.user)
    messages.success(request, _("Built-in templates installed: %(count)d.") % {"count": len(made)})
    return redirect("drafts:templates")


@administrator_required
@require_GET
def version_download(request, uuid):
    version = get_object_or_404(TemplateVersion.objects.select_related("template"), uuid=uuid)
    data = actions.send_template(version, by=request.user)
    return _docx_response(data, version.file_name)
