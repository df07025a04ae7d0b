from django.urls import path

from haven.people import views

app_name = "people"
urlpatterns = [
    path("", views.person_list, name="list"),
    path("new/", views.person_new, name="new"),
    path("duplicates/", views.duplicates, name="duplicates"),
    path("duplicates/merge/", views.merge, name="merge"),
    path("duplicates/search/", views.find_duplicates, name="find_duplicates"),
    path("duplicates/<uuid:uuid>/undo/", views.unmerge, name="unmerge"),
    path("<uuid:uuid>/", views.person_detail, name="detail"),
    path("<uuid:uuid>/edit/", views.person_edit, name="edit"),
    path("<uuid:uuid>/seal/", views.person_seal, name="seal"),
    path("<uuid:uuid>/move/", views.person_move, name="move"),
    path("<uuid:uuid>/move/<int:index>/edit/", views.move_edit, name="move_edit"),
    path("<uuid:uuid>/move/<int:index>/remove/", views.move_remove, name="move_remove"),
    path("<uuid:uuid>/relate/", views.person_relate, name="relate"),
    path(
        "<uuid:uuid>/relationships/<uuid:relationship>/edit/",
        views.relationship_edit,
        name="relationship_edit",
    ),
    path(
        "<uuid:uuid>/relationships/<uuid:relationship>/remove/",
        views.relationship_remove,
        name="relationship_remove",
    ),
    path("<uuid:uuid>/history/", views.person_history, name="history"),
    path("<uuid:uuid>/history/<uuid:version>/restore/", views.person_restore, name="restore"),
    path("<uuid:uuid>/delete/", views.person_delete, name="delete"),
]
