"""Writes the ground floor owns: integrator API keys, and the audit rows staff actions leave."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth import get_user_model
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from .models import APIKey, AuditLog


@transaction.atomic
def api_key_create(*, name: str, scopes: list[str]) -> tuple[APIKey, str]:
    """Create a key; returns (key row, raw key). The raw key is never stored."""
    raw = APIKey.generate()
    key = APIKey(name=name, prefix=raw[:11], hashed_key=APIKey.hash(raw), scopes=sorted(set(scopes)))
    key.full_clean()
    key.save()
    return key, raw


def _object_ref(obj: Any) -> tuple[str, str]:
    """(object_type, object_id) for a model instance, or pass a (type, id) tuple for anything else.
    Orders are referred to by their public number: that is what staff search for."""
    if isinstance(obj, tuple) and len(obj) == 2:
        return str(obj[0]), str(obj[1])
    object_type = obj._meta.model_name
    for attr in ("number", "pk"):
        value = getattr(obj, attr, None)
        if value not in (None, ""):
            return object_type, str(value)
    return object_type, ""


def audit_record(*, actor, action: str, obj, details: dict | None = None) -> AuditLog:
    """Append one audit row. `actor` is a user, or a label (an API key prefix, "system") when no user
    acted. `obj` is a model instance or an (object_type, object_id) pair. Details are stored as JSON,
    so dates and decimals are converted to strings first."""
    User = get_user_model()
    user = actor if isinstance(actor, User) else None
    if user is not None:
        label = user.get_username()
    else:
        label = str(actor or "system")
    object_type, object_id = _object_ref(obj)
    clean_details = json.loads(json.dumps(details or {}, cls=DjangoJSONEncoder))
    row = AuditLog(
        actor=user if user is not None and user.pk else None,
        actor_label=label[:150],
        action=action,
        object_type=object_type[:50],
        object_id=object_id[:64],
        details=clean_details,
    )
    row.full_clean()
    row.save()
    return row
