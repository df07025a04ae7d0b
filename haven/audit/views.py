from datetime import datetime, time

from django import forms
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from haven.accounts.decorators import administrator_required
from haven.audit.models import AuditEntry
from haven.lib.fuzzy_dates import validate_in_bounds


class AuditFilterForm(forms.Form):
    action = forms.CharField(label=_("Action starts with"), max_length=64, required=False)
    user = forms.CharField(label=_("User e-mail"), max_length=254, required=False)
    # Bounded: the first hours of year 1 here may be year 0 in UTC, which no query takes.
    since = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_in_bounds],
    )
    until = forms.DateField(
        label=_("Until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_in_bounds],
    )

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end date is before the start date."))
        return cleaned


@administrator_required
@require_GET
def audit_log(request):
    form = AuditFilterForm(request.GET or None)
    entries = AuditEntry.objects.select_related("actor").order_by("-seq")
    status = 200
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data["action"]:
            entries = entries.filter(action__startswith=data["action"].strip())
        if data["user"]:
            entries = entries.filter(actor_label__icontains=data["user"].strip())
        zone = timezone.get_current_timezone()
        if data["since"]:
            entries = entries.filter(at__gte=datetime.combine(data["since"], time.min, zone))
        if data["until"]:
            entries = entries.filter(at__lte=datetime.combine(data["until"], time.max, zone))
    elif form.is_bound:
        status = 400
        entries = entries.none()
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/log.html",
        {"form": form, "page": page, "query": query.urlencode()},
        status=status,
    )
