from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    """One search over people, cases, incidents and sources, through blind indexes."""

    name = "haven.search"
    label = "search"
    verbose_name = _("Search")
