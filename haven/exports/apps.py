from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExportConfig(AppConfig):
    name = "haven.exports"
    label = "exports"
    verbose_name = _("Export")
