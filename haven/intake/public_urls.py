"""The public request page, mounted at ``HAVEN_INTAKE_PATH`` (``/help/`` by default)."""

from django.urls import path

from haven.intake import public_views

app_name = "intake_public"
urlpatterns = [
    path("", public_views.request_form, name="form"),
    path("r/", public_views.receipt, name="receipt"),
    path("r/send/", public_views.message, name="message"),
]
