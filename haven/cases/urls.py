from django.urls import path

from haven.cases import request_views, views

app_name = "cases"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.case_new, name="new"),
    path("requests/", request_views.request_list, name="requests"),
    path("requests/new/", request_views.request_new, name="request_new"),
    path("requests/<uuid:uuid>/", request_views.request_detail, name="request_detail"),
    path("requests/<uuid:uuid>/convert/", request_views.request_convert, name="request_convert"),
    path("requests/<uuid:uuid>/join/", request_views.request_join, name="request_join"),
    path("requests/<uuid:uuid>/reply/", request_views.request_reply, name="request_reply"),
    path("requests/<uuid:uuid>/assign/", request_views.request_assign, name="request_assign"),
    path("<uuid:uuid>/", views.case_detail, name="detail"),
    path("<uuid:uuid>/edit/", views.case_edit, name="edit"),
    path("<uuid:uuid>/status/", views.case_status, name="status"),
    path("<uuid:uuid>/persons/", views.case_add_person, name="add_person"),
    path("<uuid:uuid>/risk/", views.risk_new, name="risk_new"),
    path("<uuid:uuid>/actions/new/", views.action_new, name="action_new"),
    path("<uuid:uuid>/petitions/new/", views.petition_new, name="petition_new"),
    path("<uuid:uuid>/actions/<uuid:action>/", views.action_edit, name="action_edit"),
    path("<uuid:uuid>/actions/<uuid:action>/decision/", views.decision, name="decision"),
    path("<uuid:uuid>/actions/<uuid:action>/remove/", views.action_delete, name="action_delete"),
    path("<uuid:uuid>/consents/new/", views.consent_new, name="consent_new"),
    path("<uuid:uuid>/notes/", views.note_new, name="note_new"),
    path("<uuid:uuid>/risk/<uuid:assessment>/", views.risk_edit, name="risk_edit"),
    path("<uuid:uuid>/risk/<uuid:assessment>/remove/", views.risk_delete, name="risk_delete"),
    path("<uuid:uuid>/consents/<uuid:consent>/", views.consent_edit, name="consent_edit"),
    path(
        "<uuid:uuid>/consents/<uuid:consent>/remove/",
        views.consent_delete,
        name="consent_delete",
    ),
    path("<uuid:uuid>/notes/<uuid:note>/", views.note_edit, name="note_edit"),
    path("<uuid:uuid>/notes/<uuid:note>/remove/", views.note_delete, name="note_delete"),
    path(
        "<uuid:uuid>/persons/<uuid:person>/remove/",
        views.person_remove,
        name="person_remove",
    ),
]
