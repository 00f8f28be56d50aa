"""Voice: the real-time pipeline (WebSocket), REST voice turns and batch transcription, on shared
stages (see pipeline.py)."""
