"""The WebSocket list of processors (support/voice/pipeline.py) with a CollectingOutput after its
WebSocketOutput: which frames come down it, in which order, and what the client is sent."""

import asyncio
import json
import time

import numpy as np
import pytest
from asgiref.sync import sync_to_async

from support.assistant.brain import TextDelta
from support.conversations.services.resume import CUT_OFF, pending_turn_get
from support.models import Message
from support.tests.speech_helpers import steady_speech
from support.voice import services
from support.voice.frames import (
    AudioIn, AudioOut, AudioStarted, BrainEvent, Clause, End, Interruption, Metrics, ReplyDone, ReplyLanguage,
    ReplyStarted, Resume, SpeechStarted, TextIn, Transcript, UserEnd,
)
from support.voice.pipeline import websocket_processors
from support.voice.processor import Pipeline, Session
from support.voice.processors.outputs import CollectingOutput
from support.voice.processors.text_to_speech import TextToSpeech

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

RATE = 16000


@pytest.fixture(autouse=True)
def shop_data(db):
    from catalog.tests.factories import PolicyFactory

    PolicyFactory(kind="shipping", title="Shipping", return_window_days=None,
                  text="Orders ship within two days. Delivery takes three to five days across India.")


class Client:
    def __init__(self):
        self.events, self.audio = [], b""

    async def send_json(self, event):
        self.events.append(json.loads(json.dumps(event, default=str)))

    async def send_bytes(self, data):
        self.audio += data

    def types(self):
        return [e["type"] for e in self.events]


async def open_pipeline(mode="ptt"):
    session = await sync_to_async(services.session_open)(session_id=None, token="", api_key=None, user=None,
                                                         language="en")
    client, tap = Client(), CollectingOutput()
    processors = websocket_processors(send_json=client.send_json, send_bytes=client.send_bytes, sample_rate=RATE)
    pipeline = Pipeline([*processors, tap], session=Session(session_id=session["session_id"], language="en", mode=mode,
                                                            sample_rate=RATE))
    return pipeline, client, tap


def kinds(tap, *types):
    return [type(f).__name__ for f in tap.frames if isinstance(f, types)]


async def test_a_typed_turn_comes_down_the_list_as_typed_frames():
    pipeline, client, tap = await open_pipeline()
    await pipeline.queue(TextIn(text="What is your shipping policy?"))
    await pipeline.turn_task
    frames = tap.frames
    assert isinstance(frames[0], ReplyStarted) and isinstance(frames[-1], End) and frames[-1].turn == 1
    assert not tap.of(Clause)  # spoken by TextToSpeech, not passed on
    assert tap.of(ReplyLanguage)[0].language == "en"
    assert any(isinstance(f.event, TextDelta) for f in tap.of(BrainEvent))
    order = kinds(tap, AudioStarted, AudioOut, ReplyDone, Metrics, End)
    assert order[0] == "AudioStarted" and order[-3:] == ["ReplyDone", "Metrics", "End"]
    assert set(order[1:-3]) == {"AudioOut"}
    done = tap.of(ReplyDone)[0]
    assert done.reply_pcm and len(done.reply_pcm) == len(client.audio)  # every byte sent is stored
    assert "ship" in done.text.lower() and done.result["assistant_message_id"]
    # What the client was sent, in the protocol's order.
    types = client.types()
    # (the first audio may come before the text when the brain gives a version for the ear first)
    assert max(types.index("reply_delta"), types.index("audio_start")) < types.index("reply") < types.index("metrics") \
        < types.index("end") == len(types) - 1
    assert all(e["turn"] == 1 for e in client.events)
    metrics = tap.of(Metrics)[0].values
    assert metrics["eos_to_first_audio_ms"] > 0 and metrics["eos_to_first_token_ms"] > 0
    reply = await sync_to_async(Message.objects.get)(pk=done.result["assistant_message_id"])
    assert reply.audio and "eos_to_first_audio_ms" in reply.timings
    await pipeline.close()


async def test_an_audio_frame_reaches_the_first_reply_byte_through_every_stage():
    pipeline, client, tap = await open_pipeline()
    pcm = b"\x00\x00" * (RATE // 4) + steady_speech("Where is my order?", RATE) + b"\x00\x00" * (RATE // 4)
    for i in range(0, len(pcm), 640):
        await pipeline.queue(AudioIn(pcm=pcm[i:i + 640]))
    await pipeline.queue(UserEnd())
    await pipeline.turn_task
    names = kinds(tap, SpeechStarted, Transcript, ReplyStarted, AudioStarted, AudioOut, ReplyDone, End)
    assert names[:4] == ["SpeechStarted", "Transcript", "ReplyStarted", "AudioStarted"] and names[-1] == "End"
    transcript = tap.of(Transcript)[0]
    assert "order" in transcript.text.lower() and transcript.hearing.action == "turn" and transcript.audio is not None
    assert tap.of(ReplyDone)[0].user_pcm  # the shopper's audio is stored with the turn
    assert client.types()[0] == "vad" and "transcript" in client.types() and client.audio
    await pipeline.close()


async def test_cutting_a_reply_that_is_still_playing_stores_what_was_heard():
    pipeline, client, tap = await open_pipeline()
    await pipeline.queue(TextIn(text="What is your shipping policy?"))
    await pipeline.turn_task
    assert pipeline.active(time.perf_counter())  # its audio is still playing at the client
    await pipeline.interrupt("client")
    [cut] = tap.of(Interruption)
    assert not cut.turn_cancelled and cut.heard
    assert client.events[-1] == {"type": "barge_in", "reason": "client", "turn": 1, "heard": cut.heard}
    reply = await sync_to_async(Message.objects.get)(pk=tap.of(ReplyDone)[0].result["assistant_message_id"])
    assert reply.interrupted and reply.text == cut.heard
    await pipeline.close()


async def test_a_disconnect_cancels_the_turn_and_the_brains_turn_is_still_stored():
    pipeline, client, tap = await open_pipeline()
    await pipeline.queue(TextIn(text="What is your shipping policy?"))
    turn = pipeline.turn_task
    while not tap.of(ReplyStarted):  # the brain's thread is at work
        await asyncio.sleep(0)
    running = pipeline.tasks()
    await pipeline.close()
    await asyncio.gather(*running, return_exceptions=True)
    await asyncio.sleep(0)
    assert turn.cancelled()
    assert pipeline.tasks() == pipeline.tasks("record") != []  # the brain's turn, stored when its thread ends
    await pipeline.drain()
    assert not tap.of(End)  # the turn never finished for the client
    [reply] = await sync_to_async(list)(Message.objects.filter(role=Message.Role.ASSISTANT))
    # Nothing interrupted it: the connection closed. It is kept whole, to be said again on resume.
    assert not reply.interrupted and "ship" in reply.text.lower()
    pending = await sync_to_async(pending_turn_get)(session_id=pipeline.session.session_id)
    assert pending["answer"] == "repeat" and pending["reply_id"] == reply.pk


# -- a resumed conversation's cut-off turn (Resume) ----------------------------------------------

STORED_REPLY = ("Orders ship within two days. Delivery takes three to five days across India. You will get a "
                "message with the tracking link as soon as your order leaves the warehouse.")


def cut_off_turn(session_id, *, reply: str | None):
    """The shopper's question and, when given, a reply stored but never spoken to the end (no turn timings)."""
    Message.objects.create(conversation_id=session_id, role=Message.Role.USER, text="What is your shipping policy?",
                           language="en")
    if reply is not None:
        Message.objects.create(conversation_id=session_id, role=Message.Role.ASSISTANT, text=reply, language="en",
                               timings={"brain_ms": 3})
    return pending_turn_get(session_id=session_id)


async def resumed_pipeline(*, reply: str | None):
    pipeline, client, tap = await open_pipeline()
    pending = await sync_to_async(cut_off_turn)(pipeline.session.session_id, reply=reply)
    await pipeline.queue(Resume(**pending))
    return pipeline, client, tap, pending


async def test_a_stored_reply_is_said_again_after_the_notice_and_then_counts_as_delivered():
    pipeline, client, tap, pending = await resumed_pipeline(reply=STORED_REPLY)
    assert pending["answer"] == "repeat"
    await pipeline.turn_task
    done = tap.of(ReplyDone)[0]
    assert done.resumed and done.text == STORED_REPLY and done.result["assistant_message_id"] == pending["reply_id"]
    [reply] = [e for e in client.events if e["type"] == "reply"]
    assert reply == {"type": "reply", "text": STORED_REPLY, "language": "en", "intent": None, "status": "active",
                     "resumed": True, "turn": 1}
    assert [e["text"] for e in client.events if e["type"] == "reply_delta"] == [STORED_REPLY]
    # The notice is spoken first but is no part of the reply the shopper hears.
    [tts] = [p for p in pipeline.processors if isinstance(p, TextToSpeech)]
    assert tts.spoken[0][0] > 0 and CUT_OFF["en"] not in tts.spoken_text() and tts.spoken_text() == STORED_REPLY
    rows = await sync_to_async(list)(Message.objects.filter(conversation_id=pipeline.session.session_id)
                                     .order_by("created_at", "id").values_list("role", "text", "interrupted"))
    assert rows == [("user", "What is your shipping policy?", False), ("assistant", STORED_REPLY, False)]
    assert await sync_to_async(pending_turn_get)(session_id=pipeline.session.session_id) is None
    await pipeline.close()


async def test_a_closed_connection_during_a_repeated_reply_leaves_it_pending(settings):
    settings.TTS_CACHE_MAX_BYTES = 0  # clauses cached by an earlier test would all be sent at once
    pipeline, client, tap, pending = await resumed_pipeline(reply=STORED_REPLY)
    while not tap.of(AudioStarted):  # the notice is playing; the reply is still being synthesised
        await asyncio.sleep(0.01)
    assert pipeline.busy
    await pipeline.close()
    await pipeline.drain()
    assert await sync_to_async(pending_turn_get)(session_id=pipeline.session.session_id) == pending


async def test_a_barge_in_during_a_repeated_reply_keeps_what_was_heard(settings):
    settings.TTS_CACHE_MAX_BYTES = 0
    pipeline, client, tap, pending = await resumed_pipeline(reply=STORED_REPLY)
    while not tap.of(AudioStarted):
        await asyncio.sleep(0.01)
    await pipeline.interrupt("client")
    [cut] = tap.of(Interruption)
    assert cut.turn_cancelled and CUT_OFF["en"] not in cut.heard
    await pipeline.drain()
    reply = await sync_to_async(Message.objects.get)(pk=pending["reply_id"])
    assert reply.interrupted and reply.text == cut.heard
    assert await sync_to_async(pending_turn_get)(session_id=pipeline.session.session_id) is None


async def test_a_stored_question_without_a_reply_is_answered_once_after_the_notice():
    pipeline, client, tap, pending = await resumed_pipeline(reply=None)
    assert pending["answer"] == "again"
    await pipeline.turn_task
    done = tap.of(ReplyDone)[0]
    assert done.resumed and "ship" in done.text.lower() and done.result["user_message_id"] == pending["message_id"]
    assert [e for e in client.events if e["type"] == "reply"][0]["resumed"] is True
    [tts] = [p for p in pipeline.processors if isinstance(p, TextToSpeech)]
    assert tts.spoken[0][0] > 0 and CUT_OFF["en"] not in tts.spoken_text()
    roles = await sync_to_async(list)(Message.objects.filter(conversation_id=pipeline.session.session_id)
                                      .order_by("created_at", "id").values_list("role", flat=True))
    assert roles == ["user", "assistant"]
    assert await sync_to_async(pending_turn_get)(session_id=pipeline.session.session_id) is None
    await pipeline.close()


async def test_after_the_assistant_asks_for_a_number_the_end_of_turn_expects_one():
    from orders.tests.factories import OrderFactory

    order = await sync_to_async(OrderFactory)()
    pipeline, client, tap = await open_pipeline()
    assert pipeline.session.expecting_number is False
    await pipeline.queue(TextIn(text=f"Where is my order {order.number}?"))
    await pipeline.turn_task
    asked = tap.of(ReplyDone)[-1].text
    assert "digits" in asked.lower()  # the last four digits of the phone on the order
    assert pipeline.session.expecting_number is True
    await pipeline.queue(TextIn(text=" ".join(order.shipping_phone[-4:])))
    await pipeline.turn_task
    assert order.number in tap.of(ReplyDone)[-1].text  # verified: the order's status
    assert pipeline.session.expecting_number is False
    await pipeline.close()


def voiced(text: str) -> bytes:
    """Speech with the synthesiser's own trailing silence cut off: the test says how much follows."""
    samples = np.frombuffer(steady_speech(text, RATE), "<i2")
    last = int(np.flatnonzero(np.abs(samples) > 500)[-1])
    return samples[:last + 1].tobytes()


@pytest.mark.parametrize("tail_s,speculative", [(0.1, True), (0.02, False)])
async def test_push_to_talk_transcribes_in_the_moment_before_the_button_is_released(tail_s, speculative):
    """A finger leaves the button a little after the last word: 64 ms of quiet (VOICE_PTT_SPECULATIVE_MS)
    starts the transcription, and `end` uses it; released sooner, `end` transcribes."""
    pipeline, client, tap = await open_pipeline(mode="ptt")
    pcm = b"\x00\x00" * (RATE // 4) + voiced("Where is my order?") + b"\x00\x00" * int(RATE * tail_s)
    for i in range(0, len(pcm), 640):
        await pipeline.queue(AudioIn(pcm=pcm[i:i + 640]))
    await pipeline.queue(UserEnd())
    await pipeline.turn_task
    assert "order" in tap.of(Transcript)[0].text.lower()
    assert tap.of(Metrics)[0].values["speculative_asr"] is speculative
    assert len(tap.of(End)) == 1  # one turn: the pause did not end it, the button did
    await pipeline.close()


async def test_in_push_to_talk_words_after_the_pause_are_transcribed_with_the_rest():
    pipeline, client, tap = await open_pipeline(mode="ptt")
    pcm = (b"\x00\x00" * (RATE // 4) + voiced("Where is") + b"\x00\x00" * (RATE // 4) + voiced("my order?")
           + b"\x00\x00" * (RATE // 50))
    for i in range(0, len(pcm), 640):
        await pipeline.queue(AudioIn(pcm=pcm[i:i + 640]))
    await pipeline.queue(UserEnd())
    await pipeline.turn_task
    text = tap.of(Transcript)[0].text.lower()
    assert "where" in text and "order" in text
    assert tap.of(Metrics)[0].values["speculative_asr"] is False
    await pipeline.close()


async def test_when_the_recogniser_queue_is_full_the_shopper_is_asked_again_and_nothing_runs(settings):
    import threading

    from support.voice.factory import providers
    from support.voice.frames import Error

    settings.ASR_QUEUE_MAX = 1
    [engine] = providers().asr.engines
    release, started = threading.Event(), threading.Event()

    def hold():
        started.set()
        release.wait(10)

    engine.pool.submit(hold)  # the one worker is busy...
    assert started.wait(5)
    waiting = engine.pool.submit(lambda: None)  # ...and the one place in the queue taken
    pipeline, client, tap = await open_pipeline()
    try:
        pcm = b"\x00\x00" * (RATE // 4) + steady_speech("Where is my order?", RATE) + b"\x00\x00" * (RATE // 4)
        for i in range(0, len(pcm), 640):
            await pipeline.queue(AudioIn(pcm=pcm[i:i + 640]))
        await pipeline.queue(UserEnd())
        await pipeline.turn_task
    finally:
        release.set()
    waiting.result(5)
    [error] = tap.of(Error)
    assert error.code == "asr_failed" and "queue full (1 waiting)" in error.detail
    done = tap.of(ReplyDone)[0]
    assert done.reprompt and not done.result  # asked to say it again; the brain never ran
    assert tap.of(AudioOut)  # and it was said
    await pipeline.close()
