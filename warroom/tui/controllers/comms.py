"""The war room's communication keys: copy a generated document, roles, hand off, postmortem.

Keys: y then a letter copies a document (the playbook's copy keys), R roles, H hand off,
ctrl+t refills the handoff pane from the template, P the postmortem screen. The handoff
pane starts from the template and, while nobody edits it, follows the incident.
Documents and phases are found by their role in the playbook, never by their key.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from textual.worker import Worker

from warroom.core.errorlog import report
from warroom.core.locations import fallback_dir
from warroom.core.models import ROLE_NAMES
from warroom.core.operations import Operations
from warroom.core.safetext import one_line
from warroom.core.store import HANDOFF_DRAFT
from warroom.core.timeutil import from_db
from warroom.tui.controllers.base import Notify, PushScreen, StateSource, Writer

if TYPE_CHECKING:
    from warroom.tui.widgets.handoff import HandoffEditor

# The template text a typed handoff was edited from (the stale-line warning compares with it,
# after a restart too): written when the commander's first edit of it is saved, and by ctrl+t.
# A text that follows the incident untouched is the draft itself, marked `generated`.
HANDOFF_GENERATED = HANDOFF_DRAFT + ".generated"
# Documents that are records rather than messages to people (by role): copying them does
# not restart the update clock or go on the timeline (a handoff is logged by handing off).
RECORD_ROLES = ("handoff", "postmortem", "timeline")
# A value two laptops set apart, written again by the one who chose it.
CONFIRMED_APART = "confirmed after it was changed apart"


def _unnumbered(line: str) -> str:
    """A list line without its number: a step done above renumbers the rest, which is no news."""
    return re.sub(r"^\s*\d+\.\s+", "", line)


def stale_lines(generated: str, edited: str, fresh: str) -> list[str]:
    """Lines the template wrote that the edited text still holds but the incident no longer says."""
    kept = {_unnumbered(x) for x in edited.splitlines()}
    now = {_unnumbered(x) for x in fresh.splitlines()}
    return [x for x in generated.splitlines() if x.strip() and _unnumbered(x) in kept and _unnumbered(x) not in now]


class CommsController:
    def __init__(
        self,
        ops: Operations,
        incident_id: str,
        state: StateSource,
        write: Writer,
        notify: Notify,
        push_screen: PushScreen,
        editor: HandoffEditor,
        copy_to_clipboard: Callable[[str], None],
        run_worker: Callable[..., Worker[Any]],
        reload: Callable[[], Awaitable[None]],
    ) -> None:
        self.ops = ops
        self.playbook = ops.playbook
        self.incident_id = incident_id
        self.state = state
        self.write = write
        self.notify = notify
        self.push_screen = push_screen
        self.editor = editor
        self.copy_to_clipboard = copy_to_clipboard  # OSC 52 (App.copy_to_clipboard)
        self.run_worker = run_worker
        self.reload = reload  # read everything again
        self.handoff_doc = self.playbook.document_key("handoff")
        self.records = frozenset(self.playbook.document_key(role) for role in RECORD_ROLES)
        self.postmortem_phase = self.playbook.phase_key("postmortem")
        self._phase: str | None = None
        self._prefilled = False
        # The handoff text last generated from the template; while the pane still holds exactly
        # it (nobody edited it), it follows the incident instead of going stale.
        self.generated: str | None = None
        self._generated_kept: str | None = None  # the HANDOFF_GENERATED this file holds
        self._seen_state: object = None
        # The handoff revisions the pane's text was made from (state.draft_heads, or only the
        # version shown when it was edited apart): each save names them as its base, so an edit
        # made from a revision another war room has since replaced keeps both, never overwrites.
        self.base: list[str] | None = None
        editor.versions_requested = self.handoff_versions

    # ----- copying documents ------------------------------------------------------------

    def copyable(self) -> list[tuple[str, str, str]]:
        from warroom.core import documents  # Jinja2: never before the first frame

        return [(key, spec.title, spec.copy_key) for key, spec in documents.document_specs(self.playbook).items()]

    def choose_document(self) -> None:
        from warroom.tui.screens.document_chooser import DocumentChooser

        def chosen(kind: str | None) -> None:
            if kind:
                self.run_worker(self.copy_document(kind), group="comms")

        self.push_screen(DocumentChooser(self.copyable()), chosen)

    async def render(self, kind: str) -> str | None:
        from warroom.core import documents

        try:
            return await documents.render_from_store(
                kind, self.ops.store, self.incident_id, self.playbook, self.ops.now()
            )
        except Exception as exc:
            self.notify(f"Cannot write the {kind} document ({report(exc, 'rendering')})", severity="error", timeout=10)
            return None

    async def copy_document(self, kind: str) -> None:
        """Preview the document as of now; Enter copies it (and logs an update)."""
        from warroom.core import documents
        from warroom.tui.screens.document_preview import DocumentPreview

        text = await self.render(kind)
        if text is None:
            return
        spec = documents.document_specs(self.playbook)[kind]

        async def confirmed(final: str | None) -> None:
            if final is not None:
                await self.send_copy(kind, final)

        self.push_screen(DocumentPreview(f"{spec.title} · {self.incident_id}", text), confirmed)

    async def send_copy(self, kind: str, text: str, record: bool = True) -> None:
        """Terminal clipboard now; the update on the timeline; the confirmable paths in a thread."""
        self.copy_to_clipboard(text)  # OSC 52: on the UI thread, never acknowledged
        state = self.state()
        if record and kind not in self.records:
            severity = state.incident.severity if state is not None else 0
            await self.write(self.ops.record_copy(self.incident_id, kind, text, severity))
        self.run_worker(self._copy_chain(kind, text), group="clipboard")

    async def _copy_chain(self, kind: str, text: str) -> None:
        from warroom.core import clipboard

        result = await asyncio.to_thread(
            clipboard.copy_chain,
            text,
            name=f"{self.incident_id}-{kind}",
            fallback_dir=fallback_dir(),
            now=self.ops.now(),
        )
        self.notify(
            result.message(),
            title="Copied" if result.confirmed else "Copy",
            severity="information" if result.confirmed else "warning",
            timeout=12,
            markup=False,  # file paths may hold brackets
        )

    # ----- roles ----------------------------------------------------------------------------

    def roles(self) -> None:
        from warroom.tui.screens.roles import RolesScreen, role_holders

        state = self.state()
        if state is None:
            return
        incident = state.incident

        async def chosen(result: tuple[str, str] | None) -> None:
            if result is not None:
                role, name = result
                await self.write(
                    self.ops.set_role(self.incident_id, role, name), f"{ROLE_NAMES[role]}: {one_line(name, 60)}"
                )

        self.push_screen(RolesScreen(role_holders(incident.roles, incident.commander)), chosen)

    # ----- handoff --------------------------------------------------------------------------

    async def save_draft(self, text: str) -> None:
        """The handoff pane's autosave."""
        try:
            if self.generated is not None and self.generated != self._generated_kept:
                await self.ops.save_draft(self.incident_id, HANDOFF_GENERATED, self.generated)
                self._generated_kept = self.generated
            self.base = await self.ops.save_draft(self.incident_id, HANDOFF_DRAFT, text, base=self.base)
        except Exception as exc:
            self.editor.save_failed()
            self.notify(f"Handoff draft not saved: {report(exc, 'saving the draft')}", severity="error")
            return
        self.editor.saved(text)

    async def save_now(self) -> None:
        """Before leaving the screen: write a pending handoff edit (the debounce may not have fired)."""
        if self.editor.text != self.editor.saved_text:
            await self.save_draft(self.editor.text)

    async def from_template(self) -> bool:
        """Replace the handoff pane's text with a fresh one from the template (ctrl+z undoes)."""
        text = await self.render(self.handoff_doc)
        if text is None:
            return False
        self.editor.replace(text, (0, 0), self.editor.document.end)
        self.generated = text  # untouched from here on, it follows the incident again
        if await self.write(self.ops.save_draft(self.incident_id, HANDOFF_GENERATED, text)) is not None:
            self._generated_kept = text
        return True

    async def hand_off(self) -> None:
        from warroom.tui.screens.handoff_dialog import HandoffDialog

        state = self.state()
        if state is None:
            return
        await self.save_now()
        text = self.editor.text.strip() or await self.render(self.handoff_doc)
        if text is None:
            return
        stale = await self._stale(text)
        from warroom.tui.screens.apart import MERGE_MARK

        unmerged = MERGE_MARK.search(text) is not None
        current = state.incident.roles.get("commander") or state.incident.commander

        async def chosen(result: tuple[str, str] | None) -> None:
            if result is None:
                return
            new, final = result
            done = await self.write(
                self.ops.hand_off(self.incident_id, new, final), f"Handed off to {one_line(new, 60)}"
            )
            if done is not None:
                self._offer_copy(f"Handoff to {new}", final)

        self.push_screen(HandoffDialog(current, text, stale, unmerged), chosen)

    async def _stale(self, text: str) -> list[str]:
        """An edited handoff stops following the incident: the generated lines it still holds
        that the incident has since changed (a status, a severity), shown before it is sent."""
        generated = self.generated
        if not generated or text == generated.strip():
            return []
        fresh = await self.render(self.handoff_doc)
        return stale_lines(generated, text, fresh) if fresh is not None else []

    def _offer_copy(self, title: str, text: str) -> None:
        from warroom.tui.screens.document_preview import DocumentPreview

        async def confirmed(final: str | None) -> None:
            if final is not None:
                await self.send_copy(self.handoff_doc, final, record=False)

        self.push_screen(DocumentPreview(title, text), confirmed)

    async def _prefill(self) -> None:
        """A handoff pane never written for this incident starts from the template (and is saved)."""
        self._prefilled = True
        try:
            saved = await self.ops.store.texts(self.incident_id, HANDOFF_DRAFT)
        except Exception as exc:
            self.notify(report(exc, "reading the handoff draft"), severity="error")
            return
        if HANDOFF_DRAFT in saved or self.editor.text:
            self._generated_kept = saved.get(HANDOFF_GENERATED)
            state = self.state()
            if state is not None and HANDOFF_DRAFT in state.generated_drafts:
                self.generated = state.handoff_draft  # the template's text, followed untouched
            else:
                self.generated = self._generated_kept
            return
        text = await self.render(self.handoff_doc)
        if text is None or self.editor.text:
            return  # the commander started typing while the template rendered: their words win
        await self._save_generated(text)
        await self.reload()

    async def _save_generated(self, text: str) -> None:
        heads = await self.write(
            self.ops.save_draft(self.incident_id, HANDOFF_DRAFT, text, base=self.base, generated=True)
        )
        if heads is None:
            return
        self.base = heads
        self.generated = text

    async def _follow(self) -> None:
        """Regenerate an untouched handoff draft when the incident changed."""
        state = self.state()
        if state is None or state is self._seen_state:
            return
        self._seen_state = state
        others = HANDOFF_DRAFT in state.generated_drafts  # the shown draft is the template's
        if others and self.editor.text == state.handoff_draft and not self.editor.unsaved:
            self.generated = state.handoff_draft  # written by another war room: followed here too
        if self.generated is None or self.editor.has_focus or self.editor.text != self.generated:
            return  # the commander's words win
        from warroom.core import documents

        try:
            fresh = documents.render(self.handoff_doc, state, self.playbook, self.ops.now())
        except Exception as exc:
            self.notify(f"Cannot write the handoff ({report(exc, 'rendering')})", severity="error", timeout=10)
            return
        if fresh == self.generated:
            return
        if others and fresh == state.handoff_draft:  # another war room wrote this text already
            self.generated = fresh
        else:
            await self._save_generated(fresh)
        self.editor.show(fresh)

    # ----- edited or changed apart (team sync, or two war rooms on one file) -------------------

    def _stand_on(self, state) -> None:
        """What the pane's text was made from, when it shows the stored draft; the notice when
        the handoff was edited apart."""
        versions = state.draft_versions.get(HANDOFF_DRAFT, [])
        heads = state.draft_heads.get(HANDOFF_DRAFT, [])
        shown = [versions[0].id] if len(versions) > 1 else list(heads)
        if self.base is None or (not self.editor.unsaved and self.editor.text == state.handoff_draft):
            self.base = shown
        if len(versions) > 1 and self.editor.versions < 2:
            self.notify(
                f"The handoff was edited apart: {len(versions)} versions stand. h then ctrl+o to keep one or see both.",
                title="Handoff",
                severity="warning",
                timeout=12,
            )
        self.editor.show_versions(len(versions))

    def handoff_versions(self) -> None:
        """ctrl+o in the handoff pane: every version standing, in full; keep one, or both to merge."""
        from warroom.tui.screens.apart import BOTH, DraftVersions, merged

        state = self.state()
        versions = state.draft_versions.get(HANDOFF_DRAFT, []) if state is not None else []
        if len(versions) < 2:
            self.notify("The handoff has one version: nothing to choose.")
            return
        every = list(state.draft_heads.get(HANDOFF_DRAFT, [])) if state is not None else []

        async def chosen(result) -> None:
            if result is None:
                return
            self.base = every  # made after seeing every version: settles it
            if result == BOTH:
                self.editor.replace(merged(versions), (0, 0), self.editor.document.end)
                self.editor.focus()
                self.notify("Both versions are in the handoff pane: edit them into one (saved as you type).")
                return
            await self.save_draft(result.text)
            self.editor.take(result.text)
            await self.reload()
            self.notify(f"Handoff: kept the version by {one_line(result.author, 30)}.")

        self.push_screen(DraftVersions("handoff", versions), chosen)

    def confirm_apart(self) -> None:
        """The changed-apart red flag: choose which change stands (written again, after seeing all)."""
        from warroom.tui.screens.apart import ApartChooser

        state = self.state()
        if state is None or not any(len(v) > 1 for v in state.conflicts.values()):
            self.notify("Nothing was changed apart now.")
            return

        async def chosen(result) -> None:
            if result is None:
                return
            from warroom.core.redflags import APART_NAMES, apart_value

            register, event = result
            done = f"Confirmed: {APART_NAMES[register]} {apart_value(register, event, self.playbook)}"
            await self.write(self._confirm(register, event, state), done)

        self.push_screen(ApartChooser(state.conflicts, self.playbook), chosen)

    def _confirm(self, register: str, event, state):
        """Written again, saying why on the timeline (the postmortem reads it there)."""
        data, why = event.data, CONFIRMED_APART
        if register == "severity":
            return self.ops.set_severity(self.incident_id, int(data["new"]), state.incident.next_update_at, why)
        if register == "phase":
            return self.ops.set_phase(self.incident_id, str(data["new"]), why)
        if register == "details":  # the fields that version set, as it set them
            times = ("started_at", "detected_at")
            fields = {k: (from_db(v) if k in times and v else v) for k, v in data.items() if k != "base"}
            return self.ops.set_details(self.incident_id, why, **fields)
        return self.ops.set_role(self.incident_id, "commander", str(data.get("to") or data.get("name") or ""), why)

    # ----- postmortem ---------------------------------------------------------------------------

    async def postmortem(self) -> None:
        from warroom.tui.screens.postmortem import PostmortemScreen

        await self.save_now()
        screen = PostmortemScreen(self.ops.store, self.incident_id, self.playbook, self.ops.now)
        await self.push_screen(screen, lambda _: self.reload())

    # ----- after every state read --------------------------------------------------------------

    async def watch(self) -> None:
        """Prefill or refresh the handoff pane; offer the postmortem when its phase starts."""
        state = self.state()
        if state is None:
            return
        self._stand_on(state)
        if not self._prefilled:
            await self._prefill()
        await self._follow()
        phase = state.incident.phase
        if self._phase is not None and phase != self._phase and phase == self.postmortem_phase:
            self.notify("The postmortem phase has started: P opens the postmortem.", title="Postmortem", timeout=15)
        self._phase = phase
