from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models

from voxsite.core.languages import Language

e164 = RegexValidator(r"^\+[1-9]\d{7,14}$", "Phone numbers are stored in E.164, e.g. +919876543210.")


class Customer(models.Model):
    customer_id = models.CharField(
        max_length=40, unique=True, help_text="Public id used by integrators, e.g. cust_123."
    )
    name = models.CharField(max_length=150)
    phone = models.CharField(max_length=16, unique=True, validators=[e164])
    email = models.EmailField(blank=True)
    preferred_language = models.CharField(max_length=2, choices=Language.choices, default=Language.EN)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.phone})"

    @property
    def phone_last4(self) -> str:
        return self.phone[-4:]


class CRMRecord(models.Model):
    class Priority(models.TextChoices):
        LOW = "low", "Low"
        MEDIUM = "medium", "Medium"
        HIGH = "high", "High"
        URGENT = "urgent", "Urgent"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        IN_PROGRESS = "in_progress", "In progress"
        RESOLVED = "resolved", "Resolved"

    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="crm_records")
    scenario = models.CharField(max_length=50, help_text="e.g. billing, order_issue, return, handoff, general")
    intent = models.CharField(max_length=80, blank=True)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.MEDIUM)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN, db_index=True)
    summary = models.CharField(max_length=300, blank=True)
    payload = models.JSONField(default=dict, blank=True, help_text="Structured details as received.")
    conversation = models.ForeignKey(
        "support.Conversation", null=True, blank=True, on_delete=models.SET_NULL, related_name="crm_records"
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="crm_records"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "CRM record"
        ordering = ["-created_at"]

    def __str__(self):
        return f"CRM-{self.pk} {self.scenario}/{self.intent} ({self.status})"


class CRMRecordEvent(models.Model):
    """One row per status or assignment change of a CRM record (written by crm.services)."""

    record = models.ForeignKey(CRMRecord, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=12, choices=CRMRecord.Status.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=CRMRecord.Status.choices, blank=True)
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor = models.CharField(max_length=150)
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
