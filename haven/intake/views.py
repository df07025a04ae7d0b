"""The intake team's triage queue. Rows come through ``visible_to``; changes through
``haven.intake.actions``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
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


@require_POST
def digest_setting(request):
    wanted = request.POST.get("digest") == "on"
    try:
        actions.set_digest(request.user, wanted)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("accounts:account")
    messages.success(
        request,
        _("You will get an e-mail when new public requests wait.")
        if wanted
        else _("You will no longer get e-mails about public requests."),
    )
    return redirect("accounts:account")
