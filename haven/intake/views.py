"""The intake team's triage queue. Rows come through ``visible_to``; changes through
``haven.intake.actions``."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from haven.audit.actions import record
from haven.cases.models import Request
from haven.intake import actions, selectors
from haven.intake.models import Submission, get_submission_for_user
from haven.records.access import can_write
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
        try:
            actions.mark_spam(submission, by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, _("Marked as spam: it left the queue and its receipt opens nothing.")
            )
    return redirect("intake:queue")


def _uuid_text(value: str) -> str:
    """A ticked id in one spelling (the same UUID typed otherwise is the same choice)."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return value  # not a UUID: found by nothing, so the choice is refused


# At most a few pages of the queue at once: a flood is cleared a page at a time.
MAX_CHOSEN = 200


@require_POST
def spam_chosen(request):
    """Mark the requests ticked in the queue as spam, all of them or none: one that no
    longer waits (or was never visible) refuses the whole choice with a message, one the
    user may only read with 403."""
    chosen = list(dict.fromkeys(_uuid_text(value) for value in request.POST.getlist("chosen")))
    chosen = chosen[: MAX_CHOSEN + 1]
    if not chosen:
        messages.error(request, _("Tick the requests to mark as spam first."))
        return redirect("intake:queue")
    if len(chosen) > MAX_CHOSEN:
        messages.error(
            request,
            _("Mark at most %(count)d requests as spam at a time.") % {"count": MAX_CHOSEN},
        )
        return redirect("intake:queue")
    gone = _(
        "Nothing was marked: some of the ticked requests no longer wait in the "
        "queue. Look at the queue again and tick them anew."
    )
    found = selectors.waiting_among(request.user, chosen)
    if len(found) != len(chosen):
        messages.error(request, gone)
        return redirect("intake:queue")
    for submission in found:
        if not can_write(request.user, submission):
            record(
                "access.denied", actor=request.user, target=submission, summary="read-only member"
            )
            raise PermissionDenied
    try:
        actions.mark_spam_many(found, by=request.user)
    except ValidationError:  # one was taken or marked meanwhile: none is marked
        messages.error(request, gone)
        return redirect("intake:queue")
    messages.success(
        request,
        ngettext(
            "Marked %(count)d request as spam: it left the queue and its receipt opens nothing.",
            "Marked %(count)d requests as spam: they left the queue and their receipts open "
            "nothing.",
            len(found),
        )
        % {"count": len(found)},
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
