"""End idle conversations now (Celery beat does it every IDLE_CLOSE_EVERY_MINUTES)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from support.conversations.services.retention import conversations_close_idle


class Command(BaseCommand):
    help = "End active conversations idle for CONVERSATION_IDLE_MINUTES; each is then summarised."

    def add_arguments(self, parser):
        parser.add_argument("--minutes", type=int, default=None,
                            help=f"Idle minutes (default: CONVERSATION_IDLE_MINUTES, {settings.CONVERSATION_IDLE_MINUTES}).")

    def handle(self, *args, minutes=None, **options):
        ended = conversations_close_idle(idle_minutes=minutes)
        self.stdout.write(f"Ended {len(ended)} idle conversations.")
