from django.urls import path

from haven.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.reminder_list, name="list"),
    path("read/", views.mark_all_read, name="read_all"),
    path("<uuid:uuid>/read/", views.mark_read, name="read"),
    path("digest/", views.digest_setting, name="digest"),
]
