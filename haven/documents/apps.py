from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "haven.documents"
    label = "documents"
    verbose_name = _("Documents")

    def ready(self):
        from haven.documents.subject_access import _section
        from haven.people import sections

        sections.register("own_copy", "documents/person_section.html", _section, order=90)
