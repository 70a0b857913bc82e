"""Ids made by the writer, so a retried write never duplicates and writers can merge."""

from __future__ import annotations

import os
import time

_CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"


def uuid7() -> str:
    """A UUIDv7 (RFC 9562): 48-bit Unix milliseconds, then random bits; sorts by time."""
    ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76  # version
    value |= (rand >> 68 & 0xFFF) << 64  # rand_a, 12 bits
    value |= 0b10 << 62  # variant
    value |= rand & ((1 << 62) - 1)  # rand_b
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def incident_id(day: str) -> str:
    """A short id a commander can type: INC-<yyyymmdd>-<4 random base32 chars>."""
    # os.urandom, not secrets: the id need not be secret, and `secrets` costs every shell call ~4 ms.
    suffix = "".join(_CROCKFORD[byte % 32] for byte in os.urandom(4))
    return f"INC-{day}-{suffix}"
