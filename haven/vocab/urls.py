from django.urls import path

from haven.vocab import views

app_name = "vocab"
urlpatterns = [
    path("", views.vocabulary_list, name="list"),
    path("<slug:vocabulary>/new/", views.term_new, name="term_new"),
    path("terms/<int:pk>/", views.term_edit, name="term_edit"),
    path("terms/<int:pk>/retire/", views.term_retire, name="term_retire"),
    path("terms/<int:pk>/delete/", views.term_delete, name="term_delete"),
]
