"""The public request page on a host name of its own (``HAVEN_INTAKE_HOST``).

An organisation may give people an address that is only the request page, say an onion
service behind Tor. On that host the page is at "/", its style sheet is served, and every
other path gets a bare "Not found" that names nothing: no sign-in page, no redirect, no
other static file, nothing that says it is Haven. The host's own URL list
(``host_urls``) holds only the public views, so nothing else resolves there even by
mistake. With ``HAVEN_INTAKE_ON_MAIN_HOST=0`` the page leaves Haven's other host names.

Tor encrypts and authenticates an onion address itself, and onion services seldom have
certificates: on an ``.onion`` intake host the HTTPS redirect of ``HAVEN_HTTPS`` is not
applied, and, as every visitor comes from Tor's own address, the per-address limits do
not apply there either (the global ones do).
"""

from __future__ import annotations

import posixpath

from django.conf import settings
from django.http import Http404, HttpResponse
from django.http.request import split_domain_port
from django.middleware.security import SecurityMiddleware as DjangoSecurityMiddleware
from django.urls import Resolver404, resolve

HOST_URLCONF = "haven.intake.host_urls"

NOT_FOUND = (
    b'<!doctype html><html><head><meta charset="utf-8"><title>Not found</title>'
    b'<meta name="viewport" content="width=device-width"></head>'
    b"<body><p>Not found.</p></body></html>"
)


def on_intake_host(request) -> bool:
    host = settings.HAVEN_INTAKE_HOST
    if not host:
        return False
    domain, _port = split_domain_port(request.get_host())
    return domain.lower().rstrip(".") == host


def behind_onion(request) -> bool:
    """Whether ``request`` came to the intake host as an onion service."""
    return getattr(request, "on_intake_host", False) and settings.HAVEN_INTAKE_HOST.endswith(
        ".onion"
    )


def bare(status: int, text: bytes = NOT_FOUND) -> HttpResponse:
    """A page that names nothing. It is answered before the security middleware runs,
    so it carries the headers that middleware would add itself."""
    response = HttpResponse(text, status=status)
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["X-Content-Type-Options"] = "nosniff"
    response["X-Frame-Options"] = "DENY"
    response["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'"
    if settings.SECURE_HSTS_SECONDS:  # as Django's SecurityMiddleware writes it
        value = f"max-age={settings.SECURE_HSTS_SECONDS}"
        if settings.SECURE_HSTS_INCLUDE_SUBDOMAINS:
            value += "; includeSubDomains"
        if settings.SECURE_HSTS_PRELOAD:
            value += "; preload"
        response["Strict-Transport-Security"] = value
    return response


def _static_prefix() -> str:
    return "/" + settings.STATIC_URL.strip("/") + "/intake/"


def _is_public(path: str) -> bool:
    if posixpath.normpath(path) != path.rstrip("/") and path != "/":
        return False  # "..", "//", "/./": nothing the URL list would take as given
    if path.startswith(_static_prefix()):
        return True
    try:
        resolve(path, urlconf=HOST_URLCONF)
    except Resolver404:
        return False
    return True


def _resolves(path: str) -> bool:
    """Whether Haven answers ``path``, or the same path with a slash added (which Django
    answers with a redirect to it)."""
    candidates = [path] + ([path + "/"] if settings.APPEND_SLASH and not path.endswith("/") else [])
    for candidate in candidates:
        try:
            resolve(candidate)
        except Resolver404:
            continue
        return True
    return False


class IntakeHostMiddleware:
    """First in the chain: on the intake host, only the public page and its style sheet."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if on_intake_host(request):
            request.on_intake_host = True
            if not _is_public(request.path_info):
                return bare(404)
            request.urlconf = HOST_URLCONF
        elif request.path_info.startswith("/" + settings.HAVEN_INTAKE_PATH):
            if settings.HAVEN_INTAKE_HOST and not settings.HAVEN_INTAKE_ON_MAIN_HOST:
                raise Http404  # Haven's own "not found" page: the page lives elsewhere
            if not _resolves(request.path_info):
                # A mistyped address under the public page: as bare as the page itself
                # (no cookie, no sign-in link, nothing that names Haven).
                return bare(404)
        return self.get_response(request)


class SecurityMiddleware(DjangoSecurityMiddleware):
    """Django's, without the HTTPS redirect on an onion intake host (see above)."""

    def process_request(self, request):
        if behind_onion(request):
            return None
        return super().process_request(request)


# The intake host's error pages: as bare as its "not found".
def not_found(request, exception=None):
    return bare(404)


def bad_request(request, exception=None):
    return bare(400, NOT_FOUND.replace(b"Not found", b"Bad request"))


def server_error(request):
    return bare(500, NOT_FOUND.replace(b"Not found", b"Something went wrong"))
