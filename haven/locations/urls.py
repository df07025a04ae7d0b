from django.urls import path

from haven.locations import views

app_name = "locations"
urlpatterns = [
    path("", views.location_list, name="list"),
    path("new/", views.location_edit, name="new"),
    path("<int:pk>/", views.location_edit, name="edit"),
]
