from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class KeysConfig(AppConfig):
    """Key management: the key-encryption key, wrapped data keys, encrypted fields."""

    name = "haven.keys"
    label = "keys"
    verbose_name = _("Keys")

    def ready(self):
        from haven.keys.keyring import ensure_data_keys

        post_migrate.connect(ensure_data_keys, sender=self)
