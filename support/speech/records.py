"""What every speech provider call reports, and the metrics it feeds.

Engines stay free of the ORM: they hand a SpeechCall to an optional `on_call` callback and the
caller (the pipeline or a REST view) turns it into a support.models.ModelCall row.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from typing import Callable, Optional

from voxsite.core.metrics import counter, histogram

log = logging.getLogger(__name__)

ASR_LATENCY = histogram("voxsite_asr_latency_ms", "ASR latency per call in ms.", ("provider",))
TTS_FIRST_CHUNK = histogram(
    "voxsite_tts_first_chunk_ms", "TTS time to the first audio chunk in ms.", ("provider", "language")
)
TTS_LATENCY = histogram("voxsite_tts_latency_ms", "TTS total synthesis time per call in ms.", ("provider", "language"))
MODEL_CALL_ERRORS = counter("voxsite_model_call_errors", "Failed speech/model provider calls.", ("stage", "provider"))


@dataclass
class SpeechCall:
    stage: str  # "asr" | "tts" (support.models.ModelCall.Stage values)
    provider: str
    model: str = ""
    ok: bool = True
    error: str = ""
    latency_ms: Optional[float] = None
    first_byte_ms: Optional[float] = None
    input_size: Optional[int] = None  # bytes of audio in (ASR), characters of text (TTS)
    output_size: Optional[int] = None  # characters of text out (ASR), bytes of PCM (TTS)
    language: str = ""

    def as_model_call_fields(self) -> dict:
        """Keyword arguments for support.models.ModelCall (language is not a column there)."""
        data = asdict(self)
        data.pop("language")
        return data


OnCall = Optional[Callable[[SpeechCall], None]]


def report(call: SpeechCall, on_call: OnCall) -> None:
    """Feed the metrics, then the caller's callback; a broken callback never breaks a turn."""
    if call.stage == "asr" and call.ok and call.latency_ms is not None:
        ASR_LATENCY.observe(call.latency_ms, provider=call.provider)
    if call.stage == "tts" and call.ok:
        if call.first_byte_ms is not None:
            TTS_FIRST_CHUNK.observe(call.first_byte_ms, provider=call.provider, language=call.language)
        if call.latency_ms is not None:
            TTS_LATENCY.observe(call.latency_ms, provider=call.provider, language=call.language)
    if not call.ok:
        MODEL_CALL_ERRORS.inc(stage=call.stage, provider=call.provider)
        log.warning("%s provider %s failed: %s", call.stage, call.provider, call.error)
    if on_call is not None:
        try:
            on_call(call)
        except Exception:  # the record is secondary to the answer
            log.exception("on_call callback failed")
