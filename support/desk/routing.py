from django.urls import path

from .consumers import StaffLiveConsumer

websocket_urlpatterns = [
    path("ws/staff/live", StaffLiveConsumer.as_asgi()),
]
