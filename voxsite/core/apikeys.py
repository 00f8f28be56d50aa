"""Integrator authentication: `Authorization: Bearer <API key>`, scopes, per-key throttling."""

from django.utils import timezone
from rest_framework import authentication, exceptions, permissions

from .models import APIKey
from .throttling import CounterThrottle


class APIKeyUser:
    """The request.user for a key-authenticated request: not a Django user, not staff."""

    is_authenticated = True
    is_anonymous = False
    is_staff = False
    is_superuser = False
    is_active = True

    def __init__(self, api_key: APIKey):
        self.api_key = api_key
        self.pk = None
        self.id = None
        self.username = f"apikey:{api_key.prefix}"

    def __str__(self):
        return self.username


class APIKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        parts = header.split()
        if len(parts) != 2 or parts[0].lower() != self.keyword.lower():
            raise exceptions.AuthenticationFailed(
                {"code": "invalid_authorization_header", "detail": "Use 'Authorization: Bearer <API key>'."}
            )
        raw = parts[1]
        try:
            key = APIKey.objects.get(hashed_key=APIKey.hash(raw), active=True)
        except APIKey.DoesNotExist:
            raise exceptions.AuthenticationFailed({"code": "invalid_api_key", "detail": "Unknown or revoked API key."})
        # One cheap UPDATE at most once a minute per key, not on every request.
        now = timezone.now()
        if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
            APIKey.objects.filter(pk=key.pk).update(last_used_at=now)
        return APIKeyUser(key), key

    def authenticate_header(self, request):
        return self.keyword


class SessionAuthentication(authentication.SessionAuthentication):
    """Staff sessions (the admin's pages call the API too); a failed CSRF check says so in its code."""

    def enforce_csrf(self, request):
        try:
            super().enforce_csrf(request)
        except exceptions.PermissionDenied as exc:
            raise exceptions.PermissionDenied({"code": "csrf_failed", "detail": str(exc.detail)}) from None


SAFE = ("GET", "HEAD", "OPTIONS")


class HasScope(permissions.BasePermission):
    """Reads need the `read` scope, writes the `write` scope. Staff sessions pass."""

    message = {"code": "missing_scope", "detail": "This API key lacks the scope this request needs."}

    def has_permission(self, request, view):
        key = request.auth if isinstance(request.auth, APIKey) else None
        if key is not None:
            needed = getattr(view, "required_scope", None) or ("read" if request.method in SAFE else "write")
            return key.has_scope(needed)
        user = request.user
        if user and user.is_authenticated and user.is_staff:
            return True
        # No credentials: 401, not 403.
        raise exceptions.NotAuthenticated({"code": "not_authenticated", "detail": "Send 'Authorization: Bearer <API key>'."})


class APIKeyRateThrottle(CounterThrottle):
    scope = "api_key"

    def get_ident_key(self, request, view):
        if isinstance(request.auth, APIKey):
            return str(request.auth.pk)
        return None
