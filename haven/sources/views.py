from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from haven.accounts.models import Membership, Team
from haven.audit.actions import record
from haven.sources import actions
from haven.sources.forms import SourceForm
from haven.sources.models import Source, get_source_for_user
from haven.web import once


def _writable_teams(user):
    return Team.objects.filter(memberships__user=user, memberships__access=Membership.Access.MEMBER)


@require_GET
def source_list(request):
    sources = list(Source.objects.visible_to(request.user).select_related("team")[:300])
    record("sources.source.listed", summary=f"{len(sources)} shown")
    return render(
        request,
        "sources/list.html",
        {"sources": sources, "can_add": _writable_teams(request.user).exists()},
    )


@require_http_methods(["GET", "POST"])
def source_new(request):
    teams = _writable_teams(request.user)
    if not teams.exists():
        raise PermissionDenied
    form = SourceForm(request.POST if request.method == "POST" else None, teams=teams)
    if request.method == "POST" and form.is_valid():
        if not once.consume(request):
            messages.warning(request, _("This form was already sent; nothing was saved twice."))
            return redirect("sources:list")
        data = dict(form.cleaned_data)
        source = actions.add_source(team=data.pop("team"), by=request.user, **data)
        messages.success(request, _("Source %(code)s added.") % {"code": source.code})
        return redirect("sources:detail", uuid=source.uuid)
    return render(
        request, "sources/form.html", {"form": form}, status=400 if form.is_bound else 200
    )


@require_GET
def source_detail(request, uuid):
    source = get_source_for_user(request.user, uuid)
    links = source.information.filter(deleted_at__isnull=True).select_related("incident")
    return render(request, "sources/detail.html", {"source": source, "links": links})
