"""The intake team's triage queue. Rows come through ``visible_to``; changes through
``haven.intake.actions``."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from haven.cases.models import Request
from haven.intake import actions, selectors
from haven.intake.models import Submission, get_submission_for_user
from haven.web.pagination import paginate


@require_GET
def queue(request):
    urgency = request.GET.get("urgency", "")
    language = request.GET.get("language", "")
    urgency = urgency if urgency in Request.Urgency.values else ""
    language = language if language in ("en", "ru") else ""
    page = paginate(request, selectors.waiting(request.user, urgency=urgency, language=language))
    return render(
        request,
        "intake/queue.html",
        {
            "page": page,
            "urgencies": Request.Urgency.choices,
            "urgency": urgency,
            "language": language,
        },
    )


@require_POST
def spam(request, uuid):
    submission = get_submission_for_user(request.user, uuid, write=True)
    if submission.state != Submission.State.SPAM:
        actions.mark_spam(submission, by=request.user)
        messages.success(
            request, _("Marked as spam: it left the queue and its receipt opens nothing.")
        )
    return redirect("intake:queue")
