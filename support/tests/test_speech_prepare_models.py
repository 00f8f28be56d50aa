import io
import os
import re
import shutil
import tarfile
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

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


# -- bring your own model: prepare_models --import ---------------------------------------------


@pytest.fixture
def bundled_base():
    """The multilingual base model as a folder (joined into the normal cache if need be)."""
    return Path(models.resolve_whisper("bundled:base", "WHISPER_MULTILINGUAL_MODEL")[0])


@pytest.fixture
def cache(settings, tmp_path):
    settings.MODEL_CACHE_DIR = tmp_path / "cache"
    settings.WHISPER_MODELS_BY_LANGUAGE = {}
    return tmp_path / "cache"


def run_import(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("prepare_models", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.slow
def test_import_a_folder_for_hindi_checks_it_and_records_the_route(cache, bundled_base, tmp_path):
    env = tmp_path / ".env"
    env.write_text("# my settings\nDEBUG=true\nWHISPER_MODELS_BY_LANGUAGE=bn=/old/bn\n")
    out, err = run_import("--import", str(bundled_base), "--language", "hi", "--name", "hi-base", "--env-file", str(env))
    target = cache / "imported" / "hi-base"
    assert (target / "model.bin").stat().st_size == (bundled_base / "model.bin").stat().st_size
    assert "copying" in err  # the progress bar
    assert "hi: hi_cv_001.flac" in out and "CER" in out  # transcribed a bundled clip
    assert "Warning" in err  # base writes Hindi badly, and the command says so
    assert env.read_text().splitlines() == [
        "# my settings", "DEBUG=true", f"WHISPER_MODELS_BY_LANGUAGE=hi={target},bn=/old/bn",
    ]  # the line replaced in place, the routes already there kept
    assert "Restart the server" in out


@pytest.mark.slow
def test_import_an_archive_of_the_english_model(cache, settings, tmp_path):
    settings.WHISPER_MODELS_BY_LANGUAGE = {"hi": "/models/hi"}
    archive = tmp_path / "tiny-en.tar.gz"
    with tarfile.open(archive, "w:gz") as tf:
        tf.add(models.tiny_en_dir(), arcname="tiny-en-ct2")  # wrapped in a folder, as archives often are
    env = tmp_path / "env"
    out, err = run_import("--import", str(archive), "--language", "en", "--env-file", str(env))
    target = cache / "imported" / "tiny-en"
    assert sorted(p.name for p in target.iterdir()) == ["config.json", "model.bin", "tokenizer.json", "vocabulary.txt"]
    assert "unpacking" in err and "en: en_jfk.flac" in out and "(trusted)" in out
    assert env.read_text() == f"WHISPER_MODELS_BY_LANGUAGE=en={target},hi=/models/hi\n"


@pytest.mark.slow
def test_an_english_only_model_is_refused_for_other_languages_and_not_kept(cache, tmp_path):
    with pytest.raises(CommandError, match="English-only model: import it with --language en"):
        run_import("--import", str(models.tiny_en_dir()), "--language", "all", "--env-file", str(tmp_path / "env"))
    assert not (cache / "imported" / "model").exists() and not (tmp_path / "env").exists()


def test_a_folder_missing_files_is_refused_with_their_names(cache, tmp_path):
    folder = tmp_path / "half"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    with pytest.raises(CommandError) as info:
        run_import("--import", str(folder), "--language", "hi", "--no-env")
    message = str(info.value)
    assert "missing model.bin, tokenizer.json, vocabulary.* (vocabulary.json or vocabulary.txt)" in message
    assert "ct2-transformers-converter" in message
    assert not list((cache / "imported").iterdir())  # nothing half-installed


@pytest.mark.slow
def test_a_corrupt_model_is_refused(cache, tmp_path):
    folder = tmp_path / "broken"
    shutil.copytree(models.tiny_en_dir(), folder)
    (folder / "model.bin").write_bytes(b"not a model")
    with pytest.raises(CommandError, match="could not be loaded"):
        run_import("--import", str(folder), "--language", "en", "--no-env")


@pytest.mark.parametrize(
    "args,message",
    [
        (["--import", "/no/such/model"], "does not exist"),
        (["--import", "{readme}"], "neither a folder nor an archive"),
        (["--import", "{readme}", "--language", "ta"], "--language 'ta'"),
    ],
)
def test_bad_arguments_are_clear_errors(cache, args, message):
    readme = str(Path(models.__file__).parent / "samples" / "README.md")
    with pytest.raises(CommandError, match=re.escape(message)):
        run_import(*[a.format(readme=readme) for a in args])


def test_an_archive_that_escapes_its_folder_is_refused(cache, tmp_path):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("../../outside.txt", "x")
    with pytest.raises(CommandError, match="outside the model folder"):
        run_import("--import", str(archive), "--language", "en", "--no-env")
    assert not (tmp_path / "outside.txt").exists()


@pytest.mark.slow
def test_with_env_file_dev_null_the_setting_is_printed_not_written(cache, monkeypatch):
    monkeypatch.setenv("ENV_FILE", os.devnull)
    with pytest.raises(CommandError, match="ENV_FILE is /dev/null: pass --env-file PATH, or --no-env"):
        run_import("--import", str(models.tiny_en_dir()), "--language", "en")
    out, _ = run_import("--import", str(models.tiny_en_dir()), "--language", "en", "--no-env")
    assert f"WHISPER_MODELS_BY_LANGUAGE=en={cache / 'imported' / 'model'}" in out
