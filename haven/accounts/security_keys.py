"""Security keys and passkeys (WebAuthn) as a second factor, through django-otp-webauthn.

The library runs the ceremonies (challenge in the session, used once; signature, origin,
relying party and signature counter checked by py_webauthn). Haven adds to it:

- the relying party and the expected origin come from the host Haven is opened at, unless
  settings name them (``HAVEN_WEBAUTHN_RP_ID``, ``HAVEN_WEBAUTHN_ORIGINS``);
- every refused answer (replayed, for another origin, another user's key, malformed) is on
  the audit log, and a malformed one is a 400, never a 500;
- the policy: a user whose role is in ``HAVEN_KEY_REQUIRED_ROLES`` and who has added a key
  must use a key; during a lockdown only administrators verified by a key get in;
- after a key is verified, the sign-in goes on as after an authenticator code (the page
  asked for before sign-in, or the one-time password change).
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.i18n import JavaScriptCatalog
from django_otp_webauthn import exceptions
from django_otp_webauthn.helpers import WebAuthnHelper
from django_otp_webauthn.views import (
    BeginCredentialAuthenticationView,
    BeginCredentialRegistrationView,
    CompleteCredentialAuthenticationView,
    CompleteCredentialRegistrationView,
)

from haven.accounts.models import Lockdown, SecurityKey, User
from haven.audit.actions import record

NEXT = "haven_next"  # the same session key as haven.accounts.views.NEXT


def relying_party_id(request: HttpRequest) -> str:
    """The WebAuthn relying party: ``HAVEN_WEBAUTHN_RP_ID``, or the host (no port).

    The host was checked against ALLOWED_HOSTS before any view runs.
    """
    if settings.HAVEN_WEBAUTHN_RP_ID:
        return settings.HAVEN_WEBAUTHN_RP_ID
    host = request.get_host()
    if host.startswith("["):  # an IPv6 literal; browsers refuse those as relying party
        return host[1 : host.index("]")]
    return host.rsplit(":", 1)[0]


class SecurityKeyHelper(WebAuthnHelper):
    def get_allowed_origins(self) -> list[str]:
        # The answer's origin is signed over by the key; it must be where Haven is served.
        return settings.OTP_WEBAUTHN_ALLOWED_ORIGINS or [
            f"{self.request.scheme}://{self.request.get_host()}"
        ]

    def get_credential_display_name(self, user) -> str:
        return user.display_name

    def create_credential(self, user, response, parsed_credential, original_data):
        device = super().create_credential(user, response, parsed_credential, original_data)
        count = SecurityKey.objects.filter(user=user).count()
        device.name = _("Security key %(number)d") % {"number": count + 1}
        return device


# --- the policy -------------------------------------------------------------------------
def has_key(user: User) -> bool:
    return SecurityKey.objects.filter(user=user, confirmed=True).exists()


def key_required(user: User) -> bool:
    """Whether ``user`` must verify with a key: their role requires one and they have one.

    A required role without a key yet keeps its authenticator app (so no one is locked
    out by the setting); from the first key on, codes are refused.
    """
    return user.role in settings.HAVEN_KEY_REQUIRED_ROLES and has_key(user)


def verified_by_key(request: HttpRequest) -> bool:
    return isinstance(getattr(request.user, "otp_device", None), SecurityKey)


def lockdown_of(request: HttpRequest) -> Lockdown | None:
    """The lockdown in force, looked up once per request."""
    if not hasattr(request, "_haven_lockdown"):
        request._haven_lockdown = Lockdown.objects.in_force()  # type: ignore[attr-defined]
    return request._haven_lockdown  # type: ignore[attr-defined]


def may_sign_in_during_lockdown(user: User) -> bool:
    return user.is_active and user.is_administrator and has_key(user)


# --- the ceremonies -------------------------------------------------------------------------
class _Audited:
    """Refusals on the audit log; a malformed body a 400 like the library's own errors."""

    refusal = "webauthn.refused"

    def handle_exception(self, exc):
        if not isinstance(exc, exceptions.OTPWebAuthnApiError):
            if not isinstance(
                exc, ValueError | TypeError | KeyError | AttributeError | RecursionError
            ):
                raise exc
            # The library's JSON reading and py_webauthn raise these on hostile bodies (a
            # list for an object, bytes that are not UTF-8, arrays nested deep ...).
            exc = exceptions.MalformedRequest()
        user = self.request.user if self.request.user.is_authenticated else None
        record(self.refusal, request=self.request, target=user, summary=exc.code[:100])
        return JsonResponse({"detail": str(exc), "code": exc.code}, status=exc.status_code)


class KeyRegistrationBegin(_Audited, BeginCredentialRegistrationView):
    refusal = "webauthn.enrolment_refused"


class KeyRegistrationComplete(_Audited, CompleteCredentialRegistrationView):
    refusal = "webauthn.enrolment_refused"

    def post(self, *args, **kwargs):
        with transaction.atomic():
            response = super().post(*args, **kwargs)
            if response.status_code == 200:
                key = SecurityKey.objects.filter(user=self.request.user).latest("created_at")
                record(
                    "webauthn.enrolled",
                    request=self.request,
                    target=self.request.user,
                    summary=f"key {key.uuid}",
                )
        return response


class LockedOut(exceptions.OTPWebAuthnApiError):
    status_code = 403
    default_code = "locked_down"


class KeyAuthenticationBegin(_Audited, BeginCredentialAuthenticationView):
    pass


class KeyAuthenticationComplete(_Audited, CompleteCredentialAuthenticationView):
    def check_device_usable(self, device) -> None:
        super().check_device_usable(device)
        if lockdown_of(self.request) and not may_sign_in_during_lockdown(device.user):
            raise LockedOut(detail=lockdown_notice())

    def complete_auth(self, device) -> None:
        super().complete_auth(device)
        record("webauthn.verified", request=self.request, target=device.user)

    def get_success_url(self) -> str:
        user = self.request.user
        if user.must_change_password:
            return reverse("accounts:password")
        return self.request.session.pop(NEXT, None) or reverse(settings.LOGIN_REDIRECT_URL)


class KeyScriptsCatalog(JavaScriptCatalog):
    """The library's script messages: its translations, and Haven's Russian
    (haven/locale/*/LC_MESSAGES/djangojs.po, found through LOCALE_PATHS)."""

    packages = ["django_otp_webauthn"]


def lockdown_notice() -> str:
    return settings.HAVEN_LOCKDOWN_NOTICE or _(
        "This service is not available at the moment. Please try again later."
    )
