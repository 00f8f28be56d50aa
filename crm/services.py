"""CRM writes: customers and CRM records (tickets, call dispositions, handoffs), and the records'
workflow: status changes through an allowed-transitions table, assignment, one event row per change."""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from voxsite.core.errors import InvalidTransition
from voxsite.core.metrics import counter

from .models import CRMRecord, CRMRecordEvent, Customer
from .phones import phone_normalize

CRM_RECORDS_CREATED = counter(
    "voxsite_crm_records_created", "CRM records created, by scenario and priority.", ("scenario", "priority")
)

C = CRMRecord.Status

# Resolving straight from open is allowed (a quick answer needs no "in progress" step); a resolved
# record is reopened, never moved to in progress directly, so the reopening shows in its history.
CRM_RECORD_TRANSITIONS: dict[str, set[str]] = {
    C.OPEN: {C.IN_PROGRESS, C.RESOLVED},
    C.IN_PROGRESS: {C.RESOLVED, C.OPEN},
    C.RESOLVED: {C.OPEN},
}


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


def _locked_record(record: CRMRecord) -> CRMRecord:
    return CRMRecord.objects.select_for_update().get(pk=record.pk)


@transaction.atomic
def crm_record_transition(*, record: CRMRecord, to_status: str, actor: str, note: str = "") -> CRMRecord:
    """Move a record to another status under a row lock, writing one event row. Raises
    InvalidTransition (409, crm_invalid_transition) for a move the table does not allow, the
    same status included: two staff resolving the same record at once get one success, one 409."""
    locked = _locked_record(record)
    if to_status not in CRM_RECORD_TRANSITIONS.get(locked.status, set()):
        raise InvalidTransition(
            f"CRM-{locked.pk} cannot go from {locked.status} to {to_status}.",
            code="crm_invalid_transition", from_status=locked.status, to_status=to_status,
            allowed=sorted(CRM_RECORD_TRANSITIONS.get(locked.status, set())),
        )
    from_status = locked.status
    locked.status = to_status
    locked.full_clean()
    locked.save(update_fields=["status", "updated_at"])
    event = CRMRecordEvent(record=locked, from_status=from_status, to_status=to_status, actor=actor[:150], note=note[:300])
    event.full_clean()
    event.save()
    record.status, record.updated_at = locked.status, locked.updated_at
    return locked


@transaction.atomic
def crm_record_assign(
    *, record: CRMRecord, user: AbstractBaseUser | None, actor: str, note: str = ""
) -> CRMRecord:
    """Assign a record to a staff member (None unassigns), writing one event row. Assigning to the
    current assignee changes nothing and writes no event."""
    locked = _locked_record(record)
    if locked.assigned_to_id == (user.pk if user is not None else None):
        return locked
    locked.assigned_to = user
    locked.full_clean()
    locked.save(update_fields=["assigned_to", "updated_at"])
    # Statuses stay blank: the row records an assignment, not a status change.
    event = CRMRecordEvent(
        record=locked, assigned_to=user,
        actor=actor[:150], note=(note or ("assigned" if user is not None else "unassigned"))[:300],
    )
    event.full_clean()
    event.save()
    record.assigned_to, record.updated_at = locked.assigned_to, locked.updated_at
    return locked
