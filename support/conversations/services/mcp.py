"""The prototype's MCP endpoint as a service: a validated CRM payload becomes a CRM record and the
tool call that records it."""

from __future__ import annotations

import time

from django.db import transaction

from crm.models import CRMRecord
from crm.selectors import customer_get
from crm.services import crm_record_create
from voxsite.core.errors import NotFound

from ..models import Conversation, ToolCall


def mcp_crm_record_create(
    *, scenario: str, crm_record: dict, customer_id: str = "", llm_response: str = "", arguments: dict,
    conversation: Conversation | None = None,
) -> tuple[CRMRecord, ToolCall]:
    """The CRM record for the customer named (or else the conversation's), and the tool call
    `mcp.create_crm_record` with `arguments` (the payload as received), in one transaction."""
    customer = None
    if customer_id:
        try:
            customer = customer_get(customer_id=customer_id)
        except NotFound:
            customer = None
    customer = customer or (conversation.customer if conversation else None)
    started = time.perf_counter()
    with transaction.atomic():
        record = crm_record_create(
            scenario=scenario, intent=crm_record.get("intent", ""), priority=crm_record.get("priority", "medium"),
            summary=(crm_record.get("query") or "")[:300], customer=customer, conversation=conversation,
            payload={"source": "mcp", "customer_id": customer_id, "llm_response": llm_response, "crm_record": crm_record},
        )
        tool_call = ToolCall.objects.create(
            conversation=conversation, name="mcp.create_crm_record", arguments=arguments,
            result={"ok": True, "crm_record_id": record.pk}, ok=True, latency_ms=round((time.perf_counter() - started) * 1000, 2),
        )
    return record, tool_call
