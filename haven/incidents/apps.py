from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    """Documented violations on the HURIDOCS Events Standard Formats."""

    name = "haven.incidents"
    label = "incidents"
    verbose_name = _("Incidents")

    def ready(self):
        from haven.incidents.selectors import person_section
        from haven.people import sections

        sections.register("incidents", "incidents/person_section.html", person_section, order=20)
