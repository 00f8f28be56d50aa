"""CRM reads: customers and CRM records."""

from django.db.models import Q, QuerySet

from voxsite.core.errors import NotFound

from .models import CRMRecord, Customer
from .phones import phone_normalize


def customer_get(*, customer_id: str) -> Customer:
    # PostgreSQL refuses NUL in text; such an id can match nothing.
    if "\x00" not in customer_id:
        customer = Customer.objects.filter(customer_id=customer_id).first()
        if customer is not None:
            return customer
    raise NotFound(f"No customer {customer_id!r}.", code="customer_not_found")


def crm_conversation_get(*, conversation_id):
    """The conversation a CRM record may point at; NotFound when it does not exist.

    Conversations belong to support, which sits above crm: crm never imports it. The model is
    reached through CRMRecord.conversation, a foreign key declared by name ("support.Conversation"),
    so Django resolves it when the apps load and this module names no support code."""
    Conversation = CRMRecord._meta.get_field("conversation").related_model
    conversation = Conversation.objects.filter(pk=conversation_id).first()
    if conversation is None:
        raise NotFound(f"No conversation {conversation_id}.", code="conversation_not_found")
    return conversation


def customer_by_phone(*, phone: str) -> Customer | None:
    """The customer with this phone, written any way phone_normalize understands; None otherwise."""
    try:
        e164 = phone_normalize(phone)
    except ValueError:
        return None
    return Customer.objects.filter(phone=e164).first()


def customer_list(*, phone: str | None = None, query: str = "") -> QuerySet[Customer]:
    """Customers, optionally by phone (any format; raises ValueError for a non-number) or by a text
    that appears in the name, email or customer id."""
    qs = Customer.objects.all()
    if phone:
        qs = qs.filter(phone=phone_normalize(phone))
    for word in query.split():
        qs = qs.filter(Q(name__icontains=word) | Q(email__icontains=word) | Q(customer_id__icontains=word))
    return qs.order_by("name", "pk")


def crm_record_list(
    *, status: str | None = None, scenario: str | None = None, customer_id: str | None = None
) -> QuerySet[CRMRecord]:
    qs = CRMRecord.objects.select_related("customer")
    if status:
        qs = qs.filter(status=status)
    if scenario:
        qs = qs.filter(scenario=scenario)
    if customer_id:
        qs = qs.filter(customer__customer_id=customer_id)
    return qs.order_by("-created_at", "-pk")


def crm_record_get(*, record_id: int) -> CRMRecord:
    record = CRMRecord.objects.select_related("customer").filter(pk=record_id).first()
    if record is None:
        raise NotFound(f"No CRM record {record_id}.", code="crm_record_not_found")
    return record
