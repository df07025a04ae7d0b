from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RetentionConfig(AppConfig):
    name = "haven.retention"
    label = "retention"
    verbose_name = _("Retention and erasure")

    def ready(self):
        from haven.backups.signals import restored
        from haven.retention.journal import reapply_after_restore

        restored.connect(reapply_after_restore, dispatch_uid="retention-reapply")
