from django.urls import path

from haven.sources import views

app_name = "sources"
urlpatterns = [
    path("", views.source_list, name="list"),
    path("new/", views.source_new, name="new"),
    path("capture/", views.capture, name="capture"),
    path("bundle/", views.bundle_download, name="bundle"),
    path("<uuid:uuid>/", views.source_detail, name="detail"),
    path("<uuid:uuid>/files/", views.file_upload, name="upload"),
    path("<uuid:uuid>/files/<uuid:file_uuid>/", views.file_download, name="download"),
]
