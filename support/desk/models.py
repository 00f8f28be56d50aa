"""The desk's model. Its app is still `support` (support/models.py imports it), so its table and
migrations stay where they were."""

from django.db import models


class DailyMetric(models.Model):
    """One day's roll-up for the supervisors' dashboard (written by a periodic task)."""

    date = models.DateField()
    language = models.CharField(max_length=2, blank=True, help_text="Empty: all languages.")
    conversations = models.PositiveIntegerField(default=0)
    turns = models.PositiveIntegerField(default=0)
    handoffs = models.PositiveIntegerField(default=0)
    tool_calls = models.PositiveIntegerField(default=0)
    tool_errors = models.PositiveIntegerField(default=0)
    fallbacks = models.PositiveIntegerField(default=0, help_text="Provider calls that failed and were answered by the next one.")
    intents = models.JSONField(default=dict, blank=True, help_text="intent -> count")
    tools = models.JSONField(default=dict, blank=True, help_text="tool -> count")
    latency = models.JSONField(default=dict, blank=True, help_text='{"asr": {"p50": .., "p95": ..}, "eos_to_first_audio": {...}}')
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-date", "language"]
        constraints = [models.UniqueConstraint(fields=["date", "language"], name="dailymetric_unique_date_language")]

    def __str__(self):
        return f"{self.date} {self.language or 'all'}"
