"""Bring your own Whisper model: install a CTranslate2 conversion (a folder or an archive) into
MODEL_CACHE_DIR/imported/<name>/, prove it works on a bundled clip, and route languages to it.

What `manage.py prepare_models --import PATH --language xx` runs. No ORM; long steps report
progress through callbacks, failures raise ModelImportError with what is wrong and what to do.
"""

from __future__ import annotations

import os
import re
import shutil
import tarfile
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from . import audio
from .asr import FasterWhisperASR
from .asr.trust import judge
from .evaluation import SAMPLES_DIR, cer, clips
from .models import whisper_model

LANGUAGES = ("en", "hi", "bn", "mr")
REQUIRED = ("model.bin", "config.json", "tokenizer.json")
VOCABULARY = ("vocabulary.json", "vocabulary.txt")
ARCHIVES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".zip")
# The bundled clip each language's model is checked on; Marathi has none, so the Hindi clip
# (same script) shows that a Marathi model writes Devanagari.
CHECK_CLIPS = {"en": "en_jfk", "hi": "hi_cv_001", "bn": "bn_cv_30704510", "mr": "hi_cv_001"}

Progress = Optional[Callable[[str, int, int], None]]  # (stage, done bytes, total bytes)


class ModelImportError(Exception):
    """The model cannot be imported; the message says why and what to do."""


@dataclass
class Check:
    language: str
    clip: str
    text: str
    detected: str
    cer: float | None
    seconds: float
    trusted: bool
    distrust: str


def languages_for(choice: str) -> tuple[str, ...]:
    choice = (choice or "all").strip().lower()
    if choice == "all":
        return LANGUAGES
    if choice not in LANGUAGES:
        raise ModelImportError(f"--language {choice!r}: use one of {', '.join(LANGUAGES)} or all.")
    return (choice,)


def is_archive(path: Path) -> bool:
    return path.is_file() and path.name.lower().endswith(ARCHIVES)


def missing_files(folder: Path) -> list[str]:
    missing = [name for name in REQUIRED if not (folder / name).is_file()]
    if not any((folder / name).is_file() for name in VOCABULARY):
        missing.append("vocabulary.* (vocabulary.json or vocabulary.txt)")
    return missing


def model_folder(root: Path) -> Path:
    """The folder holding model.bin: `root` itself or one inside it (archives often wrap it)."""
    if (root / "model.bin").is_file():
        return root
    found = sorted(p.parent for p in root.rglob("model.bin") if len(p.relative_to(root).parts) <= 4)
    if len(found) > 1:
        raise ModelImportError(f"{root} holds several models ({', '.join(str(f) for f in found)}); import one folder.")
    return found[0] if found else root


def check_files(folder: Path, source: Path) -> None:
    missing = missing_files(folder)
    if missing:
        raise ModelImportError(
            f"{source} is not a CTranslate2 Whisper model: missing {', '.join(missing)}. A conversion made with "
            "`ct2-transformers-converter --model <hf-model> --output_dir <dir> --copy_files tokenizer.json "
            "preprocessor_config.json --quantization int8` has them all."
        )


def _unpack(archive: Path, dest: Path, progress: Progress) -> None:
    if archive.name.lower().endswith(".zip"):
        with zipfile.ZipFile(archive) as zf:
            members = zf.infolist()
            total, done = sum(m.file_size for m in members), 0
            for member in members:
                target = (dest / member.filename).resolve()
                if dest.resolve() not in target.parents and target != dest.resolve():
                    raise ModelImportError(f"{archive}: {member.filename!r} would be written outside the model folder.")
                zf.extract(member, dest)
                done += member.file_size
                if progress:
                    progress("unpacking", done, total)
        return
    with tarfile.open(archive) as tf:
        members = tf.getmembers()
        total, done = sum(m.size for m in members), 0
        for member in members:
            try:
                tf.extract(member, dest, filter="data")  # refuses absolute paths, "..", devices, links out
            except tarfile.FilterError as exc:
                raise ModelImportError(f"{archive}: {exc}") from exc
            done += member.size
            if progress:
                progress("unpacking", done, total)


def _copy(folder: Path, dest: Path, progress: Progress) -> None:
    files = [p for p in folder.iterdir() if p.is_file()]
    total, done = sum(p.stat().st_size for p in files), 0
    for src in files:
        with open(src, "rb") as fin, open(dest / src.name, "wb") as fout:
            while block := fin.read(8 * 1024 * 1024):
                fout.write(block)
                done += len(block)
                if progress:
                    progress("copying", done, total)
        os.chmod(dest / src.name, 0o644)


def imported_dir() -> Path:
    return Path(settings.MODEL_CACHE_DIR) / "imported"


def default_name(source: Path) -> str:
    name = source.name
    for ext in sorted(ARCHIVES, key=len, reverse=True):
        if name.lower().endswith(ext):
            name = name[: -len(ext)]
            break
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or "model"


def install(source: Path, *, name: str = "", progress: Progress = None) -> Path:
    """Copy (or unpack) the model at `source` into MODEL_CACHE_DIR/imported/<name>/ and return
    that folder. Written beside it first and renamed, so a failure leaves nothing half-copied."""
    source = source.expanduser()
    if not source.exists():
        raise ModelImportError(f"{source} does not exist.")
    if not source.is_dir() and not is_archive(source):
        raise ModelImportError(f"{source} is neither a folder nor an archive ({', '.join(ARCHIVES)}).")
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") if name else default_name(source)
    root = imported_dir()
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=root))
    try:
        if source.is_dir():
            folder = model_folder(source)
            check_files(folder, source)
            _copy(folder, staging, progress)
        else:
            unpacked = staging / "unpacked"
            unpacked.mkdir()
            try:
                _unpack(source, unpacked, progress)
            except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError) as exc:
                raise ModelImportError(f"{source} could not be unpacked: {exc}") from exc
            folder = model_folder(unpacked)
            check_files(folder, source)
            for item in folder.iterdir():
                item.rename(staging / item.name)
            shutil.rmtree(unpacked, ignore_errors=True)
        target = root / name
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
        return target
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def validate(folder: Path, languages: tuple[str, ...]) -> list[Check]:
    """Load the model and transcribe a bundled clip in each language asked for, through the same
    engine and judge a shopper's speech goes through. Raises ModelImportError when it does not
    load, is English-only but asked for other languages, or writes nothing."""
    label = f"WHISPER_MODELS_BY_LANGUAGE[{languages[0]}]"
    try:
        model = whisper_model(label, spec=str(folder))
    except ImproperlyConfigured as exc:
        raise ModelImportError(f"{folder} could not be loaded by faster-whisper: {exc}") from exc
    if not model.model.is_multilingual and set(languages) - {"en"}:
        raise ModelImportError(f"{folder.name} is an English-only model: import it with --language en.")
    references = {c.file.rsplit(".", 1)[0]: c.transcript for c in clips(folder=SAMPLES_DIR)}
    checks = []
    # Routed as it will be once recorded, in this process only (a management command).
    saved = settings.WHISPER_MODELS_BY_LANGUAGE
    settings.WHISPER_MODELS_BY_LANGUAGE = {**saved, **{lang: str(folder) for lang in languages}}
    try:
        engine = FasterWhisperASR()
        for language in languages:
            stem = CHECK_CLIPS[language]
            samples = audio.decode((SAMPLES_DIR / f"{stem}.flac").read_bytes())
            started = time.perf_counter()
            try:
                result = engine.transcribe(samples, language=language)
            except Exception as exc:
                raise ModelImportError(f"{folder.name} failed on {stem}.flac ({exc.__class__.__name__}: {exc}).") from exc
            judge(result, language=language)
            if result.is_empty:
                raise ModelImportError(f"{folder.name} heard nothing in {stem}.flac ({language}): is it a Whisper model?")
            reference = references.get(stem, "") if language != "mr" else ""
            checks.append(Check(language, f"{stem}.flac", result.text, result.language,
                                round(cer(reference, result.text), 3) if reference else None,
                                time.perf_counter() - started, result.trusted, result.distrust))
    finally:
        settings.WHISPER_MODELS_BY_LANGUAGE = saved
    return checks


def routes_with(existing: dict[str, str], languages: tuple[str, ...], folder: Path) -> dict[str, str]:
    routes = {k: v for k, v in existing.items() if k in LANGUAGES}
    routes.update({lang: str(folder) for lang in languages})
    return dict(sorted(routes.items(), key=lambda kv: LANGUAGES.index(kv[0])))


def env_lines(routes: dict[str, str], languages: tuple[str, ...], folder: Path) -> dict[str, str]:
    """The settings to record: the routes, and for all languages the model auto sessions use."""
    lines = {"WHISPER_MODELS_BY_LANGUAGE": ",".join(f"{k}={v}" for k, v in routes.items())}
    if set(languages) == set(LANGUAGES):
        lines["WHISPER_MULTILINGUAL_MODEL"] = str(folder)
    return lines


def env_file_routes(path: Path) -> dict[str, str]:
    """The WHISPER_MODELS_BY_LANGUAGE routes already written in the .env file at `path`."""
    if not path.is_file():
        return {}
    routes: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip().removeprefix("export ").strip() == "WHISPER_MODELS_BY_LANGUAGE":
            for pair in value.strip().strip("\"'").split(","):
                lang, sep, spec = pair.partition("=")
                if sep and lang.strip():
                    routes[lang.strip()] = spec.strip()
    return routes


def env_file_update(path: Path, values: dict[str, str]) -> None:
    """Set `values` in the .env file at `path`: an existing line (commented-out ones are left
    alone) is replaced in place, a new one appended; written atomically."""
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    pending = dict(values)
    out = []
    for line in lines:
        key = line.split("=", 1)[0].strip()
        if key.startswith("export "):
            key = key[len("export "):].strip()
        if key in pending and "=" in line and not line.lstrip().startswith("#"):
            out.append(f"{key}={pending.pop(key)}")
        else:
            out.append(line)
    out += [f"{k}={v}" for k, v in pending.items()]
    fd, tmp = tempfile.mkstemp(prefix=".env.", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write("\n".join(out) + "\n")
    if path.exists():
        shutil.copymode(path, tmp)
    os.replace(tmp, path)
