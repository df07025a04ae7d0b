from django.apps import AppConfig


class WebConfig(AppConfig):
    """The shell around the modules: dashboard, navigation, error pages."""

    name = "haven.web"
    label = "web"
