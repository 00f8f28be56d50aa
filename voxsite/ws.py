"""WebSocket middleware: origin validation and authentication, wrapped around every socket route."""

from urllib.parse import parse_qs, urlparse

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from voxsite.core.models import APIKey


class OriginValidator:
    """Refuse browser sockets from foreign pages.

    Same-origin pages (Origin host == Host header) and WS_ALLOWED_ORIGINS pass. Clients
    that send no Origin (server-side integrators, tests, CLI tools) pass: browsers always send one.
    """

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket":
            headers = dict(scope.get("headers", []))
            origin = headers.get(b"origin", b"").decode("latin-1")
            host = headers.get(b"host", b"").decode("latin-1")
            if origin and not self.allowed(origin, host):
                # Deny before accept: the handshake fails with HTTP 403.
                await send({"type": "websocket.close", "code": 4403})
                return
        return await self.app(scope, receive, send)

    @staticmethod
    def allowed(origin: str, host: str) -> bool:
        parsed = urlparse(origin)
        if not parsed.scheme or not parsed.netloc:
            return False
        if parsed.netloc.lower() == host.lower():
            return True
        allowed = {o.rstrip("/").lower() for o in settings.WS_ALLOWED_ORIGINS}
        return origin.rstrip("/").lower() in allowed or "*" in allowed


@database_sync_to_async
def _api_key_for(raw: str):
    return APIKey.objects.filter(hashed_key=APIKey.hash(raw), active=True).first()


class TokenAuthMiddleware:
    """Puts `api_key` (integrator, from `Authorization: Bearer` or `?api_key=`) and `token`
    (a shopper's conversation token, from `?token=`) into the scope. Consumers decide what
    each may open; staff come through the session cookie (AuthMiddlewareStack)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        scope = dict(scope)
        headers = dict(scope.get("headers", []))
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        raw_key = ""
        auth = headers.get(b"authorization", b"").decode("latin-1").split()
        if len(auth) == 2 and auth[0].lower() == "bearer":
            raw_key = auth[1]
        raw_key = raw_key or (query.get("api_key") or [""])[0]
        scope["api_key"] = await _api_key_for(raw_key) if raw_key else None
        scope["token"] = (query.get("token") or [""])[0]
        return await self.app(scope, receive, send)


def auth_stack(app):
    return OriginValidator(AuthMiddlewareStack(TokenAuthMiddleware(app)))


class PingConsumer(AsyncJsonWebsocketConsumer):
    """`/ws/ping`: proves the socket stack (origin check, auth) end to end; echoes JSON."""

    async def connect(self):
        await self.accept()
        user = self.scope.get("user")
        await self.send_json(
            {
                "type": "hello",
                "staff": bool(user and user.is_authenticated and user.is_staff),
                "api_key": bool(self.scope.get("api_key")),
            }
        )

    async def receive_json(self, content, **kwargs):
        await self.send_json({"type": "echo", "data": content})
