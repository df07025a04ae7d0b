"""How the OpenAPI schema describes Haven's two ways in (loaded by the app's ready())."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "haven.api.authentication.TokenAuthentication"
    name = "token"

    def get_security_definition(self, auto_schema: AutoSchema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal access token (hvn_...) made on your account page.",
        }


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = "haven.api.authentication.VerifiedSessionAuthentication"
    name = "session"
    priority = 1

    def get_security_definition(self, auto_schema: AutoSchema):
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": "haven-session",
            "description": (
                "The browser's session, second factor verified; writes send X-CSRFToken."
            ),
        }
