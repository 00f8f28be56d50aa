"""A voice turn cut off by a server process that died (or a connection that dropped) before the
answer had been spoken to the end: found when the shopper's widget resumes the conversation,
usually on another process (README "Scaling out", "Real-time voice protocol").

The shopper asked something and did not get the whole answer, so the resumed connection answers
it, after a short "sorry, we were cut off": the stored reply again when the brain had finished it
(re-running the brain could repeat a tool that writes), or the brain's answer to the stored
question when it had not. Nothing stored is stored twice.
"""

from __future__ import annotations

from typing import Any

from ..models import Conversation, Message

CUT_OFF = {
    "en": "Sorry, we were cut off.",
    "hi": "माफ़ कीजिए, कनेक्शन कट गया था।",
    "bn": "দুঃখিত, সংযোগ কেটে গিয়েছিল।",
    "mr": "माफ करा, कनेक्शन तुटले होते.",
}

# A reply spoken to the end over the socket gets the turn's measurements (support.voice's
# voice_turn_store), and `eos_to_first_token_ms` is always among them (a reply always streams
# text); the REST voice endpoints answer in their response and record `tts_ms`. A web-voice
# conversation's reply with neither was cut off. (REST text turns are never judged: their
# conversations are web-text or api.)
DELIVERED_KEYS = ("eos_to_first_token_ms", "tts_ms")


def pending_turn_get(*, session_id: str) -> dict[str, Any] | None:
    """The shopper's last turn when its answer was cut off, as plain data, else None.

    `answer`: "again" when no reply was stored (the brain had not finished: run it for the stored
    question), "repeat" when the reply was stored but never spoken to the end (say it again).
    A reply the shopper interrupted, a conversation a staff member has taken over, or one whose
    last word was the assistant's (or staff's) in full has nothing pending."""
    conv = Conversation.objects.filter(pk=session_id).only("pk", "channel", "language", "status", "taken_over_by_id").first()
    if conv is None or conv.taken_over_by_id is not None:
        return None
    last_two = list(
        conv.messages.filter(role__in=[Message.Role.USER, Message.Role.ASSISTANT, Message.Role.STAFF])
        .order_by("-created_at", "-id")
        .only("pk", "role", "text", "language", "interrupted", "timings")[:2]
    )
    if not last_two:
        return None
    last = last_two[0]
    if last.role == Message.Role.USER:
        question, reply = last, None
    elif (last.role == Message.Role.ASSISTANT and conv.channel == Conversation.Channel.WEB_VOICE and last.text
          and not last.interrupted and not any(k in (last.timings or {}) for k in DELIVERED_KEYS)
          and len(last_two) == 2 and last_two[1].role == Message.Role.USER):
        question, reply = last_two[1], last
    else:
        return None
    language = (reply or question).language or conv.language
    return {
        "answer": "repeat" if reply else "again",
        "message_id": question.pk,
        "text": question.text,
        "language": language,
        "reply_id": reply.pk if reply else None,
        "reply": reply.text if reply else "",
        "notice": CUT_OFF.get(language, CUT_OFF["en"]),
        "status": conv.status,
    }
