"""`providers()`: one cache for both chains, keyed by the settings that choose them."""

import pytest

from support.voice.factory import providers, providers_cache_clear


def test_the_same_settings_give_the_same_chains():
    first = providers()
    assert providers() is first
    assert [e.name for e in first.asr.engines] and first.tts.engines_for("en")


def test_changed_settings_get_chains_built_for_them(settings):
    before = providers()
    settings.TTS_PROVIDERS_HI = ["espeak"]
    after = providers()
    assert after is not before and [e.name for e in after.tts.engines_for("hi")] == ["espeak"]
    settings.ASR_PROVIDERS = ["local"]
    assert [e.name for e in providers().asr.engines] == ["local"]


def test_a_bad_setting_is_refused_by_name(settings):
    settings.ASR_PROVIDERS = ["whisper.cpp"]
    with pytest.raises(ValueError, match="ASR_PROVIDERS"):
        providers()


def test_clearing_the_cache_builds_afresh():
    first = providers()
    providers_cache_clear()
    assert providers() is not first
