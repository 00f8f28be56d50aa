"""The first prototype's WebSocket client, exactly: connect (no query parameters, so hands-free),
read `session`, send binary PCM (paced in real time, or all at once), send `{"type": "end"}`, and
expect reply audio and `{"type": "end"}`. `end` closes the utterance still open, if any, and is a
no-op otherwise: one answer per utterance in every mode and pacing."""

import asyncio
import json

import pytest
from channels.testing import WebsocketCommunicator

from support.tests.speech_helpers import steady_speech
from voxsite.asgi import application

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

RATE = 16000
FRAME = 320  # 20 ms
QUESTION = "What is your return policy?"


@pytest.fixture(autouse=True)
def shop_data(db):
    from catalog.tests.factories import PolicyFactory

    PolicyFactory(kind="returns", text="You can return most items within 7 days of delivery.")


@pytest.fixture(scope="module")
def question_pcm():
    return steady_speech(QUESTION, RATE)


def silence(seconds: float) -> bytes:
    return b"\x00\x00" * int(RATE * seconds)


async def send_audio(comm, pcm: bytes, *, paced: bool):
    for i in range(0, len(pcm), FRAME * 2):
        await comm.send_to(bytes_data=pcm[i:i + FRAME * 2])
        if paced:
            await asyncio.sleep(0.02)


async def everything_until_quiet(comm, *, quiet=2.5):
    """Every event and audio byte until the server has said nothing for `quiet` seconds after an
    `end` (or after a `pong`, for the tests that expect no turn at all)."""
    events, audio = [], 0
    while True:
        if any(e["type"] in ("end", "pong") for e in events) and await comm.receive_nothing(timeout=quiet):
            return events, audio
        out = await comm.receive_output(timeout=60)
        if out["type"] == "websocket.close":
            raise AssertionError(f"closed: {out}")
        if out.get("bytes") is not None:
            audio += len(out["bytes"])
        else:
            events.append(json.loads(out["text"]))


def of(events, kind):
    return [e for e in events if e["type"] == kind]


def assert_one_real_answer(events, audio):
    assert len(of(events, "transcript")) == 1, of(events, "transcript")
    assert "return policy" in of(events, "transcript")[0]["text"].lower()
    replies = of(events, "reply")
    assert len(replies) == 1 and not replies[0].get("reprompt"), replies
    assert "7 days" in replies[0]["text"]
    assert not of(events, "barge_in")
    assert len(of(events, "end")) == 1
    assert audio > RATE  # reply audio came back
    assert not of(events, "error")


@pytest.mark.parametrize("paced", [True, False], ids=["real-time", "all-at-once"])
@pytest.mark.parametrize("trailing_silence", [1.0, 0.1], ids=["vad-closed-first", "end-closes"])
async def test_prototype_client_in_the_default_mode_gets_one_answer(question_pcm, paced, trailing_silence):
    """With 1 s of trailing silence the server's VAD ends the turn before `end` arrives (the bug: a
    second, empty turn cancelled the answer); with 0.1 s it is `end` that closes the utterance."""
    comm = WebsocketCommunicator(application, "/api/voice/stream")
    connected, _ = await comm.connect(timeout=30)
    assert connected
    session = await comm.receive_json_from(timeout=30)
    assert session["type"] == "session" and session["mode"] == "vad"
    await send_audio(comm, silence(0.3) + question_pcm + silence(trailing_silence), paced=paced)
    await comm.send_json_to({"type": "end"})
    events, audio = await everything_until_quiet(comm)
    assert_one_real_answer(events, audio)
    await comm.disconnect()


@pytest.mark.parametrize("paced", [True, False], ids=["real-time", "all-at-once"])
async def test_prototype_client_in_push_to_talk_gets_one_answer(question_pcm, paced):
    comm = WebsocketCommunicator(application, "/api/voice/stream?mode=ptt")
    connected, _ = await comm.connect(timeout=30)
    assert connected
    assert (await comm.receive_json_from(timeout=30))["mode"] == "ptt"
    await send_audio(comm, silence(0.3) + question_pcm + silence(1.0), paced=paced)
    await comm.send_json_to({"type": "end"})
    events, audio = await everything_until_quiet(comm)
    assert_one_real_answer(events, audio)
    await comm.disconnect()


@pytest.mark.parametrize("query", ["", "?mode=ptt"], ids=["hands-free", "push-to-talk"])
async def test_end_with_nothing_open_starts_no_turn(query):
    comm = WebsocketCommunicator(application, f"/api/voice/stream{query}")
    assert (await comm.connect(timeout=30))[0]
    await comm.receive_json_from(timeout=30)
    await comm.send_json_to({"type": "end"})  # no audio at all
    if not query:  # hands-free: silence the VAD heard no speech in is not an utterance either
        await send_audio(comm, silence(0.5), paced=False)
        await comm.send_json_to({"type": "end"})
    await comm.send_json_to({"type": "ping", "t": 1})
    events, _ = await everything_until_quiet(comm)
    assert [e["type"] for e in events] == ["pong"]
    await comm.disconnect()


async def test_a_second_end_does_not_cancel_the_answer(question_pcm):
    comm = WebsocketCommunicator(application, "/api/voice/stream?mode=ptt")
    assert (await comm.connect(timeout=30))[0]
    await comm.receive_json_from(timeout=30)
    await send_audio(comm, silence(0.3) + question_pcm + silence(0.3), paced=False)
    await comm.send_json_to({"type": "end"})
    await comm.send_json_to({"type": "end"})
    events, audio = await everything_until_quiet(comm)
    assert_one_real_answer(events, audio)
    await comm.disconnect()
