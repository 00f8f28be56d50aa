"""The live view's admin pages: who may open them, what they show, and the no-JS action forms."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from support.models import Conversation, Message
from support.conversations.services.lifecycle import conversation_handoff
from support.desk.testing import staff_user_create
from voxsite.core.models import AuditLog

from support.conversations.tests.factories import ConversationFactory, MessageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent(client):
    user = staff_user_create(username="asha")
    client.force_login(user)
    return user


def pages(conv):
    return [
        reverse("admin:support_conversation_live"),
        reverse("admin:support_conversation_live_queue"),
        reverse("admin:support_conversation_live_detail", args=[conv.pk]),
    ]


def test_anonymous_visitors_are_sent_to_the_login(client):
    conv = ConversationFactory()
    for url in pages(conv):
        resp = client.get(url)
        assert resp.status_code == 302 and "/admin/login/" in resp["Location"]


def test_non_staff_and_staff_without_permission_are_refused(client):
    conv = ConversationFactory()
    shopper = get_user_model().objects.create_user(username="shopper", password="x")
    client.force_login(shopper)
    for url in pages(conv):
        assert client.get(url).status_code == 302  # not staff: the admin asks for a staff login
    client.force_login(staff_user_create(username="clerk", can_watch=False, can_take_over=False))
    for url in pages(conv):
        assert client.get(url).status_code == 403
    url = reverse("admin:support_conversation_live_action", args=[conv.pk, "takeover"])
    assert client.post(url).status_code == 403


def test_watchers_cannot_act(client):
    conv = ConversationFactory()
    client.force_login(staff_user_create(username="viewer", can_take_over=False))
    assert client.get(pages(conv)[2]).status_code == 200
    for action in ("takeover", "handback", "reply"):
        assert client.post(reverse("admin:support_conversation_live_action", args=[conv.pk, action]),
                           {"text": "hi"}).status_code == 403
    conv.refresh_from_db()
    assert conv.taken_over_by is None and not AuditLog.objects.exists()


def test_live_list_shows_conversations_and_the_queue(client, agent, django_assert_num_queries):
    convs = [ConversationFactory() for _ in range(5)]
    for conv in convs:
        MessageFactory(conversation=conv, role="user", text=f"question from {str(conv.pk)[:8]}")
    waiting = ConversationFactory()
    conversation_handoff(conversation=waiting, reason="human please")
    # Session, user, user and group permissions, the list, the queue: no query per row.
    with django_assert_num_queries(6):
        resp = client.get(reverse("admin:support_conversation_live"))
    assert resp.status_code == 200
    html = resp.content.decode()
    for conv in convs:
        assert f'data-session-id="{conv.pk}"' in html and f"question from {str(conv.pk)[:8]}" in html
    queue = html.split('class="vx-queue"')[1].split("</table>")[0]
    assert str(waiting.pk) in queue and str(convs[0].pk) not in queue
    assert 'src="/static/support/staff/live.js"' in html and 'data-ws="/ws/staff/live"' in html


def test_live_list_query_count_does_not_grow_with_rows(client, agent):
    def count():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("admin:support_conversation_live")).status_code == 200
        return len(ctx)

    ConversationFactory()
    few = count()
    for _ in range(10):
        MessageFactory(conversation=ConversationFactory(), role="user")
    assert count() == few


def test_queue_page_lists_waiting_shoppers(client, agent):
    conv = ConversationFactory()
    conversation_handoff(conversation=conv, reason="human please")
    resp = client.get(reverse("admin:support_conversation_live_queue"))
    assert resp.status_code == 200 and f'data-session-id="{conv.pk}"' in resp.content.decode()


def test_conversation_page_and_the_action_forms(client, agent):
    conv = ConversationFactory()
    MessageFactory(conversation=conv, role="user", text="Where is my parcel?")
    detail = reverse("admin:support_conversation_live_detail", args=[conv.pk])
    html = client.get(detail).content.decode()
    assert "Where is my parcel?" in html and "Take over" in html
    assert f'data-last-id="{conv.messages.get().pk}"' in html

    def act(action, **data):
        return client.post(reverse("admin:support_conversation_live_action", args=[conv.pk, action]), data)

    assert act("takeover").status_code == 302
    conv.refresh_from_db()
    assert conv.taken_over_by == agent
    assert act("reply", text="Hello, this is Asha.")["Location"] == detail
    assert conv.messages.filter(role=Message.Role.STAFF, author="asha", text="Hello, this is Asha.").exists()
    assert act("handback").status_code == 302
    assert list(AuditLog.objects.order_by("id").values_list("action", flat=True)) == [
        "conversation.takeover", "conversation.handback"]
    # A refused action is reported on the page, not raised.
    resp = act("reply", text="Still there?")
    assert resp.status_code == 302
    page = client.get(detail).content.decode()
    assert "Take the conversation over before replying" in page
    assert act("dance").status_code == 404
    assert client.get(reverse("admin:support_conversation_live_action", args=[conv.pk, "takeover"])).status_code == 405


def test_unknown_conversation_is_404(client, agent):
    assert client.get(reverse("admin:support_conversation_live_detail",
                              args=["6f1c3f4e-1111-4e2a-9a55-0123456789ab"])).status_code == 404


def test_the_conversation_change_page_links_to_the_live_view(client, agent):
    conv = ConversationFactory()
    resp = client.get(reverse("admin:support_conversation_change", args=[conv.pk]))
    assert resp.status_code == 200
    assert reverse("admin:support_conversation_live_detail", args=[conv.pk]) in resp.content.decode()
    assert Conversation.objects.count() == 1


def test_the_support_agents_group_may_watch_and_take_over(client):
    from django.contrib.auth.models import Group

    user = get_user_model().objects.create_user(username="agent", password="x", is_staff=True)
    user.groups.add(Group.objects.get(name="Support agents"))
    client.force_login(user)
    conv = ConversationFactory()
    assert client.get(reverse("admin:support_conversation_live")).status_code == 200
    client.post(reverse("admin:support_conversation_live_action", args=[conv.pk, "takeover"]))
    conv.refresh_from_db()
    assert conv.taken_over_by == user
