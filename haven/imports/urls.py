from django.urls import path

from haven.imports import views

app_name = "imports"
urlpatterns = [
    path("", views.import_list, name="list"),
    path("upload/", views.upload, name="upload"),
    path("<uuid:uuid>/", views.detail, name="detail"),
    path("<uuid:uuid>/read-as/", views.read_as, name="read_as"),
    path("<uuid:uuid>/mapping/", views.save_mapping, name="mapping"),
    path("<uuid:uuid>/mapping.json", views.mapping_json, name="mapping_json"),
    path("<uuid:uuid>/use-saved/", views.use_saved, name="use_saved"),
    path("<uuid:uuid>/check/", views.check, name="check"),
    path("<uuid:uuid>/start/", views.start, name="start"),
]
