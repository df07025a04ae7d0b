from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "haven.api"
    label = "api"
    verbose_name = _("API")

    def ready(self):
        from haven.api import schema  # noqa: F401 - registers the schema's security schemes
