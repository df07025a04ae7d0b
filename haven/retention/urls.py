from django.urls import path

from haven.retention import views

app_name = "retention"
urlpatterns = [
    path("", views.retention_page, name="page"),
    path("rules/<int:pk>/delete/", views.rule_delete, name="rule_delete"),
    path("erase/person/<uuid:uuid>/", views.erase, {"kind": "person"}, name="erase_person"),
    path("erase/case/<uuid:uuid>/", views.erase, {"kind": "case"}, name="erase_case"),
    path("erase/request/<uuid:uuid>/", views.erase, {"kind": "request"}, name="erase_request"),
    path("holds/case/<uuid:uuid>/", views.hold_set, {"kind": "case"}, name="hold_case"),
    path(
        "holds/incident/<uuid:uuid>/",
        views.hold_set,
        {"kind": "incident"},
        name="hold_incident",
    ),
    path("holds/<uuid:uuid>/lift/", views.hold_lift, name="hold_lift"),
]
