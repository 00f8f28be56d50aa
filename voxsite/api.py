"""Shared DRF pieces: pagination and the one exception handler that turns domain errors into HTTP."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import DomainError


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 100


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
        body = {"code": exc.code, "detail": exc.message, **exc.extra}
        return Response(body, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response({"code": "invalid", "detail": "Invalid input.", "errors": errors}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = _code_for(exc)
    detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"code": "invalid", "detail": "Invalid input.", "errors": detail}
    else:
        if isinstance(detail, dict):
            text = detail.get("detail", "")
        else:
            text = detail
        response.data = {"code": code, "detail": str(text)}
        if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
            response.data["retry_after_s"] = int(exc.wait)
    return response


class ErrorSerializer(serializers.Serializer):
    """Every API error body (see `exception_handler`)."""

    code = serializers.CharField(help_text="Machine-readable, e.g. not_authenticated, order_not_cancellable.")
    detail = serializers.CharField()


class ValidationErrorSerializer(ErrorSerializer):
    errors = serializers.DictField(child=serializers.JSONField(), help_text="Field name -> list of messages.")


# Responses every key-authenticated endpoint can give, for the schema.
READ_ERRORS = {400: ValidationErrorSerializer, 401: ErrorSerializer, 403: ErrorSerializer, 429: ErrorSerializer}
DETAIL_ERRORS = {**READ_ERRORS, 404: ErrorSerializer}


def validated(serializer_class, data) -> dict:
    """Validated input; a 400 with per-field errors otherwise."""
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def query_params(serializer_class, request) -> dict:
    """Validated query parameters. A plain dict, not the QueryDict: DRF reads a missing boolean in
    form-style data as False."""
    return validated(serializer_class, request.query_params.dict())
