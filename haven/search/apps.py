from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    """One search over people, cases, incidents and sources, through blind indexes."""

    name = "haven.search"
    label = "search"
    verbose_name = _("Search")

    def ready(self):
        from django.apps import apps
        from django.conf import settings

        from haven.lib.env import ConfigError
        from haven.lib.stemming import WORD_INDEX
        from haven.records.blind import scope_of

        known = sorted(
            scope_of(model, name)
            for model in apps.get_models()
            for name, entry in getattr(model, "blind_indexes", {}).items()
            if entry is WORD_INDEX
        )
        unknown = [scope for scope in settings.HAVEN_WORD_INDEX_SKIP if scope not in known]
        if unknown:
            raise ConfigError(
                f"HAVEN_WORD_INDEX_SKIP: {unknown[0]!r} is not a field of the word index; "
                f"the fields are {', '.join(known)}"
            )
