from django.urls import path

from . import apis

urlpatterns = [
    path("sessions", apis.SessionListCreateApi.as_view(), name="sessions"),
    path("sessions/<str:session_id>/messages", apis.SessionMessageApi.as_view(), name="session-messages"),
    path("sessions/<str:session_id>/conversation", apis.SessionConversationApi.as_view(), name="session-conversation"),
    path("sessions/<str:session_id>/markdown", apis.SessionMarkdownApi.as_view(), name="session-markdown"),
    path("tools/mcp", apis.MCPToolApi.as_view(), name="tools-mcp"),
]
