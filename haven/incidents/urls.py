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
    path("<uuid:uuid>/acts/<uuid:act>/edit/", views.act_edit, name="act_edit"),
    path("<uuid:uuid>/acts/<uuid:act>/delete/", views.act_delete, name="act_delete"),
    path(
        "<uuid:uuid>/acts/<uuid:act>/involvements/<uuid:involvement>/edit/",
        views.involvement_edit,
        name="involvement_edit",
    ),
    path(
        "<uuid:uuid>/acts/<uuid:act>/involvements/<uuid:involvement>/delete/",
        views.involvement_delete,
        name="involvement_delete",
    ),
    path("<uuid:uuid>/chains/new/", views.chain_new, name="chain_new"),
    path("<uuid:uuid>/chains/<uuid:chain>/edit/", views.chain_edit, name="chain_edit"),
    path("<uuid:uuid>/chains/<uuid:chain>/delete/", views.chain_delete, name="chain_delete"),
    path("<uuid:uuid>/sources/new/", views.cite_new, name="cite_new"),
    path("<uuid:uuid>/sources/<uuid:link>/edit/", views.cite_edit, name="cite_edit"),
    path("<uuid:uuid>/sources/<uuid:link>/delete/", views.cite_delete, name="cite_delete"),
    path("<uuid:uuid>/cases/new/", views.link_case, name="link_case"),
    path("<uuid:uuid>/cases/<uuid:case>/delete/", views.case_unlink, name="case_unlink"),
    path(
        "<uuid:uuid>/interventions/<uuid:action>/delete/",
        views.intervention_unlink,
        name="intervention_unlink",
    ),
]
