from django.db import transaction

from .models import APIKey


@transaction.atomic
def api_key_create(*, name: str, scopes: list[str]) -> tuple[APIKey, str]:
    """Create a key; returns (key row, raw key). The raw key is never stored."""
    raw = APIKey.generate()
    key = APIKey(name=name, prefix=raw[:11], hashed_key=APIKey.hash(raw), scopes=sorted(set(scopes)))
    key.full_clean()
    key.save()
    return key, raw
