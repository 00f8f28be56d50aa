"""Views for voxsite/tests/test_asgi_http.py (ROOT_URLCONF is pointed here)."""

import threading

from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.urls import path

from voxsite.concurrency import blocking

meet = threading.Event()


def where(request):
    return JsonResponse({"thread": threading.current_thread().name})


def wait_for_partner(request):
    """Waits up to 3 s for `partner` to run; with `?release=1` it gives its CPU slot up meanwhile."""
    if request.GET.get("release"):
        with blocking():
            met = meet.wait(3)
    else:
        met = meet.wait(3)
    return JsonResponse({"met": met})


def partner(request):
    meet.set()
    return HttpResponse("ok")


def stream(request):
    def chunks():
        for i in range(3):
            yield f"chunk {i} {threading.current_thread().name}\n".encode()

    return StreamingHttpResponse(chunks())


def download(request):
    from pathlib import Path

    from django.http import FileResponse

    return FileResponse(open(Path(request.GET["path"]), "rb"))


urlpatterns = [
    path("where", where),
    path("wait", wait_for_partner),
    path("partner", partner),
    path("stream", stream),
    path("download", download),
]
