"""The frames that travel down a voice pipeline (support/voice/pipeline.py), one dataclass per kind.

From the shopper: AudioIn, UserEnd (the client's `end`), TextIn, StaffSay; Resume (a resumed
conversation's turn that was cut off, answered at once).
Audio stages: SpeechStarted, SpeechPaused, SpeechResumed, Silence (the VAD's end of turn, still to
be decided), SpeechStopped, Utterance (the audio handed to speech recognition), Interjection.
Words: Transcript (judged: its Hearing says whether anything may act on it), Backchannel.
The reply: ReplyStarted, BrainEvent (the brain's typed events), ReplyLanguage, ReplyReset,
ReplyText, Clause, Filler, AudioStarted, AudioOut, ReplyDone, Metrics, End.
Control: Interruption (a barge-in, a typed message or a staff takeover cuts the reply), Error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from support.assistant.brain import Intent, Spoken, TextDelta
from support.speech.asr.trust import Hearing


class Frame:
    """Base of every frame (a marker: processors dispatch on the concrete type)."""


# -- in --------------------------------------------------------------------------------------------


@dataclass
class AudioIn(Frame):
    pcm: bytes  # PCM16 mono at the session's sample rate


@dataclass
class UserEnd(Frame):
    """The client's `end`: close the utterance still open, if there is one."""


@dataclass
class TextIn(Frame):
    text: str
    language: str | None = None


@dataclass
class Resume(Frame):
    """A turn a lost connection or a dead process cut off before its answer had been spoken to the
    end (support.conversations.services.resume.pending_turn_get, whose fields these are): `notice`
    is said first, then `reply` again ("repeat") or the brain's answer to `text` ("again")."""

    answer: str  # repeat | again
    message_id: int  # the shopper's stored message
    text: str
    language: str
    reply_id: int | None  # the stored reply ("repeat")
    reply: str
    notice: str  # "Sorry, we were cut off."
    status: str  # the conversation's


@dataclass
class StaffSay(Frame):
    """A staff member's typed reply, spoken to the shopper as its own turn."""

    text: str
    language: str


# -- audio -----------------------------------------------------------------------------------------


@dataclass
class SpeechStarted(Frame):
    at: float


@dataclass
class SpeechPaused(Frame):
    """A pause long enough to start transcribing what was said so far (speculatively)."""

    audio: np.ndarray


@dataclass
class SpeechResumed(Frame):
    pass


@dataclass
class Silence(Frame):
    """The VAD heard enough silence to end the turn; end_of_turn decides whether the sentence is done."""

    eos: float  # when the last voiced frame arrived


@dataclass
class SpeechStopped(Frame):
    """The end of the shopper's turn (sent to the client as vad speech_end)."""

    eos: float


@dataclass
class Utterance(Frame):
    audio: np.ndarray  # 16 kHz float samples, with the pre-roll
    heard_speech: bool  # worth transcribing (else nothing was said: the turn re-prompts)
    reuse: bool = False  # the speculative transcript covers it (no speech since)


@dataclass
class Interjection(Frame):
    """Speech over the assistant too short to barge in: judged by its words."""

    audio: np.ndarray
    at: float


# -- words -----------------------------------------------------------------------------------------


@dataclass
class Transcript(Frame):
    text: str  # what may be acted on: empty unless trusted
    language: str  # the language it was heard in, or the session's
    confidence: float | None
    hearing: Hearing  # act, ask again, or say speech in this language is unavailable
    audio: np.ndarray | None = None  # the utterance (stored beside the user's message)
    asr: Any = None  # the ASR's own transcript (support.speech.asr.Transcript), None when nothing was heard


@dataclass
class Backchannel(Frame):
    text: str


@dataclass
class SpeechUnavailable(Frame):
    language: str
    reason: str


# -- the reply ---------------------------------------------------------------------------------------


@dataclass
class ReplyStarted(Frame):
    language: str | None  # None: the brain says (ReplyLanguage) or the session's


@dataclass
class BrainEvent(Frame):
    """One event of the brain, typed (support.assistant.brain)."""

    event: TextDelta | Spoken | Intent


@dataclass
class ToolUsed(Frame):
    """The brain called a tool (what the client is told of it)."""

    name: str
    arguments: dict[str, Any]
    ok: bool
    code: str = ""


@dataclass
class ReplyLanguage(Frame):
    language: str


@dataclass
class ReplyReset(Frame):
    """What was said so far is void: the next brain (fallback) or an apology (error) follows."""

    reason: str
    from_brain: str | None = None


@dataclass
class ReplyText(Frame):
    """Reply text for the screen (not from the brain: a re-prompt)."""

    text: str


@dataclass
class Clause(Frame):
    text: str
    language: str
    part_of_reply: bool = True  # False: a line said before the reply (a Resume's notice), never "heard" of it


@dataclass
class Filler(Frame):
    """A short line ("One moment.") played because the reply is slow to come; its audio (the next
    AudioOut, `audio_bytes` long) is not part of the reply."""

    text: str
    audio_bytes: int


@dataclass
class AudioStarted(Frame):
    sample_rate: int


@dataclass
class AudioOut(Frame):
    pcm: bytes  # PCM16 mono at settings.TTS_SAMPLE_RATE


@dataclass
class ReplyDone(Frame):
    text: str
    language: str
    result: dict[str, Any] | None = None  # the stored turn (services.turn_run); None for a re-prompt
    spoken: str | None = None
    reprompt: str | None = None  # the reply key of a re-prompt: "reprompt" or "speech_unavailable"
    user_pcm: bytes | None = None  # the shopper's utterance (PCM16, 16 kHz), stored with the turn
    reply_pcm: bytes = b""
    reply_rate: int = 0
    tts_ms: float | None = None  # the whole reply's synthesis (a reply spoken in one piece)
    resumed: bool = False  # the answer to a Resume


@dataclass
class Metrics(Frame):
    values: dict[str, Any] = field(default_factory=dict)


@dataclass
class End(Frame):
    turn: int


@dataclass
class StaffMessage(Frame):
    text: str


# -- control -----------------------------------------------------------------------------------------


@dataclass
class Interruption(Frame):
    """The reply is cut: `reason` speech | text | client | staff. `heard` is the part of the reply
    the shopper heard (filled by the stage that plays it); `turn_cancelled` says whether the turn
    was still working (then what was heard is stored when the brain's thread finishes)."""

    reason: str
    at: float
    heard: str = ""
    turn_cancelled: bool = False


@dataclass
class Error(Frame):
    code: str
    detail: str
