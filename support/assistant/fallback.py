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
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Iterator, Sequence

from django.conf import settings

from support.assistant.brain import BrainError, BrainEvent, ToolRunner, TurnContext
from support.assistant.offline.dialogue import OfflineBrain

if TYPE_CHECKING:
    from support.assistant.groq_brain import GroqBrain

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
    brains: list = []
    if settings.GROQ_API_KEY:
        brains.append(groq_brain_build(
            api_key=settings.GROQ_API_KEY,
            model=settings.GROQ_MODEL,
            base_url=settings.GROQ_BASE_URL or None,
            timeout=settings.GROQ_TIMEOUT,
            max_steps=settings.AGENT_MAX_TOOL_STEPS,
        ))
    brains.append(OfflineBrain())
    return brains


# One client per configuration, reused across turns: a fresh client per turn would pay a TLS
# handshake to Groq every time (~100 ms+). Keyed on the settings so tests can override them; a few
# entries, so settings changed repeatedly (tests) do not hoard clients.
@lru_cache(maxsize=8)
def groq_brain_build(*, api_key: str, model: str, base_url: str | None, timeout: float, max_steps: int) -> GroqBrain:
    # A heavy optional import (the groq SDK, ~0.3 s): loaded only where a Groq key is set.
    from support.assistant.groq_brain import GroqBrain

    return GroqBrain(api_key=api_key, model=model, base_url=base_url, timeout=timeout, max_steps=max_steps)
