import hashlib
import secrets

from django.conf import settings
from django.db import models


class APIKey(models.Model):
    """An integrator's key. Only a SHA-256 hash is stored; the key is shown once at creation."""

    class Scope(models.TextChoices):
        READ = "read", "read"
        WRITE = "write", "write"

    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, unique=True, help_text="First characters of the key, to tell keys apart.")
    hashed_key = models.CharField(max_length=64, unique=True, editable=False)
    scopes = models.JSONField(default=list, help_text='List of scopes: ["read"] or ["read", "write"].')
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "API key"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @staticmethod
    def generate() -> str:
        return "vx_" + secrets.token_urlsafe(32)

    def has_scope(self, scope: str) -> bool:
        return scope in (self.scopes or [])


class AuditLog(models.Model):
    """Who did what as staff: takeovers, hand-backs, order and return changes. Append-only."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_label = models.CharField(max_length=150, help_text="Username or key prefix at the time.")
    action = models.CharField(max_length=50, db_index=True, help_text="e.g. conversation.takeover, order.cancel")
    object_type = models.CharField(max_length=50)
    object_id = models.CharField(max_length=64, db_index=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.actor_label} {self.action} {self.object_type}:{self.object_id}"
