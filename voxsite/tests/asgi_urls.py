"""Views for voxsite/tests/test_asgi_http.py (ROOT_URLCONF is pointed here)."""

from pathlib import Path

from django.http import FileResponse, HttpResponse
from django.urls import path


def ok(request):
    return HttpResponse("ok")


def download(request):
    return FileResponse(open(Path(request.GET["path"]), "rb"))


urlpatterns = [
    path("ok", ok),
    path("download", download),
]
