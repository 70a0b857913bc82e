"""The war room's communication keys: copy a generated document, roles, hand off, postmortem.

A mixin for WarRoomScreen (which supplies store, playbook, incident_id, state, now(),
_write() and catch_up()), kept apart so the screen file stays the layout and the timeline.
Keys: y then a letter copies a document (the playbook's copy keys), R roles, H hand off,
ctrl+t refills the handoff pane from the template, P the postmortem screen.
"""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

from textual.binding import Binding

from warroom.core import clipboard, documents
from warroom.core.locations import fallback_dir
from warroom.core.models import ROLE_NAMES
from warroom.core.safetext import one_line
from warroom.core.store import HANDOFF_DRAFT

HANDOFF_GENERATED = HANDOFF_DRAFT + ".generated"  # what the template last produced

# Documents that are records rather than messages to people: copying them does not
# restart the update clock or go on the timeline (a handoff is logged by handing off).
RECORDS = frozenset({"handoff", "postmortem", "timeline"})
# The phase whose start offers the postmortem screen.
POSTMORTEM_PHASE = "postmortem"

COMMS_BINDINGS = [
    Binding("y", "copy_document", "Copy update…"),
    Binding("R", "roles", "Roles"),
    Binding("H", "hand_off", "Hand off"),
    Binding("ctrl+t", "handoff_template", "Handoff from template", show=False),
    Binding("P", "postmortem", "Postmortem"),
]


def _unnumbered(line: str) -> str:
    """A list line without its number: a step done above renumbers the rest, which is no news."""
    return re.sub(r"^\s*\d+\.\s+", "", line)


class CommsActions:
    """Mixed into WarRoomScreen; every write goes through the screen's `_write`."""

    _comms_phase: str | None = None
    _comms_prefilled = False
    # The handoff text last generated from the template; while the pane still holds exactly
    # it (nobody edited it), it follows the incident instead of going stale.
    _handoff_generated: str | None = None
    _handoff_seen_state: object = None

    # ----- copying documents ------------------------------------------------------------

    def _copyable(self) -> list[tuple[str, str, str]]:
        return [(key, spec.title, spec.copy_key) for key, spec in documents.document_specs(self.playbook).items()]

    def action_copy_document(self) -> None:
        from warroom.tui.screens.document_chooser import DocumentChooser

        def chosen(kind: str | None) -> None:
            if kind:
                self.run_worker(self.copy_document(kind), group="comms")

        self.app.push_screen(DocumentChooser(self._copyable()), chosen)

    async def copy_document(self, kind: str) -> None:
        """Preview the document as of now; Enter copies it (and logs an update)."""
        from warroom.tui.screens.document_preview import DocumentPreview

        now = self.now()
        try:
            text = await documents.render_from_store(kind, self.store, self.incident_id, self.playbook, now)
        except Exception as exc:
            self.notify(f"Cannot write the {kind} document: {exc}", severity="error", timeout=10, markup=False)
            return
        spec = documents.document_specs(self.playbook)[kind]

        async def confirmed(final: str | None) -> None:
            if final is not None:
                await self.send_copy(kind, final)

        self.app.push_screen(DocumentPreview(f"{spec.title} · {self.incident_id}", text), confirmed)

    async def send_copy(self, kind: str, text: str, record: bool = True) -> None:
        """Terminal clipboard now; the update on the timeline; the confirmable paths in a thread."""
        self.app.copy_to_clipboard(text)  # OSC 52: on the UI thread, never acknowledged
        if record and kind not in RECORDS:
            await self._write(
                self.store.record_update_sent(self.incident_id, kind, text, self.app.author, self._next_update_at())
            )
        self.run_worker(self._copy_chain(kind, text), group="clipboard")

    def _next_update_at(self):
        if self.state is None:
            return None
        try:
            every = self.playbook.severity(self.state.incident.severity).update_every_minutes
        except KeyError:
            return None
        return self.now() + timedelta(minutes=every)

    async def _copy_chain(self, kind: str, text: str) -> None:
        result = await asyncio.to_thread(
            clipboard.copy_chain,
            text,
            name=f"{self.incident_id}-{kind}",
            fallback_dir=fallback_dir(),
            now=self.now(),
        )
        self.notify(
            result.message(),
            title="Copied" if result.confirmed else "Copy",
            severity="information" if result.confirmed else "warning",
            timeout=12,
            markup=False,  # file paths may hold brackets
        )

    # ----- roles ----------------------------------------------------------------------------

    def action_roles(self) -> None:
        from warroom.tui.screens.roles import RolesScreen, role_holders

        if self.state is None:
            return
        incident = self.state.incident

        def chosen(result: tuple[str, str] | None) -> None:
            if result is not None:
                role, name = result
                self.run_worker(
                    self._write(
                        self.store.set_role(self.incident_id, role, name, self.app.author),
                        f"{ROLE_NAMES[role]}: {one_line(name, 60)}",
                    ),
                    group="comms",
                )

        self.app.push_screen(RolesScreen(role_holders(incident.roles, incident.commander)), chosen)

    # ----- handoff --------------------------------------------------------------------------

    def _handoff_editor(self):
        from warroom.tui.widgets.handoff import HandoffEditor

        return self.query_one(HandoffEditor)

    async def _handoff_template(self) -> str | None:
        try:
            return await documents.render_from_store("handoff", self.store, self.incident_id, self.playbook, self.now())
        except Exception as exc:
            self.notify(f"Cannot write the handoff: {exc}", severity="error", timeout=10, markup=False)
            return None

    async def action_handoff_template(self) -> None:
        """Replace the handoff pane's text with a fresh one from the template (ctrl+z undoes)."""
        text = await self._handoff_template()
        if text is None:
            return
        editor = self._handoff_editor()
        editor.replace(text, (0, 0), editor.document.end)
        self._handoff_generated = text  # untouched from here on, it follows the incident again
        await self._write(self.store.save_text(self.incident_id, HANDOFF_GENERATED, text))
        self.action_pane("handoff")
        editor.move_cursor((0, 0))  # read from the top

    async def action_hand_off(self) -> None:
        from warroom.tui.screens.handoff_dialog import HandoffDialog

        if self.state is None:
            return
        await self.save_handoff_now()
        text = self._handoff_editor().text.strip() or await self._handoff_template()
        if text is None:
            return
        await self._warn_if_handoff_is_stale(text)
        current = self.state.incident.roles.get("commander") or self.state.incident.commander

        async def chosen(result: tuple[str, str] | None) -> None:
            if result is None:
                return
            new, final = result
            done = await self._write(
                self.store.handoff(self.incident_id, new, final, self.app.author), f"Handed off to {one_line(new, 60)}"
            )
            if done is not None:
                await self._offer_copy("handoff", f"Handoff to {new}", final)

        self.app.push_screen(HandoffDialog(current, text), chosen)

    async def _warn_if_handoff_is_stale(self, text: str) -> None:
        """An edited handoff stops following the incident: say which generated lines it still
        holds that the incident has since changed (a status, a severity), before it is sent."""
        generated = self._handoff_generated
        if not generated or text == generated.strip():
            return
        fresh = await self._handoff_template()
        if fresh is None:
            return
        kept, now = {_unnumbered(x) for x in text.splitlines()}, {_unnumbered(x) for x in fresh.splitlines()}
        stale = [
            line
            for line in generated.splitlines()
            if line.strip() and _unnumbered(line) in kept and _unnumbered(line) not in now
        ]
        if stale:
            self.notify(
                f"The handoff text still says {one_line(stale[0], 80)!r}, which is no longer true"
                f"{f' (and {len(stale) - 1} more lines)' if len(stale) > 1 else ''}: fix it below,"
                " or Esc and ctrl+t for a fresh one.",
                title="Handoff out of date",
                severity="warning",
                timeout=15,
                markup=False,
            )

    async def _offer_copy(self, kind: str, title: str, text: str) -> None:
        from warroom.tui.screens.document_preview import DocumentPreview

        async def confirmed(final: str | None) -> None:
            if final is not None:
                await self.send_copy(kind, final, record=False)

        self.app.push_screen(DocumentPreview(title, text), confirmed)

    async def _prefill_handoff(self) -> None:
        """A handoff pane never written for this incident starts from the template (and is saved)."""
        self._comms_prefilled = True
        try:
            saved = await self.store.texts(self.incident_id, HANDOFF_DRAFT)
        except Exception:
            return
        if HANDOFF_DRAFT in saved or self._handoff_editor().text:
            self._handoff_generated = saved.get(HANDOFF_GENERATED)
            return
        text = await self._handoff_template()
        if text is None or self._handoff_editor().text:
            return  # the commander started typing while the template rendered: their words win
        await self._save_generated_handoff(text)
        await self.catch_up(reload_state=True)

    async def _save_generated_handoff(self, text: str) -> None:
        if await self._write(self.store.save_text(self.incident_id, HANDOFF_DRAFT, text)) is None:
            return
        await self._write(self.store.save_text(self.incident_id, HANDOFF_GENERATED, text))
        self._handoff_generated = text

    async def _follow_handoff(self) -> None:
        """Regenerate an untouched handoff draft when the incident changed."""
        if self.state is self._handoff_seen_state or self._handoff_generated is None:
            return
        self._handoff_seen_state = self.state
        editor = self._handoff_editor()
        if editor.has_focus or editor.text != self._handoff_generated:
            return  # the commander's words win
        fresh = documents.render("handoff", self.state, self.playbook, self.now())
        if fresh != self._handoff_generated:
            await self._save_generated_handoff(fresh)
            editor.show(fresh)

    # ----- postmortem -----------------------------------------------------------------------

    async def _comms_watch(self) -> None:
        """After every state load: prefill or refresh the handoff pane, offer the postmortem."""
        if self.state is None:
            return
        if not self._comms_prefilled:
            await self._prefill_handoff()
        await self._follow_handoff()
        phase = self.state.incident.phase
        if self._comms_phase is not None and phase != self._comms_phase and phase == POSTMORTEM_PHASE:
            self.notify("The postmortem phase has started: P opens the postmortem.", title="Postmortem", timeout=15)
        self._comms_phase = phase

    async def action_postmortem(self) -> None:
        from warroom.tui.screens.postmortem import PostmortemScreen

        await self.save_handoff_now()

        async def back(_result: None) -> None:
            await self.catch_up(reload_state=True)

        await self.app.push_screen(PostmortemScreen(self.store, self.incident_id, self.playbook, self.app.clock), back)
