from django.urls import path

from haven.accounts import admin_views

app_name = "admin"
urlpatterns = [
    path("users/", admin_views.users, name="users"),
    path("users/<uuid:uuid>/disable/", admin_views.user_disable, name="user_disable"),
    path("users/<uuid:uuid>/reset-2fa/", admin_views.user_reset_2fa, name="user_reset_2fa"),
    path("teams/", admin_views.teams, name="teams"),
    path("lockdown/", admin_views.lockdown, name="lockdown"),
    path("lockdown/start/", admin_views.lockdown_start, name="lockdown_start"),
    path("lockdown/lift/", admin_views.lockdown_lift, name="lockdown_lift"),
    path("teams/<uuid:uuid>/", admin_views.team, name="team"),
    path(
        "teams/<uuid:uuid>/members/<uuid:user>/remove/",
        admin_views.member_remove,
        name="member_remove",
    ),
]
