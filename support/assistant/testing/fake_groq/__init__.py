"""A Groq-compatible HTTP server on 127.0.0.1 that plays scripted responses.

The real `groq` client talks to it over real sockets (its `base_url` is the host root; the client
appends /openai/v1/chat/completions), so tests exercise the SDK's own streaming, error mapping and
timeouts rather than a mock of them.

    with FakeGroq() as fake:
        fake.push(tool_call_reply(("track_order", {"order_number": "1042"})), text_reply("It ships today."))
        brain = GroqBrain(api_key="test", model="m", base_url=fake.base_url, timeout=2, max_steps=3)
        ...
        assert fake.requests[1].messages[-1]["role"] == "tool"

A scripted reply is a `Reply` or a callable `(RecordedRequest) -> Reply` (to answer based on what
was asked, e.g. text when `tool_choice == "none"`). `text_reply`/`tool_call_reply` answer in the
format the request asked for: an SSE stream when `"stream": true`, otherwise one JSON completion.
When the queue is empty the server answers `default` (500 unless given), so a test that expected
fewer calls fails loudly instead of hanging.
"""

from support.assistant.testing.fake_groq.replies import (
    CHAT_PATH,
    MODEL,
    AnswerReply,
    Hang,
    JSONReply,
    RecordedRequest,
    Reply,
    Script,
    SSEReply,
    ToolCallSpec,
    error_reply,
    hang_reply,
    malformed_reply,
    rate_limited_reply,
    split_text,
    stalled_reply,
    text_reply,
    tool_call_reply,
    truncated_reply,
)
from support.assistant.testing.fake_groq.server import FakeGroq

__all__ = [
    "CHAT_PATH", "MODEL", "AnswerReply", "FakeGroq", "Hang", "JSONReply", "RecordedRequest", "Reply", "Script",
    "SSEReply", "ToolCallSpec", "error_reply", "hang_reply", "malformed_reply", "rate_limited_reply", "split_text",
    "stalled_reply", "text_reply", "tool_call_reply", "truncated_reply",
]
