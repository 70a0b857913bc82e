"""The event kinds a person (or a script) may log.

Stdlib only and tiny: `warroom log` validates --kind against it without importing
pydantic (warroom.core.models re-exports it for everything else).
"""

from __future__ import annotations

USER_KINDS: tuple[str, ...] = (
    "note",
    "action",
    "decision",
    "change",
    "alert",
    "comms",
    "hypothesis",
)
