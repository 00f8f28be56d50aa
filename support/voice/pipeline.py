"""THE composition of the voice paths: each is one list of processors (support/voice/processors/),
and a frame goes down the list in that order.

Real time (`WS /api/voice/stream`, support/voice/consumer.py), from an audio frame to the first
reply byte:

    AudioIn -> AudioInput (resample to 16 kHz, VAD, pre-roll; a barge-in interrupts)
            -> EndOfTurn (silence, or the client's `end`, closes the utterance: a new turn)
            -> SpeechToText (speculative on a pause, final at the end; judged; interjections)
            -> Brain (the conversation's turn in a worker thread, its events as frames)
            -> Clauses (the streamed reply cut into clauses)
            -> TextToSpeech (each clause synthesised as soon as it is complete; playback clock)
            -> TurnRecorder (the turn stored before `end`)
            -> WebSocketOutput (the protocol's JSON events and PCM16 frames)

A resumed conversation whose last turn was cut off (support.conversations.services.resume) gets a
Resume frame from the consumer on connect: it passes the audio stages, and the Brain answers it as
the connection's first turn (the notice, then the stored reply or the brain's answer to the stored
question) down the same stages.

REST voice turn (`POST /api/voice/process`, support/voice/rest.py): the decoded upload is one
utterance -> SpeechToText -> Brain (in the request's thread) -> TextToSpeech (the whole reply) ->
CollectingOutput; the view stores the turn (services.voice_turn_store) and answers.

Batch transcription (support/voice/batch.py): the decoded recording -> SpeechToText ->
CollectingOutput.
"""

from __future__ import annotations

from typing import Any, Callable

from asgiref.sync import async_to_sync
from django.conf import settings

from support.speech.asr.trust import Hearing

from .frames import Frame
from .processor import Pipeline, Processor, Session
from .processors.audio_input import AudioInput
from .processors.brain import Brain
from .processors.clauses import Clauses
from .processors.end_of_turn import EndOfTurn
from .processors.outputs import CollectingOutput, SendBytes, SendJson, WebSocketOutput
from .processors.record import TurnRecorder
from .processors.speech_to_text import SpeechToText
from .processors.text_to_speech import TextToSpeech
from .vad import TurnDetector


def websocket_processors(*, send_json: SendJson, send_bytes: SendBytes, sample_rate: int) -> list[Processor]:
    # Adaptive: the end of turn decides from the words; the VAD's silence is only the cap.
    silence_ms = settings.VOICE_EOT_MAX_MS if settings.VOICE_EOT_ADAPTIVE else settings.VOICE_EOT_SILENCE_MS
    detector = TurnDetector(silence_ms=silence_ms, speculative_ms=settings.VOICE_SPECULATIVE_MS,
                            barge_in_ms=settings.VOICE_BARGE_IN_MS)
    audio = AudioInput(sample_rate=sample_rate, detector=detector)
    stt = SpeechToText()
    tts = TextToSpeech()
    stt.audio, stt.playback = audio, tts  # an interjection clears the buffer; an echo repeats the reply
    return [
        audio,
        EndOfTurn(audio=audio, stt=stt),
        stt,
        Brain(),
        Clauses(),
        tts,
        TurnRecorder(),
        WebSocketOutput(send_json=send_json, send_bytes=send_bytes),
    ]


def websocket_pipeline(*, session_id: str, language: str, mode: str, sample_rate: int, send_json: SendJson,
                       send_bytes: SendBytes) -> Pipeline:
    return Pipeline(websocket_processors(send_json=send_json, send_bytes=send_bytes, sample_rate=sample_rate),
                    session=Session(session_id=session_id, language=language, mode=mode, sample_rate=sample_rate))


def turn_pipeline(*, session_id: str, language: str, judge: Callable[[Any], Hearing],
                  on_call: Callable[[Any], None]) -> Pipeline:
    return Pipeline([
        SpeechToText(language=language, judge=judge, on_call=on_call, report_errors=False),
        Brain(in_caller_thread=True),
        TextToSpeech(whole_reply=True, on_call=on_call),
        CollectingOutput(),
    ], session=Session(session_id=session_id, language=language))


def transcription_pipeline(*, language: str, judge: Callable[[Any], Hearing], on_call: Callable[[Any], None]) -> Pipeline:
    return Pipeline([
        SpeechToText(language=language, judge=judge, on_call=on_call, report_errors=False),
        CollectingOutput(),
    ], session=Session(session_id="", language=language))


def run_once(pipeline: Pipeline, frame: Frame, *, eos: float) -> list[Frame]:
    """For synchronous callers (REST, batch): `frame` as one turn, to the end; the frames that came
    out of the last stage (a CollectingOutput)."""

    async def run() -> None:
        pipeline.new_turn(eos=eos)
        try:
            await pipeline.queue(frame)
        finally:
            await pipeline.close()

    async_to_sync(run)()
    return pipeline.processors[-1].frames
