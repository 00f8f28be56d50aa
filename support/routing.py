from django.urls import path

from .voice.consumer import VoiceConsumer
from .desk.routing import websocket_urlpatterns as staff_routes

websocket_urlpatterns = [
    path("api/voice/stream", VoiceConsumer.as_asgi()),
    *staff_routes,
]
