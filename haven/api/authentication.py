"""Who is calling: a personal access token (``Authorization: Bearer hvn_...``), or the
browser's session with its second factor verified and its CSRF token checked.

Either way, from then on every audit entry of the request carries the API channel and
the caller, exactly as the web's entries carry the web channel and the signed-in user.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from haven.accounts.models import AccessToken, hash_token
from haven.audit.actions import client_address, record
from haven.audit.context import Channel, switch_context

# The last use is written at most this often: not a database write per request.
LAST_USED_EVERY = timedelta(minutes=1)


def enter_api_context(request, user=None) -> None:
    """Entries written from here on in this request are the API's (and ``user``'s)."""
    django_request = getattr(request, "_request", request)
    switch_context(Channel.API, actor=user, address=client_address(django_request))


class TokenAuthentication(authentication.BaseAuthentication):
    keyword = b"bearer"

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        enter_api_context(request)
        if len(parts) != 2:
            raise self._refused("malformed header")
        try:
            secret = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise self._refused("malformed header") from None
        token = (
            AccessToken.objects.select_related("user")
            .filter(secret_hash=hash_token(secret))
            .first()
        )
        if token is None:
            raise self._refused("unknown token")
        now = timezone.now()
        if token.revoked_at is not None:
            raise self._refused(f"revoked token {token.uuid}", user=token.user)
        if token.expires_at <= now:
            raise self._refused(f"expired token {token.uuid}", user=token.user)
        if not token.user.is_active:
            raise self._refused(f"token {token.uuid} of a disabled account", user=token.user)
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_EVERY:
            AccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        enter_api_context(request, token.user)
        return token.user, token

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="haven"'

    def _refused(self, why: str, user=None) -> exceptions.AuthenticationFailed:
        # The entry names the token (never its secret) and its owner, so that the owner
        # can see a revoked or leaked token still being tried.
        record("api.token_refused", actor=user, summary=why)
        return exceptions.AuthenticationFailed(
            _(
                "The access token is invalid, expired or revoked. "
                "Create a new one on your account page."
            )
        )


class VerifiedSessionAuthentication(authentication.SessionAuthentication):
    """The browser's session, as the web pages accept it: signed in, second factor
    verified, no one-time password left to replace; CSRF checked on writes."""

    def authenticate(self, request):
        enter_api_context(request)
        user = getattr(request._request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        verified = getattr(user, "is_verified", lambda: False)()
        if not verified or user.must_change_password:
            return None
        self.enforce_csrf(request)
        enter_api_context(request, user)
        return user, None
