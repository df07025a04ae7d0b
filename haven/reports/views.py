"""The report builder, its downloads (PDF, XLSX, CSV) and a team's saved reports.

Every page counts through ``presentation.show``, which counts only what the user may
count and hides small figures; every run and download is an audit entry.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from haven.audit.actions import record
from haven.reports import actions
from haven.reports.counting import Definition
from haven.reports.forms import ReportForm, SaveForm, query_of
from haven.reports.presentation import chart, show

FORMATS = {
    "pdf": ("application/pdf", "pdf"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "csv": ("text/csv; charset=utf-8", "csv"),
}


def _summary(definition: Definition, shown) -> str:
    d = definition
    return (
        f"{d.measure} by {d.rows}{' × ' + d.columns if d.columns else ''}: total {shown.total.text}"
    )


def _page(request, form, *, shown=None, save_form=None, status=200):
    definition = shown.definition if shown else None
    return render(
        request,
        "reports/builder.html",
        {
            "form": form,
            "shown": shown,
            "chart": chart(shown) if shown else None,
            "query": query_of(definition) if definition else "",
            # The definition again, in the form that saves it.
            "carried": parse_qsl(query_of(definition)) if definition else [],
            "saved": actions.reports_for(request.user),
            "save_form": save_form or SaveForm(user=request.user),
        },
        status=status,
    )


@require_GET
def builder(request):
    """The builder; with a definition in the query, the report too."""
    if "rows" not in request.GET:
        return _page(request, ReportForm(user=request.user))
    form = ReportForm(request.GET, user=request.user)
    if not form.is_valid():
        return _page(request, form, status=400)
    shown = show(form.definition(), request.user)
    record("report.run", request=request, summary=_summary(shown.definition, shown)[:300])
    return _page(request, form, shown=shown)


@require_GET
def download(request):
    """The report of the query as a PDF, a workbook or a CSV, in the language asked."""
    form = ReportForm(request.GET, user=request.user)
    kind = request.GET.get("format", "")
    language = request.GET.get("language") or translation.get_language()
    if kind not in FORMATS or language not in ("en", "ru") or not form.is_valid():
        return _page(request, form, status=400)
    with translation.override(language):
        shown = show(form.definition(), request.user)
        title = _("Pattern report")
        content = _render(kind, shown, title, language)
    record(
        "report.downloaded",
        request=request,
        summary=f"{kind}, {language}: {_summary(shown.definition, shown)}"[:300],
    )
    content_type, extension = FORMATS[kind]
    response = HttpResponse(content, content_type=content_type)
    name = f"report-{timezone.localdate():%Y-%m-%d}.{extension}"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


def _render(kind: str, shown, title: str, language: str) -> bytes:
    from haven.exports.formats import write_csv, write_xlsx

    about = [
        (_("Report"), title),
        (_("Made"), f"{shown.made:%Y-%m-%d %H:%M}"),
        *shown.described,
        (_("Smallest figure shown"), str(shown.threshold)),
        *((_("Note"), note) for note in shown.notes),
    ]
    if shown.empty:
        about.append((_("Note"), _("Nothing to count: no act matches this report.")))
    headers, rows = shown.grid()
    if kind == "csv":
        return b"".join(write_csv(headers, rows, lambda: about))
    if kind == "xlsx":
        return write_xlsx(
            title,
            headers,
            rows,
            lambda _cut: about,
            about_title=_("About this report"),
            max_rows=100_000,
        )
    from haven.documents.pdf import render_pdf
    from haven.documents.signing import canonical

    return render_pdf(
        "reports/print.html",
        {"shown": shown, "chart": chart(shown)},
        language=language,
        title=title,
        statement=canonical(shown.statement()),
    )


@require_POST
def save(request):
    form = ReportForm(request.POST, user=request.user)
    save_form = SaveForm(request.POST, user=request.user)
    if not (form.is_valid() and save_form.is_valid()):
        return _page(request, form, save_form=save_form, status=400)
    saved = actions.save_report(
        team=save_form.cleaned_data["team"],
        by=request.user,
        name=save_form.cleaned_data["name"],
        definition=form.definition(),
    )
    messages.success(request, _("Saved: %(name)s.") % {"name": saved.name})
    return redirect(reverse("reports:saved", kwargs={"uuid": saved.uuid}))


@require_GET
def saved(request, uuid):
    """A saved report, run again on today's records."""
    found = actions.get_report_for_user(request.user, uuid)
    try:
        definition = Definition.from_json(found.definition)
    except (TypeError, ValueError):
        messages.error(request, _("This saved report can no longer be read."))
        return redirect("reports:index")
    return redirect(f"{reverse('reports:index')}?{query_of(definition)}")


@require_POST
def delete(request, uuid):
    found = actions.get_report_for_user(request.user, uuid)
    actions.delete_report(found, by=request.user)
    messages.success(request, _("Deleted: %(name)s.") % {"name": found.name})
    return redirect("reports:index")
