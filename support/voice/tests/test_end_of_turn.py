"""The adaptive end of turn (support/voice/processors/end_of_turn.py) in the WebSocket list, with real
Piper speech paced in real time, tiny.en and Smart Turn: how much silence each utterance is given."""

import asyncio

import numpy as np
import pytest
from asgiref.sync import sync_to_async

from support.tests.speech_helpers import steady_speech
from support.voice import services
from support.voice.frames import AudioIn, End, SpeechPaused, SpeechStopped, Transcript
from support.voice.pipeline import websocket_processors
from support.voice.processor import Pipeline, Session
from support.voice.processors.end_of_turn import EndOfTurn
from support.voice.processors.outputs import CollectingOutput

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

RATE = 16000
FRAME_BYTES = 640  # 20 ms of PCM16


@pytest.fixture(autouse=True)
def _patient_cap(settings):
    # The cap ends a turn whatever was decided; a loaded test machine can take over a second for the
    # speculative transcript, so the cap here leaves room for the decision under test.
    settings.VOICE_EOT_MAX_MS = 3000


def voiced(text: str) -> bytes:
    """Speech with the synthesiser's own trailing silence cut off: the test says how much follows."""
    samples = np.frombuffer(steady_speech(text, RATE), "<i2")
    return samples[:int(np.flatnonzero(np.abs(samples) > 500)[-1]) + 1].tobytes()


async def _ignore(_):
    return None


async def open_pipeline():
    session = await sync_to_async(services.session_open)(session_id=None, token="", api_key=None, user=None,
                                                         language="en")
    tap = CollectingOutput()
    processors = websocket_processors(send_json=_ignore, send_bytes=_ignore, sample_rate=RATE)
    pipeline = Pipeline([*processors, tap], session=Session(session_id=session["session_id"], language="en", mode="vad",
                                                            sample_rate=RATE))
    [end_of_turn] = [p for p in processors if isinstance(p, EndOfTurn)]
    return pipeline, end_of_turn, tap


def silence(seconds: float) -> bytes:
    return b"\x00\x00" * int(RATE * seconds)


async def speak(pipeline, pcm: bytes) -> None:
    """Real time: the end-of-turn decision is a wait on the clock from the last voiced frame."""
    for i in range(0, len(pcm), FRAME_BYTES):
        await pipeline.queue(AudioIn(pcm=pcm[i:i + FRAME_BYTES]))
        await asyncio.sleep(0.02)


async def turn_done(pipeline, tap):
    for _ in range(600):
        if tap.of(End):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the turn never ended")


async def test_a_complete_request_ends_after_a_short_silence(settings):
    pipeline, end_of_turn, tap = await open_pipeline()
    pcm = await sync_to_async(steady_speech)("Where is my order?", RATE)
    await speak(pipeline, silence(0.3) + pcm + silence(1.3))
    await turn_done(pipeline, tap)
    endpoint = end_of_turn.last_endpoint
    assert endpoint is not None and endpoint.words.state == "complete"
    assert endpoint.silence_ms == settings.VOICE_EOT_COMPLETE_MS < settings.VOICE_EOT_SILENCE_MS
    assert len(tap.of(SpeechStopped)) == 1 and "order" in tap.of(Transcript)[0].text.lower()
    await pipeline.close()


async def test_an_opener_then_a_pause_longer_than_the_old_fixed_wait_stays_one_turn(settings):
    """"Hi," then 0.6 s of silence: a fixed 400 ms ended the turn there; the words say it is unfinished."""
    pipeline, end_of_turn, tap = await open_pipeline()
    opener = await sync_to_async(steady_speech)("Hi,", RATE)
    rest = await sync_to_async(steady_speech)("I want to know where my order is.", RATE)
    await speak(pipeline, silence(0.3) + opener + silence(0.6) + rest + silence(1.3))
    await turn_done(pipeline, tap)
    [transcript] = tap.of(Transcript)
    text = transcript.text.lower()
    assert "hi" in text and "where my order is" in text
    assert len(tap.of(SpeechStopped)) == 1
    assert end_of_turn.last_endpoint.silence_ms < settings.VOICE_EOT_MAX_MS  # the finished sentence ended it
    await pipeline.close()


async def test_the_fixed_silence_still_works_when_adaptive_is_off(settings):
    settings.VOICE_EOT_ADAPTIVE = False
    pipeline, end_of_turn, tap = await open_pipeline()
    pcm = await sync_to_async(steady_speech)("Where is my order?", RATE)
    await speak(pipeline, silence(0.3) + pcm + silence(1.0))
    await turn_done(pipeline, tap)
    assert end_of_turn.last_endpoint is None  # never consulted
    assert "order" in tap.of(Transcript)[0].text.lower()
    await pipeline.close()


@pytest.mark.parametrize("expecting_number,state", [(True, "complete"), (False, "unknown")])
async def test_a_bare_number_is_a_complete_answer_only_when_one_was_asked_for(settings, expecting_number, state):
    settings.VOICE_SMART_TURN = False  # the words alone
    pipeline, end_of_turn, tap = await open_pipeline()
    pipeline.session.expecting_number = expecting_number
    pcm = await sync_to_async(steady_speech)("3 1 2 3", RATE)
    await speak(pipeline, silence(0.3) + pcm + silence(1.3))
    await turn_done(pipeline, tap)
    endpoint = end_of_turn.last_endpoint
    assert endpoint is not None and endpoint.words.state == state
    if expecting_number:
        assert endpoint.silence_ms == settings.VOICE_EOT_COMPLETE_MS
    else:
        assert endpoint.silence_ms > settings.VOICE_EOT_COMPLETE_MS
    await pipeline.close()


async def test_a_server_that_reads_its_socket_late_does_not_end_the_turn_in_the_gap(settings):
    """"Thank you," + a pause just long enough to start the decision (VOICE_SPECULATIVE_MS) but shorter
    than any wait it can ask for, with the server not reading for 1.5 s after it (a loaded event
    loop): the silence is counted in the audio received, not on the clock, so the words that were
    waiting in the socket keep it one turn."""
    pipeline, end_of_turn, tap = await open_pipeline()
    opener = await sync_to_async(voiced)("Thank you,")
    rest = await sync_to_async(steady_speech)("that was helpful.", RATE)
    await speak(pipeline, silence(0.3) + opener + silence(0.19))
    await asyncio.sleep(1.5)  # nothing read: on the clock, longer than any wait the words could ask for
    assert end_of_turn.last_endpoint is not None  # the decision was made (and is waiting for audio)
    assert not tap.of(SpeechStopped)
    for i in range(0, len(rest), FRAME_BYTES):  # the backlog, read in one go
        await pipeline.queue(AudioIn(pcm=rest[i:i + FRAME_BYTES]))
    await speak(pipeline, silence(1.3))
    await turn_done(pipeline, tap)
    assert len(tap.of(SpeechStopped)) == 1
    text = tap.of(Transcript)[0].text.lower()
    assert "thank" in text and "helpful" in text
    await pipeline.close()
