from django.urls import path

from . import apis, views

urlpatterns = [
    path("", views.shop_index, name="shop"),
    # The prototypes' endpoints, same paths and request shapes.
    path("api/conversation/message", apis.ConversationMessageApi.as_view(), name="conversation-message"),
    path("api/conversation/history/<str:session_id>", apis.ConversationHistoryApi.as_view(), name="conversation-history"),
    path("api/conversation/context/<str:session_id>", apis.ConversationContextApi.as_view(), name="conversation-context"),
    path("api/voice/text", apis.VoiceTextApi.as_view(), name="voice-text"),
    path("api/voice/process", apis.VoiceProcessApi.as_view(), name="voice-process"),
    path("api/voice/jobs/<str:job_id>", apis.BatchJobApi.as_view(), name="voice-job"),
]
