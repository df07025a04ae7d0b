"""Administrators keep the gazetteer: add places under others, fix names and coordinates."""

from django import forms
from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from haven.accounts.decorators import administrator_required
from haven.audit.actions import record
from haven.locations.models import Location


class LocationForm(forms.ModelForm):
    class Meta:
        model = Location
        fields = ["parent", "kind", "name_en", "name_ru", "latitude", "longitude"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].label_from_instance = lambda p: p.full_name
        self.fields["parent"].required = False
        self.fields["latitude"].help_text = gettext_lazy("Decimal degrees, e.g. 43.3175")

    def clean(self):
        cleaned = super().clean()
        parent = cleaned.get("parent")
        if (
            parent
            and self.instance.pk
            and (parent.pk == self.instance.pk or f"/{self.instance.pk}/" in parent.path)
        ):
            self.add_error("parent", _("A place cannot be inside itself."))
        for name, low, high in (("latitude", -90, 90), ("longitude", -180, 180)):
            value = cleaned.get(name)
            if value is not None and not low <= value <= high:
                self.add_error(
                    name, _("Must be between %(low)s and %(high)s.") % {"low": low, "high": high}
                )
        return cleaned


@administrator_required
@require_GET
def location_list(request):
    places = list(Location.objects.order_by("path"))
    depth = {place.pk: place.path.count("/") - 2 for place in places}
    return render(
        request, "locations/list.html", {"places": [(place, depth[place.pk]) for place in places]}
    )


@administrator_required
@require_http_methods(["GET", "POST"])
def location_edit(request, pk=None):
    place = get_object_or_404(Location, pk=pk) if pk else Location()
    initial = {"parent": request.GET.get("parent")} if not pk else None
    form = LocationForm(
        request.POST if request.method == "POST" else None, instance=place, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            record("locations.location.saved", target=place, summary=place.name_en[:200])
        messages.success(request, _("Saved."))
        return redirect("locations:list")
    title = place.name if pk else _("Add a place")
    return render(
        request,
        "locations/form.html",
        {"form": form, "title": title},
        status=400 if form.is_bound else 200,
    )
