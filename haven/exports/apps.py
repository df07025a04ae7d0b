from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExportConfig(AppConfig):
    name = "haven.exports"
    label = "exports"
    verbose_name = _("Export")

    def ready(self):
        from django.conf import settings

        from haven.accounts.models import Role
        from haven.lib.env import ConfigError

        unknown = [
            role
            for role in settings.HAVEN_EXPORT_IDENTIFYING_ROLES
            if role.lower() not in Role.values
        ]
        if unknown:
            raise ConfigError(
                f"HAVEN_EXPORT_IDENTIFYING_ROLES: unknown role {unknown[0]!r}; "
                f"the roles are {', '.join(Role.values)}"
            )
