from django.urls import path

from haven.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("verify/", views.second_factor, name="second_factor"),
    path("enroll/", views.enroll, name="enroll"),
    path("continue/", views.finish_setup, name="finish_setup"),
    path("password/", views.password, name="password"),
    path("logout/", views.logout_view, name="logout"),
    path("recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("language/", views.switch_language, name="language"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<uuid:uuid>/revoke/", views.token_revoke, name="token_revoke"),
    path("", views.account, name="account"),
]
