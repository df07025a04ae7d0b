"""Administrators keep the gazetteer: add places under others, fix names and coordinates."""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from haven.accounts.decorators import administrator_required
from haven.locations import actions
from haven.locations.actions import EDITABLE
from haven.locations.models import Location
from haven.web.forms import form_view
from haven.web.pickers import PlacePicker


class LocationForm(forms.Form):
    """A place's fields, as ``save_place`` takes them; the rules are the action's."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(forms.fields_for_model(Location, fields=EDITABLE))
        self.fields["parent"] = PlacePicker(
            label=gettext_lazy("part of"), queryset=Location.objects.all(), required=False
        )
        self.fields["latitude"].help_text = gettext_lazy("Decimal degrees, e.g. 43.3175")

    @staticmethod
    def initial_from(place: Location) -> dict:
        return {name: getattr(place, name) for name in EDITABLE}


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
    initial = LocationForm.initial_from(place) if pk else {"parent": request.GET.get("parent")}
    form = LocationForm(request.POST if request.method == "POST" else None, initial=initial)

    def save(data):
        actions.save_place(place, **data)
        messages.success(request, _("Saved."))
        return redirect("locations:list")

    return form_view(
        request,
        form,
        title=place.name if pk else _("Add a place"),
        save=save,
        creates=not pk,
        back=(reverse("locations:list"), _("Locations")),
    )
