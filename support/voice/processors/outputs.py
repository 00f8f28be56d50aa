"""Where a pipeline's frames leave it: `WebSocketOutput` speaks the real-time protocol (README
"Real-time voice protocol"): JSON events and binary PCM16 frames; `CollectingOutput` keeps the
frames for a caller that answers in one piece (REST voice, batch transcription)."""

from __future__ import annotations

from typing import Awaitable, Callable

from support.assistant.brain import Intent, TextDelta

from ..frames import (
    AudioOut, AudioStarted, Backchannel, BrainEvent, End, Error, Filler, Frame, Interruption, Metrics, ReplyDone, ReplyReset,
    ReplyText, SpeechStarted, SpeechStopped, SpeechUnavailable, StaffMessage, ToolUsed, Transcript,
)
from ..processor import Processor

SendJson = Callable[[dict], Awaitable[None]]
SendBytes = Callable[[bytes], Awaitable[None]]


def protocol_event(frame: Frame) -> dict | None:
    """The client event a frame is sent as (without its turn number), or None."""
    if isinstance(frame, SpeechStarted):
        return {"type": "vad", "state": "speech_start"}
    if isinstance(frame, SpeechStopped):
        return {"type": "vad", "state": "speech_end"}
    if isinstance(frame, Transcript):
        return {"type": "transcript", "text": frame.text, "final": True, "language": frame.language,
                "confidence": frame.confidence, **frame.hearing.event_fields()}
    if isinstance(frame, Error):
        return {"type": "error", "code": frame.code, "detail": frame.detail}
    if isinstance(frame, Backchannel):
        return {"type": "backchannel", "text": frame.text}
    if isinstance(frame, SpeechUnavailable):
        return {"type": "speech_unavailable", "language": frame.language, "reason": frame.reason}
    if isinstance(frame, ReplyText):
        return {"type": "reply_delta", "text": frame.text}
    if isinstance(frame, BrainEvent) and isinstance(frame.event, TextDelta):
        return {"type": "reply_delta", "text": frame.event.text}
    if isinstance(frame, BrainEvent) and isinstance(frame.event, Intent):
        return {"type": "intent", "name": frame.event.name}
    if isinstance(frame, ToolUsed):
        return {"type": "tool_call", "name": frame.name, "arguments": frame.arguments, "ok": frame.ok, "code": frame.code}
    if isinstance(frame, ReplyReset):
        return {"type": "reply_reset", "reason": frame.reason, **({"from": frame.from_brain} if frame.from_brain is not None else {})}
    if isinstance(frame, Filler):
        return {"type": "filler", "text": frame.text, "audio_bytes": frame.audio_bytes}
    if isinstance(frame, AudioStarted):
        return {"type": "audio_start", "encoding": "pcm_s16le", "sample_rate": frame.sample_rate, "channels": 1}
    if isinstance(frame, ReplyDone):
        if frame.reprompt:
            return {"type": "reply", "text": frame.text, "language": frame.language, frame.reprompt: True}
        if not frame.text:  # a staff member has taken over: the staff answer instead
            return None
        return {"type": "reply", "text": frame.text, "language": frame.language, "intent": frame.result["intent"],
                "status": frame.result["status"], **({"spoken": frame.spoken} if frame.spoken else {}),
                **({"resumed": True} if frame.resumed else {})}
    if isinstance(frame, Metrics):
        return dict(frame.values)
    if isinstance(frame, End):
        return {"type": "end", "turn": frame.turn}
    if isinstance(frame, Interruption):
        return {"type": "barge_in", "reason": frame.reason, "heard": frame.heard}
    if isinstance(frame, StaffMessage):
        return {"type": "staff_message", "text": frame.text}
    return None


class WebSocketOutput(Processor):
    def __init__(self, *, send_json: SendJson, send_bytes: SendBytes):
        self.send_json, self.send_bytes = send_json, send_bytes

    async def process(self, frame: Frame) -> None:
        if isinstance(frame, AudioOut):
            await self.send_bytes(frame.pcm)
        elif (event := protocol_event(frame)) is not None:
            await self.send_event(event)
        await self.push(frame)

    async def send_event(self, event: dict) -> None:
        if "turn" not in event and event.get("type") != "vad":
            event = {**event, "turn": self.pipeline.turn.number}
        await self.send_json(event)


class CollectingOutput(Processor):
    """Keeps every frame that reaches it, in order."""

    def __init__(self):
        self.frames: list[Frame] = []

    async def process(self, frame: Frame) -> None:
        self.frames.append(frame)
        await self.push(frame)

    def of(self, kind: type) -> list:
        return [f for f in self.frames if isinstance(f, kind)]
