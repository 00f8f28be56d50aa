"""Delete stored audio past its retention now (Celery beat does it every AUDIO_PURGE_EVERY_MINUTES)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from support.conversations.services.retention import audio_purge


class Command(BaseCommand):
    help = "Delete message and batch-job audio older than AUDIO_RETENTION_DAYS (transcripts stay)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help=f"Retention in days (default: AUDIO_RETENTION_DAYS, {settings.AUDIO_RETENTION_DAYS}).")

    def handle(self, *args, days=None, **options):
        counts = audio_purge(retention_days=days)
        self.stdout.write(f"Purged audio of {counts['messages']} messages and {counts['batch_jobs']} batch jobs.")
