"""ASGI entry point (Daphne): HTTP through Django, WebSockets through Channels."""

import os
import sqlite3

from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "voxsite.settings")

from voxsite.asgi_http import get_asgi_application  # noqa: E402

# Django must be set up before anything imports models.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from support.routing import websocket_urlpatterns as support_routes  # noqa: E402
from support.voice.warmup import start_warmup  # noqa: E402
from voxsite.routing import websocket_urlpatterns  # noqa: E402
from voxsite.ws import auth_stack  # noqa: E402

start_warmup()


def _hold_sqlite_open():
    """With SQLite, closing the last connection to the file checkpoints and deletes the WAL: with
    a connection per request that is 4 fsyncs per turn (bench/bench_text.py). One idle connection
    held for the server's lifetime keeps the file open; requests still use their own."""
    db = settings.DATABASES["default"]
    if "sqlite" in db["ENGINE"] and str(db["NAME"]) not in ("", ":memory:") and "mode=memory" not in str(db["NAME"]):
        return sqlite3.connect(str(db["NAME"]), check_same_thread=False)
    return None


_sqlite_keeper = _hold_sqlite_open()

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": auth_stack(URLRouter([*websocket_urlpatterns, *support_routes])),
    }
)
