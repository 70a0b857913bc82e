"""The fixed moment the tests run at: 14:55 UTC on 2026-03-10, where the demo's story ends
(snapshots, golden documents, the CLI's children through WARROOM_NOW)."""

from __future__ import annotations

from datetime import UTC, datetime

FIXED_NOW = datetime(2026, 3, 10, 14, 55, 0, tzinfo=UTC)
FIXED_NOW_ISO = "2026-03-10T14:55:00Z"  # the same moment, for WARROOM_NOW
