from django.urls import path

from haven.intake import views

app_name = "intake"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("digest/", views.digest_setting, name="digest"),
    path("spam/", views.spam_chosen, name="spam_chosen"),
    path("<uuid:uuid>/spam/", views.spam, name="spam"),
]
