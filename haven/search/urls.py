from django.urls import path

from haven.search import views

app_name = "search"
urlpatterns = [
    path("", views.search_page, name="search"),
    path("pick/", views.pick, name="pick"),
]
