"""The stages of the voice pipelines (composed in support/voice/pipeline.py)."""
