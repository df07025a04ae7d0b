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
    path("logout/everywhere/", views.logout_everywhere, name="logout_everywhere"),
    path("exit/", views.quick_exit, name="quick_exit"),
    path("blank/", views.blank, name="blank"),
    path("keys/", views.keys, name="keys"),
    path("keys/<uuid:uuid>/rename/", views.key_rename, name="key_rename"),
    path("keys/<uuid:uuid>/remove/", views.key_remove, name="key_remove"),
    path("recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("language/", views.switch_language, name="language"),
    path("lockdown/", views.lockdown, name="lockdown"),
    path("lockdown/propose/", views.lockdown_propose, name="lockdown_propose"),
    path("lockdown/confirm/", views.lockdown_confirm, name="lockdown_confirm"),
    path("lockdown/withdraw/", views.lockdown_withdraw, name="lockdown_withdraw"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<uuid:uuid>/revoke/", views.token_revoke, name="token_revoke"),
    path("", views.account, name="account"),
]
