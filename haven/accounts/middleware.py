"""Request-wide rules: deny by default, session timeouts, user language, no caching."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.shortcuts import redirect
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from haven.accounts.decorators import OPEN, PASSWORD_CHANGE, SECOND_FACTOR
from haven.audit.actions import record

LOGIN_AT = "haven_login_at"
SEEN_AT = "haven_seen_at"


class SessionTimeoutMiddleware:
    """End a session idle for too long, or older than the absolute limit."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            now = time.time()
            login_at = request.session.get(LOGIN_AT, 0)
            seen_at = request.session.get(SEEN_AT, login_at)
            reason = None
            if now - login_at > settings.HAVEN_SESSION_MAX_SECONDS:
                reason = "maximum"
            elif now - seen_at > settings.HAVEN_SESSION_IDLE_SECONDS:
                reason = "idle"
            if reason:
                record("session.expired", request=request, target=user, summary=reason)
                logout(request)
                messages.info(request, _("Your session has expired. Please sign in again."))
            elif now - seen_at > 30:
                # Writing at most every 30 s keeps the idle clock honest without a
                # database write on every request.
                request.session[SEEN_AT] = now
        return self.get_response(request)


class LocaleMiddleware(DjangoLocaleMiddleware):
    """Django's language choice, except that a signed-in user's saved language wins.

    Placed after the authentication middleware so that it knows the user.
    """

    def process_request(self, request):
        user = request.user
        if user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        else:
            super().process_request(request)


class DenyByDefaultMiddleware:
    """Every view needs a password and a verified second factor unless marked otherwise."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        stage = getattr(view_func, "haven_access", None)
        if stage == OPEN:
            return None
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not user.is_verified():
            if stage == SECOND_FACTOR:
                return None
            return redirect("accounts:second_factor")
        if stage == SECOND_FACTOR:
            return redirect(settings.LOGIN_REDIRECT_URL)
        if user.must_change_password and stage != PASSWORD_CHANGE:
            return redirect("accounts:password")
        return None


class NoStoreMiddleware:
    """Pages may hold sensitive data: no browser or proxy keeps a copy."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        add_never_cache_headers(response)
        return response


# Routes that hand records out of Haven: refused during a lockdown (the API as a whole,
# by its namespace). A response that is a file download is refused as well, whatever its
# route, so a download added later is covered before it is listed here.
LOCKED_NAMESPACES = {"api", "exports"}
LOCKED_ROUTES = {
    "documents:dossier",
    "drafts:download",
    "drafts:version_download",
    "reports:download",
    "sources:bundle",
    "sources:download",
}


class LockdownMiddleware:
    """While a lockdown is in force: only administrators verified by a security key stay
    signed in, and nothing leaves Haven (downloads, exports, the API).

    Placed after django-otp's middleware (it needs to know the device that verified the
    session) and before the deny-by-default one. The lockdown is looked up only when a
    request needs it (a signed-in user, a locked route, a download), once per request.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from haven.accounts.security_keys import (
            lockdown_of,
            may_sign_in_during_lockdown,
            verified_by_key,
        )

        request.lockdown = SimpleLazyObject(lambda: lockdown_of(request))
        user = request.user
        if user.is_authenticated and lockdown_of(request) is not None:
            allowed = may_sign_in_during_lockdown(user) and (
                verified_by_key(request) or not user.is_verified()
            )
            if not allowed:
                # Sessions ended when the lockdown started; this catches any other way in.
                record("lockdown.refused", request=request, target=user, summary=request.path)
                logout(request)
        response = self.get_response(request)
        is_download = response.get("Content-Disposition", "").startswith("attachment") or getattr(
            response, "streaming", False
        )
        if is_download and lockdown_of(request) is not None:
            return _lockdown_refusal(request)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        from haven.accounts.security_keys import lockdown_of

        match = request.resolver_match
        if match is None:
            return None
        locked = match.namespace in LOCKED_NAMESPACES or match.view_name in LOCKED_ROUTES
        if locked and lockdown_of(request) is not None:
            return _lockdown_refusal(request)
        return None


def _lockdown_refusal(request):
    from django.shortcuts import render

    from haven.accounts.security_keys import lockdown_notice

    record("lockdown.refused", request=request, summary=request.path[:200])
    return render(request, "accounts/notice.html", {"notice": lockdown_notice()}, status=503)
