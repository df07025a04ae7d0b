"""A gazetteer tree: Russia › North Caucasus › Chechen Republic › Grozny.

Each place stores the path of ids from the root (``/1/9/57/``), so "this region
and everything in it" is one indexed prefix lookup.
"""

from __future__ import annotations

from django.db import models, transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _


class Location(models.Model):
    class Kind(models.TextChoices):
        COUNTRY = "country", _("Country")
        DISTRICT = "federal_district", _("Federal district")
        REGION = "region", _("Region")
        AREA = "area", _("District")
        CITY = "city", _("City")
        TOWN = "town", _("Town or village")

    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("part of"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name_en = models.CharField(_("English name"), max_length=150)
    name_ru = models.CharField(_("Russian name"), max_length=150)
    latitude = models.DecimalField(
        _("latitude"), max_digits=8, decimal_places=5, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=8, decimal_places=5, null=True, blank=True
    )
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")

    class Meta:
        ordering = ["path"]
        verbose_name = _("location")
        verbose_name_plural = _("locations")

    def __str__(self) -> str:
        return self.name

    @transaction.atomic
    def save(self, *args, **kwargs):
        if (
            self.parent_id
            and self.pk
            and (self.parent_id == self.pk or f"/{self.pk}/" in (self.parent.path or ""))
        ):
            raise ValueError("a place cannot be inside itself")
        super().save(*args, **kwargs)
        old = self.path
        self.path = (self.parent.path if self.parent_id else "/") + f"{self.pk}/"
        if old != self.path:
            Location.objects.filter(pk=self.pk).update(path=self.path)
            if old:  # moved: carry the subtree along
                for child in Location.objects.filter(path__startswith=old).exclude(pk=self.pk):
                    child.path = self.path + child.path[len(old) :]
                    Location.objects.filter(pk=child.pk).update(path=child.path)

    @property
    def name(self) -> str:
        return self.name_ru if translation.get_language() == "ru" else self.name_en

    def ancestors(self) -> list[Location]:
        ids = [int(part) for part in self.path.strip("/").split("/")[:-1] if part]
        found = {loc.pk: loc for loc in Location.objects.filter(pk__in=ids)}
        return [found[pk] for pk in ids if pk in found]

    @property
    def full_name(self) -> str:
        return " › ".join(loc.name for loc in [*self.ancestors(), self])


def within(location: Location):
    """A queryset of ``location`` and every place inside it."""
    return Location.objects.filter(path__startswith=location.path)


def rolled_up(kind: str) -> dict[int, int]:
    """Every place's id mapped to the id of the place of ``kind`` that holds it (or to
    itself when it is of that kind, above that level, or in no place of that kind), in
    one query: a report counts places rolled up to the level it was asked for."""
    rows = list(Location.objects.values_list("pk", "path", "kind"))
    of_kind = {pk for pk, _path, place_kind in rows if place_kind == kind}
    found = {}
    for pk, path, _kind in rows:
        ids = [int(part) for part in path.strip("/").split("/") if part]
        found[pk] = next((i for i in ids if i in of_kind), pk)
    return found


def regions_of(locations) -> dict[int, Location]:
    """Each place's region (federal subject), by place id, in one query.

    A place above region level (a country, a federal district) maps to itself.
    """
    paths = {
        place.pk: [int(p) for p in place.path.strip("/").split("/") if p]
        for place in locations
        if place is not None
    }
    regions = Location.objects.filter(
        pk__in={pk for ids in paths.values() for pk in ids}, kind=Location.Kind.REGION
    ).in_bulk()
    found = {}
    for pk, ids in paths.items():
        found[pk] = next((regions[i] for i in ids if i in regions), None)
    places = {place.pk: place for place in locations if place is not None}
    return {pk: region or places[pk] for pk, region in found.items()}
