"""TextToSpeech on its own with a real voice (espeak-ng): clauses synthesised only a little ahead of
playback, nothing more synthesised once the shopper cuts in, and a filler when the reply is slow."""

import asyncio
import time

import pytest

from support.voice.frames import AudioOut, AudioStarted, Clause, Filler, Frame, ReplyDone, ReplyStarted
from support.voice.processor import Pipeline, Processor, Session
from support.voice.processors.outputs import protocol_event
from support.voice.processors.text_to_speech import FILLERS, TextToSpeech

RATE = 22050
CLAUSES = [
    "Your order ORD-1042 left our warehouse on Monday morning,",
    "it is with the courier in Pune today,",
    "and it should reach you by Thursday evening.",
    "You can track it from the link in your email at any time.",
]


@pytest.fixture(autouse=True)
def voice(settings):
    settings.TTS_PROVIDERS_EN = ["espeak"]
    settings.TTS_SAMPLE_RATE = RATE
    settings.TTS_CACHE_MAX_BYTES = 0
    settings.VOICE_FILLER_MS = 0


class Stamped(Processor):
    """Keeps each frame with the moment it arrived."""

    def __init__(self):
        self.frames: list[tuple[float, Frame]] = []

    async def process(self, frame):
        self.frames.append((time.perf_counter(), frame))
        await self.push(frame)

    def of(self, kind):
        return [(t, f) for t, f in self.frames if isinstance(f, kind)]


def pipeline():
    tts, out = TextToSpeech(), Stamped()
    return Pipeline([tts, out], session=Session(session_id="s", language="en")), tts, out


async def reply(p: Pipeline, clauses=CLAUSES, *, think_s: float = 0.0):
    """What the brain's stage sends down: a reply in clauses, all at once."""
    await asyncio.sleep(think_s)
    await p.queue(ReplyStarted(language="en"))
    for text in clauses:
        await p.queue(Clause(text=text, language="en"))
    await p.queue(ReplyDone(text=" ".join(clauses), language="en"))


def seconds(pcm: bytes) -> float:
    return len(pcm) / 2 / RATE


async def speak_reply(settings, ahead_s: float) -> Stamped:
    """The whole of CLAUSES spoken with VOICE_TTS_AHEAD_S = `ahead_s`; every clause was sent."""
    settings.VOICE_TTS_AHEAD_S = ahead_s
    p, tts, out = pipeline()
    await p.start_turn(reply(p), eos=time.perf_counter())
    assert len(out.of(AudioOut)) == len(CLAUSES)
    return out


async def test_each_clause_is_synthesised_when_less_than_the_lookahead_is_left_to_play(settings):
    out = await speak_reply(settings, 0.5)
    sent = out.of(AudioOut)
    first_at = sent[0][0]
    played = 0.0
    for at, frame in sent:
        # Never earlier than the moment the audio before it has less than 0.5 s left to play.
        assert at >= first_at + played - 0.5 - 0.02
        played += seconds(frame.pcm)
    assert played > 4.0  # the clauses are long enough for pacing to show
    done_at, done = out.of(ReplyDone)[0]
    assert done_at >= first_at + played - seconds(sent[-1][1].pcm) - 0.5 - 0.02
    assert done.reply_pcm == b"".join(f.pcm for _, f in sent)


async def test_with_no_lookahead_the_whole_reply_is_synthesised_at_once(settings):
    sent = (await speak_reply(settings, 0)).of(AudioOut)
    # All of it sent well before the first clause has finished playing.
    assert sent[-1][0] - sent[0][0] < seconds(sent[0][1].pcm)


async def test_a_barge_in_stops_the_synthesis_of_what_was_not_yet_needed(settings):
    settings.VOICE_TTS_AHEAD_S = 0.5
    p, tts, out = pipeline()
    p.start_turn(reply(p), eos=time.perf_counter())
    while not out.of(AudioOut):
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.2)
    await p.interrupt("speech")
    await asyncio.sleep(1.0)
    assert len(out.of(AudioOut)) == 1
    assert [c["provider"] for c in p.turn.speech_calls] == ["espeak"]  # one clause synthesised, no more
    assert not p.tasks("turn")


async def test_a_slow_reply_is_preceded_by_a_filler_that_is_not_part_of_the_reply(settings):
    settings.VOICE_FILLER_MS = 100
    settings.VOICE_TTS_AHEAD_S = 0
    p, tts, out = pipeline()
    eos = time.perf_counter()
    await p.start_turn(reply(p, CLAUSES[:1], think_s=0.5), eos=eos)
    kinds = [type(f).__name__ for _, f in out.frames]
    assert kinds == ["Filler", "AudioStarted", "AudioOut", "ReplyStarted", "AudioOut", "ReplyDone"]
    (filler_at, filler), (_, filler_audio), (reply_at, reply_audio) = out.of(Filler)[0], *out.of(AudioOut)
    assert filler.text == FILLERS["en"] == "One moment."
    assert filler.audio_bytes == len(filler_audio.pcm) > 0
    assert 0.1 <= filler_at - eos < 0.5
    done = out.of(ReplyDone)[0][1]
    assert done.reply_pcm == reply_audio.pcm  # the stored reply has no filler in it
    assert p.turn.first_audio == pytest.approx(reply_at, abs=0.05)  # metrics time the reply, not the filler
    # The playback clock counts the filler: the reply's first clause starts after it.
    assert tts.spoken[0][0] == pytest.approx(seconds(filler_audio.pcm))
    assert protocol_event(filler) == {"type": "filler", "text": "One moment.", "audio_bytes": len(filler_audio.pcm)}


async def test_a_prompt_reply_gets_no_filler(settings):
    settings.VOICE_FILLER_MS = 800
    p, tts, out = pipeline()
    await p.start_turn(reply(p, CLAUSES[:1]), eos=time.perf_counter())
    await asyncio.sleep(1.0)
    assert not out.of(Filler)
    assert len(out.of(AudioStarted)) == 1


async def test_a_filler_is_said_in_the_sessions_language(settings):
    settings.VOICE_FILLER_MS = 50
    settings.TTS_PROVIDERS_HI = ["espeak"]
    tts, out = TextToSpeech(), Stamped()
    p = Pipeline([tts, out], session=Session(session_id="s", language="hi"))
    await p.start_turn(asyncio.sleep(0.4), eos=time.perf_counter())
    assert [f.text for _, f in out.of(Filler)] == [FILLERS["hi"]]
