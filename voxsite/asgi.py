"""ASGI entry point (Daphne): HTTP through Django, WebSockets through Channels."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "voxsite.settings")

from voxsite.asgi_http import get_asgi_application  # noqa: E402

# Django must be set up before anything imports models.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from voxsite.routing import websocket_urlpatterns  # noqa: E402
from voxsite.ws import auth_stack  # noqa: E402


def _websocket_routes():
    routes = list(websocket_urlpatterns)
    try:  # the voice routes arrive with the support app's real-time pipeline
        from support.routing import websocket_urlpatterns as support_routes
    except ImportError:
        support_routes = []
    return routes + list(support_routes)


def _warm_up():
    try:
        from support.realtime.warmup import start_warmup
    except ImportError:
        return
    start_warmup()


_warm_up()


def _hold_sqlite_open():
    """With SQLite, closing the last connection to the file checkpoints and deletes the WAL: with
    a connection per request that is 4 fsyncs per turn (bench/bench_text.py). One idle connection
    held for the server's lifetime keeps the file open; requests still use their own."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    if "sqlite" in db["ENGINE"] and str(db["NAME"]) not in ("", ":memory:") and "mode=memory" not in str(db["NAME"]):
        import sqlite3

        return sqlite3.connect(str(db["NAME"]), check_same_thread=False)
    return None


_sqlite_keeper = _hold_sqlite_open()

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": auth_stack(URLRouter(_websocket_routes())),
    }
)
