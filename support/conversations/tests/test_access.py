"""The one access rule (support.conversations.access): an active API key, staff (with the permission
asked for), or the shopper's own token; nobody else. Real keys, users and conversations."""

import pytest
from django.contrib.auth.models import AnonymousUser, Permission

from support.conversations.access import access_allowed
from support.conversations.selectors import conversation_get_for
from support.conversations.services.lifecycle import conversation_create
from voxsite.core.errors import NotFound
from voxsite.core.services import api_key_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation():
    return conversation_create(channel="web-text")


def test_the_shoppers_token_opens_only_its_own_conversation(conversation):
    conv, token = conversation
    _, other_token = conversation_create(channel="web-text")
    assert access_allowed(token_hash=conv.token_hash, token=token)
    assert not access_allowed(token_hash=conv.token_hash, token=other_token)
    assert not access_allowed(token_hash=conv.token_hash, token="")
    # A record without a token hash (a job queued with an API key) opens with no token at all.
    assert not access_allowed(token_hash="", token="")
    assert not access_allowed(token_hash="", token=token)


def test_an_active_api_key_opens_any_and_a_revoked_one_none(conversation):
    conv, _ = conversation
    key, _ = api_key_create(name="integrator", scopes=["read"])
    assert access_allowed(token_hash=conv.token_hash, api_key=key)
    key.active = False
    key.save()
    assert not access_allowed(token_hash=conv.token_hash, api_key=key)


def test_staff_open_any_holding_the_permission_when_one_is_named(conversation, django_user_model):
    conv, _ = conversation
    staff = django_user_model.objects.create_user(username="agent", password="pw", is_staff=True)
    shopper = django_user_model.objects.create_user(username="shopper", password="pw")
    assert access_allowed(token_hash=conv.token_hash, user=staff)
    assert not access_allowed(token_hash=conv.token_hash, user=shopper)
    assert not access_allowed(token_hash=conv.token_hash, user=AnonymousUser())
    assert not access_allowed(token_hash=conv.token_hash, user=staff, staff_permission="support.view_message")
    staff.user_permissions.add(Permission.objects.get(codename="view_message", content_type__app_label="support"))
    staff = django_user_model.objects.get(pk=staff.pk)  # permissions are cached per instance
    assert access_allowed(token_hash=conv.token_hash, user=staff, staff_permission="support.view_message")


def test_conversation_get_for_answers_a_refusal_as_a_missing_session(conversation):
    conv, token = conversation
    assert conversation_get_for(session_id=conv.pk, token=token) == conv
    with pytest.raises(NotFound) as refused:
        conversation_get_for(session_id=conv.pk, token="not-the-token")
    with pytest.raises(NotFound) as missing:
        conversation_get_for(session_id="00000000-0000-0000-0000-000000000000", token=token)
    assert refused.value.code == missing.value.code == "session_not_found"
