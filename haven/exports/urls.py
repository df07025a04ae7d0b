from django.urls import path

from haven.exports import views

app_name = "exports"
urlpatterns = [
    path("<slug:kind>/", views.export_page, name="page"),
    path("<slug:kind>/download/", views.download, name="download"),
]
