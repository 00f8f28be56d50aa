"""Conversation lifecycle and access: who may open which conversation."""

from __future__ import annotations

import secrets
import uuid

from django.db import transaction
from django.utils import timezone

from crm.models import CRMRecord, Customer
from voxsite.core.errors import NotFound
from voxsite.core.models import APIKey

from ..models import Conversation

HANDOFF_NEXT_STEPS = {
    "en": "A member of our support team will join this conversation shortly.",
    "hi": "हमारी सपोर्ट टीम का एक सदस्य जल्द ही इस बातचीत में शामिल होगा।",
    "bn": "আমাদের সাপোর্ট টিমের একজন সদস্য শীঘ্রই এই কথোপকথনে যোগ দেবেন।",
    "mr": "आमच्या सपोर्ट टीमचा एक सदस्य लवकरच या संभाषणात सामील होईल.",
}


@transaction.atomic
def conversation_create(
    *, channel: str, language: str = "en", speech_language: str = "auto", customer: Customer | None = None,
    persona: str = "support_agent", api_key: APIKey | None = None,
) -> tuple[Conversation, str]:
    """Create a conversation; returns it and the shopper's raw bearer token (shown once).
    `speech_language` is the language its audio is heard in unless a message says otherwise."""
    token = secrets.token_urlsafe(24)
    conv = Conversation(
        channel=channel, language=language, speech_language=speech_language, customer=customer,
        persona=persona or "support_agent",
        api_key=api_key, token_hash=Conversation.hash_token(token),
    )
    conv.full_clean()
    conv.save()
    return conv, token


def conversation_get_for(
    *, session_id, token: str = "", api_key: APIKey | None = None, user=None
) -> Conversation:
    """The conversation if the caller may open it. Integrator keys and staff open all; a shopper's
    token opens its own. Anything else is a 404, the same as a missing one (no existence leak)."""
    try:
        pk = uuid.UUID(str(session_id))
    except ValueError:
        raise NotFound("No such session.", code="session_not_found")
    conv = Conversation.objects.select_related("customer").filter(pk=pk).first()
    if conv is None:
        raise NotFound("No such session.", code="session_not_found")
    if api_key is not None and api_key.active:
        return conv
    if user is not None and getattr(user, "is_staff", False):
        return conv
    if token and conv.token_hash and secrets.compare_digest(conv.token_hash, Conversation.hash_token(token)):
        return conv
    raise NotFound("No such session.", code="session_not_found")


@transaction.atomic
def conversation_handoff(*, conversation: Conversation, reason: str, language: str = "en") -> CRMRecord:
    from crm.services import crm_record_create

    conv = Conversation.objects.select_for_update().get(pk=conversation.pk)
    conv.status = Conversation.Status.HANDED_OFF
    # A request after an earlier hand-back is a new request: back into the queue.
    conv.handoff_requested_at = timezone.now()
    conv.taken_over_at = None if conv.taken_over_by_id is None else conv.taken_over_at
    conv.full_clean()
    conv.save(update_fields=["status", "handoff_requested_at", "taken_over_at", "updated_at"])
    from ..desk.live import handoff_publish  # the staff handoff queue's notification

    customer = conv.customer.name if conv.customer_id else ""
    transaction.on_commit(lambda: handoff_publish(session_id=conv.pk, reason=reason, language=language,
                                                  requested_at=conv.handoff_requested_at, customer=customer,
                                                  channel=conv.channel))
    return crm_record_create(
        scenario="handoff", intent="human_agent", priority=CRMRecord.Priority.HIGH, summary=reason[:300],
        payload={"reason": reason, "language": language, "next_steps": HANDOFF_NEXT_STEPS.get(language, HANDOFF_NEXT_STEPS["en"])},
        customer=conv.customer, conversation=conv,
    )


@transaction.atomic
def conversation_end(*, conversation: Conversation) -> Conversation:
    conv = Conversation.objects.select_for_update().get(pk=conversation.pk)
    if conv.status == Conversation.Status.ACTIVE:
        conv.status = Conversation.Status.ENDED
    conv.ended_at = conv.ended_at or timezone.now()
    conv.full_clean()
    conv.save(update_fields=["status", "ended_at", "updated_at"])
    from ..tasks import conversation_summarise  # summary, tags, resolution, CRM record when unresolved

    transaction.on_commit(lambda: conversation_summarise.delay(str(conv.pk)), robust=True)
    return conv
