from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DraftsConfig(AppConfig):
    name = "haven.drafts"
    label = "drafts"
    verbose_name = _("Petition drafts")
