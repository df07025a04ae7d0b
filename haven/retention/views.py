"""Erasure pages (from a person, case or request), legal holds, and the retention page."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from haven.accounts.decorators import administrator_required
from haven.audit.actions import record
from haven.cases.models import get_case_for_user, get_request_for_user
from haven.incidents.models import get_incident_for_user
from haven.people.models import get_person_for_user
from haven.retention import actions, journal
from haven.retention.forms import EraseForm, HoldForm, RuleForm
from haven.retention.models import Erasure, LegalHold, RetentionRule, get_hold_for_user
from haven.web.forms import form_view

ERASABLE = {
    "person": (get_person_for_user, "people:detail", "people:list"),
    "case": (get_case_for_user, "cases:detail", "cases:list"),
    "request": (get_request_for_user, "cases:request_detail", "cases:requests"),
}
HOLDABLE = {
    "case": (get_case_for_user, "cases:detail"),
    "incident": (get_incident_for_user, "incidents:detail"),
}


def _code(instance) -> str:
    return getattr(instance, "code", None) or str(instance.uuid)[:8].upper()


@require_http_methods(["GET", "POST"])
def erase(request, uuid, kind):
    getter, detail, listing = ERASABLE[kind]
    instance = getter(request.user, uuid, write=True)
    if not actions.may_erase(request.user, instance):
        raise PermissionDenied
    code = _code(instance)
    holds = actions.holds_on(instance)
    form = EraseForm(request.POST if request.method == "POST" else None, code=code)

    def save(data):
        entry = actions.erase(instance, by=request.user, reason=data["reason"])
        transaction.on_commit(lambda: journal.compact(entry.tables))
        messages.success(
            request, _("%(code)s was erased. The audit log keeps that it was.") % {"code": code}
        )
        return redirect(listing)

    parts = actions.erasure.parts_of(instance)
    return form_view(
        request,
        form,
        title=_("Erase %(code)s?") % {"code": code},
        intro=(actions.hold_message(holds) + " " if holds else "")
        + _(
            "Erasing removes every value, every earlier version, the search index and the "
            "files of %(code)s and of %(count)s records that belong to it, and it stays "
            "erased even when an older backup is restored. Only the code and the dates "
            "remain, and an audit entry that it was erased, by whom and why."
        )
        % {"code": code, "count": len(parts.records) - 1},
        save=save,
        submit=_("Erase for good"),
        back=(reverse(detail, kwargs={"uuid": instance.uuid}), _("Back")),
    )


@require_http_methods(["GET", "POST"])
def hold_set(request, uuid, kind):
    getter, detail = HOLDABLE[kind]
    target = getter(request.user, uuid, write=True)
    form = HoldForm(request.POST if request.method == "POST" else None)

    def save(data):
        actions.set_hold(target, by=request.user, name=data["name"])
        messages.success(request, _("Legal hold set: nothing it covers can be erased."))
        return redirect(detail, uuid=target.uuid)

    holds = list(actions.active_holds().filter(target_uuid=target.uuid, team=target.team))
    return form_view(
        request,
        form,
        title=_("Legal hold on %(code)s") % {"code": target.code},
        intro=_(
            "While a hold is set, neither the record nor anything it covers (its people, "
            "requests and evidence) can be erased, by hand or by a retention rule."
        ),
        save=save,
        creates=True,
        submit=_("Set the hold"),
        back=(reverse(detail, kwargs={"uuid": target.uuid}), _("Back")),
        template="retention/hold.html",
        context={"holds": holds},
    )


@require_POST
def hold_lift(request, uuid):
    hold = get_hold_for_user(request.user, uuid, write=True)
    try:
        actions.lift_hold(hold, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Legal hold lifted."))
    kind = "case" if hold.target_kind == LegalHold.Target.CASE else "incident"
    return redirect("retention:hold_" + kind, uuid=hold.target_uuid)


@administrator_required
@require_http_methods(["GET", "POST"])
def retention_page(request):
    """Rules, what falls due under them, and recent erasures: codes and counts only, so an
    administrator who is on no team learns no content from it."""
    form = RuleForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    rule = actions.save_rule(
                        by=request.user,
                        kind=data["kind"],
                        days=data["days"],
                        source_kind=data["source_kind"] or "",
                    )
                    every, due = actions.candidates(rule)
                    count = due.count()
                    if count and count == every.count() and data["confirm_all"] != count:
                        form.add_error(
                            "confirm_all",
                            _(
                                "This rule would erase all %(count)s records it applies to. "
                                "Type %(count)s to confirm."
                            )
                            % {"count": count},
                        )
                        raise ValidationError("unconfirmed")
            except ValidationError as exc:
                if not form.errors:
                    form.add_error(None, exc)
            else:
                messages.success(request, _("Retention rule saved."))
                return redirect("retention:page")
    due = actions.review()
    record("retention.reviewed", summary=f"{len(due)} due")
    return render(
        request,
        "retention/page.html",
        {
            "form": form,
            "rules": RetentionRule.objects.all(),
            "due": due,
            "erasures": Erasure.objects.all()[:50],
        },
        status=status,
    )


@administrator_required
@require_POST
def rule_delete(request, pk):
    rule = get_object_or_404(RetentionRule, pk=pk)
    actions.delete_rule(rule, by=request.user)
    messages.success(request, _("Retention rule deleted."))
    return redirect("retention:page")
