from django.urls import path

from haven.incidents import views

app_name = "incidents"
urlpatterns = [
    path("", views.incident_list, name="list"),
    path("new/", views.incident_new, name="new"),
    path("statistics/", views.statistics, name="statistics"),
    path("<uuid:uuid>/", views.incident_detail, name="detail"),
    path("<uuid:uuid>/edit/", views.incident_edit, name="edit"),
    path("<uuid:uuid>/acts/new/", views.act_new, name="act_new"),
    path(
        "<uuid:uuid>/acts/<uuid:act>/involvements/new/",
        views.involvement_new,
        name="involvement_new",
    ),
    path("<uuid:uuid>/chains/new/", views.chain_new, name="chain_new"),
    path("<uuid:uuid>/sources/new/", views.cite_new, name="cite_new"),
    path("<uuid:uuid>/cases/new/", views.link_case, name="link_case"),
]
