"""The real ASGI application's WebSocket stack: origin validation, auth, routing."""

import uuid

import pytest
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.urls import path

from voxsite.asgi import application
from voxsite.ws import auth_stack

# The auth middleware touches the database connection (close_old_connections), even for anonymous sockets.
pytestmark = pytest.mark.django_db

HOST = b"shop.example.com"


def communicator(path_="/ws/ping", origin=None, host=HOST, extra=()):
    headers = [(b"host", host)]
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    headers.extend(extra)
    return WebsocketCommunicator(application, path_, headers=headers)


async def assert_hello_and_echo(comm, **hello):
    connected, _ = await comm.connect()
    assert connected
    event = await comm.receive_json_from()
    assert event == {"type": "hello", "staff": False, "api_key": False, **hello}
    await comm.send_json_to({"type": "text", "text": "namaste"})
    assert await comm.receive_json_from() == {"type": "echo", "data": {"type": "text", "text": "namaste"}}
    await comm.disconnect()


async def test_ping_without_origin_connects_and_echoes():
    # Server-side clients (integrators, CLI tools) send no Origin.
    await assert_hello_and_echo(communicator())


async def test_ping_from_the_same_origin_connects():
    await assert_hello_and_echo(communicator(origin="https://shop.example.com"))


async def test_same_origin_check_includes_the_port():
    await assert_hello_and_echo(communicator(origin="http://127.0.0.1:8000", host=b"127.0.0.1:8000"))
    comm = communicator(origin="http://127.0.0.1:9999", host=b"127.0.0.1:8000")
    connected, _ = await comm.connect()
    assert connected is False


@pytest.mark.parametrize(
    "origin",
    ["http://evil.example", "https://shop.example.com.evil.example", "null", "shop.example.com"],
)
async def test_foreign_or_malformed_origin_is_refused(origin):
    comm = communicator(origin=origin)
    connected, code = await comm.connect()
    assert connected is False
    assert code == 4403


async def test_origin_listed_in_ws_allowed_origins_passes(settings):
    settings.WS_ALLOWED_ORIGINS = ["https://partner.example.org"]
    await assert_hello_and_echo(communicator(origin="https://partner.example.org/"))
    comm = communicator(origin="https://other.example.org")
    connected, _ = await comm.connect()
    assert connected is False


async def test_unknown_route_is_closed():
    comm = communicator("/ws/no-such-route")
    with pytest.raises(ValueError, match="No route found"):
        await comm.connect()


@pytest.mark.django_db(transaction=True)
async def test_valid_api_key_in_authorization_header_is_recognised(api_key_factory):
    from asgiref.sync import sync_to_async

    _, raw = await sync_to_async(api_key_factory)()
    await assert_hello_and_echo(communicator(extra=[(b"authorization", f"Bearer {raw}".encode())]), api_key=True)
    await assert_hello_and_echo(communicator(f"/ws/ping?api_key={raw}"), api_key=True)


@pytest.mark.django_db(transaction=True)
async def test_unknown_or_revoked_api_key_is_not_recognised(api_key_factory):
    from asgiref.sync import sync_to_async

    key, raw = await sync_to_async(api_key_factory)()
    key.active = False
    await sync_to_async(key.save)()
    await assert_hello_and_echo(communicator(extra=[(b"authorization", f"Bearer {raw}".encode())]))
    await assert_hello_and_echo(communicator(extra=[(b"authorization", b"Bearer vx_not-a-key")]))


class GroupConsumer(AsyncJsonWebsocketConsumer):
    """Joins the group named in the URL and forwards group messages to the socket."""

    async def connect(self):
        self.group = self.scope["url_route"]["kwargs"]["group"]
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        await self.channel_layer.group_discard(self.group, self.channel_name)

    async def group_note(self, event):
        await self.send_json({"type": "note", "text": event["text"]})


@pytest.mark.redis
async def test_group_message_through_redis_reaches_the_socket(settings):
    from channels.routing import URLRouter
    from channels_redis.core import RedisChannelLayer

    layer = get_channel_layer()
    assert isinstance(layer, RedisChannelLayer)
    app = auth_stack(URLRouter([path("ws/group/<str:group>", GroupConsumer.as_asgi())]))
    group = f"test-{uuid.uuid4().hex}"
    comm = WebsocketCommunicator(app, f"/ws/group/{group}", headers=[(b"host", HOST)])
    connected, _ = await comm.connect()
    assert connected
    await layer.group_send(group, {"type": "group.note", "text": "order shipped"})
    assert await comm.receive_json_from(timeout=5) == {"type": "note", "text": "order shipped"}
    await comm.disconnect()
