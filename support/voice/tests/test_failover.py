"""A web process dies mid-reply (README "Scaling out"): `manage.py serve --workers 2` on PostgreSQL
and Redis, a live voice conversation, SIGKILL to the process holding its socket while the reply
is being spoken; the shopper reconnects as the widget does and the conversation goes on."""

from __future__ import annotations

import json
import os
import signal
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

# The offline brain's answer is a few sentences of the seeded returns policy: several clauses of
# speech, so the reply is still being spoken when its process is killed.
QUESTION = "What is your return policy?"
BACKOFF_S = (0.5, 1, 2, 4, 8, 8, 8, 8)  # the widget's schedule, without its jitter


def database_url() -> str:
    db = settings.DATABASES["default"]  # the test database: the server writes where this test reads
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def socket_owner(pids: list[int], server_port: int, client_port: int) -> int:
    """The process holding the server end of the TCP connection from `client_port`: its inode in
    /proc/net/tcp, then the process with that socket open."""
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote = fields[1], fields[2]
        if int(local.split(":")[1], 16) == server_port and int(remote.split(":")[1], 16) == client_port:
            inode = fields[9]
    assert inode, "the connection is not in /proc/net/tcp"
    for pid in pids:
        try:
            fds = list(Path(f"/proc/{pid}/fd").iterdir())
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(fd) == f"socket:[{inode}]":
                    return pid
            except OSError:
                continue
    raise AssertionError(f"no server process holds socket {inode}")


def reconnect(url: str):
    """As the widget does: try again after 0.5, 1, 2, 4, 8 ... seconds."""
    import websocket

    for delay in BACKOFF_S:
        time.sleep(delay)
        try:
            return websocket.create_connection(url, timeout=60)
        except (OSError, websocket.WebSocketException):
            continue
    raise AssertionError("could not reconnect within a minute")


def read_until(ws, kind: str, events: list, audio: list) -> float:
    """Events and audio until `kind`; returns when the audio will have finished playing."""
    started = None
    while True:
        frame = ws.recv()
        if isinstance(frame, bytes):
            started = started or time.monotonic()
            audio.append(frame)
            continue
        events.append(json.loads(frame))
        if events[-1]["type"] == kind:
            return (started or time.monotonic()) + sum(map(len, audio)) / 2 / settings.TTS_SAMPLE_RATE


def listen(until: float) -> None:
    """Let the reply play out: a shopper who types over it interrupts it (and it is stored as heard)."""
    time.sleep(max(0.0, until - time.monotonic()) + 0.5)


def test_killing_the_process_mid_reply_loses_nothing(tmp_path):
    import websocket

    from bench.common import Server
    from support.models import Conversation, Message

    env = {"DATABASE_URL": database_url(), "REDIS_URL": settings.REDIS_URL, "VOICE_WARMUP": "false"}
    with Server(extra_env=env, workers=2, quiet=True) as server:
        url = f"{server.ws_url}/api/voice/stream?language=en&mode=ptt"
        ws = websocket.create_connection(url, timeout=60)
        session = json.loads(ws.recv())
        sid, token = session["session_id"], session["token"]
        assert session["type"] == "session" and token

        # A first turn completes normally on whichever process has the socket; the assistant
        # asks a question of its own (the phone number), kept in the conversation's state.
        ws.send(json.dumps({"type": "text", "text": "Where is my order ORD-1042?"}))
        first: list = []
        listen(read_until(ws, "end", first, []))
        greeting = next(e for e in first if e["type"] == "reply")
        assert "phone number" in greeting["text"]

        # The long answer: kill the process that holds the socket as soon as its audio streams.
        ws.send(json.dumps({"type": "text", "text": QUESTION}))
        before, audio = [], []
        while not audio:
            frame = ws.recv()
            (audio.append(frame) if isinstance(frame, bytes) else before.append(json.loads(frame)))
        assert not [e for e in before if e["type"] in ("reply", "end")], "the reply ended before the kill"
        workers = server.pids()[1:]
        victim = socket_owner(workers, server.port, ws.sock.getsockname()[1])
        os.kill(victim, signal.SIGKILL)
        with pytest.raises((websocket.WebSocketException, OSError)):
            while True:
                ws.recv()
        ws.close()

        # The widget reconnects with its session and token and the same language.
        ws = reconnect(f"{url}&session_id={sid}&token={token}")
        resumed = json.loads(ws.recv())
        assert resumed["type"] == "session" and resumed["session_id"] == sid and resumed["resumed"] is True
        assert resumed["token"] is None and resumed["language"] == "en"
        pending = resumed["pending"]
        assert pending and pending["text"] == QUESTION and pending["language"] == "en"
        # The offline brain stores its reply before the speech is done: it is said again, whole.
        assert pending["answer"] == "repeat", pending
        events, audio_after = [], []
        played = read_until(ws, "end", events, audio_after)
        reply = next(e for e in events if e["type"] == "reply")
        assert reply["resumed"] is True and reply["language"] == greeting["language"] == "en"
        assert "return" in reply["text"].lower() and sum(map(len, audio_after)) > 0
        assert reply["text"] == pending["reply"]
        new_worker = socket_owner(server.pids()[1:], server.port, ws.sock.getsockname()[1])
        assert new_worker != victim

        # The conversation goes on from where it was: the survivor knows what the assistant asked.
        listen(played)
        ws.send(json.dumps({"type": "text", "text": "3123"}))
        after: list = []
        read_until(ws, "end", after, [])
        ws.close()
        tracked = next(e for e in after if e["type"] == "reply")["text"]
        assert "ORD-1042" in tracked and "shipped" in tracked.lower()

        request = urllib.request.Request(f"{server.http_url}/api/conversation/history/{sid}",
                                         headers={"X-Session-Token": token})
        with urllib.request.urlopen(request, timeout=30) as resp:
            history = json.load(resp)
        said = [(m["role"], m["text"]) for m in history["messages"] if m["role"] in ("user", "assistant")]
        assert said == [
            ("user", "Where is my order ORD-1042?"), ("assistant", greeting["text"]),
            ("user", QUESTION), ("assistant", reply["text"]),
            ("user", "3123"), ("assistant", tracked),
        ], said
        assert not any(m["interrupted"] for m in history["messages"])
        conv = Conversation.objects.get(pk=sid)
        assert conv.language == "en" and conv.messages.filter(role=Message.Role.USER).count() == 3
