"""The dashboard, the modules' front pages, and error pages that never leak or crash."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_GET

from haven.audit.actions import record


@require_GET
def home(request):
    # The dashboard shows case work; web sits above the apps and reads their selectors.
    from haven.cases.selectors import dashboard_context

    return render(request, "web/home.html", dashboard_context(request.user))


def _error(request, template: str, status: int, action: str | None = None, summary: str = ""):
    if action:
        record(action, request=request, summary=summary or request.path[:200])
    return render(request, template, status=status)


def bad_request(request, exception=None):
    return _error(request, "errors/400.html", 400, "request.malformed")


def permission_denied(request, exception=None):
    return _error(request, "errors/403.html", 403, "access.denied")


def page_not_found(request, exception=None):
    return _error(request, "errors/404.html", 404)


def server_error(request):
    # No context processors and no database: this page must render even when they fail.
    from django.http import HttpResponseServerError
    from django.template import loader

    return HttpResponseServerError(loader.get_template("errors/500.html").render())


def csrf_failure(request, reason: str = ""):
    return _error(request, "errors/csrf.html", 403, "csrf.failed", summary=reason[:200])
