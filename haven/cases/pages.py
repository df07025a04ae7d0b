"""What the pages of cases and of requests share."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect

from haven.accounts.models import writable_teams


def can_create(user) -> bool:
    """Whether ``user`` may open a case or record a request in some team."""
    return writable_teams(user).exists()


def posted(request):
    """The form data of a POST, None for a GET (an unbound form)."""
    return request.POST if request.method == "POST" else None


def saved(request, case, message: str):
    """Say ``message`` and go to the case."""
    messages.success(request, message)
    return redirect("cases:detail", uuid=case.uuid)
