"""Everything a commander does, in one textual-free API that the TUI and the CLI both call.

Each operation takes what a person decided (a severity, a phase, a line of text), works out
what follows from the playbook (the next update's deadline, the text the timeline shows)
and hands one write to the store, which commits it before returning. The rules that used
to be written in several faces (the update cadence, declaring) live here once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from warroom.core.checklist import phase_progress
from warroom.core.kinds import Kind
from warroom.core.models import ActionItem, Event, Incident, IncidentState, TempFix
from warroom.core.playbook import Containment, Mitigation, Playbook
from warroom.core.playbook_models import Answered
from warroom.core.store import Store

FLAG_VERBS = {"ack": "acknowledged", "dismiss": "dismissed", "snooze": "snoozed", "confirm": "confirmed"}


def update_cadence(playbook: Playbook, severity: int) -> timedelta | None:
    """How often a severity promises an update; None when the playbook sets no cadence."""
    try:
        return timedelta(minutes=playbook.severity(severity).update_every_minutes)
    except KeyError:
        return None


def unfinished_at_resolve(state: IncidentState, playbook: Playbook) -> list[str]:
    """What says the fire may not be out, asked about before resolving: temporary fixes still in
    place, service not restored or only partly (a mitigation level other than the first), and
    the Fix phase's checklist not done (the methodology: the permanent fix deployed and
    verified, the temporary fixes removed, before the incident is over)."""
    notes = []
    left = sum(fix.in_place for fix in state.temp_fixes)
    if left:
        notes.append(f"{left} temporary fix{'es' if left > 1 else ''} still in place")
    incident = state.incident
    if incident.restored_at is None:
        notes.append("service not restored")
    elif incident.mitigation and playbook.mitigation and incident.mitigation != playbook.mitigation[0].key:
        try:
            level = playbook.mitigation_level(incident.mitigation).name
        except KeyError:
            level = incident.mitigation
        notes.append(f"mitigation is {level}, not {playbook.mitigation[0].name}")
    fix = playbook.phase_key("fix")
    done, total = phase_progress(state, playbook)[fix]
    if done < total:
        notes.append(f"{playbook.phase_name(fix)} checklist {done}/{total}")
    return notes


def _phase_heads(conn, incident_id: str) -> list[dict]:
    """The payloads of the phase events that stand (one, unless phases were set apart)."""
    import json

    from warroom.core import sql

    heads = sql.heads(conn, incident_id, "phase")
    rows = conn.execute(f"SELECT data FROM events WHERE id IN ({','.join('?' * len(heads))})", heads).fetchall()
    return [json.loads(data) for (data,) in rows]


def containment_text(row: Containment) -> str:
    """A containment decision's timeline text: the situation and the playbook's containment."""
    return f"{row.situation}: {row.action}"


class Operations:
    """The commander's verbs on one store, with one playbook, as one author."""

    def __init__(self, store: Store, playbook: Playbook, author: str) -> None:
        self.store = store
        self.playbook = playbook
        self.author = author

    def now(self) -> datetime:
        return self.store.clock()

    def _due(self, severity: int, since: datetime) -> datetime | None:
        cadence = update_cadence(self.playbook, severity)
        return since + cadence if cadence is not None else None

    # ----- the incident ------------------------------------------------------------------

    async def declare(
        self,
        title: str,
        severity: int,
        *,
        triage: dict[str, str] | None = None,
        impact: str | None = None,
        impact_pct: float | None = None,
        started_at: datetime | None = None,
        detected_at: datetime | None = None,
        service: str | None = None,
    ) -> Incident:
        """Open an incident in the first phase; its first update is due one cadence from now."""
        return await self.store.declare(
            title,
            severity,
            self.author,
            first_phase=self.playbook.phases[0].key,
            triage=triage,
            impact=impact,
            impact_pct=impact_pct,
            started_at=started_at,
            detected_at=detected_at,
            service=service,
            next_update_at=self._due(severity, self.now()),
        )

    async def set_details(self, incident_id: str, note: str = "", **details: object) -> Event:
        """Correct when impact started or was detected, the service or the impact (logged; a
        playbook impact by its label; `note` after it, in brackets)."""
        from warroom.core.details import impact_label

        shown = {"impact": impact_label(self.playbook, str(details["impact"]))} if details.get("impact") else {}
        return await self.store.set_details(incident_id, self.author, shown=shown, note=note, **details)

    async def resolve(self, incident_id: str) -> Event:
        """Resolve, and in the same transaction move the phase to the playbook's postmortem
        phase (by role) unless it is there already: a resolved incident is in its postmortem."""
        postmortem = self.playbook.phase_key("postmortem")
        name = self.playbook.phase_name(postmortem)
        author = self.author

        def to_postmortem(conn, host: str, resolved: Event) -> None:
            from warroom.core import sql

            current = [data.get("new") for data in _phase_heads(conn, incident_id)]
            if current == [postmortem]:
                return
            old = current[0] if len(current) == 1 else None
            text = f"Phase {self.playbook.phase_name(old) if old else '?'} → {name} (resolved)"
            sql.append_change(
                conn, host, incident_id, Kind.PHASE, text, author,
                now=resolved.recorded_at, data={"old": old, "new": postmortem, "resolved": True},
            )  # fmt: skip

        # The store's one-transaction change with a follow-up write (store.resolve has no phase).
        return await self.store._change(incident_id, Kind.RESOLVED, "Incident resolved", author, {}, also=to_postmortem)

    async def reopen(self, incident_id: str) -> Event:
        """Reopen, and in the same transaction take the phase back to where it was when resolving
        moved it to Postmortem (the fire is back: its postmortem waits); a phase the commander
        chose after resolving stays."""
        postmortem = self.playbook.phase_key("postmortem")
        author = self.author

        def back_from_postmortem(conn, host: str, reopened: Event) -> None:
            from warroom.core import sql

            moved = _phase_heads(conn, incident_id)
            if len(moved) != 1 or moved[0].get("new") != postmortem or not moved[0].get("resolved"):
                return
            back = moved[0].get("old")
            if not back:
                return
            text = f"Phase {self.playbook.phase_name(postmortem)} → {self.playbook.phase_name(back)} (reopened)"
            sql.append_change(
                conn, host, incident_id, Kind.PHASE, text, author,
                now=reopened.recorded_at, data={"old": postmortem, "new": back},
            )  # fmt: skip

        return await self.store._change(
            incident_id, Kind.REOPENED, "Incident reopened", author, {}, also=back_from_postmortem
        )

    # ----- the timeline ------------------------------------------------------------------

    async def log(
        self, incident_id: str, kind: str, text: str, *, at: datetime | None = None, event_id: str | None = None
    ) -> Event:
        """`event_id` (one per thing typed) makes a retry after a lost acknowledgement a no-op.
        Logged into a resolved incident, the event is marked as after resolution (as `warroom log`
        marks what a hook logs), so the timeline can tell (the recurrence flag asks about alerts
        and what scripts log, not a person's notes)."""
        return await self.store.append(  # whether it is resolved is asked with the insert: one hop
            incident_id, kind, text, self.author, at=at, event_id=event_id, mark_resolved=True
        )

    async def amend(self, event: Event, text: str) -> Event:
        return await self.store.amend(event, text, self.author)

    async def strike(self, event: Event, reason: str = "") -> Event:
        return await self.store.strike(event, self.author, reason)

    async def pin(self, event: Event, pinned: bool = True) -> Event:
        return await self.store.pin(event, self.author, pinned)

    # ----- the practice ------------------------------------------------------------------

    async def set_severity(self, incident_id: str, level: int, current_due: datetime | None, reason: str = "") -> Event:
        """A new severity brings its cadence: escalating brings the next update forward, never later."""
        due = self._due(level, self.now())
        if due is not None and current_due is not None:
            due = min(due, current_due)
        return await self.store.set_severity(
            incident_id, level, self.author, reason, next_update_at=due if due is not None else current_due
        )

    async def set_phase(self, incident_id: str, phase: str, note: str = "") -> Event:
        return await self.store.set_phase(incident_id, phase, self.author, note)

    async def decide_containment(self, incident_id: str, situation: Containment) -> Event:
        return await self.store.append(
            incident_id, Kind.DECISION, containment_text(situation), self.author, data={"containment": situation.key}
        )

    async def set_mitigation(self, incident_id: str, level: Mitigation) -> Event:
        return await self.store.set_mitigation(incident_id, level.key, level.name, level.restored, self.author)

    async def add_temp_fix(self, incident_id: str, what: str, where: str = "", ticket: str = "") -> TempFix:
        return await self.store.add_temp_fix(incident_id, what, where, ticket, self.author)

    async def close_temp_fix(self, fix: TempFix, permanent: bool = False) -> TempFix:
        return await self.store.close_temp_fix(fix, self.author, permanent)

    async def tick(self, incident_id: str, phase: str, item: str, label: str, done: bool, answer: str = "") -> Event:
        """Tick or untick an item. An item that is a triage question ("What's broken?", done when
        it is answered) answered here is that question's answer, as on the declare form: logged
        as one (the updates, the handoff and the postmortem read those; the item ticks itself)."""
        question = self._triage_question(phase, item)
        if done and question is not None and answer.strip():
            return await self.store.append(
                incident_id, Kind.TRIAGE, answer.strip(), self.author, data={"question": question}
            )
        return await self.store.tick(incident_id, phase, item, label, done, self.author, answer)

    def _triage_question(self, phase: str, item: str) -> str | None:
        for spec in self.playbook.phase(phase).items:
            if spec.id == item and isinstance(spec.done_when, Answered):
                return spec.done_when.triage
        return None

    async def decide_flag(
        self,
        incident_id: str,
        rule: str,
        action: str,
        text: str,
        *,
        fingerprint: str = "",
        reason: str = "",
        minutes: int | None = None,
    ) -> Event:
        """Acknowledge, dismiss (with a reason), snooze (for `minutes`) or confirm a red flag."""
        until = self.now() + timedelta(minutes=minutes) if minutes else None
        return await self.store.record_flag(
            incident_id, rule, action, self.author, text=text, reason=reason, until=until, fingerprint=fingerprint
        )

    # ----- people and words ------------------------------------------------------------------

    async def set_role(self, incident_id: str, role: str, name: str, note: str = "") -> Event:
        return await self.store.set_role(incident_id, role, name, self.author, note)

    async def hand_off(self, incident_id: str, new_commander: str, text: str) -> Event:
        return await self.store.handoff(incident_id, new_commander, text, self.author)

    async def record_copy(self, incident_id: str, document: str, text: str, severity: int) -> Event:
        """A copied update is logged with its full text; the next update is due one cadence from now."""
        return await self.store.record_update_sent(
            incident_id, document, text, self.author, self._due(severity, self.now())
        )

    async def save_draft(
        self, incident_id: str, name: str, text: str, base: list[str] | None = None, generated: bool = False
    ) -> list[str]:
        """A new revision of the handoff draft or a postmortem section, made from the revisions
        `base` the editor loaded (`state.draft_heads[name]`); returns what it now stands on.
        `generated`: the template wrote it, nobody typed it (see state: drafts apart)."""
        return await self.store.save_text(incident_id, name, text, self.author, base, generated=generated)

    async def save_action_item(self, item: ActionItem) -> ActionItem:
        return await self.store.save_action_item(item, self.author)
