"""`Processor` and `Pipeline` on their own: frames go down the list in order, and every task a stage
starts belongs to the pipeline (an interruption cancels the turn's, close all of them)."""

import asyncio
from dataclasses import dataclass

import pytest

from support.voice.frames import End, Frame, Interruption
from support.voice.processor import Pipeline, Processor, Session
from support.voice.processors.outputs import CollectingOutput


@dataclass
class Word(Frame):
    text: str


class Upper(Processor):
    async def process(self, frame):
        await self.push(Word(frame.text.upper()) if isinstance(frame, Word) else frame)


class Exclaim(Processor):
    async def process(self, frame):
        await self.push(Word(frame.text + "!") if isinstance(frame, Word) else frame)


class Speaker(Processor):
    """Speaks until told to stop; says what was heard when interrupted."""

    def __init__(self):
        self.playing = False

    def speaking(self, now):
        return self.playing

    def interrupted(self, frame):
        frame.heard, self.playing = "half a sentence", False


def session():
    return Session(session_id="s", language="en")


def test_frames_go_down_the_list_in_order_and_unknown_ones_pass_unchanged():
    out = CollectingOutput()
    pipeline = Pipeline([Upper(), Exclaim(), out], session=session())
    asyncio.run(pipeline.queue(Word("hi")))
    asyncio.run(pipeline.queue(End(turn=3)))
    assert out.frames == [Word("HI!"), End(turn=3)]
    with pytest.raises(ValueError):
        Pipeline([], session=session())


async def forever():
    await asyncio.sleep(3600)


async def test_an_interruption_cancels_the_turns_tasks_and_goes_down_the_pipeline():
    speaker, out = Speaker(), CollectingOutput()
    pipeline = Pipeline([speaker, out], session=session())
    session_task = pipeline.spawn(forever(), scope="session")
    turn_task = pipeline.start_turn(forever(), eos=0.0)
    helper = pipeline.spawn(forever(), scope="turn")
    speaker.playing = True
    assert pipeline.busy and pipeline.turn.number == 1
    await pipeline.interrupt("speech")
    await asyncio.sleep(0)
    await asyncio.sleep(0)  # done callbacks run one loop turn after the task ends
    assert turn_task.cancelled() and helper.cancelled() and not session_task.done()
    assert not pipeline.busy and not speaker.playing
    [frame] = out.of(Interruption)
    assert (frame.reason, frame.heard, frame.turn_cancelled) == ("speech", "half a sentence", True)
    assert pipeline.turn.interrupted_text == "half a sentence"
    assert pipeline.tasks() == [session_task]
    await pipeline.close()
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert session_task.cancelled() and pipeline.tasks() == []


async def test_nothing_to_interrupt_when_the_assistant_is_quiet():
    out = CollectingOutput()
    pipeline = Pipeline([Speaker(), out], session=session())
    await pipeline.interrupt("client")
    assert out.frames == []


async def test_close_cancels_every_task_but_the_records_of_what_happened():
    pipeline = Pipeline([CollectingOutput()], session=session())
    written = []

    async def record():
        await asyncio.sleep(0.01)
        written.append("turn stored")

    tasks = [pipeline.spawn(forever(), scope="session"), pipeline.start_turn(forever(), eos=0.0)]
    pipeline.spawn(record(), scope="record")
    await pipeline.close()
    await pipeline.drain()
    assert all(t.cancelled() for t in tasks) and written == ["turn stored"]
    assert pipeline.tasks() == [] and not pipeline.busy


async def test_a_failed_task_is_logged_and_forgotten(caplog):
    pipeline = Pipeline([CollectingOutput()], session=session())

    async def fail():
        raise RuntimeError("boom")

    pipeline.spawn(fail())
    await pipeline.drain()
    assert "voice pipeline task failed" in caplog.text and pipeline.tasks() == []


def test_configure_reaches_every_stage():
    seen = []

    class Listener(Processor):
        def configured(self, session):
            seen.append((session.sample_rate, session.language, session.mode))

    pipeline = Pipeline([Listener(), Listener()], session=session())
    pipeline.configure(sample_rate=48000, language="hi")
    assert seen == [(48000, "hi", "vad")] * 2
    assert pipeline.session.reply_language() == "hi"
    pipeline.configure(language="auto")
    assert pipeline.session.reply_language() == "en"
