from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportConfig(AppConfig):
    name = "haven.imports"
    label = "imports"
    verbose_name = _("Import")
