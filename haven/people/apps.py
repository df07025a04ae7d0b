from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "haven.people"
    label = "people"
    verbose_name = _("People")

    def ready(self) -> None:
        from haven.people import tasks  # noqa: F401 - connects its task_finished receiver
