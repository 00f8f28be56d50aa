"""Who may open a conversation, or what belongs to one (its stored audio, a batch job started in
it): the one rule every entry point applies (the REST endpoints, the voice socket, the media files,
batch jobs)."""

from __future__ import annotations

import hmac

from voxsite.core.models import APIKey

from .models import Conversation


def access_allowed(
    *, token_hash: str, token: str = "", api_key: APIKey | None = None, user=None, staff_permission: str = "",
) -> bool:
    """An active integrator API key, a staff member (holding `staff_permission` when one is named),
    or the shopper's own token (compared with the stored hash in constant time). Callers answer a
    refusal as they answer a missing record (404): no existence leak."""
    if api_key is not None and api_key.active:
        return True
    if user is not None and getattr(user, "is_staff", False) and (not staff_permission or user.has_perm(staff_permission)):
        return True
    return bool(token and token_hash and hmac.compare_digest(token_hash, Conversation.hash_token(token)))
