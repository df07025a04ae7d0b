"""The URL list of the intake host (``HAVEN_INTAKE_HOST``): the public page at "/" and
nothing else; its error pages name nothing (``haven.intake.hosts``)."""

from django.urls import include, path

urlpatterns = [path("", include("haven.intake.public_urls"))]

handler400 = "haven.intake.hosts.bad_request"
handler403 = "haven.intake.hosts.not_found"
handler404 = "haven.intake.hosts.not_found"
handler500 = "haven.intake.hosts.server_error"
