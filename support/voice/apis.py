"""The voice endpoints: POST /api/voice/text, POST /api/voice/process (a turn, or a batch job with
async=true), GET /api/voice/jobs/<id>. They build on the conversation endpoints
(support/conversations/apis.py); the turns run support/voice/rest.py and batch.py."""

from __future__ import annotations

import re

from django.conf import settings
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response

from voxsite.core.api import documented_error, validated

from support.conversations import serializers as s
from support.conversations.apis import SESSION_NOT_FOUND, ConversationMessageApi, ConversationView, turn_payload
from support.conversations.models import Conversation
from support.speech.audio import AudioError, audio_from_base64

from . import serializers as vs
from .batch import batch_job_create, batch_job_get_for
from .rest import reply_audio, voice_turn


@extend_schema(
    request=s.TextTurnInSerializer, responses={200: vs.TextTurnAudioOutSerializer, 404: SESSION_NOT_FOUND},
    description="A typed turn answered with text AND speech: `audio` holds the reply as a WAV (base64 and a URL).",
)
class VoiceTextApi(ConversationMessageApi):
    """`POST /api/voice/text`: text in, reply text and reply audio out."""

    def post(self, request):
        result, token = self.turn(request)
        body = turn_payload(result, token, request)
        if body["message_id"] is None:  # a staff member has taken over: the assistant said nothing
            body["audio"] = None
            return Response(body)
        # The audio says the brain's spoken version (the answer first, short); `reply` keeps the detail.
        body["audio"] = reply_audio(message=result.assistant_message, text=result.speech, language=result.language)
        return Response(body)


@extend_schema(
    request={"multipart/form-data": vs.VoiceProcessFormSerializer, "application/json": vs.VoiceProcessJsonSerializer},
    responses={
        200: s.VoiceTurnOutSerializer, 202: vs.BatchJobQueuedSerializer, 404: SESSION_NOT_FOUND,
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
        data = validated(vs.voice_process_serializer(request.data), request.data)
        if data.get("async"):
            return self.enqueue(data)
        upload = data.get("file")
        if upload is not None:
            if upload.size > settings.AUDIO_MAX_BYTES:
                raise AudioError(f"Audio is {upload.size} bytes; the limit is {settings.AUDIO_MAX_BYTES} bytes (AUDIO_MAX_BYTES).",
                                 code="audio_too_large", status_code=413)
            audio, mime = upload.read(), data.get("mime") or upload.content_type or ""
        else:
            audio, mime = audio_from_base64(data["audio_base64"]), data.get("mime", "")
        language = data.get("language")
        language = None if language in (None, "auto") else language
        conv, token = self.open_or_start(data, channel=Conversation.Channel.WEB_VOICE, language=language or "en",
                                         speech_language=language or "auto")
        body = voice_turn(conversation=conv, audio=audio, mime=mime, language=language,
                          sample_rate=data.get("sample_rate") or 16000)
        if token:
            body["token"] = token
        return Response(body)

    def enqueue(self, data) -> Response:
        """async=true: store the recording as a batch job and answer 202 with where to poll."""
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
    responses={200: vs.BatchJobSerializer},
    parameters=[OpenApiParameter("token", str, description="The token returned when the job was queued (anonymous callers)")],
    description="A batch transcription job queued by POST /api/voice/process with async=true: its status and, when done, "
    "the transcript. Readable with an API key, a staff session, or the job's token (`token` or `X-Session-Token`); "
    "otherwise 404, as for conversations.",
)
class BatchJobApi(ConversationView):
    def get(self, request, job_id):
        job = batch_job_get_for(job_id=job_id, token=self.token(), api_key=self.api_key(), user=request.user)
        return Response(batch_job_payload(job))
