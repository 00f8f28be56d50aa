from django.urls import include, path

from .voice import apis

urlpatterns = [
    path("", include("support.conversations.urls")),
    # The prototypes' endpoints, same paths and request shapes.
    path("api/voice/text", apis.VoiceTextApi.as_view(), name="voice-text"),
    path("api/voice/process", apis.VoiceProcessApi.as_view(), name="voice-process"),
    path("api/voice/jobs/<str:job_id>", apis.BatchJobApi.as_view(), name="voice-job"),
]
