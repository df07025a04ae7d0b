from django.urls import path

from haven.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.builder, name="index"),
    path("download/", views.download, name="download"),
    path("save/", views.save, name="save"),
    path("saved/<uuid:uuid>/", views.saved, name="saved"),
    path("saved/<uuid:uuid>/delete/", views.delete, name="delete"),
]
