"""The support app's admin: each part registers its own (support/conversations/admin.py,
support/desk/admin.py, support/voice/admin.py), imported here so Django's admin autodiscovery finds them."""

from .conversations import admin as conversations_admin  # noqa: F401 - conversations, messages, calls
from .desk import admin as desk_admin  # noqa: F401 - DailyMetric and the dashboard page
from .voice import admin as voice_admin  # noqa: F401 - batch jobs
