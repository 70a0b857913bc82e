"""When Python's cyclic garbage collector may run in the war room: not while it starts, not
between a keystroke and the frame that shows it, and never again over what lives as long as the
process.

Textual's strips keep themselves in their own caches, so every frame leaves cyclic garbage,
and a full pass walks every object alive (Textual, pydantic, the widgets, the state). Reference
counting frees everything else at once; only cycles wait for the collector.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from time import monotonic

# ----- start-up -------------------------------------------------------------------------------

_starting = False  # the collector turned off by `starting`, until the first frame


@contextmanager
def starting() -> Iterator[None]:
    """No collection from here (before the playbook and Textual are imported) to the first
    frame: start-up allocates hundreds of thousands of objects that live as long as the
    process, and each full pass on the way walked all of them again (a tenth of the first
    frame's CPU time). `first_frame_shown` turns it on again; leaving the block does, if the
    screen never came (an error, a test's app)."""
    global _starting
    if not gc.isenabled():  # turned off by someone else: theirs to turn on
        yield
        return
    gc.disable()
    _starting = True
    try:
        yield
    finally:
        if _starting:
            _starting = False
            gc.enable()


def first_frame_shown() -> None:
    """The first screen is on: what start-up built is moved out of the collector's sight
    (gc.freeze: it lives as long as the process) and the collector runs again. The cycles start-up
    left (~3,000 objects, 0.3-0.6 MB) are frozen with it, once: collecting them first would cost
    a full pass (20-30 ms) just as the first keys come."""
    global _starting
    if _starting:
        _starting = False
        gc.freeze()
        gc.enable()


# ----- the first incident on screen -------------------------------------------------------------

_frozen = False


def freeze_long_lived() -> None:
    """Once a process: what is alive when the first incident is on screen (its first state with
    the rest) lives as long as the process, and is moved out of the collector's sight. Its full
    passes walked it all: 50-110 ms on one keystroke in eight at 100,000 events (15-30 ms after)."""
    global _frozen
    if not _frozen:
        _frozen = True
        gc.freeze()


# ----- one keystroke --------------------------------------------------------------------------

# The longest the collector is held off for one keystroke (a frame that never comes, a screen
# torn down): then it runs again anyway.
HOLD_SECONDS = 1.0
_held_at: float | None = None  # when the collector was turned off by hold_collector


def hold_collector(after_refresh: Callable[[Callable[[], None]], object]) -> Callable[[], None]:
    """No cyclic collection from a keystroke (Enter in the entry line) to the frame that shows
    what it did: a collection fell inside one keystroke in two (gen1 2-3 ms; gen2 15-20 ms at
    100,000 events, one keystroke in eight). Returns `release`: call it once the work is handed
    to the screen; the collector runs again after the next frame (`after_refresh`), or after
    HOLD_SECONDS at the latest, and collects what was put off then."""
    global _held_at
    release_stale()
    if not gc.isenabled():  # held already, or turned off by someone else: theirs to turn on
        return lambda: None
    gc.disable()
    _held_at = held = monotonic()

    def resume() -> None:
        global _held_at
        if _held_at == held:  # not already resumed (by the frame, the deadline or release_stale)
            _held_at = None
            gc.enable()

    def release() -> None:
        try:
            after_refresh(resume)
            asyncio.get_running_loop().call_later(HOLD_SECONDS, resume)
        except Exception:  # no screen or loop to wait on (torn down): on again now
            resume()

    return release


def release_stale() -> None:
    """The collector held off for longer than HOLD_SECONDS (its loop closed before the frame
    came): on again."""
    global _held_at
    if _held_at is not None and monotonic() - _held_at > HOLD_SECONDS:
        _held_at = None
        gc.enable()
