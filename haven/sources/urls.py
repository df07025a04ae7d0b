from django.urls import path

from haven.sources import views

app_name = "sources"
urlpatterns = [
    path("", views.source_list, name="list"),
    path("new/", views.source_new, name="new"),
    path("<uuid:uuid>/", views.source_detail, name="detail"),
]
