"""ASR with the bundled models on real clips, and the Groq provider against a fake server."""

import asyncio
import socket

import groq
import numpy as np
import pytest
from django.core.exceptions import ImproperlyConfigured

from support.speech import audio, models
from support.speech.asr import (
    INITIAL_PROMPTS,
    ASRChain,
    ASRUnavailable,
    FasterWhisperASR,
    GroqWhisperASR,
    collapse_repeats,
    build_asr,
    judge,
    script_share,
)
from support.speech.asr import local as local_module
from support.speech.evaluation import clips, word_errors
from support.speech.records import MODEL_CALL_ERRORS
from support.tests.fake_speech_servers import FakeGroq, closed_port
from support.tests.speech_helpers import sample_samples
from support.voice.factory import providers

BASIC_EN = ["en_jfk.flac", "en_fw_stereo_left.flac", "en_fw_stereo_right.flac", "en_sb_lj050_0131.flac"]


def load(name: str) -> np.ndarray:
    return sample_samples(name.removesuffix(".flac"))


@pytest.fixture(scope="module")
def local():
    return FasterWhisperASR()


# -- the local engine, real models --------------------------------------------------------------


@pytest.mark.slow
def test_english_clips_match_their_transcripts(local):
    edits = words = 0
    for clip in clips("en"):
        result = local.transcribe(load(clip.file), language="en")
        assert (result.language, result.provider, result.model) == ("en", "local", "bundled:tiny.en")
        assert 0 < result.confidence <= 1
        e, n = word_errors(clip.transcript, result.text)
        edits, words = edits + e, words + n
        if clip.file in BASIC_EN:
            assert e / n < 0.2, (clip.file, result.text)
    assert edits / words < 0.2


@pytest.mark.slow
def test_hindi_clip_is_identified_as_hindi_by_the_multilingual_model(local):
    result = local.transcribe(load("hi_cv_001"), language="auto")
    assert result.language == "hi"
    assert result.model == "bundled:base"
    assert result.text  # base writes Hindi poorly, but it hears words


@pytest.mark.slow
def test_a_hindi_session_is_heard_in_devanagari_and_judged(local, settings):
    settings.WHISPER_MODELS_BY_LANGUAGE = {}
    result = local.transcribe(load("hi_cv_001"), language="hi")
    assert result.language == "hi" and script_share(result.text, "hi") > 0.9  # the native-script prompt at work
    assert result.avg_logprob is not None and result.compression_ratio is not None and not result.hit_limit
    calls = []
    chained = ASRChain([local]).transcribe(load("hi_cv_001"), language="hi", on_call=calls.append)
    # The bundled base model writes Hindi too poorly to act on (bench/bench_indic_voice.py).
    assert not chained.trusted and chained.distrust in ("low_confidence", "repetitive", "script_mismatch", "runaway")
    assert calls[0].ok and calls[0].error == f"untrusted transcript ({chained.distrust})"


@pytest.mark.slow
def test_decoding_stops_at_its_token_budget(local, monkeypatch):
    monkeypatch.setattr(local_module, "TOKENS_PER_S", {"english": 8, "multilingual": 1})
    result = local.transcribe(load("hi_cv_001"), language="hi")  # 7.9 s: a budget of 19 tokens
    assert result.hit_limit and judge(result, language="hi").distrust == "runaway"


@pytest.mark.slow
def test_auto_sessions_carry_how_sure_the_language_was(local):
    english = local.transcribe(load("en_fw_stereo_right"), language="auto")
    assert english.language == "en" and english.language_probability > 0.8
    assert local.transcribe(load("en_fw_stereo_right"), language="en").language_probability is None  # not asked


@pytest.mark.slow
def test_a_language_with_its_own_model_is_routed_to_it_also_from_auto_sessions(settings):
    base = models.resolve_whisper("bundled:base", "WHISPER_MULTILINGUAL_MODEL")[0]
    settings.WHISPER_MODELS_BY_LANGUAGE = {"hi": base}
    engine = FasterWhisperASR()
    assert engine.route("hi") == ("WHISPER_MODELS_BY_LANGUAGE[hi]", base)
    assert engine.route("bn") == ("WHISPER_MULTILINGUAL_MODEL", "bundled:base")
    assert engine.route("en") == ("WHISPER_MODEL", "bundled:tiny.en")
    result = engine.transcribe(load("hi_cv_001"), language="auto")  # identified as Hindi, then heard by its model
    assert (result.language, result.model) == ("hi", base)
    assert script_share(result.text, "hi") > 0.9  # decoded as a Hindi session: forced language and prompt


@pytest.mark.slow
def test_explicit_language_is_kept(local):
    result = local.transcribe(load("bn_cv_30704510"), language="bn")
    assert result.language == "bn"
    assert result.text


@pytest.mark.slow
@pytest.mark.parametrize("language", ["en", "auto"])
def test_silence_and_noise_give_empty_text_not_an_error(local, language):
    silence = np.zeros(3 * 16000, dtype=np.float32)
    noise = (np.random.default_rng(7).standard_normal(3 * 16000) * 0.02).astype(np.float32)
    for samples in (silence, noise, np.zeros(100, dtype=np.float32)):
        result = local.transcribe(samples, language=language)
        assert result.text == "" and result.is_empty
        assert result.confidence is None


@pytest.mark.slow
def test_utterances_longer_than_the_trimmed_limit_use_the_full_transcribe(local):
    names = ["en_jfk", "en_sb_lj050_0131", "en_fw_stereo_left", "en_fw_stereo_right", "en_stt_ldc93s1", "en_sr_one_two_three"]
    gap = np.zeros(8000, np.float32)
    long = np.concatenate([part for name in names for part in (load(name), gap)])  # ~36 s
    result = local.transcribe(long, language="en")
    assert result.duration_s > 28
    text = result.text.lower()
    for phrase in ("fellow americans", "formal review", "confused complaint", "horizon", "greasy wash water"):
        assert phrase in text


@pytest.mark.slow
def test_trimmed_and_padded_paths_agree_on_a_clip(local):
    samples = load("en_fw_stereo_left")
    trimmed = local.transcribe(samples, language="en", trimmed=True)
    padded = local.transcribe(samples, language="en", trimmed=False)
    assert word_errors(padded.text, trimmed.text)[0] <= 1


@pytest.mark.slow
async def test_transcribe_async_runs_off_the_event_loop(local):
    samples = load("en_fw_stereo_right")
    local.transcribe(samples, language="en")  # model loaded before measuring
    ticks = 0

    async def ticker():
        nonlocal ticks
        while True:
            await asyncio.sleep(0.005)
            ticks += 1

    task = asyncio.create_task(ticker())
    result = await local.transcribe_async(samples, language="en")
    task.cancel()
    assert "horizon" in result.text.lower()
    assert ticks > 0  # the loop kept running while Whisper worked


def test_repeated_phrases_are_collapsed_but_digits_survive():
    assert collapse_repeats("Please try again. Please try again. Please try again.") == "Please try again."
    assert collapse_repeats("मैं ठीक हूँ गगगगगगगगगगग") == "मैं ठीक हूँ ग"
    assert collapse_repeats("nine nine nine eight") == "nine nine nine eight"
    assert collapse_repeats("it costs 100000 rupees") == "it costs 100000 rupees"
    # Running on into the padding: a sentence said twice and a restart of it.
    assert collapse_repeats("What is your return policy? What is your return policy. What is") == "What is your return policy?"
    assert collapse_repeats("Yes. Yes.") == "Yes. Yes."  # short answers may really be repeated
    # tiny.en on a short "Hi" followed by silence: one word as sentence after sentence.
    assert collapse_repeats("Hi. Hi. Hi. Hi, hi.") == "Hi."
    assert collapse_repeats("1. 1. 1.") == "1. 1. 1."  # digits are never a loop of this kind
    assert collapse_repeats("bye bye bye") == "bye bye bye"
    assert collapse_repeats("Where is my order? It was due today.") == "Where is my order? It was due today."


# -- model settings -----------------------------------------------------------------------------


def test_unknown_bundled_name_names_the_setting():
    with pytest.raises(ImproperlyConfigured, match="WHISPER_MODEL"):
        models.resolve_whisper("bundled:large", "WHISPER_MODEL")


def test_missing_folder_names_the_setting(tmp_path):
    with pytest.raises(ImproperlyConfigured, match="WHISPER_MULTILINGUAL_MODEL"):
        models.resolve_whisper(str(tmp_path / "nope"), "WHISPER_MULTILINGUAL_MODEL")
    with pytest.raises(ImproperlyConfigured, match="no model.bin"):
        models.resolve_whisper(str(tmp_path), "WHISPER_MODEL")


def test_a_model_folder_path_is_accepted():
    path, is_hub = models.resolve_whisper(str(models.tiny_en_dir()), "WHISPER_MODEL")
    assert (path, is_hub) == (str(models.tiny_en_dir()), False)


def test_hub_name_offline_fails_with_the_setting_name_and_no_network(settings, monkeypatch, tmp_path):
    settings.WHISPER_MODEL = "Systran/faster-whisper-small-offline-test"
    settings.MODEL_CACHE_DIR = tmp_path
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    attempts = []

    def no_network(self, address):
        attempts.append(address)
        raise OSError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    with pytest.raises(ImproperlyConfigured) as info:
        models.whisper_model("WHISPER_MODEL")
    assert "WHISPER_MODEL" in str(info.value) and "network" in str(info.value)
    assert attempts == []


# -- Groq against a fake server ----------------------------------------------------------------

SAMPLES = (np.sin(np.arange(16000) / 4) * 0.1).astype(np.float32)


def test_groq_speaks_the_wire_format():
    with FakeGroq(text="where is my order", language="english", validate=True) as fake:
        result = GroqWhisperASR(api_key="gsk_test", base_url=fake.base_url, timeout=2).transcribe(SAMPLES, language="en")
    assert (result.text, result.language, result.provider) == ("where is my order", "en", "groq")
    assert result.confidence == pytest.approx(np.exp(-0.2), abs=1e-3)
    assert (result.avg_logprob, result.compression_ratio) == (pytest.approx(-0.2), pytest.approx(1.1))
    request = fake.requests[0]
    assert request["path"] == "/openai/v1/audio/transcriptions"
    assert request["authorization"] == "Bearer gsk_test"
    fields = request["fields"]
    assert (fields["model"], fields["language"], fields["response_format"]) == ("whisper-large-v3-turbo", "en", "verbose_json")
    assert "prompt" not in fields  # English needs no nudge towards its script
    assert fields["file"]["head"] == b"RIFF"


@pytest.mark.parametrize("language", ["hi", "bn", "mr"])
def test_groq_hears_indic_sessions_with_the_indic_model_language_and_a_native_script_prompt(settings, language):
    settings.GROQ_ASR_MODEL_INDIC = "whisper-large-v3"
    with FakeGroq(text="मेरा ऑर्डर कहाँ है", language="hindi", validate=True) as fake:
        result = GroqWhisperASR(api_key="k", base_url=fake.base_url, timeout=2).transcribe(SAMPLES, language=language)
    fields = fake.requests[0]["fields"]
    assert (fields["model"], fields["language"]) == ("whisper-large-v3", language)
    assert fields["prompt"] == INITIAL_PROMPTS[language]
    assert script_share(fields["prompt"], language) == 1.0  # in the language's own script
    assert result.model == "whisper-large-v3"


def test_groq_auto_sessions_send_no_language_and_no_prompt():
    with FakeGroq(language="hindi", validate=True) as fake:
        result = GroqWhisperASR(api_key="k", base_url=fake.base_url, timeout=2).transcribe(SAMPLES, language="auto")
    assert "language" not in fake.requests[0]["fields"] and "prompt" not in fake.requests[0]["fields"]
    assert result.language == "hi" and result.model == "whisper-large-v3-turbo"


def test_the_fake_groq_refuses_what_groq_refuses(settings):
    settings.GROQ_ASR_MODEL = "whisper-large-v2"
    with FakeGroq(validate=True) as fake:
        with pytest.raises(groq.NotFoundError, match="model_not_found|does not exist"):
            GroqWhisperASR(api_key="k", base_url=fake.base_url, timeout=2).transcribe(SAMPLES, language="en")
        settings.GROQ_ASR_MODEL = "whisper-large-v3-turbo"
        with pytest.raises(groq.BadRequestError, match="xx"):
            GroqWhisperASR(api_key="k", base_url=fake.base_url, timeout=2).transcribe(SAMPLES, language="xx")


def test_groq_refused_port_raises_a_connection_error():
    engine = GroqWhisperASR(api_key="k", base_url=f"http://127.0.0.1:{closed_port()}", timeout=1)
    with pytest.raises(groq.APIConnectionError):
        engine.transcribe(SAMPLES)


@pytest.mark.parametrize("mode,error", [("error", groq.InternalServerError), ("hang", groq.APITimeoutError)])
def test_groq_failures_raise_after_one_bounded_attempt(mode, error):
    with FakeGroq(mode, hang_s=5) as fake:
        with pytest.raises(error):
            GroqWhisperASR(api_key="k", base_url=fake.base_url, timeout=0.5).transcribe(SAMPLES)
    assert len(fake.requests) == 1  # no retries


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["error", "hang", "refused"])
def test_chain_falls_back_to_local_and_records_the_failure(settings, mode):
    settings.GROQ_API_KEY = "gsk_test"
    settings.GROQ_ASR_TIMEOUT = 0.5
    settings.ASR_PROVIDERS = ["groq", "local"]
    calls = []
    before = MODEL_CALL_ERRORS.value(stage="asr", provider="groq")
    samples = load("en_fw_stereo_right")
    if mode == "refused":
        settings.GROQ_BASE_URL = f"http://127.0.0.1:{closed_port()}"
        result = providers().asr.transcribe(samples, language="en", on_call=calls.append)
    else:
        with FakeGroq(mode, hang_s=5) as fake:
            settings.GROQ_BASE_URL = fake.base_url
            result = providers().asr.transcribe(samples, language="en", on_call=calls.append)
    assert "horizon" in result.text.lower() and result.provider == "local"
    assert [(c.provider, c.ok) for c in calls] == [("groq", False), ("local", True)]
    assert calls[0].error and calls[0].stage == "asr" and calls[0].model == "whisper-large-v3-turbo"
    assert calls[1].output_size == len(result.text) and calls[1].input_size == len(samples) * 2
    assert MODEL_CALL_ERRORS.value(stage="asr", provider="groq") == before + 1


async def test_chain_with_every_provider_down_raises_asr_unavailable():
    engine = GroqWhisperASR(api_key="k", base_url=f"http://127.0.0.1:{closed_port()}", timeout=1)
    calls = []
    with pytest.raises(ASRUnavailable) as info:
        await ASRChain([engine]).transcribe_async(SAMPLES, on_call=calls.append)
    assert (info.value.code, info.value.status_code) == ("asr_unavailable", 503)
    assert [c.ok for c in calls] == [False]


def test_groq_answers_first_when_it_works(settings):
    settings.GROQ_API_KEY = "gsk_test"
    settings.ASR_PROVIDERS = ["groq", "local"]
    calls = []
    with FakeGroq(text="hello") as fake:
        settings.GROQ_BASE_URL = fake.base_url
        chain = providers().asr
        assert [e.name for e in chain.engines] == ["groq", "local"]
        result = chain.transcribe(SAMPLES, language="auto", on_call=calls.append)
    assert result.text == "hello" and [(c.provider, c.ok) for c in calls] == [("groq", True)]


def test_unknown_provider_is_refused(settings):
    settings.ASR_PROVIDERS = ["whisper.cpp"]
    with pytest.raises(ValueError, match="ASR_PROVIDERS"):
        build_asr()
