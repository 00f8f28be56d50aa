"""Conversation lifecycle: started, handed to a human, ended (and summarised after)."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from crm.models import CRMRecord, Customer
from crm.services import crm_record_create
from voxsite.core.models import APIKey

from ...desk.live import handoff_publish
from ..models import Conversation

# Sent after the commit that ends a conversation, with `conversation_id`. The after-conversation
# summary listens (support/conversations/tasks.py): a signal, so that the services need not import
# the tasks that run them.
conversation_ended = Signal()

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


@transaction.atomic
def conversation_handoff(*, conversation: Conversation, reason: str, language: str = "en") -> CRMRecord:
    conv = Conversation.objects.select_for_update().get(pk=conversation.pk)
    conv.status = Conversation.Status.HANDED_OFF
    # A request after an earlier hand-back is a new request: back into the queue.
    conv.handoff_requested_at = timezone.now()
    conv.taken_over_at = None if conv.taken_over_by_id is None else conv.taken_over_at
    conv.full_clean()
    conv.save(update_fields=["status", "handoff_requested_at", "taken_over_at", "updated_at"])
    # The staff handoff queue's notification.
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
    # Then summary, tags, resolution, a CRM record when unresolved.
    transaction.on_commit(lambda: conversation_ended.send(sender=Conversation, conversation_id=str(conv.pk)),
                          robust=True)
    return conv
