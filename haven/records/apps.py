from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecordsConfig(AppConfig):
    """What every sensitive record shares: team ownership, history, blind indexes."""

    name = "haven.records"
    label = "records"
    verbose_name = _("Records")
