"""The reminders page, its read marks and the digest opt-in; data from the selectors."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from haven.audit.actions import record
from haven.notifications import actions, selectors
from haven.notifications.models import DigestSubscription
from haven.web.pagination import paginate, shown


@require_GET
def reminder_list(request):
    user = request.user
    notifications = list(
        selectors.unread_notifications(user).select_related("case", "request__channel", "by")
    )
    due = paginate(request, selectors.due_actions(user).select_related("case", "kind"))
    waiting = list(selectors.waiting_requests(user).select_related("channel"))
    # The page shows the actions' titles and the notified cases' codes: one entry lists
    # every record read, as a bulk read does.
    read = {}
    notified = [*(n.case for n in notifications), *(n.request for n in notifications)]
    for item in [*due, *notified, *waiting]:
        if item is not None:
            read[(item._meta.label, item.pk)] = item
    record(
        "notifications.reminders.read",
        summary=f"{len(notifications)} new; {shown(due)}",
        records=read.values(),
    )
    return render(
        request,
        "notifications/list.html",
        {
            "notifications": notifications,
            "due": due,
            "waiting": waiting,
            "soon_days": selectors.DUE_SOON_DAYS,
            "digest_on": DigestSubscription.objects.filter(user=user).exists(),
        },
    )


@require_POST
def mark_read(request, uuid):
    notification = selectors.notifications_for(request.user).filter(uuid=uuid).first()
    if notification is None:
        raise Http404
    actions.mark_read(notification)
    return redirect("notifications:list")


@require_POST
def mark_all_read(request):
    count = actions.mark_all_read(request.user)
    if count:
        messages.success(
            request,
            ngettext(
                "%(count)d notification marked as read.",
                "%(count)d notifications marked as read.",
                count,
            )
            % {"count": count},
        )
    return redirect("notifications:list")


@require_POST
def digest_setting(request):
    wanted = request.POST.get("daily") == "on"
    actions.set_digest(request.user, wanted)
    messages.success(
        request,
        _("You will get a daily e-mail of your reminders.")
        if wanted
        else _("You will no longer get the daily e-mail."),
    )
    return redirect("accounts:account")
