from django.urls import path

from . import apis

urlpatterns = [
    # The prototypes' endpoints, same paths and request shapes.
    path("api/conversation/message", apis.ConversationMessageApi.as_view(), name="conversation-message"),
    path("api/conversation/history/<str:session_id>", apis.ConversationHistoryApi.as_view(), name="conversation-history"),
    path("api/conversation/context/<str:session_id>", apis.ConversationContextApi.as_view(), name="conversation-context"),
]
