from django.urls import path

from .consumers import VoiceConsumer

websocket_urlpatterns = [
    path("api/voice/stream", VoiceConsumer.as_asgi()),
]
