"""The conversation's channel-layer group works across processes through the real Redis."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from channels.testing import WebsocketCommunicator
from django.conf import settings

from voxsite.asgi import application

pytestmark = [pytest.mark.redis, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[3]

INJECT = """
import asyncio, os, sys
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "voxsite.settings")
django.setup()
from channels.layers import get_channel_layer
from support.voice.consumer import conversation_group

async def main():
    layer = get_channel_layer()
    await layer.group_send(conversation_group(sys.argv[1]),
                           {"type": "conversation.say", "text": "Hello from another process.", "language": "en"})
    await layer.close_pools()

asyncio.run(main())
"""


async def test_another_process_speaks_through_the_conversation_group():
    assert "RedisChannelLayer" in settings.CHANNEL_LAYERS["default"]["BACKEND"]
    comm = WebsocketCommunicator(application, "/api/voice/stream?language=en&mode=ptt")
    connected, _ = await comm.connect(timeout=30)
    assert connected
    session = await comm.receive_json_from(timeout=30)
    env = {**os.environ, "VOICE_WARMUP": "false", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", INJECT, session["session_id"]], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    audio, events = 0, []
    while True:
        out = await comm.receive_output(timeout=30)
        if out.get("bytes"):
            audio += len(out["bytes"])
            continue
        events.append(json.loads(out["text"]))
        if events[-1]["type"] == "end":
            break
    assert {"type": "staff_message", "text": "Hello from another process.", "turn": 1} in events
    assert audio > 0
    await comm.disconnect()
