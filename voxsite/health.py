"""Liveness, readiness and metrics endpoints (kept from the prototypes: /api/health*)."""

import uuid

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from voxsite.core.metrics import render_all


@require_GET
def health(request):
    # Liveness only: no database, so a slow database never restarts healthy workers.
    return JsonResponse({"status": "ok"})


def _check_database():
    with connection.cursor() as cur:
        cur.execute("SELECT 1")
        cur.fetchone()


def _check_cache():
    key = f"health:{uuid.uuid4().hex}"
    cache.set(key, "1", 5)
    if cache.get(key) != "1":
        raise RuntimeError("cache did not return the value it was given")
    cache.delete(key)


def _check_channel_layer():
    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("CHANNEL_LAYERS is not configured")

    async def roundtrip():
        channel = await layer.new_channel()
        await layer.send(channel, {"type": "health.ping"})
        msg = await layer.receive(channel)
        if msg.get("type") != "health.ping":
            raise RuntimeError("channel layer returned the wrong message")

    async_to_sync(roundtrip)()


CHECKS = {"database": _check_database, "cache": _check_cache, "channel_layer": _check_channel_layer}


@require_GET
def ready(request):
    results, failed = {}, []
    for name, check in CHECKS.items():
        try:
            check()
            results[name] = "ok"
        except Exception as exc:  # noqa: BLE001 - readiness reports any failure by name
            results[name] = f"error: {exc.__class__.__name__}: {exc}"[:300]
            failed.append(name)
    body = {"status": "ok" if not failed else "unavailable", "checks": results}
    if failed:
        body["failed"] = failed
        return JsonResponse(body, status=503)
    return JsonResponse(body)


@require_GET
def metrics(request):
    return HttpResponse(render_all(), content_type="text/plain; version=0.0.4; charset=utf-8")
