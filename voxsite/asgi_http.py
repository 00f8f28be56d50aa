"""HTTP under ASGI with one thread hop per request.

Django's own ASGIHandler runs the middleware chain in async mode. Our views are sync (DRF) and
most middleware are sync at heart, so a request crosses between the event loop and a worker
thread once per middleware hook and once more for the view: ~20 hand-offs, each with a
`call_soon_threadsafe` wake-up, a context copy and a future. It also starts a new thread per
request (ThreadSensitiveContext), which opens a new database connection per request. On the
2-core machine that was ~6.5 ms of CPU for an empty 404 (bench/README.md).

This handler reads the body on the event loop, then runs the whole request (request_started,
the sync middleware chain, the view, request_finished) in one call on a fixed pool of long-lived
threads, then sends the response from the loop. Long-lived threads keep their database
connection between requests when `DATABASE_CONN_MAX_AGE` allows it.

What changes for code: nothing for sync views. Async views still work (Django wraps them with
async_to_sync, which runs them on the server's loop). The threads are shared by all requests,
so a view that blocks (a slow Groq call) holds one of `HTTP_THREADS` threads, not the loop.
Of those threads, HTTP_CPU_CONCURRENCY run Python at a time (voxsite/concurrency.py).
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import django
from asgiref.sync import sync_to_async
from django.conf import settings
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers import base
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.http import FileResponse
from django.urls import set_script_prefix

from voxsite.concurrency import cpu_slot

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None


def server_loop() -> asyncio.AbstractEventLoop | None:
    """The event loop serving HTTP in this process, once a request has arrived; None elsewhere
    (tests' Client, Celery workers, management commands)."""
    return _loop


def request_pool() -> ThreadPoolExecutor:
    """The threads that run requests, made on first use (after fork, in the serving process)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=settings.HTTP_THREADS, thread_name_prefix="http")
        return _pool


class OneHopASGIHandler(ASGIHandler):
    """Django's ASGIHandler with a sync middleware chain entered once per request."""

    def __init__(self):
        base.BaseHandler.__init__(self)
        self.load_middleware(is_async=False)

    async def __call__(self, scope, receive, send):
        global _loop
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        _loop = asyncio.get_running_loop()
        await self.handle(scope, receive, send)

    async def handle(self, scope, receive, send):
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        try:
            response = await sync_to_async(self.respond, thread_sensitive=False, executor=request_pool())(
                scope, body_file
            )
            try:
                await self.send_response(response, send)
            except asyncio.CancelledError:
                pass  # the client went away while we were sending
            finally:
                if response.streaming:
                    # The body was produced while sending; only now is the request finished.
                    await sync_to_async(response.close, thread_sensitive=False, executor=request_pool())()
        finally:
            body_file.close()

    async def send_response(self, response, send):
        if response.streaming and not response.is_async:
            # Django's ASGIHandler reads a sync iterator whole (list() in a thread) before sending
            # a byte: a large file download would sit in memory. Pull one chunk per hop instead.
            response.streaming_content = _pulled(iter(response.streaming_content))
        await super().send_response(response, send)

    def respond(self, scope, body_file):
        """The whole request in one worker thread: its database work starts and ends here."""
        with cpu_slot(settings.HTTP_CPU_CONCURRENCY):
            return self._respond(scope, body_file)

    def _respond(self, scope, body_file):
        set_script_prefix(get_script_prefix(scope))
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, error_response = self.create_request(scope, body_file)
        if request is None:
            error_response.close()
            return error_response
        response = self.get_response(request)
        response._handler_class = self.__class__
        if isinstance(response, FileResponse):
            response.block_size = self.chunk_size
        if not response.streaming:
            # The body is already in memory: finish the request (request_finished closes this
            # thread's expired database connections) in the thread that used them.
            response.close()
        return response


_DONE = object()


async def _pulled(chunks):
    """A sync iterator read chunk by chunk on the request threads (file reads stay off the loop)."""
    pull = sync_to_async(next, thread_sensitive=False, executor=request_pool())
    while (chunk := await pull(chunks, _DONE)) is not _DONE:
        yield chunk


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


def get_asgi_application() -> OneHopASGIHandler:
    django.setup(set_prefix=False)
    leave_form_bodies_to_django()
    return OneHopASGIHandler()
