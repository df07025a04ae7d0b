"""Marks for the deny-by-default middleware: every view is closed unless marked here."""

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied

OPEN = "open"  # no sign-in needed: sign-in page, language switch
SECOND_FACTOR = "second_factor"  # password accepted, second factor still to come
PASSWORD_CHANGE = "password_change"  # noqa: S105 - verified, but a one-time password must be replaced


def _mark(stage: str) -> Callable:
    def decorator(view: Callable) -> Callable:
        view.haven_access = stage  # type: ignore[attr-defined]
        return view

    return decorator


open_view = _mark(OPEN)
second_factor_view = _mark(SECOND_FACTOR)
password_change_view = _mark(PASSWORD_CHANGE)


def administrator_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_administrator:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
