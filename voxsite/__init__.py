import os

# Before anything imports numpy: OpenBLAS's worker threads spin while they wait, and the speech
# engines' feature extraction (Whisper's log-mel, Smart Turn's) is small matrix work that they only
# slow down. One thread halved the CPU of a Whisper pass and of a Smart Turn check on 2 cores
# (bench/README.md "Cost per voice turn"). An operator's own setting wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from .celery import app as celery_app  # noqa: E402

__all__ = ["celery_app"]
