from django.urls import path

from haven.documents import views

app_name = "documents"
urlpatterns = [
    path("cases/<uuid:uuid>/dossier/", views.dossier, name="dossier"),
    path("people/<uuid:uuid>/own-copy/", views.own_copy, name="own_copy"),
]
