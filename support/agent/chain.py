"""Brains in order of preference; a brain that fails hands the same turn to the next one.

Events pass through as they come, so a brain's first clause can be spoken before it finishes.
When a brain fails, the chain yields a `Fallback` marker: everything that brain said
(TextDelta) and its reading of the turn (Intent) are void from that point, and the caller drops
the partial text (and tells the client to). What the failed brain *did* stays: its ModelCalled
events (the failed call among them) and ToolCalled events were already yielded and must be
recorded. Its changes to ctx.state are rolled back so the next brain starts from the state the
turn started with.
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass
from typing import Any, Iterator, Sequence

from django.conf import settings

from support.agent.base import BrainError, BrainEvent, ToolRunner, TurnContext

log = logging.getLogger(__name__)


@dataclass
class Fallback:
    """Marker: `from_brain` failed with `error`; drop its partial text, the next brain answers."""

    from_brain: str
    error: str


def stream_with_fallback(
    text: str, ctx: TurnContext, tools: ToolRunner, brains: Sequence[Any]
) -> Iterator[BrainEvent | Fallback]:
    if not brains:
        raise BrainError("no brain configured")
    errors = []
    for brain in brains:
        name = getattr(brain, "name", type(brain).__name__)
        snapshot = copy.deepcopy(ctx.state)
        events = brain.stream(text, ctx, tools)
        try:
            yield from events
            return
        except Exception as exc:  # any failure of one brain is the next brain's turn
            error = str(exc) or type(exc).__name__
            if not isinstance(exc, BrainError):
                log.exception("brain %s crashed", name)
            errors.append(f"{name}: {error}")
            # In place: the caller and the tool runner may hold a reference to this dict.
            ctx.state.clear()
            ctx.state.update(snapshot)
            yield Fallback(from_brain=name, error=error)
        finally:
            # Closes the brain's stream (and its HTTP connection) if our consumer stopped early.
            close = getattr(events, "close", None)
            if close is not None:
                close()
    raise BrainError("every brain failed: " + "; ".join(errors))


def brains_from_settings() -> list:
    """The configured brains, best first: Groq when a key is set, then the offline brain."""
    # Imported here so this module (and its tests) does not depend on the offline brain's package.
    from support.agent.offline.dialogue import OfflineBrain

    brains: list = []
    if settings.GROQ_API_KEY:
        brains.append(_groq_brain(
            settings.GROQ_API_KEY,
            settings.GROQ_MODEL,
            settings.GROQ_BASE_URL or None,
            settings.GROQ_TIMEOUT,
            settings.AGENT_MAX_TOOL_STEPS,
        ))
    brains.append(OfflineBrain())
    return brains


_groq_cache: dict[tuple, Any] = {}


def _groq_brain(api_key: str, model: str, base_url: str | None, timeout: float, max_steps: int):
    # One client per configuration, reused across turns: a fresh client per turn would pay a TLS
    # handshake to Groq every time (~100 ms+). Keyed on the settings so tests can override them.
    from support.agent.groq_brain import GroqBrain

    key = (api_key, model, base_url, timeout, max_steps)
    brain = _groq_cache.get(key)
    if brain is None:
        if len(_groq_cache) >= 8:  # settings changed repeatedly (tests): don't hoard clients
            _groq_cache.clear()
        brain = _groq_cache[key] = GroqBrain(
            api_key=api_key, model=model, base_url=base_url, timeout=timeout, max_steps=max_steps
        )
    return brain
