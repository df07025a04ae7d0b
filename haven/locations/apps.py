from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LocationsConfig(AppConfig):
    """The gazetteer: places in a tree, named in English and Russian."""

    name = "haven.locations"
    label = "locations"
    verbose_name = _("Locations")

    def ready(self):
        from django.db.models.signals import post_migrate

        post_migrate.connect(seed_gazetteer, sender=self)


def seed_gazetteer(**kwargs) -> None:
    from haven.locations.gazetteer import load
    from haven.locations.models import Location

    if not Location.objects.exists():
        load()
