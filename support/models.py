"""The support app's models. Each part keeps its own beside it (support/conversations/models.py,
support/desk/models.py, support/voice/models.py); they are imported here, so the app label stays "support"."""

from .conversations.models import Conversation, Message, ModelCall, ToolCall
from .desk.models import DailyMetric
from .voice.models import BatchJob

__all__ = ["BatchJob", "Conversation", "DailyMetric", "Message", "ModelCall", "ToolCall"]
