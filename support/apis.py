"""Conversation APIs: the prototypes' endpoints (kept with their request shapes) and /api/v1/sessions."""

from __future__ import annotations

import re
import time

from django.conf import settings
from django.db import transaction
from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer, extend_schema
from rest_framework import permissions, status
from rest_framework.generics import ListAPIView
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.models import Customer
from voxsite.core.api import documented_error, query_params, validated
from voxsite.core.apikeys import SAFE, APIKeyRateThrottle
from voxsite.core.models import APIKey
from voxsite.core.throttling import CounterThrottle

from . import serializers as s
from .markdown import conversation_markdown
from .models import Conversation, ToolCall
from .services.conversations import conversation_create, conversation_get_for
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
        from voxsite.core.apikeys import HasScope

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
        token = None
        if data.get("session_id"):
            conv = self.open(data["session_id"], data)
        else:
            key = self.api_key()
            conv, token = conversation_create(
                channel=Conversation.Channel.API if key else self.channel, language=language or "en", api_key=key,
            )
        return conversation_turn(conversation=conv, text=text, language=language), token


@extend_schema(
    request=s.TextTurnInSerializer, responses={200: s.TextTurnAudioOutSerializer, 404: SESSION_NOT_FOUND},
    description="A typed turn answered with text AND speech: `audio` holds the reply as a WAV (base64 and a URL).",
)
class VoiceTextApi(ConversationMessageApi):
    """`POST /api/voice/text`: text in, reply text and reply audio out."""

    def post(self, request):
        from .voice.rest import reply_audio

        result, token = self.turn(request)
        body = turn_payload(result, token, request)
        if body["message_id"] is None:  # a staff member has taken over: the assistant said nothing
            body["audio"] = None
            return Response(body)
        # The audio says the brain's spoken version (the answer first, short); `reply` keeps the detail.
        body["audio"] = reply_audio(message=result.assistant_message, text=result.speech, language=result.language)
        return Response(body)


@extend_schema(
    request={"multipart/form-data": s.VoiceProcessFormSerializer, "application/json": s.VoiceProcessJsonSerializer},
    responses={
        200: s.VoiceTurnOutSerializer, 202: s.BatchJobQueuedSerializer, 404: SESSION_NOT_FOUND,
        400: documented_error("Invalid input (`invalid` with `errors`), `audio_base64_invalid`, or a body that is not "
                              "JSON (`malformed_request`)."),
        413: documented_error("The audio is larger than AUDIO_MAX_BYTES (BATCH_AUDIO_MAX_BYTES with async=true) "
                              "(`audio_too_large`), or a JSON body is larger than DATA_UPLOAD_MAX_MEMORY_SIZE "
                              "(`request_too_large`)."),
        422: documented_error("The audio cannot be used: `audio_empty`, `audio_corrupt`, `audio_too_long` "
                              "(AUDIO_MAX_SECONDS)."),
    },
    description="Audio in (multipart `file`, or JSON `audio_base64` + `mime`): transcript, reply text, reply audio, timings. "
    "With `async=true` a long recording (up to BATCH_AUDIO_MAX_SECONDS) is transcribed in the background instead: 202 with "
    "`job_id` and the URL to poll (`token` too for a caller without an API key).",
)
class VoiceProcessApi(ConversationView):
    parser_classes = [JSONParser, MultiPartParser]

    def post(self, request):
        from .speech.audio import audio_from_base64
        from .voice.rest import voice_turn

        data = validated(s.voice_process_serializer(request.data), request.data)
        if data.get("async"):
            return self.enqueue(data)
        upload = data.get("file")
        if upload is not None:
            if upload.size > settings.AUDIO_MAX_BYTES:
                from .speech.audio import AudioError

                raise AudioError(f"Audio is {upload.size} bytes; the limit is {settings.AUDIO_MAX_BYTES} bytes (AUDIO_MAX_BYTES).",
                                 code="audio_too_large", status_code=413)
            audio, mime = upload.read(), data.get("mime") or upload.content_type or ""
        else:
            audio, mime = audio_from_base64(data["audio_base64"]), data.get("mime", "")
        language = data.get("language")
        language = None if language in (None, "auto") else language
        token = None
        if data.get("session_id"):
            conv = self.open(data["session_id"], data)
        else:
            key = self.api_key()
            conv, token = conversation_create(channel=Conversation.Channel.API if key else Conversation.Channel.WEB_VOICE,
                                              language=language or "en", speech_language=language or "auto", api_key=key)
        body = voice_turn(conversation=conv, audio=audio, mime=mime, language=language,
                          sample_rate=data.get("sample_rate") or 16000)
        if token:
            body["token"] = token
        return Response(body)

    def enqueue(self, data) -> Response:
        """async=true: store the recording as a batch job and answer 202 with where to poll."""
        from .speech.audio import audio_from_base64
        from .voice.batch import batch_job_create

        upload = data.get("file")
        if upload is not None:
            audio, mime = upload, data.get("mime") or upload.content_type or ""
        else:
            audio, mime = audio_from_base64(data["audio_base64"]), data.get("mime", "")
        conv, token = None, ""
        if data.get("session_id"):
            conv = self.open(data["session_id"], data)
            token = self.token(data)
        job, new_token = batch_job_create(
            audio=audio, mime=mime, language=data.get("language") or "auto", sample_rate=data.get("sample_rate") or 16000,
            api_key=self.api_key(), conversation=conv, token=token,
        )
        body = {"job_id": str(job.pk), "status": job.status, "poll": reverse("voice-job", args=[job.pk])}
        if new_token:
            body["token"] = new_token
        return Response(body, status=status.HTTP_202_ACCEPTED)


def batch_job_payload(job) -> dict:
    body = {"job_id": str(job.pk), "status": job.status, "language": job.language, "attempts": job.attempts,
            "created_at": job.created_at, "finished_at": job.finished_at}
    if job.status == job.Status.DONE:
        body["result"] = job.result
    elif job.status == job.Status.FAILED:
        code, _, detail = job.error.partition(": ")
        body["error"] = {"code": code, "detail": detail} if detail and re.fullmatch(r"[a-z_]+", code) else {"code": "job_failed", "detail": job.error}
    return body


@extend_schema(
    responses={200: s.BatchJobSerializer},
    parameters=[OpenApiParameter("token", str, description="The token returned when the job was queued (anonymous callers)")],
    description="A batch transcription job queued by POST /api/voice/process with async=true: its status and, when done, "
    "the transcript. Readable with an API key, a staff session, or the job's token (`token` or `X-Session-Token`); "
    "otherwise 404, as for conversations.",
)
class BatchJobApi(ConversationView):
    def get(self, request, job_id):
        from .voice.batch import batch_job_get_for

        job = batch_job_get_for(job_id=job_id, token=self.token(), api_key=self.api_key(), user=request.user)
        return Response(batch_job_payload(job))


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
    conv = Conversation.objects.select_related("customer").prefetch_related("messages", "tool_calls", "model_calls",
                                                                            "crm_records").get(pk=conv.pk)
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
        qs = Conversation.objects.select_related("customer").defer("state").order_by("-started_at")
        status_ = query_params(s.SessionFilterSerializer, self.request).get("status")
        if status_:
            qs = qs.filter(status=status_)
        return qs

    @extend_schema(request=s.SessionCreateSerializer, responses={201: s.SessionCreatedSerializer})
    def post(self, request):
        data = validated(s.SessionCreateSerializer, request.data)
        customer = None
        warnings = []
        if data.get("customer_id"):
            customer = Customer.objects.filter(customer_id=data["customer_id"]).first()
            if customer is None:
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
            from .voice.rest import voice_turn_from_base64

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
        from crm.services import crm_record_create

        data = validated(s.MCPPayloadSerializer, request.data)
        conv = None
        if data.get("session_id"):
            conv = conversation_get_for(session_id=data["session_id"], api_key=request.auth if isinstance(request.auth, APIKey) else None,
                                        user=request.user)
        customer = None
        if data.get("customer_id"):
            customer = Customer.objects.filter(customer_id=data["customer_id"]).first()
        customer = customer or (conv.customer if conv else None)
        record_in = data["crm_record"]
        started = time.perf_counter()
        with transaction.atomic():
            record = crm_record_create(
                scenario=data["scenario"], intent=record_in.get("intent", ""), priority=record_in.get("priority", "medium"),
                summary=(record_in.get("query") or "")[:300], customer=customer, conversation=conv,
                payload={"source": "mcp", "customer_id": data.get("customer_id", ""), "llm_response": data.get("llm_response", ""),
                         "crm_record": record_in},
            )
            tool_call = ToolCall.objects.create(
                conversation=conv, name="mcp.create_crm_record", arguments=s.MCPPayloadSerializer(data).data,
                result={"ok": True, "crm_record_id": record.pk}, ok=True, latency_ms=round((time.perf_counter() - started) * 1000, 2),
            )
        return Response({"ok": True, "crm_record_id": record.pk, "tool_call_id": tool_call.pk}, status=status.HTTP_201_CREATED)
