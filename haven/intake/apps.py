from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    """The public request page, its receipts and the intake team's triage queue."""

    name = "haven.intake"
    label = "intake"
    verbose_name = _("Public requests")
