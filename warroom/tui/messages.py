"""Messages that cross screens: they go up to the App, which decides what is on screen."""

from __future__ import annotations

from textual.message import Message


class OpenIncident(Message):
    """Show the war room for this incident."""

    def __init__(self, incident_id: str) -> None:
        super().__init__()
        self.incident_id = incident_id


class DeclareIncident(Message):
    """Show the declare screen; Escape there goes back to `back_to`'s war room (else the list)."""

    def __init__(self, back_to: str | None = None) -> None:
        super().__init__()
        self.back_to = back_to


class ShowIncidents(Message):
    """Show the switcher listing the open incidents."""
