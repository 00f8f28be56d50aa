"""TTS: Piper and espeak-ng for real, edge-tts against a fake server, fallbacks and streaming."""

import asyncio
import subprocess

import pytest

from support.speech import audio
from support.speech.asr import FasterWhisperASR
from support.speech.records import MODEL_CALL_ERRORS, TTS_FIRST_CHUNK
from support.speech.tts import (
    EdgeTTS,
    EspeakTTS,
    FestivalTTS,
    PiperTTS,
    TTSChain,
    TTSError,
    TTSUnavailable,
    build_tts,
)
from support.speech.tts.festival import WORKAROUND, speakable
from support.tests.fake_speech_servers import FakeEdgeTTS, closed_port, silent_tcp_port
from support.voice.factory import providers

RATE = 22050


@pytest.fixture(autouse=True)
def _output_rate(settings):
    settings.TTS_SAMPLE_RATE = RATE


def seconds(pcm: bytes) -> float:
    return len(pcm) / 2 / RATE


async def collect(text, language, **kwargs):
    return [chunk async for chunk in providers().tts.stream(text, language, **kwargs)]


# -- espeak-ng and Piper, real -----------------------------------------------------------------


@pytest.mark.parametrize(
    "language,text",
    [
        ("hi", "आपका ऑर्डर भेज दिया गया है।"),
        ("bn", "আপনার অর্ডার পাঠানো হয়েছে।"),
        ("mr", "तुमची ऑर्डर पाठवली आहे."),
        ("en", "Your order has been shipped."),
    ],
)
async def test_espeak_speaks_each_language(language, text):
    result = await EspeakTTS().synthesize(text, language)
    assert len(result.pcm) % 2 == 0
    assert seconds(result.pcm) > 0.5
    assert audio.pcm16_rms(result.pcm) > 0.02  # not silence


async def test_espeak_reads_text_that_looks_like_an_option():
    result = await EspeakTTS().synthesize("--help me please", "en")
    assert seconds(result.pcm) > 0.5


# -- Festival with Debian's NSK voices, real ---------------------------------------------------


@pytest.mark.parametrize("language,text", [("hi", "आपका ऑर्डर कल तक पहुँच जाएगा।"), ("mr", "तुमची ऑर्डर उद्या पोहोचेल.")])
async def test_festival_speaks_hindi_and_marathi(language, text):
    result = await FestivalTTS().synthesize(text, language)
    assert seconds(result.pcm) > 1.0 and audio.pcm16_rms(result.pcm) > 0.02
    assert result.first_byte_ms is not None


def test_without_the_intonation_workaround_the_voices_write_an_empty_file(tmp_path):
    """Why FestivalTTS passes WORKAROUND: the packaged voices leave Int_Method unset."""
    command = FestivalTTS().command("hi", str(tmp_path / "with.wav"))
    bare = [arg for arg in command if arg not in WORKAROUND]
    bare[-1] = str(tmp_path / "without.wav")
    for args in (command, bare):
        subprocess.run(args, input="नमस्ते".encode(), capture_output=True, timeout=30, check=False)
    assert (tmp_path / "with.wav").stat().st_size > 1000
    assert not (tmp_path / "without.wav").exists() or (tmp_path / "without.wav").stat().st_size == 0


async def test_festival_says_words_with_a_nukta_which_crash_it_as_packaged():
    assert speakable("ज़रूर, फ़ोन \u095b") == "जरूर, फोन ज"
    result = await FestivalTTS().synthesize("ज़रूर। कृपया अपना फ़ोन नंबर बताइए।", "hi")
    assert seconds(result.pcm) > 1.0


async def test_festival_failures_name_their_cause(settings):
    with pytest.raises(TTSError, match="apt-get install festival-hi festival-mr"):
        await FestivalTTS(binary="no-such-text2wave").synthesize("नमस्ते", "hi")
    with pytest.raises(TTSError, match="no bn voice"):
        await FestivalTTS().synthesize("নমস্কার", "bn")
    settings.FESTIVAL_TIMEOUT = 0.001
    with pytest.raises(TTSError, match="FESTIVAL_TIMEOUT"):
        await FestivalTTS().synthesize("आपका ऑर्डर कल तक पहुँच जाएगा। " * 20, "hi")


def test_hindi_and_marathi_speak_through_festival_first_then_espeak(settings):
    assert settings.TTS_PROVIDERS_HI[:2] == ["festival", "espeak"] and settings.TTS_PROVIDERS_MR[:2] == ["festival", "espeak"]
    assert settings.TTS_PROVIDERS_BN == ["espeak"]
    calls = []
    pcm = providers().tts.synthesize("आपका ऑर्डर ORD-1042 ₹1,299 का है।", "hi", on_call=calls.append)
    assert seconds(pcm) > 2.0 and [(c.provider, c.ok, c.model) for c in calls] == [
        ("festival", True, "festival:hindi_NSK_diphone")]


def test_when_festival_is_missing_espeak_speaks_and_the_failure_is_recorded():
    chain = TTSChain({"mr": [FestivalTTS(binary="no-such-text2wave"), EspeakTTS()]})
    calls = []
    pcm = chain.synthesize("तुमची ऑर्डर पाठवली आहे.", "mr", on_call=calls.append)
    assert seconds(pcm) > 0.5
    assert [(c.provider, c.ok) for c in calls] == [("festival", False), ("espeak", True)]
    assert "festival-mr" in calls[0].error


async def test_espeak_missing_binary_and_unknown_language_are_tts_errors():
    with pytest.raises(TTSError, match="not installed"):
        await EspeakTTS(binary="espeak-ng-missing").synthesize("hello", "en")
    with pytest.raises(TTSError, match="ta"):
        await EspeakTTS().synthesize("hello", "ta")


@pytest.mark.slow
async def test_piper_to_whisper_round_trip_in_english():
    calls = []
    pcm = b"".join(await collect("Your order ORD-1042 has been shipped.", "en", on_call=calls.append))
    assert [(c.provider, c.ok, c.model) for c in calls] == [("piper", True, "en_US-joe-medium")]
    samples = audio.resample_float(audio.pcm16_to_float(pcm), RATE, 16000)
    text = FasterWhisperASR().transcribe(samples, language="en").text.lower()
    assert "order" in text and "shipped" in text


@pytest.mark.slow
async def test_piper_refuses_other_languages():
    with pytest.raises(TTSError):
        await PiperTTS().synthesize("नमस्ते", "hi")


async def test_output_is_resampled_to_the_one_output_rate(settings):
    # espeak-ng is deterministic (Piper varies durations a little from run to run).
    settings.TTS_SAMPLE_RATE = 16000
    low = await EspeakTTS().synthesize("Hello there.", "en")
    settings.TTS_SAMPLE_RATE = 22050
    native = await EspeakTTS().synthesize("Hello there.", "en")
    assert len(low.pcm) / 2 / 16000 == pytest.approx(len(native.pcm) / 2 / 22050, abs=0.01)
    assert audio.pcm16_rms(low.pcm) == pytest.approx(audio.pcm16_rms(native.pcm), rel=0.05)


# -- streaming ---------------------------------------------------------------------------------


async def test_stream_yields_one_chunk_per_clause_in_order(settings):
    settings.TTS_PROVIDERS_HI = ["espeak"]
    text = "आपका ऑर्डर भेज दिया गया है। यह शुक्रवार तक पहुँच जाएगा। धन्यवाद!"
    chunks = await collect(text, "hi")
    assert len(chunks) == 3
    # Each chunk is that clause's audio: the same as synthesising the clause alone.
    alone = await EspeakTTS().synthesize("धन्यवाद!", "hi")
    assert chunks[2] == alone.pcm


async def test_numbers_are_normalised_before_speaking(settings):
    settings.TTS_PROVIDERS_EN = ["espeak"]
    spoken = b"".join(await collect("ORD-1042", "en"))
    expected = await EspeakTTS().synthesize("order one zero four two", "en")
    assert spoken == expected.pcm


async def test_closing_the_stream_early_stops_the_work(settings):
    settings.TTS_PROVIDERS_EN = ["espeak"]
    calls = []
    gen = providers().tts.stream("One sentence here. Another sentence there. And a third one.", "en", on_call=calls.append)
    first = await gen.__anext__()
    await gen.aclose()  # barge-in
    assert first
    assert [(c.provider, c.ok) for c in calls] == [("espeak", True)]
    assert calls[0].input_size < len("One sentence here. Another sentence there. And a third one.")


def test_sync_synthesize_for_rest_callers(settings):
    settings.TTS_PROVIDERS_MR = ["espeak"]
    pcm = providers().tts.synthesize("तुमची ऑर्डर पाठवली आहे. धन्यवाद!", "mr")
    assert seconds(pcm) > 1.0 and audio.pcm16_rms(pcm) > 0.02


def test_unknown_provider_is_refused(settings):
    settings.TTS_PROVIDERS_BN = ["mbrola"]
    with pytest.raises(ValueError, match="TTS_PROVIDERS_BN"):
        build_tts()


def test_a_provider_without_a_voice_for_the_language_is_refused(settings):
    settings.TTS_PROVIDERS_BN = ["festival", "espeak"]  # Debian has no Bengali NSK voice
    with pytest.raises(ValueError, match="TTS_PROVIDERS_BN: festival has no bn voice"):
        build_tts()


# -- edge-tts against a fake server -------------------------------------------------------------


async def test_edge_speaks_through_the_fake_server(settings):
    settings.TTS_PROVIDERS_HI = ["edge", "espeak"]
    calls = []
    before = TTS_FIRST_CHUNK.count(provider="edge", language="hi")
    with FakeEdgeTTS() as fake:
        settings.EDGE_TTS_URL = fake.url
        chunks = await collect("नमस्ते। आपका ऑर्डर भेज दिया गया है।", "hi", on_call=calls.append)
    assert len(chunks) == 2 and all(audio.pcm16_rms(c) > 0.05 for c in chunks)
    assert [(c.provider, c.ok, c.model) for c in calls] == [("edge", True, "hi-IN-SwaraNeural")]
    assert calls[0].first_byte_ms is not None and calls[0].output_size == sum(map(len, chunks))
    ssml = [m for m in fake.received if "Path:ssml" in m]
    assert len(ssml) == 2 and "(hi-IN, SwaraNeural)" in ssml[0] and "नमस्ते।" in ssml[0]
    assert any("Path:speech.config" in m for m in fake.received)
    assert TTS_FIRST_CHUNK.count(provider="edge", language="hi") == before + 1


@pytest.mark.parametrize("failure", ["hang", "refused", "silent_tcp"])
async def test_edge_failure_falls_back_to_espeak_within_the_bound(settings, failure):
    settings.TTS_PROVIDERS_BN = ["edge", "espeak"]
    settings.EDGE_TTS_TIMEOUT = 0.5
    calls = []
    before = MODEL_CALL_ERRORS.value(stage="tts", provider="edge")
    text = "আপনার অর্ডার পাঠানো হয়েছে। ধন্যবাদ।"
    if failure == "hang":
        with FakeEdgeTTS("hang") as fake:
            settings.EDGE_TTS_URL = fake.url
            chunks = await asyncio.wait_for(collect(text, "bn", on_call=calls.append), 10)
        assert fake.connections == 1  # the dead provider is not retried for the second clause
    elif failure == "refused":
        settings.EDGE_TTS_URL = f"ws://127.0.0.1:{closed_port()}/edge/v1?TrustedClientToken=x"
        chunks = await collect(text, "bn", on_call=calls.append)
    else:
        with silent_tcp_port() as port:
            settings.EDGE_TTS_URL = f"ws://127.0.0.1:{port}/edge/v1?TrustedClientToken=x"
            chunks = await asyncio.wait_for(collect(text, "bn", on_call=calls.append), 10)
    assert len(chunks) == 2 and all(audio.pcm16_rms(c) > 0.02 for c in chunks)
    assert [(c.provider, c.ok) for c in calls] == [("edge", False), ("espeak", True)]
    assert calls[0].error and calls[0].stage == "tts" and calls[0].language == "bn"
    assert MODEL_CALL_ERRORS.value(stage="tts", provider="edge") == before + 1


async def test_every_provider_down_raises_tts_unavailable(settings):
    settings.EDGE_TTS_URL = f"ws://127.0.0.1:{closed_port()}/edge/v1?TrustedClientToken=x"
    chain = TTSChain({"mr": [EdgeTTS(), EspeakTTS(binary="espeak-ng-missing")]})
    calls = []
    with pytest.raises(TTSUnavailable) as info:
        [c async for c in chain.stream("नमस्कार.", "mr", on_call=calls.append)]
    assert (info.value.code, info.value.status_code) == ("tts_unavailable", 503)
    assert [(c.provider, c.ok) for c in calls] == [("edge", False), ("espeak", False)]


async def test_a_broken_on_call_callback_does_not_break_speech(settings):
    settings.TTS_PROVIDERS_HI = ["espeak"]

    def broken(call):
        raise RuntimeError("db down")

    chunks = await collect("नमस्ते।", "hi", on_call=broken)
    assert chunks


async def test_clause_api_skips_a_failed_provider_for_the_rest_of_the_reply(settings):
    settings.TTS_PROVIDERS_HI = ["edge", "espeak"]
    settings.EDGE_TTS_TIMEOUT = 0.5
    calls, failed = [], set()
    with FakeEdgeTTS("hang") as fake:
        settings.EDGE_TTS_URL = fake.url
        chain = providers().tts
        first = await chain.synthesize_clause("नमस्ते।", "hi", on_call=calls.append, failed=failed)
        second = await chain.synthesize_clause("धन्यवाद!", "hi", on_call=calls.append, failed=failed)
    assert first and second and failed == {"edge"}
    assert fake.connections == 1
    assert [(c.provider, c.ok) for c in calls] == [("edge", False), ("espeak", True), ("espeak", True)]
