"""When has the shopper finished? How much silence to wait before ending a voice turn.

A fixed silence is wrong both ways: 400 ms makes "Where is my order?" wait for nothing, and cuts
"Hi, ... I want to know where my order is." at the comma. Two things tell a finished sentence from
a breath, and this module weighs them:

- the words of the speculative transcript (`judge_words`): a question mark, a verb that ends a
  Hindi/Bengali/Marathi sentence, a yes or no, a complete number after the assistant asked for one
  finish a turn; a trailing comma or conjunction, an opener on its own ("Hi", "नमस्ते", "আচ্ছা"),
  a possessive or postposition waiting for its noun, digits still being read out in groups
  ("my number is 98765") do not;
- the voice itself (`SmartTurn`): Smart Turn v3.2, an 8.7 MB ONNX audio model (BSD-2, Daily,
  trained on 23 languages including Hindi, Bengali and Marathi) that hears intonation and
  rhythm, and answers the probability that the speaker has finished.

`end_of_turn(...)` turns both into the silence to wait (`Endpoint.silence_ms`, counted from the
last voiced frame); `decide(...)` is the same rule for callers that already have the Smart Turn
probability. Pure: no Django, no database, no pipeline. The model file ships inside the
`pipecat-ai` wheel, installed without its dependencies; pipecat's code is never imported, only
its file located. Without it the words decide alone, and one log line says how to install it.
"""

from __future__ import annotations

import importlib.metadata
import logging
import re
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from faster_whisper.feature_extractor import FeatureExtractor

from support.assistant.offline.numbers import collapse_spoken_digits, fold, normalise
from support.assistant.offline.yesno import confirmation

log = logging.getLogger(__name__)

COMPLETE, UNFINISHED, UNKNOWN = "complete", "unfinished", "unknown"


# ---------------------------------------------------------------------------
# The words


def _words(block: str) -> frozenset[str]:
    return frozenset(fold(w) for w in block.split())


# Words a sentence cannot end on: conjunctions, articles, possessives. A pause after them is a breath.
JOINERS: dict[str, frozenset[str]] = {
    "en": _words("""
        and or but because the a an my your our his her their its this these those than if when while although though
        unless whether
    """),
    "hi": _words("""
        और या लेकिन मगर क्योंकि कि इसलिए अगर जब ताकि मेरा मेरी मेरे हमारा हमारी हमारे आपका आपकी आपके तुम्हारा तुम्हारी
        जो जिस जिसका
        aur ya lekin magar kyunki kyonki kyuki ki isliye agar jab mera meri mere hamara humara aapka aapki aapke jo
    """),
    "bn": _words("আর এবং ও বা কিংবা কিন্তু কারণ যে তাই তাহলে যদি যখন আমার আমাদের আপনার আপনাদের তোমার যা যেটা"),
    "mr": _words("""
        आणि व किंवा पण परंतु कारण म्हणून की जर जेव्हा माझा माझी माझे माझ्या आमचा आमची तुमचा तुमची तुमचे तुमच्या जो जी जे
    """),
}
# Prepositions and postpositions, auxiliaries and modals waiting for their verb: they do not end a
# statement, but may end a question ("Who do I talk to?", "किसके लिए?").
OPEN_BEFORE_VERB: dict[str, frozenset[str]] = {
    "en": _words("""
        to of with for from in on at by about into like as so also plus want need would will can could should must shall
        am i we it's
    """),
    "hi": _words("""
        तो पर का की के को से में ने तक लिए वाला वाली वाले एक
        to toh par ka ke ko se mein me ne tak liye wala wali wale ek
    """),
    "bn": _words("কে থেকে দিয়ে জন্য জন্যে সঙ্গে সাথে মধ্যে কাছে একটা একটি তার"),
    "mr": _words("तर चा ची चे च्या ला ना ने मध्ये साठी कडे पासून एक"),
}
# Said on their own, these open a request rather than make one ("Hi." then the request).
OPENERS: dict[str, frozenset[str]] = {
    "en": _words("hi hello hey hiya okay ok so um uh umm uhh hmm er erm well listen actually right alright"),
    "hi": _words("""
        नमस्ते नमस्कार हेलो हैलो हाय अच्छा सुनिए सुनो अरे तो
        namaste namaskar hello hi hey accha acha achha suniye suno arey arre
    """),
    "bn": _words("নমস্কার নমস্তে হ্যালো হাই আচ্ছা শুনুন শোনো এই তো তাহলে"),
    "mr": _words("नमस्कार नमस्ते हॅलो हेलो हाय बरं बर अहो ऐका ऐकाना तर"),
}
# A thank-you on its own is as often the start of more ("Thank you, that was helpful.", "Thanks, and
# one more thing") as a goodbye, and Piper and shoppers pause ~0.3 s after its comma; waiting for the
# rest costs a goodbye a second at most. (The voice bench split "Thank you, that was helpful." there.)
THANKS: dict[str, frozenset[str]] = {
    "en": frozenset({"thank you", "thanks", "thank you so much", "thank you very much", "thanks a lot"}),
}
# Last words that close a sentence in the verb-final languages: the verb, a question word, a thank-you.
FINAL: dict[str, frozenset[str]] = {
    "en": _words("thanks"),
    "hi": _words("""
        है हैं था थी थे हूं हो होगा होगी होंगे चाहिए चाहिये दीजिए दीजिये दो दें दे करो करें कीजिए कीजिये
        बताइए बताइये बताओ बताएं सकता सकती सकते गया गई गए आया आई आए मिलेगा मिलेगी जाएगा जाएगी आएगा आएगी
        कहां कब क्या कितना कितने क्यों धन्यवाद शुक्रिया नहीं
        hai hain tha thi hoon hun ho hoga hogi chahiye dijiye dijie do karo karein kijiye batao bataiye
        sakta sakti sakte gaya gayi aaya aayi aayega milega jayega kahan kab kya kitna kyun dhanyavaad dhanyawad
        shukriya nahi nahin
    """),
    "bn": _words("""
        আছে আছেন হবে হয় হয়েছে হয়নি চাই চাইছি চাইছিলাম করুন করবেন করো দিন দাও বলুন বলবেন পারি পারব পারেন
        যাবে যায় লাগবে লাগে ছিল ছিলাম আসেনি পাইনি কোথায় কবে কী কি কেন কত ধন্যবাদ না
    """),
    "mr": _words("""
        आहे आहेत होता होती होते हवा हवी हवे हवंय पाहिजे करा द्या सांगा सांगाल कराल मिळेल येईल जाईल चालेल
        नाही नको कुठे कधी काय किती कसे का धन्यवाद
    """),
}
# "my number is", "the last four digits are": the number is still to come.
_NUMBER_TO_COME = re.compile(r"(?:number|phone|mobile|digits|id|code|pin|otp)\s+(?:is|are|was)$|(?:it's|that's)$")
# Genitive suffixes (Bengali "ফোনের", Marathi "फोनचे"): the noun they belong to is still to come.
GENITIVE_SUFFIXES = {"bn": (fold("ের"),), "mr": tuple(fold(s) for s in ("चा", "ची", "चे", "च्या"))}
# Words before a number that is being read out (a price is not: "under 15000").
NUMBER_WORDS = _words("""
    number no phone mobile contact digits otp pin order
    नंबर नम्बर फोन फ़ोन मोबाइल मोबाईल अंक ऑर्डर
    নম্বর ফোন মোবাইল সংখ্যা অর্ডার
""")
_TRAILING_OPEN = ("...", "…", ",", ";", ":", "-", "–", "—")
_CLOSING = (".", "!", "?", "।", "॥")
_TOKEN = re.compile(r"[\w\u0900-\u097f\u0980-\u09ff']+")
_DIGIT_TAIL = re.compile(r"(\d[\d\s,.\-]*)$")
# How many digits a number the shop asks for has: an order number (or the phone's last four),
# a mobile number, a mobile number with 91 in front.
COMPLETE_NUMBER_LENGTHS = (4, 10, 12)


@dataclass(frozen=True)
class Words:
    """What the transcript says about the turn: complete, unfinished or unknown, and why.
    `strong` is false for a complete sentence known only by its full stop (tiny.en ends every
    transcript with one, also at a breath: "I ordered a phone last week." before "and...")."""

    state: str
    reason: str
    strong: bool = True


def _lang(language: str) -> str:
    return language if language in JOINERS else "en"


def _digits_verdict(body: str, words: list[str], *, expecting_number: bool) -> Words | None:
    """Digits at the end: still being read out, or a whole number the assistant asked for."""
    tail = _DIGIT_TAIL.search(body)
    if not tail:
        return None
    run = tail.group(1).strip(" ,.-")
    count = sum(c.isdigit() for c in run)
    groups = len(re.findall(r"\d+", run))
    if count in COMPLETE_NUMBER_LENGTHS:
        return Words(COMPLETE, f"a number of {count} digits, as asked") if expecting_number else None
    if count > max(COMPLETE_NUMBER_LENGTHS):
        return None
    before = [w for w in words if not w.isdigit()]
    asked = expecting_number or any(w in NUMBER_WORDS for w in before[-2:])  # "my number is 98765"
    if asked or (groups > 1 and count > 4):  # a price ("under 15000") is neither
        return Words(UNFINISHED, f"{count} digits so far")
    return None


def judge_words(text: str | None, *, language: str, expecting_number: bool = False) -> Words:
    """Complete, unfinished or unknown, from the words alone. `text` is a transcript the caller
    trusts (None or "" when there is none: an untrusted transcript says nothing)."""
    raw = (text or "").strip()
    if not raw:
        return Words(UNKNOWN, "no transcript")
    lang = _lang(language)
    if raw.endswith(_TRAILING_OPEN):
        return Words(UNFINISHED, "trailing punctuation")
    body = collapse_spoken_digits(normalise(raw)).rstrip("".join(_CLOSING) + " ")
    words = _TOKEN.findall(body)
    if not words:
        return Words(UNKNOWN, "no words")
    number = _digits_verdict(body, words, expecting_number=expecting_number)
    if number is not None:
        return number
    last, question = words[-1], raw.endswith("?")
    if all(w in OPENERS[lang] for w in words):
        return Words(UNFINISHED, "an opener on its own")
    if not question and " ".join(w for w in words if w not in OPENERS[lang]) in THANKS.get(lang, ()):
        return Words(UNFINISHED, "a thank-you on its own")
    if len(words) > 1 and (last in JOINERS[lang] or (not question and last in OPEN_BEFORE_VERB[lang])):
        return Words(UNFINISHED, f"ends on {last!r}")
    suffix = next((x for x in GENITIVE_SUFFIXES.get(lang, ()) if last.endswith(x) and len(last) > len(x) + 1), None)
    if suffix and not question and last not in FINAL[lang]:
        return Words(UNFINISHED, f"ends on a genitive ({last!r})")
    if lang == "en" and _NUMBER_TO_COME.search(body):
        return Words(UNFINISHED, "a number to come")
    if question:
        return Words(COMPLETE, "a question")
    if last in FINAL[lang]:
        return Words(COMPLETE, f"ends on {last!r}")
    if len(words) <= 3 and confirmation(body):
        return Words(COMPLETE, "a yes or a no")
    if raw.endswith(_CLOSING):
        # tiny.en ends every transcript with a full stop, also at a breath; a danda is a Hindi
        # recogniser's own judgement that the sentence ended.
        return Words(COMPLETE, "a full stop", strong=raw.endswith(("।", "!")))
    return Words(UNKNOWN, "no sign either way")


# ---------------------------------------------------------------------------
# The voice: Smart Turn v3.2

PIPECAT_DISTRIBUTION = "pipecat-ai"
SMART_TURN_FILE = "pipecat/audio/turn/smart_turn/data/smart-turn-v3.2-cpu.onnx"
INSTALL_HINT = "pip install --no-deps pipecat-ai==1.14.0"
SAMPLE_RATE = 16000
WINDOW_S = 8  # the model hears the last 8 s (zero-padded at the start)
N_FFT, HOP, N_MELS = 400, 160, 80
_HANN = np.hanning(N_FFT + 1)[:-1]  # periodic, as torch.hann_window
_MEL_FILTERS = FeatureExtractor.get_mel_filters(SAMPLE_RATE, N_FFT, n_mels=N_MELS)  # float64, Slaney


def smart_turn_path(distribution: str | None = None) -> Path | None:
    """The model file inside the installed pipecat-ai wheel, or None. Found through the package
    metadata: importlib.resources would import `pipecat`, whose __init__ needs loguru and the rest
    of pipecat's dependencies, which are deliberately not installed."""
    try:
        dist = importlib.metadata.distribution(distribution or PIPECAT_DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return None
    path = Path(dist.locate_file(SMART_TURN_FILE))
    return path if path.is_file() else None


class SmartTurn:
    """Smart Turn v3.2 on onnxruntime: 16 kHz float audio of the utterance so far in, the
    probability that the speaker has finished out.

    Its input is what pipecat's LocalSmartTurnAnalyzerV3 gives it: the last 8 s (zero-padded at
    the start), normalised to zero mean and unit variance, as Whisper's 80-bin log-mel features.
    They are computed with faster-whisper's own STFT and mel filterbank in float64, which gives
    features bit for bit equal to pipecat's numpy code (support/tests/test_speech_endpointing.py
    compares them on real clips). faster-whisper's `FeatureExtractor()(...)` works in float32 and
    differs by up to ~1e-5, enough to move the quantised model's probability by ~0.002."""

    def __init__(self, path: Path | str, *, threads: int = 1):
        import onnxruntime  # heavy (~0.14 s): loaded when the Smart Turn model is, not at Django's start

        opts = onnxruntime.SessionOptions()
        opts.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
        opts.inter_op_num_threads = 1
        opts.intra_op_num_threads = threads
        opts.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.log_severity_level = 3
        self.path = Path(path)
        self.session = onnxruntime.InferenceSession(str(path), sess_options=opts, providers=["CPUExecutionProvider"])

    @staticmethod
    def window(audio: np.ndarray) -> np.ndarray:
        """The last 8 s, zero-padded at the start."""
        n = WINDOW_S * SAMPLE_RATE
        audio = np.asarray(audio, dtype=np.float32).reshape(-1)
        if len(audio) >= n:
            return audio[-n:]
        return np.concatenate([np.zeros(n - len(audio), np.float32), audio])

    @staticmethod
    def features(audio: np.ndarray) -> np.ndarray:
        """(80, 800) float32 log-mel features of `window(audio)`."""
        x = SmartTurn.window(audio)
        x = (x - x.mean()) / np.sqrt(x.var() + 1e-7)  # in float32, as pipecat does
        power = np.abs(FeatureExtractor.stft(x.astype(np.float64), N_FFT, HOP, window=_HANN, return_complex=True)) ** 2
        log_mel = np.log10(np.maximum(1e-10, _MEL_FILTERS @ power))[:, :-1]  # 801 frames -> 800
        log_mel = np.maximum(log_mel, log_mel.max() - 8.0)
        return ((log_mel + 4.0) / 4.0).astype(np.float32)

    def probability(self, audio: np.ndarray) -> float:
        """The probability (0..1) that the utterance in `audio` is complete. ~15 ms of features and
        ~50 ms of inference on one core here; call it off the event loop."""
        (out,) = self.session.run(None, {"input_features": self.features(audio)[None]})
        return float(np.asarray(out).reshape(-1)[0])


_model: SmartTurn | None = None
_model_checked = False
_model_lock = threading.Lock()


def load_smart_turn(path: Path | str | None = None) -> SmartTurn | None:
    """A Smart Turn model from `path` (default: the pipecat-ai wheel's), or None with one log line
    when the file is not there."""
    path = Path(path) if path is not None else smart_turn_path()
    if path is None or not path.is_file():
        log.warning(
            "Smart Turn model not found (%s): the end of a voice turn is judged by the transcript alone. "
            "Install it with: %s", path or f"{PIPECAT_DISTRIBUTION} is not installed", INSTALL_HINT,
        )
        return None
    return SmartTurn(path)


def smart_turn() -> SmartTurn | None:
    """The process's Smart Turn model, loaded on first use (None, logged once, when missing)."""
    global _model, _model_checked
    with _model_lock:
        if not _model_checked:
            _model, _model_checked = load_smart_turn(), True
        return _model


# ---------------------------------------------------------------------------
# The decision


@dataclass(frozen=True)
class EndpointConfig:
    """Silences in ms, counted from the last voiced frame."""

    complete_ms: int = 200  # the words say finished (and the voice does not disagree), or both do
    full_stop_ms: int = 400  # only a full stop says finished, and there is no voice model
    unknown_ms: int = 400  # nothing to go on: no trusted transcript and no voice model
    voice_complete_ms: int = 300  # the words cannot tell, the voice says finished
    unsure_ms: int = 600  # the words say finished, the voice does not
    weak_unsure_ms: int = 1000  # only a full stop says finished, the voice does not
    unfinished_ms: int = 1000  # the words say unfinished, or the voice does and the words cannot tell
    smart_turn_threshold: float = 0.5  # the model's own cut between complete and incomplete


DEFAULT_CONFIG = EndpointConfig()


@dataclass(frozen=True)
class Endpoint:
    silence_ms: int  # end the turn once this much silence has followed the last voiced frame
    reason: str
    words: Words
    smart_turn: float | None = None  # the model's probability that the turn is complete


def decide(words: Words, smart_turn_probability: float | None = None, *,
           config: EndpointConfig = DEFAULT_CONFIG) -> Endpoint:
    """The silence to wait, from what the words say and (when there is one) what the voice says."""
    p = smart_turn_probability
    c = config
    if words.state == UNFINISHED:
        return Endpoint(c.unfinished_ms, f"words: {words.reason}", words, p)
    if p is None:
        if words.state == COMPLETE:
            return Endpoint(c.complete_ms if words.strong else c.full_stop_ms, f"words: {words.reason}", words)
        return Endpoint(c.unknown_ms, f"words: {words.reason}", words)
    voice_done = p >= c.smart_turn_threshold
    if words.state == COMPLETE:
        if voice_done:
            return Endpoint(c.complete_ms, f"words: {words.reason}; voice: complete ({p:.2f})", words, p)
        return Endpoint(c.unsure_ms if words.strong else c.weak_unsure_ms,
                        f"words: {words.reason}; voice: unfinished ({p:.2f})", words, p)
    if voice_done:
        return Endpoint(c.voice_complete_ms, f"voice: complete ({p:.2f})", words, p)
    return Endpoint(c.unfinished_ms, f"voice: unfinished ({p:.2f})", words, p)


def end_of_turn(audio: np.ndarray | None, transcript: str | None, *, language: str, expecting_number: bool = False,
                model: SmartTurn | None = None, config: EndpointConfig = DEFAULT_CONFIG) -> Endpoint:
    """How much silence after the last voiced frame ends this turn.

    `audio`: the utterance so far, 16 kHz float32 (from a little before the speech to now);
    `transcript`: the speculative transcript of it, only if trusted (None otherwise);
    `language`: en/hi/bn/mr (anything else is judged as English); `expecting_number`: the
    assistant's last question asked for a number (an order number, a phone number or its last
    four digits); `model`: Smart Turn (`smart_turn()`), or None to judge by the words alone.
    Blocking when a model is given (~65 ms CPU)."""
    words = judge_words(transcript, language=language, expecting_number=expecting_number)
    probability = None
    if model is not None and audio is not None and len(audio) and words.state != UNFINISHED:
        probability = model.probability(audio)
    return decide(words, probability, config=config)
