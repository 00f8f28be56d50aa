"""Speech engines: audio decoding, ASR (faster-whisper, Groq), TTS (Piper, espeak-ng, edge-tts),
text normalisation for speech and the clause chunker. Engines report each provider call as a
records.SpeechCall through an optional `on_call` callback; callers store them as ModelCall rows."""
