"""Views for voxsite/tests/test_asgi_http.py (ROOT_URLCONF is pointed here)."""

from pathlib import Path

from django.db import connection
from django.http import FileResponse, HttpResponse
from django.urls import path


def ok(request):
    return HttpResponse("ok")


def download(request):
    return FileResponse(open(Path(request.GET["path"]), "rb"))


def backend_pid(request):
    """The PostgreSQL server process behind this request's database connection."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return HttpResponse(str(cursor.fetchone()[0]))


urlpatterns = [
    path("ok", ok),
    path("download", download),
    path("backend-pid", backend_pid),
]
