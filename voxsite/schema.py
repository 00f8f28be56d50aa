"""OpenAPI: describe the API-key bearer scheme so the docs show how to authenticate."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class APIKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "voxsite.apikeys.APIKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API key created in the admin (shown once): `Authorization: Bearer <key>`.",
        }
