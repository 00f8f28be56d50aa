"""HTTP under ASGI: Django's own ASGIHandler, plus two things Daphne and the live view need.

- `server_loop()`: the event loop serving HTTP in this process, so that request threads can
  hand live-view events to it and go on (support/staff/live.py) instead of waiting for Redis.
- `leave_form_bodies_to_django()`: Daphne's multipart parsing switched off (see there).

An earlier handler of our own ran the whole sync request on a fixed thread pool under a
per-process CPU semaphore; with PostgreSQL and Redis it did not pay for itself
(bench/README.md, issue 14 item 5), so requests take Django's standard path.
"""

from __future__ import annotations

import asyncio

import django
from django.core.handlers.asgi import ASGIHandler

_loop: asyncio.AbstractEventLoop | None = None


def server_loop() -> asyncio.AbstractEventLoop | None:
    """The event loop serving HTTP in this process, once a request has arrived; None elsewhere
    (tests' Client, Celery workers, management commands)."""
    return _loop


class LoopRecordingASGIHandler(ASGIHandler):
    """Django's ASGIHandler, remembering the loop it serves on."""

    async def __call__(self, scope, receive, send):
        global _loop
        _loop = asyncio.get_running_loop()
        await super().__call__(scope, receive, send)


def leave_form_bodies_to_django() -> None:
    """Under Daphne, Twisted parses every multipart/form-data POST body into arguments Daphne never
    reads (the whole body in memory, a second time), and answers one it cannot parse with an empty
    400 before Django sees it: an API client got no JSON error. Django parses the body itself."""
    try:  # here, not at the top: it loads Twisted, which only the server under Daphne needs
        from daphne.http_protocol import WebRequest
    except ImportError:  # not under Daphne
        return
    if getattr(WebRequest, "_voxsite_forms_left_to_django", False):
        return
    twisted_init = WebRequest.__init__

    def __init__(self, *args, **kwargs):
        twisted_init(self, *args, **kwargs)
        self._parsePOSTFormSubmission = False

    WebRequest.__init__ = __init__
    WebRequest._voxsite_forms_left_to_django = True


def get_asgi_application() -> LoopRecordingASGIHandler:
    django.setup(set_prefix=False)
    leave_form_bodies_to_django()
    return LoopRecordingASGIHandler()
