"""The export page of each list, and the download it sends.

A list's "Export" link carries the list's parameters: in the query string when the
list was a link, in a POST when it was a lookup (a name never goes into a URL). The
export page shows what the file will hold and carries those parameters on to the
download, which applies them through the list's own ``Listing``.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_http_methods, require_POST

from haven.exports import actions
from haven.exports.forms import ExportForm
from haven.web.forms import apply_action

# Never carried from the list to its export: the page, and the token a form renders afresh.
NOT_CARRIED = {"page", "csrfmiddlewaretoken"}


def _list_data(request):
    """The list's parameters, without the export form's own (``export-*``)."""
    data = request.POST if request.method == "POST" else request.GET
    kept = data.copy()
    for name in list(kept):
        if name in NOT_CARRIED or name.startswith("export-"):
            del kept[name]
    return kept or None


def _page(request, kind, data, form, *, status: int = 200):
    problem, rows, filters = "", 0, []
    try:
        export = actions.start_export(kind, by=request.user, data=data)
        rows = export.expected_rows()
        filters = actions.described_filters(export.listing, named=True)
    except ValidationError as exc:
        problem, status = exc.messages[0], 400
    back = reverse(kind.list_url)
    if request.method == "GET" and data:
        back += "?" + data.urlencode()
    carried = [(name, value) for name, values in data.lists() for value in values] if data else []
    return render(
        request,
        "exports/export.html",
        {
            "kind": kind,
            "form": form,
            "rows": rows,
            "filters": filters,
            "problem": problem,
            "back": back,
            "carried": carried,
            "roles": actions.identifying_role_labels(),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def export_page(request, kind):
    """GET: opened from a list's link; POST: from a list that was a lookup."""
    kind = actions.kind_named(kind)
    return _page(request, kind, _list_data(request), ExportForm(kind=kind, user=request.user))


@require_POST
def download(request, kind):
    kind = actions.kind_named(kind)
    data = _list_data(request)
    form = ExportForm(request.POST, kind=kind, user=request.user)
    started: list[actions.Export] = []

    def start():
        export = actions.start_export(
            kind,
            by=request.user,
            data=data,
            format=form.cleaned_data["format"],
            identifying=form.identifying,
            reason=form.cleaned_data.get("reason", ""),
            request=request,
        )
        if not export.format.streams:
            export.build()  # an XLSX is built before its first byte: its size is known
        started.append(export)

    if form.is_valid() and apply_action(form, start):
        export = started[0]
        content_type = export.format.content_type
        if export.format.name != "xlsx":
            content_type += "; charset=utf-8"
        response = StreamingHttpResponse(export.chunks(), content_type=content_type)
        response["Content-Disposition"] = content_disposition_header(True, export.filename)
        if export.built_size is not None:
            # The browser shows how far the download is.
            response["Content-Length"] = str(export.built_size)
        return response
    return _page(request, kind, data, form, status=400)
