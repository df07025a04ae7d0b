from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportConfig(AppConfig):
    name = "haven.imports"
    label = "imports"
    verbose_name = _("Import")

    def ready(self) -> None:
        from haven.imports import tasks  # noqa: F401 - connects its task_finished receiver
