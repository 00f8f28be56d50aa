from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "support"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Connects the after-conversation summary to the end of a conversation (a receiver of
        # conversation_ended), in every process that can end one.
        from .conversations import tasks  # noqa: F401
