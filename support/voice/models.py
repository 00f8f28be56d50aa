"""The voice part's model: a batch transcription job. Imported by support/models.py, so its app label is
"support"."""

import uuid

from django.db import models

from support.conversations.models import Conversation


class BatchJob(models.Model):
    """Batch transcription of a long recording (POST /api/voice/process with async=true)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True)
    audio = models.FileField(upload_to="batch/%Y/%m/%d/")
    mime = models.CharField(max_length=80, blank=True)
    language = models.CharField(max_length=4, default="auto")
    conversation = models.ForeignKey(Conversation, null=True, blank=True, on_delete=models.SET_NULL, related_name="batch_jobs")
    api_key = models.ForeignKey("voxsite.APIKey", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    token_hash = models.CharField(max_length=64, blank=True, editable=False)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"batch {self.id} ({self.status})"
