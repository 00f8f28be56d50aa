"""Whether a transcript may be acted on, and what a voice turn does when it may not.

Whisper always writes *something*. On Hindi, Bengali and Marathi the bundled base model mostly
writes the wrong words, often in the wrong script, with a confident air; the offline brain then
"understood" a request nobody made (bench/bench_indic_voice.py measured 92-100% of real Indic
clips answered with a wrong action). So every transcript is judged before anyone acts on it:

- empty: nothing was heard (the usual "say that again");
- unsupported_language / language_unsure (when the recogniser had to identify the language): it
  identified a language the shop does not speak, or was unsure (base.MIN_LANGUAGE_PROBABILITY);
- runaway: decoding stopped at its token budget, i.e. the decoder was looping;
- repetitive: the text compresses too well (Whisper's own loop signal, ratio > 2.4);
- script_mismatch: too few letters in a script the shop reads for that language: the language's
  own, plus Latin (romanised Hindi, which the brain understands) from a recogniser that handles
  the language; the bundled model's romanised "Hindi" is noise;
- low_confidence: the decoder's mean token log-probability is too low: below -1.0 ("very low",
  Whisper's own fallback threshold), or -0.5 for Indic speech from a recogniser that does not
  handle the language (on 40 real clips, nothing it wrote above -0.5 was both in Devanagari and
  loop-free, and what it wrote below was wrong more often than not).

`hearing()` is the one decision every voice path makes (the WebSocket pipeline, REST voice turns
and batch jobs): act on the words, ask again, or say plainly that speech in this language is not
available here and invite the shopper to type or to speak English.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from django.conf import settings

from .base import INDIC, MIN_LANGUAGE_PROBABILITY, SUPPORTED, Transcript

# Unicode blocks of each language's script.
LATIN = (0x0041, 0x024F)
SCRIPTS = {"hi": (0x0900, 0x097F), "mr": (0x0900, 0x097F), "bn": (0x0980, 0x09FF), "en": LATIN}
MIN_SCRIPT_SHARE = 0.6  # brand names and order codes in Latin letters are fine in Indic speech
MAX_COMPRESSION_RATIO = 2.4  # Whisper's own threshold for a looping segment
MIN_AVG_LOGPROB = -1.0
MIN_AVG_LOGPROB_UNSUPPORTED = -0.5  # Indic speech from a recogniser that does not handle it


def script_share(text: str, language: str, *, latin_too: bool = False) -> float | None:
    """Share of the letters in `text` (vowel signs included) that are in `language`'s script
    (or Latin, with `latin_too`); None when there are no letters (digits only) or the language is
    unknown."""
    block = SCRIPTS.get(language)
    if block is None:
        return None
    blocks = [block, LATIN] if latin_too else [block]
    letters = [c for c in text if unicodedata.category(c)[0] in "LM"]
    if not letters:
        return None
    inside = sum(any(lo <= ord(c) <= hi for lo, hi in blocks) for c in letters)
    return inside / len(letters)


def distrust(transcript: Transcript, *, language: str) -> str:
    """Why `transcript` must not be acted on ("" when it may). `language` is the session's
    (auto: the language the recogniser heard)."""
    if transcript.is_empty:
        return "empty"
    if transcript.language_probability is not None:  # the recogniser had to identify the language
        if transcript.language not in SUPPORTED:
            return "unsupported_language"
        if transcript.language_probability < MIN_LANGUAGE_PROBABILITY:
            return "language_unsure"
    if transcript.hit_limit:
        return "runaway"
    if transcript.compression_ratio is not None and transcript.compression_ratio > MAX_COMPRESSION_RATIO:
        return "repetitive"
    expected = identified(transcript) or (language if language in SUPPORTED else transcript.language)
    capable = recognises(transcript, expected)
    share = script_share(transcript.text, expected, latin_too=capable)
    if share is not None and share < MIN_SCRIPT_SHARE:
        return "script_mismatch"
    floor = MIN_AVG_LOGPROB if capable else MIN_AVG_LOGPROB_UNSUPPORTED
    if transcript.avg_logprob is not None and transcript.avg_logprob < floor:
        return "low_confidence"
    return ""


def judge(transcript: Transcript, *, language: str) -> Transcript:
    """Mark `transcript` trusted or not (in place), with the reason."""
    reason = distrust(transcript, language=language)
    transcript.trusted, transcript.distrust = not reason, reason
    return transcript


@dataclass(frozen=True)
class Hearing:
    """What a voice turn does with what it heard."""

    action: str  # "turn": act on `text`; "reprompt": ask again; "speech_unavailable": say so, offer typing
    text: str  # the words to act on ("" unless action == "turn")
    language: str  # the language to answer in
    reason: str = ""  # why the transcript was not used (see distrust)

    @property
    def reply_key(self) -> str:
        """The support.assistant.offline.replies template that answers a turn that does not run."""
        return "speech_unavailable" if self.action == "speech_unavailable" else "reprompt"

    def event_fields(self) -> dict:
        """Extra fields of the WebSocket `transcript` event and the REST voice answer."""
        return {} if self.action == "turn" else {"trusted": False, "reason": self.reason}


def identified(transcript: Transcript) -> str | None:
    """The shop language the recogniser identified itself (auto sessions, and English spoken in a
    Hindi, Bengali or Marathi session that cannot be heard here), else None."""
    if transcript.language_probability is not None and transcript.language in SUPPORTED:
        return transcript.language
    return None


def recognises(transcript: Transcript, language: str) -> bool:
    """Does the provider that answered actually handle `language`? Groq's large models do; the
    local engine only with a model imported for it (the bundled base model does not)."""
    if language not in INDIC:
        return True
    return transcript.provider != "local" or bool(settings.WHISPER_MODELS_BY_LANGUAGE.get(language))


def hearing(transcript: Transcript | None, *, session_language: str, default: str = "en") -> Hearing:
    """The one decision about a transcript, shared by every voice path. `transcript` None means
    nothing usable was heard (too short, or transcription failed). The answer is in the session's
    language; in an auto session, in the language heard, else `default`."""
    session = session_language if session_language in SUPPORTED else None
    heard = transcript.language if transcript is not None and transcript.language in SUPPORTED else None
    language = session or heard or (default if default in SUPPORTED else "en")
    if transcript is None:
        return Hearing("reprompt", "", language, "empty")
    if transcript.trusted and not transcript.is_empty:
        return Hearing("turn", transcript.text.strip(), identified(transcript) or language)
    reason = transcript.distrust or "empty"
    if reason != "empty" and not recognises(transcript, language):
        return Hearing("speech_unavailable", "", language, reason)
    return Hearing("reprompt", "", language, reason)
