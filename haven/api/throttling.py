"""A request budget per access token (``HAVEN_API_RATE``); the browser's session is
not counted here (its sign-in is throttled where it signs in)."""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from haven.accounts.models import AccessToken
from haven.audit.actions import record


class TokenRateThrottle(SimpleRateThrottle):
    scope = "token"

    def get_rate(self) -> str:
        # Read on each request, so that a changed setting (or a test's) applies at once.
        return settings.HAVEN_API_RATE

    def __init__(self):
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)

    def get_cache_key(self, request, view) -> str | None:
        if not isinstance(request.auth, AccessToken):
            return None
        return f"haven-api-throttle:{request.auth.uuid}"

    def throttle_failure(self) -> bool:
        record("api.throttled", summary=f"beyond {self.rate}")
        return False
