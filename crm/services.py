"""CRM writes: customers and CRM records (tickets, call dispositions, handoffs)."""

from django.core.exceptions import ValidationError
from django.db import transaction

from voxsite.metrics import counter

from .models import CRMRecord, Customer
from .phones import phone_normalize

CRM_RECORDS_CREATED = counter(
    "voxsite_crm_records_created", "CRM records created, by scenario and priority.", ("scenario", "priority")
)


@transaction.atomic
def crm_record_create(
    *,
    scenario: str,
    intent: str = "",
    priority: str = CRMRecord.Priority.MEDIUM,
    summary: str = "",
    payload: dict | None = None,
    customer: Customer | None = None,
    conversation=None,
) -> CRMRecord:
    """Record one customer interaction; raises django ValidationError on bad fields."""
    if payload is not None and not isinstance(payload, dict):
        raise ValidationError({"payload": ["The payload must be a JSON object."]})
    record = CRMRecord(
        scenario=scenario,
        intent=intent,
        priority=priority,
        summary=summary,
        payload=payload or {},
        customer=customer,
        conversation=conversation,
    )
    record.full_clean()
    record.save()
    CRM_RECORDS_CREATED.inc(scenario=record.scenario, priority=record.priority)
    return record


@transaction.atomic
def customer_create(
    *, customer_id: str, name: str, phone: str, email: str = "", preferred_language: str = "en"
) -> Customer:
    """Create a customer, storing the phone in E.164 whatever way it was written."""
    try:
        phone = phone_normalize(phone)
    except ValueError as exc:
        raise ValidationError({"phone": [str(exc)]}) from None
    customer = Customer(
        customer_id=customer_id, name=name, phone=phone, email=email, preferred_language=preferred_language
    )
    customer.full_clean()
    customer.save()
    return customer
