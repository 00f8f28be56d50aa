"""Conversation APIs: the prototypes' endpoints (kept with their request shapes) and /api/v1/sessions.
The voice endpoints build on ConversationView (support/apis.py)."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer, extend_schema
from rest_framework import permissions, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.selectors import customer_get
from voxsite.core.api import documented_error, query_params, validated
from voxsite.core.apikeys import SAFE, APIKeyRateThrottle, HasScope
from voxsite.core.errors import NotFound
from voxsite.core.models import APIKey
from voxsite.core.throttling import CounterThrottle

from ..voice.rest import voice_turn_from_base64
from . import serializers as s
from .markdown import conversation_markdown
from .models import Conversation
from .selectors import conversation_for_export, conversation_get_for, session_list
from .services.lifecycle import conversation_create
from .services.mcp import mcp_crm_record_create
from .services.turns import conversation_turn

SESSION_NOT_FOUND = documented_error("No session with this `session_id`, or not yours: send its `token` "
                                     "(`session_not_found`).")


class ShopperOrKey(permissions.BasePermission):
    """Shoppers may call without credentials (their conversation token decides what they open);
    an API key, when sent, must carry the scope the method needs."""

    message = {"code": "missing_scope", "detail": "This API key lacks the scope this request needs."}
    allows_anonymous = True  # for the OpenAPI schema (voxsite.core.schema)

    def has_permission(self, request, view):
        if isinstance(request.auth, APIKey):
            return request.auth.has_scope("read" if request.method in SAFE else "write")
        return True


class KeyRequired(permissions.BasePermission):
    """Integrator-only endpoints: an API key with the right scope, or a staff session."""

    message = ShopperOrKey.message

    def has_permission(self, request, view):
        return HasScope().has_permission(request, view)


class ShopperThrottle(CounterThrottle):
    """Per client address, for callers without credentials (shoppers); keys and staff are exempt."""

    scope = "shopper"

    def get_ident_key(self, request, view):
        if request.user is not None and request.user.is_authenticated:
            return None
        return self.get_ident(request)


class ConversationView(APIView):
    permission_classes = [ShopperOrKey]
    throttle_classes = [APIKeyRateThrottle, ShopperThrottle]

    def api_key(self):
        return self.request.auth if isinstance(self.request.auth, APIKey) else None

    def token(self, data=None) -> str:
        req = self.request
        return (
            req.headers.get("X-Session-Token", "")
            or (data or {}).get("token", "")
            or req.query_params.get("token", "")
        )

    def open(self, session_id, data=None) -> Conversation:
        return conversation_get_for(session_id=session_id, token=self.token(data), api_key=self.api_key(), user=self.request.user)

    def open_or_start(self, data, *, channel: str, **create) -> tuple[Conversation, str | None]:
        """The conversation `data["session_id"]` names (the caller must be allowed to read it), or a
        new one (channel "api" for a key, else `channel`) with its shopper token."""
        if data.get("session_id"):
            return self.open(data["session_id"], data), None
        key = self.api_key()
        return conversation_create(channel=Conversation.Channel.API if key else channel, api_key=key, **create)


def turn_payload(result, token: str | None = None, request=None) -> dict:
    body = {
        "session_id": str(result.conversation.pk),
        "reply": result.reply,
        "language": result.language,
        "intent": result.intent,
        "tool_calls": s.tool_call_payloads(result.tool_calls),
        "timings": result.timings,
        "message_id": result.assistant_message.pk,
        "status": result.conversation.status,
    }
    if token:
        body["token"] = token
    return body


@extend_schema(
    request=s.TextTurnInSerializer, responses={200: s.TurnOutSerializer, 404: SESSION_NOT_FOUND},
    description="Send the shopper's text, get the assistant's reply. Without session_id a new conversation starts and "
    "the response carries its `token`; send it back (body `token` or `X-Session-Token` header) to continue.",
)
class ConversationMessageApi(ConversationView):
    channel = Conversation.Channel.WEB_TEXT

    def post(self, request):
        result, token = self.turn(request)
        return Response(turn_payload(result, token, request))

    def turn(self, request):
        """Validate, open or start the conversation, run the turn: (TurnResult, new token or None)."""
        data = validated(s.TextTurnInSerializer, request.data)
        text = data["text"]
        language = data.get("language")
        language = None if language in (None, "auto") else language
        conv, token = self.open_or_start(data, channel=self.channel, language=language or "en")
        return conversation_turn(conversation=conv, text=text, language=language), token


@extend_schema(responses={200: s.HistorySerializer, (200, "text/markdown"): str},
               parameters=[s.HistoryQuerySerializer])
class ConversationHistoryApi(ConversationView):
    def get(self, request, session_id):
        query = query_params(s.HistoryQuerySerializer, request)
        conv = self.open(session_id)
        if query.get("export") == "markdown":
            return _markdown_response(conv)
        messages = conv.messages.all()
        return Response({
            "session_id": str(conv.pk), "language": conv.language, "status": conv.status,
            "messages": s.MessageSerializer(messages, many=True, context={"request": request}).data,
        })


@extend_schema(responses={200: s.ConversationContextSerializer},
               parameters=[OpenApiParameter("token", str, description="Shopper token")])
class ConversationContextApi(ConversationView):
    def get(self, request, session_id):
        conv = self.open(session_id)
        state = conv.state or {}
        customer = conv.customer
        return Response({
            "session_id": str(conv.pk),
            "language": conv.language,
            "channel": conv.channel,
            "status": conv.status,
            "verified_customer": (
                {"customer_id": customer.customer_id, "name": customer.name} if customer else None
            ),
            "verified_orders": state.get("verified_orders", []),
            "order_in_focus": state.get("order_in_focus"),
            "pending_confirmation": state.get("pending_confirmation"),
            "turns": state.get("turn", 0),
        })


def _markdown_response(conv: Conversation) -> HttpResponse:
    conv = conversation_for_export(pk=conv.pk)
    resp = HttpResponse(conversation_markdown(conversation=conv), content_type="text/markdown; charset=utf-8")
    resp["Content-Disposition"] = f'inline; filename="conversation-{conv.pk}.md"'
    return resp


# ---------------------------------------------------------------------------
# /api/v1/sessions


class SessionListCreateApi(ListAPIView):
    """List sessions (integrators) or create one (`customer_id`, `language`, `channel`, `persona`)."""

    permission_classes = [KeyRequired]
    serializer_class = s.SessionSerializer

    @extend_schema(parameters=[s.SessionFilterSerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return session_list(status=query_params(s.SessionFilterSerializer, self.request).get("status"))

    @extend_schema(request=s.SessionCreateSerializer, responses={201: s.SessionCreatedSerializer})
    def post(self, request):
        data = validated(s.SessionCreateSerializer, request.data)
        customer = None
        warnings = []
        if data.get("customer_id"):
            try:
                customer = customer_get(customer_id=data["customer_id"])
            except NotFound:
                # Kept working for the prototype's callers, but the session is not bound: no order access.
                warnings.append({"code": "customer_not_found", "detail": f"No customer {data['customer_id']}; the session is not bound to a customer."})
        conv, token = conversation_create(
            channel=data["channel"], language=data["language"], customer=customer, persona=data.get("persona") or "support_agent",
            # Opened in a language: its audio messages are heard in it. Opened without: identified.
            speech_language=data["language"] if "language" in request.data else "auto",
            api_key=request.auth if isinstance(request.auth, APIKey) else None,
        )
        body = {**s.SessionSerializer(conv).data, "token": token}
        if warnings:
            body["warnings"] = warnings
        return Response(body, status=status.HTTP_201_CREATED)


@extend_schema(
    request=s.SessionMessageInSerializer,
    responses={200: PolymorphicProxySerializer(component_name="SessionTurn", resource_type_field_name=None,
                                               serializers=[s.TurnOutSerializer, s.VoiceTurnOutSerializer]),
               400: documented_error("Invalid input (`invalid` with `errors`), `audio_base64_invalid`, or a body that "
                                     "is not JSON (`malformed_request`)."),
               413: documented_error("The audio is larger than AUDIO_MAX_BYTES (`audio_too_large`), or the body "
                                     "larger than DATA_UPLOAD_MAX_MEMORY_SIZE (`request_too_large`)."),
               422: documented_error("The audio cannot be used: `audio_empty`, `audio_corrupt`, `audio_too_long` "
                                     "(AUDIO_MAX_SECONDS).")},
    description="`type: text` (the default) with `text`, or `type: audio` with `audio_base64` and `mime`. A text "
    "message answers with the reply; an audio message also with its transcript and the spoken reply (`audio`).",
)
class SessionMessageApi(ConversationView):
    def post(self, request, session_id):
        data = validated(s.session_message_serializer(request.data), request.data)
        conv = self.open(session_id)
        language = data.get("language")
        language = None if language in (None, "auto") else language
        if data["type"] == "audio":
            payload = voice_turn_from_base64(conversation=conv, audio_base64=data["audio_base64"], mime=data.get("mime", ""),
                                             language=language, request=request)
            return Response(payload)
        result = conversation_turn(conversation=conv, text=data["text"], language=language)
        return Response(turn_payload(result, None, request))


@extend_schema(responses={200: s.SessionConversationSerializer})
class SessionConversationApi(ConversationView):
    def get(self, request, session_id):
        conv = self.open(session_id)
        ctx = {"request": request}
        return Response({
            "session": s.SessionSerializer(conv).data,
            "messages": s.MessageSerializer(conv.messages.all(), many=True, context=ctx).data,
            "model_calls": s.ModelCallSerializer(conv.model_calls.all(), many=True).data,
            "tool_calls": s.ToolCallSerializer(conv.tool_calls.all(), many=True).data,
            "crm_records": s.CRMRecordBriefSerializer(conv.crm_records.all(), many=True).data,
        })


@extend_schema(responses={(200, "text/markdown"): str})
class SessionMarkdownApi(ConversationView):
    def get(self, request, session_id):
        return _markdown_response(self.open(session_id))


@extend_schema(request=s.MCPPayloadSchema, responses={201: s.MCPResultSerializer, 404: SESSION_NOT_FOUND})
class MCPToolApi(APIView):
    """The prototype's MCP endpoint: a validated CRM payload becomes a CRM record and a tool call."""

    permission_classes = [KeyRequired]

    def post(self, request):
        data = validated(s.MCPPayloadSerializer, request.data)
        conv = None
        if data.get("session_id"):
            conv = conversation_get_for(session_id=data["session_id"], api_key=request.auth if isinstance(request.auth, APIKey) else None,
                                        user=request.user)
        record, tool_call = mcp_crm_record_create(
            scenario=data["scenario"], crm_record=data["crm_record"], customer_id=data.get("customer_id", ""),
            llm_response=data.get("llm_response", ""), arguments=s.MCPPayloadSerializer(data).data, conversation=conv,
        )
        return Response({"ok": True, "crm_record_id": record.pk, "tool_call_id": tool_call.pk}, status=status.HTTP_201_CREATED)
