"""`WS /api/voice/stream` protocol handling and bad input, against the real ASGI application."""

import asyncio
import json

import pytest
from channels.testing import WebsocketCommunicator

from voxsite.asgi import application

pytestmark = [pytest.mark.django_db(transaction=True)]


async def connect(path="/api/voice/stream?language=en&mode=ptt", headers=None):
    comm = WebsocketCommunicator(application, path, headers=headers or [])
    connected, _ = await comm.connect(timeout=10)
    assert connected
    return comm


async def receive_until(comm, kind, timeout=15):
    """Collect JSON events until one of type `kind` arrives (binary audio frames are counted)."""
    events, audio = [], 0
    while True:
        out = await comm.receive_output(timeout=timeout)
        if out["type"] == "websocket.close":
            events.append({"type": "_closed", "code": out.get("code")})
            return events, audio
        if out.get("bytes") is not None:
            audio += len(out["bytes"])
            continue
        event = json.loads(out["text"])
        events.append(event)
        if event["type"] == kind:
            return events, audio


async def test_session_event_first():
    comm = await connect()
    session = await comm.receive_json_from(timeout=10)
    assert session["type"] == "session"
    assert session["session_id"] and session["token"]
    assert session["output_audio"]["encoding"] == "pcm_s16le"
    assert session["output_audio"]["sample_rate"] > 0
    await comm.disconnect()


@pytest.mark.parametrize(
    "payload,code",
    [
        ("{not json", "malformed_json"),
        ("[1, 2]", "invalid_message"),
        ('{"type": "dance"}', "unknown_type"),
        ('{"type": "start", "sample_rate": 123}', "bad_sample_rate"),
        ('{"type": "start", "sample_rate": "fast"}', "bad_sample_rate"),
        ('{"type": "start", "language": "fr"}', "bad_language"),
        ('{"type": "text", "text": ""}', "text_empty"),
    ],
)
async def test_bad_json_messages_get_error_events(payload, code):
    comm = await connect()
    await comm.receive_json_from(timeout=10)
    await comm.send_to(text_data=payload)
    event = await comm.receive_json_from(timeout=10)
    assert event == {"type": "error", "code": code, "detail": event["detail"]}
    # The connection stays usable.
    await comm.send_json_to({"type": "ping", "t": 1})
    assert (await comm.receive_json_from(timeout=10))["type"] == "pong"
    await comm.disconnect()


async def test_bad_binary_frames():
    comm = await connect()
    await comm.receive_json_from(timeout=10)
    await comm.send_to(bytes_data=b"\x00\x01\x02")
    assert (await comm.receive_json_from(timeout=10))["code"] == "odd_length_frame"
    await comm.send_to(bytes_data=b"\x00" * 70000)
    assert (await comm.receive_json_from(timeout=10))["code"] == "frame_too_large"
    await comm.disconnect()


async def test_bad_query_parameters_close_with_code():
    comm = WebsocketCommunicator(application, "/api/voice/stream?sample_rate=5&language=en")
    connected, _ = await comm.connect(timeout=10)
    assert connected
    error = await comm.receive_json_from(timeout=10)
    assert error["code"] == "bad_parameters"
    closed = await comm.receive_output(timeout=10)
    assert closed["type"] == "websocket.close" and closed["code"] == 4400


async def test_flood_is_rate_limited_then_closed(settings):
    settings.VOICE_MAX_MESSAGES_PER_S = 5
    settings.VOICE_MAX_VIOLATIONS = 3
    comm = await connect()
    await comm.receive_json_from(timeout=10)
    for i in range(30):
        await comm.send_json_to({"type": "ping", "t": i})
    events, _ = await receive_until(comm, "_never_", timeout=10)
    codes = [e.get("code") for e in events if e["type"] == "error"]
    assert "rate_limited" in codes and "too_many_errors" in codes
    assert events[-1] == {"type": "_closed", "code": 4429}


async def test_audio_faster_than_real_time_is_refused(settings):
    comm = await connect()
    await comm.receive_json_from(timeout=10)
    chunk = b"\x00\x00" * 16000  # one second of silence
    for _ in range(30):  # thirty seconds at once: beyond the 20 s burst and the 4x allowance
        await comm.send_to(bytes_data=chunk)
    events, _ = await receive_until(comm, "error", timeout=10)
    assert events[-1]["code"] == "rate_limited"
    await comm.disconnect()


async def test_unknown_or_foreign_session_is_refused():
    comm = WebsocketCommunicator(application, "/api/voice/stream?session_id=6f1c3f4e-1111-4e2a-9a55-0123456789ab&token=x")
    connected, _ = await comm.connect(timeout=10)
    assert connected
    assert (await comm.receive_json_from(timeout=10))["code"] == "session_not_found"
    closed = await comm.receive_output(timeout=10)
    assert closed["code"] == 4404


async def test_foreign_origin_is_refused():
    comm = WebsocketCommunicator(application, "/api/voice/stream",
                                 headers=[(b"origin", b"http://evil.example"), (b"host", b"shop.example")])
    connected, _ = await comm.connect(timeout=10)
    assert not connected


async def test_other_sessions_unaffected_by_a_bad_client():
    good = await connect()
    bad = await connect()
    await good.receive_json_from(timeout=10)
    await bad.receive_json_from(timeout=10)
    await asyncio.gather(*(bad.send_to(text_data="{garbage") for _ in range(10)))
    await good.send_json_to({"type": "ping", "t": "ok"})
    assert (await good.receive_json_from(timeout=10)) == {"type": "pong", "t": "ok"}
    await good.disconnect()
    await bad.disconnect()
