from django.urls import path

from haven.drafts import views

app_name = "drafts"
urlpatterns = [
    path("petitions/<uuid:uuid>/", views.petition_drafts, name="petition"),
    path("petitions/<uuid:uuid>/draft/", views.make_draft, name="make"),
    path("<uuid:uuid>/download/", views.download, name="download"),
    path("<uuid:uuid>/regenerate/", views.regenerate, name="regenerate"),
    path("templates/", views.templates, name="templates"),
    path("templates/install/", views.install_builtins, name="install"),
    path("templates/<uuid:uuid>/", views.template_detail, name="template"),
    path("templates/<uuid:uuid>/retire/", views.template_retire, name="template_retire"),
    path("templates/versions/<uuid:uuid>/", views.version_download, name="version_download"),
]
