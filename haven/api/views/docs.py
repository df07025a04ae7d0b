"""The API's reference page (Swagger UI, vendored) and its answer for unknown paths."""

from __future__ import annotations

from csp.decorators import csp_update
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from haven.api.problems import PROBLEM_TYPE


# Swagger UI's stylesheet draws its icons as data: images; nothing else is loosened.
@csp_update({"img-src": ["data:"]})
@require_GET
def reference(request):
    """The schema, browsable, for a signed-in user; its "Try it out" calls the API with
    the page's own session (and CSRF token), so it can do only what the user can. The
    page's scripts are files of Haven's own (vendored Swagger UI, its start script):
    the strict CSP allows them without a nonce."""
    return render(request, "api/reference.html")


def not_found(request, *args, **kwargs):
    body = {
        "type": "/api/v1/problems/404",
        "title": _("Not found"),
        "status": 404,
        "detail": _("There is no such API path. The reference is at /api/v1/docs/."),
    }
    return JsonResponse(body, status=404, content_type=PROBLEM_TYPE)
