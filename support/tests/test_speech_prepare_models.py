import io

import pytest
from django.core.management import call_command

from support.speech import models


@pytest.mark.slow
def test_prepare_models_joins_the_base_model_once(settings, tmp_path):
    settings.MODEL_CACHE_DIR = tmp_path
    part1, part2, data2 = models.base_parts()
    out, err = io.StringIO(), io.StringIO()
    call_command("prepare_models", stdout=out, stderr=err)
    target = tmp_path / "whisper-base" / "model.bin"
    assert "Joined" in out.getvalue()
    assert "whisper base" in err.getvalue()  # the progress bar
    assert target.stat().st_size == part1.stat().st_size + part2.stat().st_size
    with open(target, "rb") as joined, open(part1, "rb") as first, open(part2, "rb") as second:
        head = first.read(4096)
        assert joined.read(4096) == head
        joined.seek(part1.stat().st_size)
        assert joined.read(4096) == second.read(4096)
    for name in ("config.json", "tokenizer.json"):
        assert (tmp_path / "whisper-base" / name).read_bytes() == (data2 / name).read_bytes()
    assert not list((tmp_path / "whisper-base").glob(".model.bin.*"))  # no temp file left

    mtime = target.stat().st_mtime_ns
    out = io.StringIO()
    call_command("prepare_models", stdout=out, stderr=io.StringIO())
    assert "Already prepared" in out.getvalue()
    assert target.stat().st_mtime_ns == mtime


@pytest.mark.slow
def test_a_short_model_file_is_rejoined(settings, tmp_path):
    settings.MODEL_CACHE_DIR = tmp_path
    (tmp_path / "whisper-base").mkdir()
    (tmp_path / "whisper-base" / "model.bin").write_bytes(b"half a model")
    assert not models.base_is_joined()
    assert models.join_base() is True
    assert models.base_is_joined()


@pytest.mark.slow
def test_bundled_base_resolves_to_the_model_cache(settings, tmp_path):
    settings.MODEL_CACHE_DIR = tmp_path
    path, is_hub = models.resolve_whisper("bundled:base", "WHISPER_MULTILINGUAL_MODEL")
    assert (path, is_hub) == (str(tmp_path / "whisper-base"), False)
    assert models.base_is_joined()  # joined on demand when prepare_models was skipped
