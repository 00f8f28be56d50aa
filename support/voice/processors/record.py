"""The turn's record: when the reply is done, what the voice stages measured and produced is stored
with the turn (support.voice.services.voice_turn_store) before the client hears `end`, so a client
that reads the conversation after `end` sees the whole turn."""

from __future__ import annotations

from channels.db import database_sync_to_async

from .. import services
from ..frames import End, Frame, Interruption, Metrics, ReplyDone, ReplyStarted
from ..processor import Processor


class TurnRecorder(Processor):
    def __init__(self):
        self.last_reply_id: int | None = None  # the reply the shopper may still be hearing

    async def process(self, frame: Frame) -> None:
        if isinstance(frame, ReplyStarted):
            self.last_reply_id = None
            await self.push(frame)
        elif isinstance(frame, ReplyDone):
            await self.push(frame)
            await self._finish(frame)
        elif isinstance(frame, Interruption):
            if not frame.turn_cancelled and self.last_reply_id is not None:
                # The server had sent the whole reply; the shopper was still hearing it.
                reply_id, self.last_reply_id = self.last_reply_id, None
                await database_sync_to_async(services.message_mark_interrupted)(message_id=reply_id, heard=frame.heard)
            await self.push(frame)
        else:
            await self.push(frame)

    async def _finish(self, frame: ReplyDone) -> None:
        pipeline = self.pipeline
        turn = pipeline.turn
        metrics = turn.metrics()
        session_id = pipeline.session.session_id
        turn.stored = True
        if frame.result is not None:
            timings = {k: v for k, v in metrics.items() if k.endswith("_ms") and v is not None}
            await database_sync_to_async(services.voice_turn_store, thread_sensitive=False)(
                session_id=session_id, user_message_id=frame.result["user_message_id"],
                assistant_message_id=frame.result["assistant_message_id"], speech_calls=turn.speech_calls,
                assistant_timings=timings, user_pcm=frame.user_pcm, reply_pcm=frame.reply_pcm, reply_rate=frame.reply_rate,
            )
            self.last_reply_id = frame.result["assistant_message_id"]
        elif turn.speech_calls:
            await database_sync_to_async(services.speech_calls_record)(session_id=session_id, speech_calls=turn.speech_calls)
        await self.push(Metrics(values=metrics))
        await self.push(End(turn=turn.number))
