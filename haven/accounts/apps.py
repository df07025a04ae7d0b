from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "haven.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from django.conf import settings

        from haven.accounts.models import Role
        from haven.lib.env import ConfigError

        unknown = [role for role in settings.HAVEN_KEY_REQUIRED_ROLES if role not in Role.values]
        if unknown:
            raise ConfigError(
                f"HAVEN_KEY_REQUIRED_ROLES: unknown role {unknown[0]!r}; "
                f"the roles are {', '.join(Role.values)}"
            )
