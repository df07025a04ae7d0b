"""The WebAuthn ceremonies, under the names django-otp-webauthn's template tags use."""

from django.urls import path

from haven.accounts import security_keys as keys
from haven.accounts.decorators import open_view, second_factor_view

app_name = "otp_webauthn"
urlpatterns = [
    path(
        "registration/begin/",
        keys.KeyRegistrationBegin.as_view(),
        name="credential-registration-begin",
    ),
    path(
        "registration/complete/",
        keys.KeyRegistrationComplete.as_view(),
        name="credential-registration-complete",
    ),
    path(
        "authentication/begin/",
        second_factor_view(keys.KeyAuthenticationBegin.as_view()),
        name="credential-authentication-begin",
    ),
    path(
        "authentication/complete/",
        second_factor_view(keys.KeyAuthenticationComplete.as_view()),
        name="credential-authentication-complete",
    ),
    path("messages.js", open_view(keys.KeyScriptsCatalog.as_view()), name="js-i18n-catalog"),
]
