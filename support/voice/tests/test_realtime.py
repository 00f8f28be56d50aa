"""The real-time voice pipeline end to end: real speech in, real transcription, the offline brain,
real synthesis out, over the real ASGI application."""

import asyncio
import json

import numpy as np
import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings

from support.assistant.offline.replies import render
from support.models import Conversation, Message, ModelCall
from support.speech.audio import float_to_pcm16
from support.tests.speech_helpers import sample_samples, steady_speech
from support.voice.consumer import conversation_group
from support.voice.factory import providers
from support.voice.processors.audio_input import AudioInput
from support.voice.processors.end_of_turn import EndOfTurn
from support.voice.processor import Pipeline, Session
from support.voice.processors.speech_to_text import Heard, SpeechToText
from support.voice.vad import TurnDetector
from voxsite.asgi import application

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

RATE = 16000
FRAME = 320  # 20 ms


@pytest.fixture(scope="module")
def utterance_pcm():
    """A shopper's question spoken by Piper, 16 kHz PCM16, the same audio in every run."""
    return lambda text: steady_speech(text, RATE)


@pytest.fixture(autouse=True)
def shop_data(db):
    from decimal import Decimal

    from catalog.tests.factories import PolicyFactory, ProductFactory

    PolicyFactory(kind="returns", text="You can return most items within 7 days of delivery.")
    PolicyFactory(kind="shipping", title="Shipping", return_window_days=None,
                  text="Orders ship within two days. Delivery takes three to five days across India. "
                       "Shipping is free above 499 rupees, and cash on delivery is available in most pin codes.")
    ProductFactory(name="Cotton Kurta Blue", price=Decimal("899.00"))


async def connect(query="language=en&mode=ptt"):
    comm = WebsocketCommunicator(application, f"/api/voice/stream?{query}")
    connected, _ = await comm.connect(timeout=30)
    assert connected
    session = await comm.receive_json_from(timeout=30)
    assert session["type"] == "session"
    return comm, session


async def collect_turn(comm, timeout=60):
    """Events and audio bytes until the turn's `end`."""
    events, audio = [], b""
    while True:
        out = await comm.receive_output(timeout=timeout)
        if out["type"] == "websocket.close":
            raise AssertionError(f"closed: {out}")
        if out.get("bytes") is not None:
            audio += out["bytes"]
            continue
        event = json.loads(out["text"])
        events.append(event)
        if event["type"] == "end":
            return events, audio


def of(events, kind):
    return [e for e in events if e["type"] == kind]


async def stream(comm, pcm: bytes, *, paced: bool):
    for i in range(0, len(pcm), FRAME * 2):
        await comm.send_to(bytes_data=pcm[i:i + FRAME * 2])
        if paced:
            await asyncio.sleep(0.02)


def silence(seconds: float) -> bytes:
    return b"\x00\x00" * int(RATE * seconds)


async def test_push_to_talk_turn(utterance_pcm):
    comm, session = await connect()
    pcm = await sync_to_async(utterance_pcm)("What is your return policy?")
    await stream(comm, silence(0.3) + pcm + silence(0.2), paced=False)
    await comm.send_json_to({"type": "end"})
    events, audio = await collect_turn(comm)
    transcript = of(events, "transcript")[0]
    assert "return policy" in transcript["text"].lower()
    assert of(events, "tool_call")[0]["name"] == "get_policy"
    assert "7 days" in of(events, "reply")[0]["text"]
    assert len(audio) > 22050  # more than half a second of speech came back
    metrics = of(events, "metrics")[0]
    assert metrics["eos_to_first_audio_ms"] is not None and metrics["asr_ms"] is not None
    # The turn is stored with its timings, audio and model calls.
    conv = await sync_to_async(Conversation.objects.get)(pk=session["session_id"])
    messages = await sync_to_async(list)(conv.messages.order_by("id"))
    assert [m.role for m in messages] == ["user", "assistant"]
    assert messages[0].asr_confidence is not None and messages[0].audio
    assert messages[1].audio and "eos_to_first_audio_ms" in messages[1].timings
    stages = await sync_to_async(lambda: sorted({c.stage for c in ModelCall.objects.filter(conversation=conv)}))()
    assert stages == ["asr", "llm", "tts"] or stages == ["asr", "tts"]
    await comm.disconnect()


async def test_hands_free_turn_ends_on_silence(utterance_pcm):
    comm, _ = await connect("language=en&mode=vad")
    pcm = await sync_to_async(utterance_pcm)("Where is my order?")
    await stream(comm, silence(0.3) + pcm + silence(1.0), paced=True)
    events, audio = await collect_turn(comm)
    assert [e["state"] for e in of(events, "vad")][:1] == ["speech_start"]
    assert "order" in of(events, "transcript")[0]["text"].lower()
    assert "order number" in of(events, "reply")[0]["text"].lower()
    assert audio
    await comm.disconnect()


async def test_a_pause_at_a_comma_does_not_split_the_turn(utterance_pcm):
    """DESIGN.md's trap: with a 0.2 s silence, "Hi, I want to know where my order is." became two turns."""
    comm, _ = await connect("language=en&mode=vad")
    pcm = await sync_to_async(utterance_pcm)("Hi, I want to know where my order is.")
    await stream(comm, silence(0.3) + pcm + silence(1.2), paced=True)
    events, _ = await collect_turn(comm)
    text = of(events, "transcript")[0]["text"].lower()
    assert "hi" in text and "where my order is" in text
    assert "order number" in of(events, "reply")[0]["text"].lower()
    await comm.disconnect()


def test_a_short_opener_before_a_pause_stays_in_the_utterance(settings):
    """A Piper rendering of "Hi, I want to know where my order is." whose "Hi" tiny.en dropped
    when the utterance began 0.3 s before the first voiced frame (1 rendering in 10 did)."""
    from pathlib import Path

    import soundfile as sf

    settings.ASR_PROVIDERS = ["local"]
    recorded, rate = sf.read(Path(__file__).parent / "fixtures" / "opener_pause_en.flac", dtype="int16")
    assert rate == RATE
    pcm = silence(0.3) + recorded.tobytes() + silence(1.2)
    audio_in = AudioInput(sample_rate=RATE, detector=TurnDetector())
    ends = []
    for i in range(0, len(pcm), FRAME * 2):
        ends += [kind for kind, _ in audio_in.feed(pcm[i:i + FRAME * 2], guarded=False) if kind == "end_of_turn"]
    assert ends == ["end_of_turn"]  # one utterance: the comma's pause is not an end of turn
    heard = providers().asr.transcribe(audio_in.utterance(), language="en").text.lower()
    assert heard.startswith("hi") and "where my order is" in heard


@pytest.mark.parametrize("text,language,expecting_number,unfinished", [
    ("Hi, I want to know,", "en", False, True), ("I want to talk to my", "en", False, True),
    ("मुझे ऑर्डर और", "hi", False, True), ("Hi.", "en", False, True), ("Okay, so.", "en", False, True),
    ("Where is my order?", "en", False, False), ("Yes.", "en", False, False), ("1042", "en", False, False),
    ("", "en", False, False),
    # Asked for the last four digits of a phone: two of them are a number still being read out.
    ("3 1", "en", True, True), ("3 1 2 3.", "en", True, False),
])
def test_the_fixed_end_of_turn_waits_longer_when_the_words_sound_unfinished(text, language, expecting_number,
                                                                               unfinished):
    async def run():
        stt = SpeechToText(language=language, on_call=lambda call: None)
        future = asyncio.get_running_loop().create_future()
        future.set_result(Heard(text=text, language=language, confidence=0.9, asr_ms=1))
        stt._spec = future
        eot = EndOfTurn(audio=None, stt=stt)
        Pipeline([eot, stt], session=Session(session_id="s", language=language, expecting_number=expecting_number))
        return eot.speculation_unfinished()

    assert asyncio.run(run()) is unfinished


async def test_silence_gets_a_reprompt_not_an_error():
    comm, _ = await connect()
    noise = (np.random.default_rng(1).normal(0, 30, RATE)).astype("<i2").tobytes()
    await stream(comm, noise, paced=False)
    await comm.send_json_to({"type": "end"})
    events, audio = await collect_turn(comm)
    assert of(events, "transcript")[0]["text"] == ""
    assert of(events, "reply")[0].get("reprompt") is True
    assert not of(events, "error")
    await comm.disconnect()


async def test_hindi_speech_this_server_cannot_recognise_is_said_so_and_nothing_runs(settings):
    settings.WHISPER_MODELS_BY_LANGUAGE = {}
    comm, session = await connect("language=hi&mode=ptt")
    pcm = float_to_pcm16(await sync_to_async(sample_samples)("hi_cv_001"))
    await stream(comm, pcm + silence(0.2), paced=False)
    await comm.send_json_to({"type": "end"})
    events, audio = await collect_turn(comm)
    transcript = of(events, "transcript")[0]
    assert transcript["text"] == "" and transcript["trusted"] is False and transcript["reason"]
    assert of(events, "speech_unavailable") == [{"type": "speech_unavailable", "language": "hi",
                                                  "reason": transcript["reason"], "turn": 1}]
    reply = of(events, "reply")[0]
    assert reply["text"] == render("speech_unavailable", "hi") and reply["speech_unavailable"] is True
    assert reply["language"] == "hi" and audio  # spoken, in Hindi
    assert not of(events, "intent") and not of(events, "tool_call") and not of(events, "error")
    conv = await sync_to_async(Conversation.objects.get)(pk=session["session_id"])
    assert await sync_to_async(conv.messages.count)() == 0
    asr = await sync_to_async(ModelCall.objects.get)(conversation=conv, stage="asr")
    assert asr.error.startswith("untrusted transcript (")
    # The conversation goes on in Hindi, typed.
    await comm.send_json_to({"type": "text", "text": "मेरा ऑर्डर कहाँ है?"})
    events, _ = await collect_turn(comm)
    assert of(events, "reply")[0]["language"] == "hi"
    await comm.disconnect()


async def test_typed_turn_streams_text_and_audio():
    comm, _ = await connect()
    await comm.send_json_to({"type": "text", "text": "Do you have kurtas under 2000?"})
    events, audio = await collect_turn(comm)
    assert of(events, "tool_call")[0]["name"] == "search_products"
    assert of(events, "reply_delta") and of(events, "audio_start")
    assert audio
    await comm.disconnect()


async def test_a_long_answer_is_said_short_and_shown_in_full():
    comm, _ = await connect()
    await comm.send_json_to({"type": "text", "text": "What is your shipping policy?"})
    events, audio = await collect_turn(comm)
    reply = of(events, "reply")[0]
    assert "cash on delivery" in reply["text"]  # the screen gets the detail
    assert reply["spoken"].endswith("Shall I read the full policy?") and "cash on delivery" not in reply["spoken"]
    assert "cash on delivery" in "".join(e["text"] for e in of(events, "reply_delta"))
    assert 0 < len(audio) / 2 / settings.TTS_SAMPLE_RATE < 8
    await comm.disconnect()


async def test_barge_in_stops_the_reply_and_keeps_what_was_heard(utterance_pcm):
    comm, session = await connect("language=en&mode=vad")
    await comm.send_json_to({"type": "text", "text": "What is your return policy?"})
    # Wait for the first audio, then talk over it.
    while True:
        out = await comm.receive_output(timeout=30)
        if out.get("bytes"):
            break
    # Half a second into the reply: the words before the barge-in is certain must not be lost.
    interruption = silence(0.5) + await sync_to_async(utterance_pcm)(INTERRUPTION)
    barge = None
    for i in range(0, len(interruption), FRAME * 2):
        await comm.send_to(bytes_data=interruption[i:i + FRAME * 2])
        await asyncio.sleep(0.02)
        while barge is None and not comm.output_queue.empty():
            out = await comm.receive_output()
            if out.get("text") and json.loads(out["text"])["type"] == "barge_in":
                barge = json.loads(out["text"])
    assert barge is not None, "speaking over the assistant must interrupt it"
    assert barge["heard"]
    await stream(comm, silence(1.0), paced=True)
    # The new utterance is handled as the next turn.
    for _ in range(3):
        events, _ = await collect_turn(comm)
        if of(events, "transcript"):
            break
    assert of(events, "transcript")[0]["text"].lower().startswith("i would like to speak to a human")
    assert of(events, "tool_call")[0]["name"] == "handoff_to_human"
    await asyncio.sleep(0.5)
    first_reply = await sync_to_async(
        lambda: Message.objects.filter(conversation_id=session["session_id"], role="assistant").order_by("id").first())()
    assert first_reply.interrupted
    assert first_reply.text == barge["heard"]
    await comm.disconnect()


INTERRUPTION = "I would like to speak to a human agent."


def test_a_barge_in_keeps_the_words_before_it_was_certain(utterance_pcm, settings):
    """Said over the assistant, this sentence dips under the barge-in threshold between "I would
    like" and "to speak"; the barge-in is confirmed on "to speak", but the utterance sent to ASR
    starts where the speech did."""
    settings.ASR_PROVIDERS = ["local"]
    pcm = silence(0.5) + utterance_pcm(INTERRUPTION)
    audio_in = AudioInput(sample_rate=RATE, detector=TurnDetector())
    barge_at = None
    for i in range(0, len(pcm), FRAME * 2):
        for kind, _ in audio_in.feed(pcm[i:i + FRAME * 2], guarded=True):
            if kind == "barge_in":
                barge_at = i / 2 / RATE
    assert barge_at is not None and barge_at > 0.9  # confirmed well after the speech began (at ~0.55 s)
    heard = providers().asr.transcribe(audio_in.utterance(), language="en").text.lower()
    assert heard.startswith("i would like to speak to a human")


async def talk_over_the_reply(comm, pcm: bytes) -> list[dict]:
    """Ask for the shipping policy (a long spoken reply), say `pcm` once its audio has started, then
    keep the microphone open for a second; the events until the server has been quiet for 1.5 s."""
    await comm.send_json_to({"type": "text", "text": "What is your shipping policy?"})
    events = []
    while True:
        out = await comm.receive_output(timeout=30)
        if out.get("bytes"):
            break
        events.append(json.loads(out["text"]))
    await stream(comm, silence(0.3) + pcm + silence(1.0), paced=True)
    while not await comm.receive_nothing(timeout=1.5):
        out = await comm.receive_output()
        if out.get("text"):
            events.append(json.loads(out["text"]))
    return events


@pytest.mark.parametrize("said", ["Okay.", "Mm-hmm.", "Yeah.", "Haan ji."])
async def test_a_backchannel_while_the_assistant_speaks_is_not_a_barge_in(utterance_pcm, said):
    comm, _ = await connect("language=en&mode=vad")
    events = await talk_over_the_reply(comm, await sync_to_async(utterance_pcm)(said))
    assert not of(events, "barge_in"), events
    assert len(of(events, "backchannel")) == 1  # heard, judged, let go
    assert [e["turn"] for e in of(events, "transcript")] == []  # no turn of its own
    assert [e["turn"] for e in of(events, "end")] == [1]  # the answer went on to its end
    await comm.disconnect()


async def test_stop_while_the_assistant_speaks_interrupts_it(utterance_pcm):
    comm, _ = await connect("language=en&mode=vad")
    events = await talk_over_the_reply(comm, await sync_to_async(utterance_pcm)("Stop."))
    assert of(events, "barge_in") and not of(events, "backchannel")
    assert of(events, "transcript")[0]["text"].lower().startswith("stop")
    assert of(events, "end")[-1]["turn"] == 2  # answered as the shopper's turn
    await comm.disconnect()


async def test_interrupt_message_stops_playback():
    comm, _ = await connect()
    await comm.send_json_to({"type": "text", "text": "What is your shipping policy?"})
    while True:
        out = await comm.receive_output(timeout=30)
        if out.get("bytes"):
            break
    await comm.send_json_to({"type": "interrupt"})
    events = []
    while True:
        out = await comm.receive_output(timeout=30)
        if out.get("text"):
            events.append(json.loads(out["text"]))
            if events[-1]["type"] == "barge_in":
                break
    assert events[-1]["reason"] == "client"
    await comm.disconnect()


async def test_reconnect_resumes_the_conversation():
    comm, session = await connect()
    await comm.send_json_to({"type": "text", "text": "Where is my order?"})
    await collect_turn(comm)
    await comm.disconnect()
    again, resumed = await connect(f"language=en&mode=ptt&session_id={session['session_id']}&token={session['token']}")
    assert resumed["resumed"] is True and resumed["session_id"] == session["session_id"]
    assert resumed["turns"] == 1
    # The slot the assistant asked for survives the drop: a bare number is read as the order number.
    await again.send_json_to({"type": "text", "text": "1042"})
    events, _ = await collect_turn(again)
    assert "phone" in of(events, "reply")[0]["text"].lower()
    await again.disconnect()
    comm3 = WebsocketCommunicator(application, f"/api/voice/stream?session_id={session['session_id']}&token=wrong")
    await comm3.connect(timeout=30)
    assert (await comm3.receive_json_from(timeout=30))["code"] == "session_not_found"


async def test_another_process_can_speak_through_the_group():
    """The conversation is a channel-layer group: a staff takeover elsewhere speaks through it."""
    comm, session = await connect()
    layer = get_channel_layer()
    await layer.group_send(conversation_group(session["session_id"]),
                           {"type": "conversation.say", "text": "Hello, this is Asha from the support team.", "language": "en"})
    events, audio = await collect_turn(comm)
    assert of(events, "staff_message")[0]["text"].startswith("Hello, this is Asha")
    assert audio
    await comm.disconnect()


async def test_push_to_talk_again_while_the_assistant_works_takes_over_in_order(utterance_pcm):
    comm, _ = await connect()
    # The greeting is said in full (~9 s): still playing when the new words arrive, even under load.
    await comm.send_json_to({"type": "text", "text": "Hello"})
    pcm = await sync_to_async(utterance_pcm)("I want to talk to a human please.")
    await stream(comm, pcm, paced=False)
    await comm.send_json_to({"type": "end"})
    events = []
    while True:
        out = await comm.receive_output(timeout=60)
        if out.get("text"):
            events.append(json.loads(out["text"]))
            if events[-1]["type"] == "end" and of(events, "transcript"):
                break
    # The first turn was stopped, then exactly one answer to the new words, in order.
    assert of(events, "barge_in")
    assert [e["turn"] for e in of(events, "transcript")] == [2]
    assert of(events, "tool_call")[-1]["name"] == "handoff_to_human"
    assert [e["turn"] for e in of(events, "end")] == [2]
    await comm.disconnect()
