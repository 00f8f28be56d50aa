"""Admin pages for the live workspace, mounted under the conversation admin
(`ConversationAdmin.get_urls` adds `admin_urls(self)`):

    /admin/support/conversation/live/              live conversations + the handoff queue
    /admin/support/conversation/live/queue/        the handoff queue alone
    /admin/support/conversation/<id>/live/         one conversation: transcript, reply box, takeover
    /admin/support/conversation/<id>/live/<action>/  POST takeover | handback | reply (no-JS fallback;
                                                     the page's script sends the same over the socket)

The pages render what is there now; static/support/staff/live.js keeps them current from
`/ws/staff/live`.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from voxsite.core.errors import DomainError

from ...models import Conversation
from ..permissions import staff_can_take_over, staff_can_watch
from ..selectors import handoff_queue, live_conversations, live_transcript
from ..services import conversation_handback, conversation_takeover, staff_reply

ACTIONS = ("takeover", "handback", "reply")


def _context(admin_site, request, **extra):
    return {
        **admin_site.each_context(request),
        "opts": Conversation._meta,
        "ws_path": "/ws/staff/live",
        "can_take_over": staff_can_take_over(request.user),
        **extra,
    }


def _require_watch(request) -> None:
    if not staff_can_watch(request.user):
        raise PermissionDenied


def live_list(request, admin_site):
    _require_watch(request)
    return TemplateResponse(request, "admin/support/live.html", _context(
        admin_site, request, title="Live conversations", conversations=list(live_conversations()),
        queue=list(handoff_queue()[:50]),
    ))


def live_queue(request, admin_site):
    _require_watch(request)
    return TemplateResponse(request, "admin/support/live_queue.html", _context(
        admin_site, request, title="Waiting for a human", queue=list(handoff_queue()[:200]),
    ))


def live_conversation(request, pk, admin_site):
    _require_watch(request)
    conv = get_object_or_404(Conversation.objects.select_related("customer", "taken_over_by"), pk=pk)
    transcript = live_transcript(conversation=conv)
    return TemplateResponse(request, "admin/support/live_conversation.html", _context(
        admin_site, request, title=f"Live: conversation {str(conv.pk)[:8]}", conversation=conv, transcript=transcript,
        last_id=transcript[-1].pk if transcript else 0, mine=conv.taken_over_by_id == request.user.pk,
    ))


@require_POST
def live_action(request, pk, action, admin_site):
    if action not in ACTIONS:
        raise Http404
    if not staff_can_take_over(request.user):
        raise PermissionDenied
    conv = get_object_or_404(Conversation, pk=pk)
    try:
        if action == "takeover":
            conversation_takeover(conversation=conv, user=request.user)
            messages.success(request, "You are answering this conversation; the assistant is paused.")
        elif action == "handback":
            conversation_handback(conversation=conv, user=request.user)
            messages.success(request, "Handed back: the assistant answers again.")
        else:
            staff_reply(conversation=conv, user=request.user, text=request.POST.get("text", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(reverse(f"{admin_site.name}:support_conversation_live_detail", args=[conv.pk]))


def admin_urls(model_admin) -> list:
    site = model_admin.admin_site

    def view(fn):
        def wrapped(request, *args, **kwargs):
            return fn(request, *args, admin_site=site, **kwargs)

        return site.admin_view(wrapped)

    return [
        path("live/", view(live_list), name="support_conversation_live"),
        path("live/queue/", view(live_queue), name="support_conversation_live_queue"),
        path("<uuid:pk>/live/", view(live_conversation), name="support_conversation_live_detail"),
        path("<uuid:pk>/live/<str:action>/", view(live_action), name="support_conversation_live_action"),
    ]
