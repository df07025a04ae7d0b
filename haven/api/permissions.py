"""What a caller may do: signed in, and a token only within its scopes.

Which records is decided elsewhere, once, by ``visible_to`` and the getters: a scope
narrows what a token may do, it never widens what its user may see.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from haven.accounts.models import AccessToken
from haven.audit.actions import record


class ScopedAccess(BasePermission):
    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        token = request.auth if isinstance(request.auth, AccessToken) else None
        module = getattr(view, "module", None)
        if token is None or module is None:
            return True
        write = request.method not in SAFE_METHODS and not getattr(view, "reads_by_post", False)
        if token.allows(module, write=write):
            return True
        scope = f"{module}:{'write' if write else 'read'}"
        record("access.denied", actor=user, summary=f"token {token.uuid} lacks {scope}")
        self.message = _("This token does not have the scope %(scope)s.") % {"scope": scope}
        return False


class AdministratorsOnly(BasePermission):
    def has_permission(self, request, view) -> bool:
        if request.user.is_authenticated and request.user.is_administrator:
            return True
        if request.user.is_authenticated:
            record("access.denied", actor=request.user, summary=f"API {request.path[:200]}")
        return False
