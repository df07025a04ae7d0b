from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _person_section(user, person) -> dict:
    from haven.sources.selectors import person_sources

    return {"sources": person_sources(user, person)}


class SourcesConfig(AppConfig):
    name = "haven.sources"
    label = "sources"
    verbose_name = _("Sources")

    def ready(self):
        from haven.people import sections

        sections.register("sources", "sources/person_section.html", _person_section, order=30)
