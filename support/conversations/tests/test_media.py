"""Stored audio is private: only staff, the integrator key or the conversation's shopper token open it."""

import pytest
from django.core.files.base import ContentFile
from rest_framework.test import APIClient

from support.models import Message
from support.conversations.services.lifecycle import conversation_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def voiced():
    conv, token = conversation_create(channel="web-voice")
    msg = Message(conversation=conv, role="user", text="hello", audio_mime="audio/wav")
    msg.audio.save("clip.wav", ContentFile(b"RIFF....WAVEdata"), save=True)
    return msg, token, "/media/" + msg.audio.name


def test_anonymous_and_wrong_token_get_404(client, voiced):
    _, _, url = voiced
    assert client.get(url).status_code == 404
    assert client.get(url, {"token": "guess"}).status_code == 404


def test_the_shoppers_token_opens_its_own_audio(client, voiced):
    msg, token, url = voiced
    resp = client.get(url, {"token": token})
    assert resp.status_code == 200 and resp["Content-Type"] == "audio/wav"
    assert b"".join(resp.streaming_content) == b"RIFF....WAVEdata"
    other, other_token = conversation_create(channel="web-voice")
    assert client.get(url, {"token": other_token}).status_code == 404


def test_integrator_key_and_staff_with_permission(client, voiced, api_key_factory, admin_user, django_user_model):
    _, _, url = voiced
    _, raw = api_key_factory(scopes=("read",))
    assert APIClient().get(url, HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    client.force_login(admin_user)
    assert client.get(url).status_code == 200
    client.force_login(django_user_model.objects.create_user("nobody", is_staff=True))
    assert client.get(url).status_code == 404


def test_unknown_paths_and_deleted_files(client, voiced, admin_user):
    msg, token, url = voiced
    client.force_login(admin_user)
    assert client.get("/media/audio/../../db.sqlite3").status_code == 404
    assert client.get("/media/nothing.wav").status_code == 404
    msg.audio.storage.delete(msg.audio.name)
    assert client.get(url).status_code == 404
