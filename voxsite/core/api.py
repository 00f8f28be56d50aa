"""Shared API pieces: the one place errors become HTTP, pagination, and input validation.

Under /api/ every error is JSON: `{"code": ..., "detail": ...}` plus, for invalid input, `errors`
(field -> messages). DRF views get there through `exception_handler`. Everything else (a URL that
matches nothing, Django's CSRF and host checks, a body over the size limit, an exception outside a
DRF view, Django's own error and debug pages) through `ApiErrorsMiddleware`, in any DEBUG mode."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import DisallowedHost, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.views.csrf import csrf_failure as django_csrf_failure
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .api_input import input_errors
from .errors import DomainError

API_PREFIX = "/api/"

# Codes for error responses that reach the middleware as bare statuses (Django's pages).
STATUS_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "request_too_large",
    415: "unsupported_media_type",
    429: "throttled",
}
# Headers a rewritten error keeps: they tell the client what to do next.
_KEPT_HEADERS = ("Allow", "WWW-Authenticate", "Retry-After")


def is_api_request(request) -> bool:
    return request.path_info.startswith(API_PREFIX) or request.path_info == API_PREFIX.rstrip("/")


def error_body(code: str, detail: str, **extra) -> dict:
    return {"code": code, "detail": detail, **extra}


def too_large_body(size: int | None) -> dict:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    sent = f"The request body is {size} bytes; the" if size else "The"
    detail = (f"{sent} limit for JSON and form bodies is {limit} bytes (DATA_UPLOAD_MAX_MEMORY_SIZE). "
              f"Send long recordings as a multipart `file` (POST /api/voice/process with async=true).")
    return error_body("request_too_large", detail, limit=limit)


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 100

    def paginate_queryset(self, queryset, request, view=None):
        # Out-of-range or non-numeric values are refused with a 400, not silently replaced.
        query_params(PageSerializer, request)
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view):
        params = super().get_schema_operation_parameters(view)
        bounds = {self.page_query_param: {"minimum": 1},
                  self.page_size_query_param: {"minimum": 1, "maximum": self.max_page_size}}
        for param in params:
            param["schema"].update(bounds.get(param["name"], {}))
        return params


class PageSerializer(serializers.Serializer):
    page = serializers.IntegerField(required=False, min_value=1)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=Pagination.max_page_size)


def _code_for(exc) -> str:
    detail = getattr(exc, "detail", None)
    if isinstance(detail, dict) and isinstance(detail.get("code"), str):
        return str(detail["code"])
    mapping = {
        exceptions.NotAuthenticated: "not_authenticated",
        exceptions.AuthenticationFailed: "authentication_failed",
        exceptions.PermissionDenied: "permission_denied",
        exceptions.NotFound: "not_found",
        exceptions.MethodNotAllowed: "method_not_allowed",
        exceptions.Throttled: "throttled",
        exceptions.ParseError: "malformed_request",
        exceptions.UnsupportedMediaType: "unsupported_media_type",
        exceptions.ValidationError: "invalid",
        exceptions.NotAcceptable: "not_acceptable",
    }
    for cls, code in mapping.items():
        if isinstance(exc, cls):
            return code
    return getattr(exc, "default_code", "error")


def exception_handler(exc, context):
    """Every error body has a machine-readable `code` and a human `detail`; validation adds `errors`."""
    if isinstance(exc, DomainError):
        return Response(error_body(exc.code, exc.message, **exc.extra), status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response(error_body("invalid", "Invalid input.", errors=errors), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, RequestDataTooBig):  # form fields past DATA_UPLOAD_MAX_MEMORY_SIZE
        return Response(too_large_body(None), status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, SuspiciousOperation):  # too many form fields or files, and the like
        return Response(error_body("bad_request", str(exc)), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # an unexpected exception: a 500, made JSON by ApiErrorsMiddleware
    code = _code_for(exc)
    detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
    if isinstance(exc, exceptions.ValidationError):
        errors = detail if isinstance(detail, dict) else {"non_field_errors": detail}
        response.data = error_body("invalid", "Invalid input.", errors=errors)
    else:
        text = detail.get("detail", "") if isinstance(detail, dict) else detail
        response.data = error_body(code, str(text))
        if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
            response.data["retry_after_s"] = int(exc.wait)
    return response


class ApiErrorsMiddleware:
    """JSON errors for everything under /api/ that DRF's handler does not see.

    Django turns exceptions into its HTML error pages (or, with DEBUG, its debug pages) inside
    every middleware layer, so the pages are rewritten here, on the way out, rather than
    prevented. Checks that must answer before Django reads the request (the Host header, the
    body size) run on the way in."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_api_request(request):
            return self.get_response(request)
        try:
            request.get_host()
        except DisallowedHost as exc:
            logging.getLogger("django.security.DisallowedHost").warning(str(exc))
            return JsonResponse(error_body("disallowed_host", str(exc)), status=400)
        too_large = self._body_too_large(request)
        if too_large is not None:
            return too_large
        response = self.get_response(request)
        if response.status_code >= 400 and not response.get("Content-Type", "").startswith("application/json"):
            return self._as_json(request, response)
        return response

    @staticmethod
    def _body_too_large(request) -> JsonResponse | None:
        """Bodies Django would refuse only when read (JSON bodies DRF would parse whatever their size)."""
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is None or request.content_type == "multipart/form-data":
            return None  # multipart: each endpoint limits its files; Django limits the other fields
        try:
            size = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return None
        return JsonResponse(too_large_body(size), status=413) if size > limit else None

    @staticmethod
    def _as_json(request, response) -> JsonResponse:
        code = STATUS_CODES.get(response.status_code, "server_error" if response.status_code >= 500 else "error")
        if response.status_code == 404 and getattr(request, "resolver_match", None) is None:
            detail = f"No API endpoint at {request.path}."
        elif response.status_code >= 500:
            detail = "The server failed to answer this request; the error has been logged."
        else:
            detail = response.reason_phrase
        rewritten = JsonResponse(error_body(code, detail), status=response.status_code)
        for header in _KEPT_HEADERS:
            if header in response:
                rewritten[header] = response[header]
        return rewritten


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: JSON under /api/, Django's page elsewhere."""
    if is_api_request(request):
        detail = (f"CSRF verification failed ({reason}). Integrators send 'Authorization: Bearer <API key>' "
                  "instead of a session cookie.")
        return JsonResponse(error_body("csrf_failed", detail), status=403)
    return django_csrf_failure(request, reason)


class ErrorSerializer(serializers.Serializer):
    """Every API error body: a machine-readable `code` and a human `detail`; some codes add fields."""

    code = serializers.CharField(help_text="Machine-readable, e.g. invalid, not_found, missing_scope, "
                                           "request_too_large, order_not_cancellable.")
    detail = serializers.CharField(help_text="For people; names the setting to change where one applies.")
    errors = serializers.DictField(
        child=serializers.JSONField(), required=False,
        help_text="With code `invalid`: field name -> list of messages (an object for a nested field).")
    limit = serializers.IntegerField(required=False, help_text="With `request_too_large`: the limit in bytes; "
                                                               "with `text_too_long`: in characters.")
    retry_after_s = serializers.IntegerField(required=False, help_text="With `throttled`: seconds to wait.")


def documented_error(description: str) -> OpenApiResponse:
    """An operation's own error status for the schema, e.g. {409: documented_error("Already shipped ...")}."""
    return OpenApiResponse(ErrorSerializer, description=description)


def validated(serializer_class, data, *, text: bool | None = None) -> dict:
    """Validated input; a 400 with per-field errors otherwise. Values must first be what the schema
    says (voxsite.core.api_input): `{"text": 123}` is refused, never read as "123"."""
    serializer = serializer_class(data=data)
    wrong = input_errors(serializer, data, text=text)
    if wrong:
        others = {}
        try:
            if not serializer.is_valid():  # so the other fields' errors are reported too
                others = {k: v for k, v in serializer.errors.items() if k not in wrong}
        except DomainError:
            pass  # a rule about the (coerced) values: the input errors come first
        raise exceptions.ValidationError({**others, **wrong})
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def query_params(serializer_class, request) -> dict:
    """Validated query parameters. A plain dict, not the QueryDict: DRF reads a missing boolean in
    form-style data as False."""
    return validated(serializer_class, request.query_params.dict(), text=True)
