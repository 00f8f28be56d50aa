import os
from datetime import timedelta

from celery import Celery
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "voxsite.settings")

app = Celery("voxsite")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# The support app's parts keep their tasks beside them (support/<part>/tasks.py).
app.autodiscover_tasks(["support.conversations", "support.desk", "support.voice"])


def beat_schedule() -> dict:
    """The periodic jobs `celery beat` sends, every interval read from settings."""
    return {
        "audio-purge": {
            "task": "support.audio_purge",
            "schedule": timedelta(minutes=settings.AUDIO_PURGE_EVERY_MINUTES),
        },
        "close-idle-conversations": {
            "task": "support.conversations_close_idle",
            "schedule": timedelta(minutes=settings.IDLE_CLOSE_EVERY_MINUTES),
        },
        "daily-metrics-rollup": {
            "task": "support.daily_metrics_rollup",
            "schedule": timedelta(minutes=settings.METRICS_ROLLUP_EVERY_MINUTES),
        },
    }


@app.on_after_configure.connect
def _schedule(sender, **kwargs):
    # Built once the configuration is read, not at import: this module is imported while the
    # settings module itself is still loading (voxsite/__init__.py).
    sender.conf.beat_schedule = beat_schedule()
