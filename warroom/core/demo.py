"""A lived-in sample incident: the checkout outage from the methodology's own timeline.

Used by `warroom demo`, the README screenshot, the snapshot tests and the benchmarks.
`events=N` adds N routine events (shell-logged alerts, notes, pins) spread over the
incident, so anyone can see how warroom behaves with a day-long, 100,000-event incident.
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta

from warroom.core import db, schema, sql
from warroom.core.ids import uuid7
from warroom.core.models import ActionItem
from warroom.core.playbook import Playbook
from warroom.core.store import Store
from warroom.core.timeutil import from_db, hm, to_db

DEMO_TITLE = "Checkout failing after v2.3.4 deploy"
IC = "dana"
POSTMORTEM_DRAFT = {
    "summary": (
        "The v2.3.4 release of checkout-api replaced the payment client. The new client failed "
        "its TLS handshake with the payment gateway under production load, so about 30% of "
        "checkout attempts returned 500 for 18 minutes until v2.3.3 was restored by rollback."
    ),
    "root_cause": (
        "The new payment client opened a TLS session per request with a 2-second handshake "
        "timeout. At production concurrency the gateway's handshake latency exceeded it, and "
        "the client surfaced the timeout as a 500 instead of retrying on a pooled connection."
    ),
    "contributing_factors": (
        "Staging traffic is too low to reach the gateway's handshake limits\n"
        "The canary stage checks error rate after 10 minutes; the deploy went to 100% in 2\n"
        "No alert on payment-step error rate: the first signal was a customer complaint"
    ),
    "went_well": (
        "Rollback decided within a minute of declaring; the deploy was the obvious suspect\n"
        "Status page updated before service was restored"
    ),
    "went_poorly": (
        "Ten minutes from symptoms to declaration\n"
        "A temporary cache bypass was added during mitigation and is still in place"
    ),
    "lessons": "A deploy followed by new errors is a rollback first: it cost one minute and restored service.",
}
ACTION_ITEMS = (
    # (action, owner, due in days)
    ("Add integration test for checkout flow against the gateway sandbox", "alex", 16),
    ("Add alert for payment-step error rate > 5% over 2 minutes", "sam", 9),
    ("Document rollback procedure for checkout-api", "dana", 11),
)
BULK_SOURCES = ("alertmanager", "deploy-bot", "grafana", "pagerduty")
BULK_TEXTS = (
    "checkout-api p99 latency {n} ms",
    "payment-gateway 5xx rate {p}%",
    "orders-db replica lag {n} ms",
    "synthetic check checkout-flow: {ok}",
    "queue depth payments {n}",
    "edge 502s in eu-west {p}%",
)


async def seed_demo(store: Store, playbook: Playbook, now: datetime, events: int = 0) -> str:
    """Write the sample incident into `store` as if it had happened up to `now`. Returns its id."""
    # A long incident needs a long history: stretch the story over a day for bulk runs.
    span = timedelta(hours=24) if events > 1000 else timedelta(minutes=25)
    t0 = now - span  # 14:30 in the story
    real_clock = store.clock

    def at(minutes: float) -> datetime:
        return t0 + timedelta(minutes=minutes)

    def clock_at(minutes: float) -> None:
        store.clock = lambda: at(minutes)

    try:
        clock_at(12)  # declared at 14:42
        sev2 = playbook.severity(2)
        incident = await store.declare(
            DEMO_TITLE,
            2,
            IC,
            first_phase=playbook.phases[0].key,
            triage={
                "broken": "Checkout: payment step returns 500",
                "affected": "~30% of checkout attempts, all regions",
                "started": f"{hm(at(2))}, two minutes after the v2.3.4 deploy",
                "changed": f"Deploy v2.3.4 of checkout-api at {hm(at(0))}",
            },
            impact="many",
            impact_pct=30,
            started_at=at(2),
            detected_at=at(8),
            next_update_at=at(12 + sev2.update_every_minutes),
        )
        iid = incident.id
        clock_at(12.2)
        # Reconstructed after the fact: backdated to when they happened.
        await store.append(iid, "change", "Deploy v2.3.4 of checkout-api completed", "deploy-bot", at=at(0))
        rate = await store.append(iid, "alert", "Error rate increased 5% → 20%", "alertmanager", at=at(2))
        await store.append(iid, "note", "First user complaint via support: card payments fail", IC, at=at(5))
        await store.append(iid, "alert", "Alert fired: checkout-api 5xx > 10%", "alertmanager", at=at(8))
        await store.pin(rate, IC)
        clock_at(12.5)
        await store.tick(iid, "assess", "broken", "What's broken?", True, IC, "payment step 500s")
        await store.tick(iid, "assess", "changed", "What changed recently?", True, IC, f"v2.3.4 at {hm(at(0))}")
        await store.tick(iid, "assess", "rollback", "Can we roll back?", True, IC, "yes, v2.3.3 is known good")
        await store.set_role(iid, "comms", "sam", IC)
        await store.set_role(iid, "ops", "alex", IC)
        clock_at(13)
        await store.set_phase(iid, "contain", IC)
        bad = playbook.containment_for("bad_deploy")
        await store.append(
            iid,
            "decision",
            f"{bad.situation}: {bad.action} (v2.3.4 → v2.3.3)",
            IC,
            data={"containment": bad.key},
        )
        await store.append(iid, "action", "Rollback initiated: kubectl rollout undo deployment/checkout-api", "alex")
        await store.append(iid, "hypothesis", "New payment client in v2.3.4 times out against the gateway", "alex")
        clock_at(15)
        await store.append(iid, "action", "Rollback complete, errors dropping", "alex")
        await store.set_phase(iid, "mitigate", IC)
        clock_at(16)
        await store.add_temp_fix(iid, "Bypass payment token cache", "checkout-api config", "INC-1234", "alex")
        await store.record_update_sent(
            iid,
            "status",
            "## Status: Investigating\n\nWe're aware of issues with checkout. Our team is investigating.",
            "sam",
            at(16 + sev2.update_every_minutes),
        )
        clock_at(20)
        await store.append(iid, "alert", "Error rate back to baseline (0.4%)", "alertmanager")
        await store.set_mitigation(iid, "full", playbook.mitigation_level("full").name, True, IC)
        await store.set_phase(iid, "diagnose", IC)
        await store.append(iid, "note", "Gateway logs: TLS handshake timeouts from the new client only", "alex")
        # The commander has started the postmortem draft while it is fresh.
        for key, text in POSTMORTEM_DRAFT.items():
            await store.save_text(iid, f"postmortem.{key}", text)
        for order, (action, owner, days) in enumerate(ACTION_ITEMS):
            due = (now + timedelta(days=days)).date().isoformat()
            created = at(21) + timedelta(seconds=order)  # distinct times keep the listed order
            await store.save_action_item(
                ActionItem(id=uuid7(), incident_id=iid, action=action, owner=owner, due=due, created_at=created)
            )
        if events:
            clock_at(21)
            await store.append(iid, "note", f"{events:,} routine events imported from alert hooks", IC)
    finally:
        store.clock = real_clock
    if events:
        add_bulk_events(store.path, iid, t0, now, events)
    return iid


def add_bulk_events(path, incident_id: str, start: datetime, end: datetime, count: int, seed: int = 7) -> None:
    """Insert `count` routine events in big transactions (what alert hooks produce over a day)."""
    rng = random.Random(seed)
    conn = db.open_db(path, create=False)
    step = (end - start) / max(count, 1)
    # Hooks and scripts mostly log alerts and notes; a person adds the rare action or change.
    kinds = ("alert",) * 80 + ("note",) * 18 + ("action", "change")
    try:
        batch: list[dict] = []
        pins: list[dict] = []
        for i in range(count):
            ts = start + step * i
            kind = rng.choice(kinds)
            text = rng.choice(BULK_TEXTS).format(
                n=rng.randint(10, 5000), p=round(rng.uniform(0.1, 25), 1), ok=rng.choice(("ok", "FAIL"))
            )
            event_id = uuid7()
            batch.append(
                schema.event_params(
                    id=event_id,
                    incident_id=incident_id,
                    ts=to_db(ts),
                    recorded_at=to_db(ts),
                    kind=kind,
                    text=text,
                    author=rng.choice(BULK_SOURCES) if kind == "alert" else IC,
                )
            )
            if i % 5000 == 4999:  # now and then the commander pins something
                pins.append(
                    schema.event_params(
                        id=uuid7(),
                        incident_id=incident_id,
                        ts=to_db(ts),
                        recorded_at=to_db(ts),
                        kind="pin",
                        text="pin",
                        author=IC,
                        ref=event_id,
                    )
                )
            if len(batch) >= 10_000:
                _write_batch(conn, batch)
                batch = []
        _write_batch(conn, batch + pins)
    finally:
        conn.close()


def _write_batch(conn, rows: list[dict]) -> None:
    """Bulk rows as if pulled from the hooks' own files: each keeps its time as its hlc."""
    conn.execute("BEGIN IMMEDIATE")
    for row in rows:
        hlc = sql.millis(from_db(row["ts"])) * 1000
        sql.insert_pulled(conn, {**row, "data": json.loads(row["data"]), "host": "alert-hooks", "hlc": hlc}, origin=0)
    conn.execute("COMMIT")
