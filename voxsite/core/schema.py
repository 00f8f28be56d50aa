"""OpenAPI: the schema every operation's real behaviour matches (`schemathesis --checks all`).

- Errors: every operation lists the statuses it can answer with, in the one error shape
  (voxsite.core.api.ErrorSerializer). The ones every endpoint of a kind shares (400 for input, 401/403
  for keys, 404 for paths and pages, 413/415 for bodies, 429 for throttles) are added here; views
  declare only their own (409, 422, a 404 for an id in the body).
- Input: string fields carry the pattern voxsite.core.api_input enforces on what was sent (no NUL,
  not blank, exact decimals, parsed numbers such as phones); lists their minItems/maxItems.
- Auth: endpoints that shoppers call without a key say so (an empty security requirement).
"""

from drf_spectacular import openapi
from drf_spectacular.authentication import SessionScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import ResolvedComponent, force_instance, is_list_serializer
from drf_spectacular.utils import PolymorphicProxySerializer
from rest_framework import serializers

from .api import ErrorSerializer
from .api_input import NUL_FREE, field_pattern

GENERIC_ERRORS = {
    "400": "Invalid input: `invalid` with `errors` (field -> messages), or `malformed_request` for a body "
           "that is not JSON.",
    "401": "The API key is unknown or revoked (`invalid_api_key`), the Authorization header is malformed "
           "(`invalid_authorization_header`), or a key is required and none was sent (`not_authenticated`).",
    "403": "The API key lacks the scope (`missing_scope`), or a staff session failed its CSRF check (`csrf_failed`).",
    "404": "Nothing with this id (`not_found` or a more specific `*_not_found`), or a page past the last (`not_found`).",
    "413": "The body is larger than DATA_UPLOAD_MAX_MEMORY_SIZE (`request_too_large`, with `limit` in bytes).",
    "415": "The Content-Type is not one this operation reads (`unsupported_media_type`).",
    "429": "Too many requests for this key or client (`throttled`, with `retry_after_s`).",
}


class APIKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "voxsite.core.apikeys.APIKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API key created in the admin (shown once): `Authorization: Bearer <key>`.",
        }


class StaffSessionScheme(SessionScheme):
    target_class = "voxsite.core.apikeys.SessionAuthentication"


class StorableJSONFieldExtension(OpenApiSerializerFieldExtension):
    """voxsite.core.api_input.StorableJSONField: any JSON object without NUL in its keys or text, at any depth."""

    target_class = "voxsite.core.api_input.StorableJSONField"

    def map_serializer_field(self, auto_schema, direction):
        ref = {"$ref": "#/components/schemas/StorableJSON"}
        auto_schema.registry.register_on_missing(ResolvedComponent(
            name="StorableJSON", type=ResolvedComponent.SCHEMA, object="StorableJSON",
            schema={"description": "Any JSON value whose text and keys hold no NUL character.", "anyOf": [
                {"type": "string", "pattern": NUL_FREE},
                {"type": ["number", "boolean", "null"]},
                {"type": "array", "items": ref},
                {"type": "object", "propertyNames": {"pattern": NUL_FREE}, "additionalProperties": ref},
            ]}))
        return {"type": "object", "propertyNames": {"pattern": NUL_FREE}, "additionalProperties": ref}


class AutoSchema(openapi.AutoSchema):
    _direction = None

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is not None:
            self._add_error_responses(operation)
        return operation

    def _add_error_responses(self, operation: dict) -> None:
        params = operation.get("parameters", [])
        body = "requestBody" in operation
        wanted = []
        if body or any(p["in"] == "query" for p in params):
            wanted.append("400")
        if any(operation.get("security", [])):
            wanted += ["401", "403"]
        if any(p["in"] == "path" for p in params) or any(p["in"] == "query" and p["name"] == "page" for p in params):
            wanted.append("404")
        if body:
            wanted += ["413", "415"]
        if self.view.get_throttles():
            wanted.append("429")
        error = self.resolve_serializer(ErrorSerializer, "response").ref
        responses = operation["responses"]
        for code in wanted:
            responses.setdefault(code, {"description": GENERIC_ERRORS[code],
                                        "content": {"application/json": {"schema": error}}})
        operation["responses"] = dict(sorted(responses.items()))

    def _get_request_for_media_type(self, serializer, direction="request"):
        schema, required = super()._get_request_for_media_type(serializer, direction)
        if isinstance(serializer, PolymorphicProxySerializer):
            # One of several shapes: the body is required when every shape has a required field.
            required = all(any(f.required for f in force_instance(shape).fields.values())
                           for shape in serializer.serializers)
        return schema, required

    def get_auth(self):
        auths = super().get_auth()
        if any(getattr(p, "allows_anonymous", False) for p in self.view.get_permissions()) and {} not in auths:
            auths.append({})
        return auths

    def _map_basic_serializer(self, serializer, direction):
        # The field hooks below do not receive the direction; input and output differ.
        outer, self._direction = self._direction, direction
        try:
            return super()._map_basic_serializer(serializer, direction)
        finally:
            self._direction = outer

    def _insert_field_validators(self, field, schema):
        super()._insert_field_validators(field, schema)
        if self._direction != "request":
            return
        types = schema.get("type")
        if "string" in (types if isinstance(types, list) else [types]) and "oneOf" not in schema and "enum" not in schema:
            pattern = field_pattern(field)
            # A field's own schema (extend_schema_field) keeps its pattern; DRF's decimal one is replaced.
            if pattern and ("pattern" not in schema or isinstance(field, serializers.DecimalField)):
                schema["pattern"] = pattern
        if is_list_serializer(field) or isinstance(field, serializers.ListField):
            if not getattr(field, "allow_empty", True):
                schema["minItems"] = max(schema.get("minItems", 0), 1)
            if getattr(field, "min_length", None) is not None:
                schema["minItems"] = max(schema.get("minItems", 0), field.min_length)
            if getattr(field, "max_length", None) is not None:
                schema["maxItems"] = field.max_length


def nullable_as_type(result, generator, request, public):
    """POSTPROCESSING_HOOKS: OpenAPI 3.1 has no `nullable`; schemas that still say it (DRF's paginated
    list: `next`, `previous`) get "null" among their types instead."""

    def visit(node):
        if isinstance(node, dict):
            if node.pop("nullable", False) and "type" in node:
                types = node["type"] if isinstance(node["type"], list) else [node["type"]]
                node["type"] = [*types, "null"] if "null" not in types else types
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit(result.get("components", {}))
    visit(result.get("paths", {}))
    return result
