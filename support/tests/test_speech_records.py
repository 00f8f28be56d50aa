import pytest

from support.models import ModelCall
from support.speech.records import MODEL_CALL_ERRORS, SpeechCall, report
from voxsite.core.metrics import render_all


@pytest.mark.django_db
def test_a_speech_call_becomes_a_model_call_row():
    call = SpeechCall(
        stage="tts", provider="edge", model="hi-IN-SwaraNeural", ok=False, error="TTSError: timeout",
        latency_ms=500.0, input_size=12, language="hi",
    )
    row = ModelCall(**call.as_model_call_fields())
    row.full_clean()
    row.save()
    assert ModelCall.objects.get().provider == "edge"


def test_report_counts_errors_and_survives_a_broken_callback():
    before = MODEL_CALL_ERRORS.value(stage="asr", provider="groq")
    seen = []
    report(SpeechCall(stage="asr", provider="groq", ok=False, error="timeout"), seen.append)

    def broken(call):
        raise RuntimeError("boom")

    report(SpeechCall(stage="asr", provider="groq", ok=False, error="timeout"), broken)
    assert len(seen) == 1
    assert MODEL_CALL_ERRORS.value(stage="asr", provider="groq") == before + 2
    assert 'voxsite_model_call_errors_total{stage="asr",provider="groq"}' in render_all()
