"""The voice endpoints' shapes (POST /api/voice/text, /api/voice/process, GET /api/voice/jobs/<id>);
the conversation shapes they build on are in support/conversations/serializers.py."""

from django.http import QueryDict
from rest_framework import serializers

from support.conversations.serializers import (
    AudioBase64Field, CodedMessageSerializer, ReplyAudioSerializer, TurnOutSerializer, language_field,
)


class TextTurnAudioOutSerializer(TurnOutSerializer):
    audio = ReplyAudioSerializer(allow_null=True, help_text="null while a staff member has taken over.")


class BatchJobQueuedSerializer(serializers.Serializer):
    job_id = serializers.UUIDField()
    status = serializers.CharField()
    poll = serializers.CharField(help_text="The URL to GET for the job's status and result.")
    token = serializers.CharField(required=False, help_text="For a caller without an API key: send it when polling.")


class BatchJobResultSerializer(serializers.Serializer):
    transcript = serializers.CharField()
    language = serializers.CharField()
    duration_s = serializers.FloatField()
    confidence = serializers.FloatField(allow_null=True)
    segments = serializers.ListField(child=serializers.DictField(), required=False)


class BatchJobSerializer(serializers.Serializer):
    job_id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=["queued", "running", "done", "failed"])
    language = serializers.CharField()
    attempts = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    result = BatchJobResultSerializer(required=False, help_text="When done.")
    error = CodedMessageSerializer(required=False, help_text="When failed: `code` and `detail`.")


class VoiceProcessFormSerializer(serializers.Serializer):
    """POST /api/voice/process as multipart/form-data: the audio is a `file`."""

    # An empty file is audio like any other: 422 audio_empty, as for empty base64.
    file = serializers.FileField(allow_empty_file=True,
                                 help_text="Audio file: WAV, MP3, OGG/Opus, WebM, FLAC, or raw PCM16.")
    mime = serializers.CharField(required=False, allow_blank=True, max_length=80,
                                 help_text="audio/wav, audio/mpeg, audio/ogg, audio/webm, audio/flac, audio/pcm (raw 16-bit LE mono)")
    sample_rate = serializers.IntegerField(required=False, min_value=8000, max_value=48000, help_text="Raw PCM only.")
    language = language_field()
    session_id = serializers.UUIDField(required=False)
    token = serializers.CharField(required=False, allow_blank=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # `async` is a keyword, so it cannot be a class attribute.
        self.fields["async"] = serializers.BooleanField(
            required=False, default=False,
            help_text="true: batch transcription of a long recording; answers 202 with a job id to poll.")


class VoiceProcessJsonSerializer(VoiceProcessFormSerializer):
    """POST /api/voice/process as JSON: the audio is `audio_base64`."""

    file = None
    audio_base64 = AudioBase64Field()
    language = language_field(allow_null=True)
    session_id = serializers.UUIDField(required=False, allow_null=True)


def voice_process_serializer(data) -> type[serializers.Serializer]:
    """Multipart bodies carry a `file`, JSON bodies `audio_base64`."""
    return VoiceProcessFormSerializer if isinstance(data, QueryDict) else VoiceProcessJsonSerializer
