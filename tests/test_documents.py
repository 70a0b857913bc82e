"""Generated documents: golden files for the demo and a multi-day incident, leaks,
numbering, Markdown escaping, empty incidents, streaming and team templates.

Regenerate the golden files with `WARROOM_REGOLD=1 python -m pytest tests/test_documents.py`
and read the diff before committing it.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from builders import Story, at
from fixed_clock import FIXED_NOW
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from warroom.core import documents, facts, markdown
from warroom.core import playbook as playbook_module
from warroom.core.demo import seed_demo
from warroom.core.errors import InputError, PlaybookError
from warroom.core.models import ALL_KINDS, ActionItem, Event, Incident, IncidentState
from warroom.core.store import Store
from warroom.core.timeutil import hm

GOLDEN = Path(__file__).parent / "golden"
UTC = UTC
DAY1 = datetime(2026, 3, 9, 23, 40, tzinfo=UTC)
MULTI_NOW = DAY1 + timedelta(hours=3)
MULTI_ID = "INC-20260309-md01"


def assert_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("WARROOM_REGOLD"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no golden file {path}: run with WARROOM_REGOLD=1 and review it"
    assert text == path.read_text(encoding="utf-8")


def _clock(store: Store, at: datetime) -> None:
    store.clock = lambda: at


async def seed_multiday(store: Store, pb) -> str:
    """A SEV-1 that starts before midnight and ends after it, with every kind of record."""
    t = DAY1
    _clock(store, t)
    iid = (
        await store.declare(
            "Orders API down in EU",
            1,
            "lee",
            first_phase="assess",
            triage={
                "broken": "Orders API: 503 on every request",
                "affected": "All EU customers",
                "changed": "Config push to orders-db pool at 23:20",
                "how_bad": "100% of EU orders",
            },
            impact="all",
            impact_pct=100,
            started_at=t - timedelta(minutes=15),
            detected_at=t - timedelta(minutes=5),
            next_update_at=t + timedelta(minutes=15),
            incident_id=MULTI_ID,
        )
    ).id
    await store.append(
        iid, "change", "Config push: orders-db pool size 5 → 500", "deploy-bot", at=t - timedelta(minutes=20)
    )
    _clock(store, t + timedelta(minutes=2))
    exhausted = await store.append(
        iid, "note", "Primary DB at max_connections | pool exhausted <script>alert(1)</script>", "lee"
    )
    await store.pin(exhausted, "lee")
    await store.append(iid, "hypothesis", "Pool size typo multiplied connections 100x", "kim")
    wrong = await store.append(iid, "note", "Outage also in US", "lee")
    await store.strike(wrong, "lee", "US was fine")
    typo = await store.append(iid, "note", "erorr budget gone", "kim")
    await store.amend(typo, "Error budget for the month exhausted", "kim")
    await store.set_role(iid, "comms", "kim", "lee")
    await store.tick(iid, "assess", "broken", "What's broken?", True, "lee", "orders API")
    _clock(store, t + timedelta(minutes=5))
    await store.set_phase(iid, "contain", "lee")
    await store.append(iid, "decision", "Bad deploy: revert the config push", "lee", data={"containment": "bad_deploy"})
    await store.append(iid, "action", "Reverting config push (change 8812)", "kim")
    _clock(store, t + timedelta(minutes=25))  # 00:05 the next day
    await store.set_phase(iid, "mitigate", "lee")
    fix = await store.add_temp_fix(iid, "Rate limit EU orders to 50 rps", "edge config", "OPS-77", "kim")
    await store.set_mitigation(iid, "partial", pb.mitigation_level("partial").name, True, "lee")
    await store.set_severity(iid, 2, "lee", "EU orders flowing again, rate limited")
    await store.append(iid, "note", "workaround: place orders in the mobile app", "lee")
    await store.record_update_sent(iid, "internal", "## Incident Update #1", "kim", t + timedelta(minutes=55))
    _clock(store, t + timedelta(minutes=50))
    await store.set_phase(iid, "diagnose", "lee")
    await store.append(iid, "alert", "orders-db connections back to 40", "grafana")
    _clock(store, t + timedelta(minutes=80))
    await store.handoff(iid, "kim", "## Incident Handoff\n\nlong text", "lee")
    _clock(store, t + timedelta(minutes=110))
    await store.set_phase(iid, "fix", "kim")
    await store.append(iid, "change", "Config schema now rejects pool size > 50 (PR 4411)", "kim")
    await store.close_temp_fix(fix, "kim")
    _clock(store, t + timedelta(minutes=140))
    await store.set_phase(iid, "postmortem", "kim")
    await store.resolve(iid, "kim")
    texts = {
        "summary": "A config push raised the orders-db pool size from 5 to 500.\n\nEU orders failed for 50 minutes.",
        "root_cause": "The pool size field accepted any integer; 500 × 40 pods exceeded `max_connections`.",
        "contributing_factors": "- No schema validation for pool size\n- Config pushes skip canary\n",
        "went_well": "Rollback took 3 minutes",
        "went_poorly": "Detection took 10 minutes <b>bold</b>",
        "lessons": "Config is code: validate and canary it.",
    }
    for key, text in texts.items():
        await store.save_text(iid, f"postmortem.{key}", text)
    created = DAY1 + timedelta(hours=2)
    await store.save_action_item(
        ActionItem(
            id="a1",
            incident_id=iid,
            action="Validate pool size | max 50 in config schema",
            owner="kim",
            due="2026-03-20",
            status="Done",
            created_at=created,
        )
    )
    await store.save_action_item(
        ActionItem(
            id="a2",
            incident_id=iid,
            action="Canary config pushes <script>x</script>",
            owner="lee",
            due="2026-03-27",
            status="Open",
            created_at=created + timedelta(seconds=1),
        )
    )
    return iid


@pytest.fixture
async def demo(db_path, playbook, monkeypatch):
    # The demo's action items share one created_at and are ordered by their uuid7 ids, whose
    # random tail makes the order vary within a millisecond; give ids in creation order.
    ids = iter(range(1, 1000))
    monkeypatch.setattr("warroom.core.demo.uuid7", lambda: f"00000000-0000-7000-8000-{next(ids):012d}")
    store = await Store.open(db_path, clock=lambda: FIXED_NOW)
    iid = await seed_demo(store, playbook, now=FIXED_NOW)
    yield store, iid
    await store.close()


@pytest.fixture
async def multiday(db_path, playbook):
    store = await Store.open(db_path, clock=lambda: MULTI_NOW)
    iid = await seed_multiday(store, playbook)
    _clock(store, MULTI_NOW)
    yield store, iid
    await store.close()


@pytest.mark.parametrize("kind", documents.DOCUMENT_KINDS)
async def test_golden_demo(demo, playbook, kind):
    store, iid = demo
    text = await documents.render_from_store(kind, store, iid, playbook, FIXED_NOW)
    assert_golden(f"demo-{kind}.md", text.replace(iid, "INC-DEMO"))


@pytest.mark.parametrize("kind", documents.DOCUMENT_KINDS)
async def test_golden_multiday(multiday, playbook, kind):
    store, iid = multiday
    assert_golden(f"multiday-{kind}.md", await documents.render_from_store(kind, store, iid, playbook, MULTI_NOW))


async def test_render_is_pure_and_matches_store(demo, playbook):
    store, iid = demo
    state = await store.load_state(iid)
    for kind in documents.DOCUMENT_KINDS:
        first = documents.render(kind, state, playbook, FIXED_NOW)
        assert first == documents.render(kind, state, playbook, FIXED_NOW)
        assert first == await documents.render_from_store(kind, store, iid, playbook, FIXED_NOW)


# ----- what the public sees ---------------------------------------------------------------


async def test_external_and_status_leak_nothing_internal(db_path, playbook):
    store = await Store.open(db_path, clock=lambda: FIXED_NOW)
    inc = await store.declare(
        "Payments: secret-title",
        2,
        "mallory",
        first_phase="assess",
        triage={"broken": "Payments: card form spins forever", "changed": "secret-change deploy"},
    )
    await store.set_role(inc.id, "comms", "trudy", "mallory")
    note = await store.append(inc.id, "note", "secret-note: customer 42 data", "mallory")
    await store.pin(note, "mallory")
    hyp = await store.append(inc.id, "hypothesis", "secret-hypothesis: cache poisoning", "trudy")
    await store.pin(hyp, "trudy")
    await store.append(inc.id, "action", "secret-action: restart pods", "trudy")
    await store.append(inc.id, "note", "workaround: pay with PayPal", "mallory")
    state = await store.load_state(inc.id)
    await store.close()
    for kind in ("external", "status"):
        text = documents.render(kind, state, playbook, FIXED_NOW).lower()
        for secret in ("secret", "mallory", "trudy", "customer 42", inc.id.lower()):
            assert secret not in text, (kind, secret)
        assert "card form spins forever" in text and "pay with paypal" in text
    external = documents.render("external", state, playbook, FIXED_NOW)
    assert external.startswith("## Payments - Degraded Performance\n")
    assert "**Last updated**: 14:55 UTC" in external


async def test_without_a_service_name_public_texts_stay_neutral(db_path, playbook):
    """No service (and no "service: symptom" answer): never the literal "Service" or "our
    service", and never the title, which may be internal."""
    store = await Store.open(db_path, clock=lambda: FIXED_NOW)
    inc = await store.declare(
        "secret-title: cache poisoning in pod 7",
        2,
        "mallory",
        first_phase="assess",
        triage={"broken": "card form spins forever"},
    )
    state = await store.load_state(inc.id)
    await store.set_phase(inc.id, "contain", "mallory")
    identified = await store.load_state(inc.id)
    await store.set_mitigation(inc.id, "full", "Full restore", True, "mallory")
    restored = await store.load_state(inc.id)
    await store.resolve(inc.id, "mallory")
    resolved = await store.load_state(inc.id)
    await store.close()
    texts = {}
    for name, st_ in (("open", state), ("identified", identified), ("restored", restored), ("resolved", resolved)):
        for kind in ("external", "status"):
            text = documents.render(kind, st_, playbook, FIXED_NOW)
            texts[name, kind] = text
            assert "secret" not in text.lower() and "our service" not in text.lower(), (name, kind)
            assert not text.startswith("## Service -"), (name, kind)
    assert texts["open", "external"].startswith("## Service disruption - Degraded Performance\n")
    assert (
        "We're experiencing a service disruption. Some users may see: card form spins forever."
        in texts["open", "external"]
    )
    assert "We're aware of a service disruption. Our team is investigating." in texts["open", "status"]
    assert (
        "We've identified the issue behind the service disruption and are working on a fix."
        in texts["identified", "status"]
    )
    assert "cause" not in texts["identified", "status"]  # in Contain the cause may be unknown yet
    assert texts["restored", "external"].startswith("## Service disruption - Monitoring\n")
    assert texts["resolved", "external"].startswith("## Service disruption - Resolved\n")
    assert "The service disruption has been resolved" in texts["resolved", "status"]


def test_internal_texts_name_the_incident_when_no_service_is_known(playbook):
    story = Story()
    story.log("triage", "card form spins forever", 12, question="broken")
    summary = documents.render("postmortem", story.state(), playbook, at(20)).split("## Summary\n", 1)[1]
    assert "Checkout failing: card form spins forever." in summary and "The service" not in summary
    story = Story()
    story.log("triage", "Payments: card form spins forever", 12, question="broken")
    summary = documents.render("postmortem", story.state(), playbook, at(20)).split("## Summary\n", 1)[1]
    assert "Payments: card form spins forever." in summary


def test_answers_that_say_nothing_stay_out_of_public_texts(playbook):
    """ "unknown" for what is broken is no symptom: the status page keeps its own wording."""
    story = Story()
    story.log("triage", "Unknown.", 12, question="broken")
    story.log("triage", "not sure", 12, question="affected")
    story.log("triage", "nothing changed, no deploys today", 12, question="changed")
    for kind in ("status", "external", "internal", "handoff"):
        text = documents.render(kind, story.state(), playbook, at(20))
        assert "nknown" not in text and "not sure" not in text and "no deploys" not in text, kind
    story = Story()
    story.log("triage", "card form spins forever", 12, question="broken")
    assert "card form spins forever" in documents.render("status", story.state(), playbook, at(20))


def test_handoff_next_steps_leave_out_what_the_timeline_shows_done(playbook):
    story = Story(phase="mitigate")
    story.mitigate("full", 20)  # logs the level and the restore: two items done by evidence
    text = documents.render("handoff", story.state(), playbook, at(25))
    steps = text.split("**Next steps**", 1)[1].split("**Contacts**", 1)[0]
    assert "Mitigation level set" not in steps and "Service restored" not in steps
    assert "Status page updated" in steps and "Temporary fixes documented" in steps


def _section(text: str, start: str, end: str) -> str:
    return text.split(start, 1)[1].split(end, 1)[0]


def test_updates_list_the_alerts_logged_through_the_cli(cli, db_path, playbook):
    # The new-user check: declared 30 minutes after the start, two alerts logged, nothing pinned.
    assert cli("declare", "Search API timeouts", "--started", "-30m").code == 0
    assert cli("log", "--kind", "alert", "search p99 latency > 5s", "--at", "-2m").code == 0
    assert cli("log", "--kind", "alert", "search 502 rate 12%").code == 0
    handoff, internal = (cli("doc", kind).out for kind in ("handoff", "internal"))
    started, declared, now = (hm(FIXED_NOW - timedelta(minutes=m)) for m in (30, 0, 2))
    happened = _section(handoff, "- What happened:\n", "- What we've tried:")
    assert happened.splitlines() == [
        f"  - {started} - Symptoms started",
        f"  - {now} - search p99 latency > 5s",
        f"  - {declared} - Incident declared",
        f"  - {declared} - search 502 rate 12%",
    ]
    know = _section(internal, "**What we know**:\n", "**What we're doing**")
    assert "Still assessing" not in know
    assert f"- Started {started}" in know
    assert f"- {now} - Alert: search p99 latency > 5s" in know and f"- {declared} - Alert: search 502 rate 12%" in know


def test_what_we_know_says_which_change_it_started_after(playbook):
    story = Story(started=2)
    story.log("change", "Deploy v2.3.4 completed", 0)
    story.log("change", "Unrelated flag flipped", -120)  # long before: not "started after"
    know = _section(documents.render("internal", story.state(), playbook, at(20)), "**What we know**:\n", "**What")
    assert "- Started 14:32, after the 14:30 change: Deploy v2.3.4 completed" in know
    assert "Unrelated" not in know


def test_many_alerts_are_told_as_the_first_a_count_and_the_latest(playbook):
    story = Story(started=None, detected=None)
    for n in range(20):
        story.log("alert", f"5xx burst {n}", 13 + n)
    story.log("alert", "pinned: checkout 5xx > 10%", 40).pinned = True
    handoff = documents.render("handoff", story.state(), playbook, at(45))
    happened = _section(handoff, "- What happened:\n", "- What we've tried:").splitlines()
    assert happened == [
        "  - 14:42 - Incident declared",
        "  - 14:43 - 5xx burst 0",
        "  - 14:44-14:59 - 16 more alerts",
        "  - 15:00 - 5xx burst 17",
        "  - 15:01 - 5xx burst 18",
        "  - 15:02 - 5xx burst 19",
    ]
    # A pinned alert is what was learned, listed there once.
    assert "checkout 5xx > 10%" in _section(handoff, "- What we learned:", "**Current hypothesis**")
    assert "checkout 5xx > 10%" not in "\n".join(happened)


def test_a_fresh_incident_still_says_what_it_knows(playbook):
    story = Story(started=None, detected=None)
    handoff = documents.render("handoff", story.state(), playbook, at(13))
    assert _section(handoff, "- What happened:\n", "- What we've tried:").splitlines() == [
        "  - 14:42 - Incident declared"
    ]
    internal = documents.render("internal", story.state(), playbook, at(13))
    assert "- Still assessing; nothing confirmed yet" in internal


# ----- numbering --------------------------------------------------------------------------


async def test_internal_number_increments_only_when_sent(demo, playbook):
    store, iid = demo
    state = await store.load_state(iid)
    assert documents.render("internal", state, playbook, FIXED_NOW).startswith("## Incident Update #1 - 14:55\n")
    assert documents.render("internal", state, playbook, FIXED_NOW).startswith("## Incident Update #1 ")
    assert (await store.load_state(iid)).incident.updates_sent == 0  # rendering recorded nothing
    await store.record_update_sent(iid, "status", "x", "sam", None)  # other documents do not count
    assert "Update #1 " in await documents.render_from_store("internal", store, iid, playbook, FIXED_NOW)
    await store.record_update_sent(iid, "internal", "x", "sam", None)
    text = await documents.render_from_store("internal", store, iid, playbook, FIXED_NOW)
    assert text.startswith("## Incident Update #2 - 14:55\n")
    # Nothing done since the update went out: #2 still says what has been done so far.
    doing = text.split("**What we're doing**:\n", 1)[1].split("\n\n", 1)[0]
    assert doing.splitlines() == [
        "- Temporary fix in place: Bypass payment token cache in checkout-api config (INC-1234), added 14:46",
        "- No new actions since update #1; the latest so far:",
        "  - 14:43 - Bad deploy: Rollback to previous version (v2.3.4 → v2.3.3)",
        "  - 14:43 - Rollback initiated: kubectl rollout undo deployment/checkout-api",
        "  - 14:45 - Rollback complete, errors dropping",
    ]
    _clock(store, FIXED_NOW + timedelta(minutes=1))
    await store.append(iid, "action", "Watching the gateway error rate", "alex")
    text = await documents.render_from_store("internal", store, iid, playbook, FIXED_NOW + timedelta(minutes=1))
    doing = text.split("**What we're doing**:\n", 1)[1].split("\n\n", 1)[0]
    assert doing.splitlines()[1:] == ["- 14:56 - Watching the gateway error rate"]  # only what is new
    assert documents.render("internal", state, playbook, FIXED_NOW, number=7).startswith("## Incident Update #7 ")


# ----- escaping ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "inline", "cell"),
    [
        ("a | b", "a | b", "a \\| b"),
        ("<script>alert(1)</script>", "\\<script>alert(1)\\</script>", "\\<script>alert(1)\\</script>"),
        ("run `rm -rf`", "run \\`rm -rf\\`", "run \\`rm -rf\\`"),
        ("line one\nline two", "line one / line two", "line one / line two"),
        ("# not a heading", "\\# not a heading", "\\# not a heading"),
        ("> not a quote", "\\> not a quote", "\\> not a quote"),
        ("- not a list", "\\- not a list", "\\- not a list"),
        ("5xx > 10%", "5xx > 10%", "5xx > 10%"),
        ("\\<b>", "\\\\\\<b>", "\\\\\\<b>"),
        ("\x1b]52;c;evil\x07", "␛\\]52;c;evil␇", "␛\\]52;c;evil␇"),
        ("![x](http://t.example/p.png)", "!\\[x\\](http://t.example/p.png)", "!\\[x\\](http://t.example/p.png)"),
    ],
)
def test_markdown_escaping(text, inline, cell):
    assert str(markdown.md_inline(text)) == inline
    assert str(markdown.md_cell(text)) == cell


async def test_pipes_and_html_in_documents(multiday, playbook):
    store, iid = multiday
    for kind in documents.DOCUMENT_KINDS:
        text = await documents.render_from_store(kind, store, iid, playbook, MULTI_NOW)
        assert not re.search(r"(?<!\\)<(script|b)\b", text), kind
    postmortem = await documents.render_from_store("postmortem", store, iid, playbook, MULTI_NOW)
    assert "| Validate pool size \\| max 50 in config schema | kim | 2026-03-20 | Done |" in postmortem
    actions = postmortem.split("## Action Items", 1)[1].split("\n## ", 1)[0]
    for line in actions.splitlines():
        if line.startswith("|"):
            assert len(re.findall(r"(?<!\\)\|", line)) == 5, line  # every row keeps four cells


# ----- content rules ----------------------------------------------------------------------


async def test_postmortem_story_rules(multiday, playbook):
    store, iid = multiday
    text = await documents.render_from_store("postmortem", store, iid, playbook, MULTI_NOW)
    assert "Outage also in US" not in text  # struck
    assert "erorr" not in text and "Error budget for the month exhausted" in text  # amended
    assert "**Severity**: SEV-1 (SEV-2 at the end)" in text  # highest reached
    assert "**Author**: kim" in text  # the commander after the handoff
    assert "**Tuesday 2026-03-10**" in text  # the day changed
    assert "- 00:05 - Service restored: Partial restore" in text
    assert (
        "Temporary fix: Rate limit EU orders to 50 rps in edge config (OPS-77), added 00:05, removed at 01:30" in text
    )
    assert "- 01:30 - Config schema now rejects pool size > 50 (PR 4411)" in text  # permanent fix
    assert "```mermaid\ngantt\n" in text and "Fix :done, 2026-03-10 01:30:00, 2026-03-10 02:00:00" in text
    assert "_To be written" not in text


def test_postmortem_draft_says_the_declared_severity_and_any_escalation(playbook):
    story = Story(severity=3)
    story.severity(1, 15).severity(2, 20)
    summary = documents.render("postmortem", story.state(), playbook, at(25)).split("## Summary\n", 1)[1]
    assert "It was detected at 14:38 and declared at 14:42 as SEV-3, escalated to SEV-1." in summary
    assert "**Severity**: SEV-1 (SEV-2 at the end)" in documents.render("postmortem", story.state(), playbook, at(25))
    story = Story(severity=1, detected=None)
    story.severity(2, 15)  # downgraded only: no escalation to tell
    summary = documents.render("postmortem", story.state(), playbook, at(25)).split("## Summary\n", 1)[1]
    assert "It was declared at 14:42 as SEV-1.\n" in summary and "escalated" not in summary
    bare = Story(severity=4)
    bare.severity_history = []  # a hand-built state: the incident's severity stands in
    summary = documents.render("postmortem", bare.state(), playbook, at(25)).split("## Summary\n", 1)[1]
    assert "declared at 14:42 as SEV-4." in summary


async def test_updates_draw_on_pins_and_the_latest_live_hypothesis(demo, playbook):
    store, iid = demo
    state = await store.load_state(iid)
    handoff = documents.render("handoff", state, playbook, FIXED_NOW)
    assert "**Current hypothesis**: New payment client in v2.3.4 times out against the gateway" in handoff
    first = await store.append(iid, "hypothesis", "Gateway cert rotation", "alex")
    second = await store.append(iid, "hypothesis", "DNS flap", "alex")
    await store.strike(second, "alex", "ruled out")
    pinned = await store.append(iid, "action", "Pinned: raising gateway timeout to 5s", "alex")
    await store.pin(pinned, "dana")
    await store.pin(first, "dana")
    state = await store.load_state(iid)
    handoff = documents.render("handoff", state, playbook, FIXED_NOW)
    assert "**Current hypothesis**: Gateway cert rotation" in handoff and "DNS flap" not in handoff
    internal = documents.render("internal", state, playbook, FIXED_NOW)
    doing = internal.split("**What we're doing**:\n", 1)[1].split("\n\n", 1)[0]
    assert doing.splitlines() == [
        "- Temporary fix in place: Bypass payment token cache in checkout-api config (INC-1234), added 14:46",
        # A pin adds to what was done (all of it, before update #1), in time order.
        "- 14:43 - Bad deploy: Rollback to previous version (v2.3.4 → v2.3.3)",
        "- 14:43 - Rollback initiated: kubectl rollout undo deployment/checkout-api",
        "- 14:45 - Rollback complete, errors dropping",
        "- 14:55 - Pinned: raising gateway timeout to 5s",
    ]
    know = internal.split("**What we know**:\n", 1)[1].split("\n\n", 1)[0]
    assert "- Current hypothesis: Gateway cert rotation (since 14:55)" in know.splitlines()
    assert "DNS flap" not in know and know.count("Gateway cert rotation") == 1  # pinned too: said once
    assert "Gateway logs" not in know  # not pinned: not something we "know" yet


async def test_internal_update_names_the_current_hypothesis_unpinned(demo, playbook):
    store, iid = demo
    know = documents.render("internal", await store.load_state(iid), playbook, FIXED_NOW)
    know = know.split("**What we know**:\n", 1)[1].split("\n\n", 1)[0]
    assert "- Current hypothesis: New payment client in v2.3.4 times out against the gateway (since 14:43)" in know


async def test_next_update_is_what_sending_now_promises(demo, playbook):
    store, iid = demo
    state = await store.load_state(iid)
    cadence = playbook.severity(2).update_every_minutes  # 30: the demo is SEV-2
    assert facts.next_update_at(state, playbook, FIXED_NOW) == FIXED_NOW + timedelta(minutes=cadence)
    assert "**Next update**: 15:25 UTC or when status changes" in documents.render(
        "internal", state, playbook, FIXED_NOW
    )
    assert "Next update: 15:25 UTC" in documents.render("status", state, playbook, FIXED_NOW)
    await store.set_severity(iid, 1, "dana")
    state = await store.load_state(iid)
    assert "Next update: 15:10 UTC" in documents.render("status", state, playbook, FIXED_NOW)


async def test_empty_sections_show_prompts(demo, playbook):
    store, _ = demo  # the demo has a draft written; a fresh incident in the same file has none
    iid = (await store.declare("Search slow", 3, "dana", first_phase="assess")).id
    text = await documents.render_from_store("postmortem", store, iid, playbook, FIXED_NOW)
    for spec in playbook.postmortem_sections:
        if spec.key != "summary":
            assert f"_To be written: {spec.hint}_" in text
    assert "_Draft from the timeline; replace it with your own summary._" in text
    await store.save_text(iid, "postmortem.summary", "Written by a person.")
    text = await documents.render_from_store("postmortem", store, iid, playbook, FIXED_NOW)
    assert "Written by a person." in text and "_Draft from the timeline" not in text


async def test_status_mapping_and_workaround(db_path, playbook):
    store = await Store.open(db_path, clock=lambda: FIXED_NOW)
    inc = await store.declare("Search slow", 1, "dana", first_phase="assess")
    seen = [facts.status_word(await store.load_state(inc.id), playbook)]
    states = [facts.current_state(await store.load_state(inc.id), playbook)]
    await store.set_phase(inc.id, "contain", "dana")
    seen.append(facts.status_word(await store.load_state(inc.id), playbook))
    await store.set_mitigation(inc.id, "maintenance", "Maintenance mode", False, "dana")
    states.append(facts.current_state(await store.load_state(inc.id), playbook))
    await store.set_mitigation(inc.id, "partial", "Partial restore", True, "dana")
    seen.append(facts.status_word(await store.load_state(inc.id), playbook))
    states.append(facts.current_state(await store.load_state(inc.id), playbook))
    await store.append(inc.id, "note", "Workaround: use the old search page", "dana")
    state = await store.load_state(inc.id)
    assert "Workaround: use the old search page" in documents.render("status", state, playbook, FIXED_NOW)
    await store.append(inc.id, "note", "workaround: none", "dana")
    state = await store.load_state(inc.id)
    assert "Workaround: None at this time" in documents.render("status", state, playbook, FIXED_NOW)
    await store.resolve(inc.id, "dana")
    state = await store.load_state(inc.id)
    seen.append(facts.status_word(state, playbook))
    states.append(facts.current_state(state, playbook))
    await store.close()
    assert seen == ["Investigating", "Identified", "Monitoring", "Resolved"]
    assert states == ["Down", "Down", "Degraded", "Operational"]


async def test_every_document_renders_for_a_fresh_incident(db_path, playbook):
    store = await Store.open(db_path, clock=lambda: FIXED_NOW)
    inc = await store.declare("Something is off", 3, "dana", first_phase="assess")
    for kind in documents.DOCUMENT_KINDS:
        text = await documents.render_from_store(kind, store, inc.id, playbook, FIXED_NOW)
        assert text.endswith("\n") and "\n\n\n" not in text
        assert not re.search(r"\bNone\b(?! (at this time|yet|recorded))", text), kind  # no Python None printed
    await store.close()


def test_every_document_renders_for_a_bare_state(playbook):
    """No events at all (not even the declaration): nothing may raise."""
    bare = IncidentState(
        incident=Incident(id="INC-1", title="t", severity=4, phase="nowhere", commander="", declared_at=FIXED_NOW)
    )
    for kind in documents.DOCUMENT_KINDS:
        assert documents.render(kind, bare, playbook, FIXED_NOW)


def test_odd_hand_built_state_renders(playbook):
    """Naive times, unknown phase and mitigation, events missing their data: no raise."""
    from warroom.core.models import PhaseSpan

    naive = datetime(2026, 3, 10, 14, 0)
    odd = [
        Event(
            id=str(i),
            incident_id="INC-1",
            ts=naive + timedelta(minutes=i),
            recorded_at=naive,
            kind=kind,
            text=text,
            author="\x1b[2Jx",
            data=data,
        )
        for i, (kind, text, data) in enumerate(
            [
                ("severity", "sev", {"new": 2}),
                ("mitigation", "Mitigation: ???", {}),
                ("comms", "sent", {"document": "memo"}),
                ("handoff", "h", {}),
                ("triage", "\x07 bell", {"question": "broken"}),
                ("hypothesis", "| <i>x</i> `y`", {}),
                ("decision", "d", {"containment": "nosuch"}),
                ("mystery", "m", {}),
            ]
        )
    ]
    state = IncidentState(
        incident=Incident(
            id="INC-1",
            title="t",
            severity=1,
            phase="nowhere",
            commander="c",
            mitigation="nosuch",
            declared_at=naive,
            started_at=naive - timedelta(hours=30),
            restored_at=naive + timedelta(hours=1),
            next_update_at=naive,
            roles={"sme": "pat"},
        ),
        events=odd,
        phases=[PhaseSpan(phase="nowhere", entered_at=naive)],
        postmortem={"summary": "\x1b]52;c;x\x07", "extra": "x"},
    )
    for kind in documents.DOCUMENT_KINDS:
        text = documents.render(kind, state, playbook, FIXED_NOW)
        assert "\x1b" not in text and "\x07" not in text, kind


# ----- the timeline -----------------------------------------------------------------------


async def test_timeline_streams_every_event(db_path, playbook, monkeypatch):
    from warroom.core import store as store_module

    monkeypatch.setattr(store_module, "STATE_ALL_EVENTS", 1_000)  # a long incident, sooner
    store = await Store.open(db_path, clock=lambda: FIXED_NOW)
    iid = await seed_demo(store, playbook, now=FIXED_NOW, events=1_200)  # over 1,000: a day-long run
    # The story pins one of its events; the commander pins one of the long run's too (the demo
    # does so every 5,000 events), which the loaded state leaves out.
    (last_bulk,) = await store.events_by_seq([await store.count_events(iid) - 1])
    assert last_bulk.kind in ("note", "alert")
    await store.pin(last_bulk, "dana")
    state = await store.load_state(iid)
    assert state.events_truncated
    streamed = await documents.render_from_store("timeline", store, iid, playbook, FIXED_NOW)
    count = await store.count_events(iid)
    await store.close()
    lines = [ln for ln in streamed.splitlines() if ln.startswith("- ")]
    # every event but the two pins (folded into their events) and the revisions of action
    # items and drafts (not timeline rows)
    assert len(lines) == count - 2 - len(state.action_items) - len(state.drafts)
    assert "left out" not in streamed
    loaded = documents.render("timeline", state, playbook, FIXED_NOW)
    assert "left out here" in loaded
    assert re.search(r"^\*\*\w+day 2026-03-10\*\*$", streamed, re.M)  # a day-long run crosses midnight


# ----- team templates and the sandbox -------------------------------------------------------


def _team_playbook(tmp_path, template_files: dict[str, str], documents_toml: str):
    src = playbook_module.SHIPPED.read_text(encoding="utf-8")
    folder = tmp_path / "team"
    (folder / "tpl").mkdir(parents=True, exist_ok=True)
    for name, body in template_files.items():
        (folder / "tpl" / name).write_text(body, encoding="utf-8")
    path = folder / "playbook.toml"
    path.write_text('templates_dir = "tpl"\n' + src + documents_toml, encoding="utf-8")
    return playbook_module.load(path)


async def test_team_adds_a_document_and_rewords_one(tmp_path, demo):
    store, iid = demo
    pb = _team_playbook(
        tmp_path,
        {
            "exec.md.j2": "# Executive summary: {{ title }}\n\n{{ status }} since {{ start }}; SEV-{{ severity }}.\n",
            "status.md.j2": '{% extends "status.md.j2" %}',  # a team may build on the shipped one
        },
        '\n[[documents]]\nkey = "exec"\ntitle = "Executive summary"\ntemplate = "exec.md.j2"\ncopy_key = "x"\n',
    )
    assert documents.document_kinds(pb) == (*documents.DOCUMENT_KINDS, "exec")
    text = await documents.render_from_store("exec", store, iid, pb, FIXED_NOW)
    assert text == "# Executive summary: Checkout failing after v2.3.4 deploy\n\nMonitoring since 14:32; SEV-2.\n"


async def test_team_postmortem_sections_are_data(tmp_path, demo):
    store, iid = demo
    src = playbook_module.SHIPPED.read_text(encoding="utf-8")
    lessons = (
        '[[postmortem_sections]]\nkey = "lessons"\nheading = "Lessons Learned"\nhint = "Key takeaways for the team."\n'
    )
    assert lessons in src
    extra = (
        '[[postmortem_sections]]\nkey = "customers"\nheading = "Customer Communication"\nhint = "What we told whom."\n'
    )
    path = tmp_path / "playbook.toml"
    path.write_text(src.replace(lessons, extra), encoding="utf-8")
    pb = playbook_module.load(path)
    await store.save_text(iid, "postmortem.customers", "Status page updated twice <b>")
    text = await documents.render_from_store("postmortem", store, iid, pb, FIXED_NOW)
    assert "Lessons Learned" not in text
    assert text.endswith("## Customer Communication\nStatus page updated twice \\<b>\n")


async def test_team_template_errors_are_reported_not_raised(tmp_path, demo):
    store, iid = demo
    for body in ("{{ nosuchthing }}", "{{ incident.__class__.__mro__ }}", "{% for %}"):
        pb = _team_playbook(
            tmp_path, {"bad.md.j2": body}, '\n[[documents]]\nkey = "bad"\ntitle = "Bad"\ntemplate = "bad.md.j2"\n'
        )
        with pytest.raises(PlaybookError, match="template for document 'bad'"):
            await documents.render_from_store("bad", store, iid, pb, FIXED_NOW)


async def test_unknown_document(demo, playbook):
    store, iid = demo
    with pytest.raises(InputError, match="no document 'memo'"):
        await documents.render_from_store("memo", store, iid, playbook, FIXED_NOW)


def test_documents_do_not_import_textual():
    import subprocess
    import sys

    code = "import sys, warroom.core.documents, warroom.core.review, warroom.core.clipboard; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ----- any text, any kind ------------------------------------------------------------------

_texts = st.text(max_size=80)
_events = st.lists(
    st.tuples(st.sampled_from(ALL_KINDS), _texts, st.integers(0, 3000), st.booleans(), st.booleans(), _texts),
    max_size=12,
)


@settings(
    max_examples=int(os.environ.get("WARROOM_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    title=_texts.filter(str.strip),
    rows=_events,
    sections=st.dictionaries(
        st.sampled_from(["summary", "root_cause", "contributing_factors", "went_well", "went_poorly", "lessons"]),
        _texts,
        max_size=6,
    ),
    item=_texts,
)
def test_any_text_renders_every_document_without_raw_html(playbook, title, rows, sections, item):
    events = [
        Event(
            id=str(i),
            incident_id="INC-1",
            ts=FIXED_NOW - timedelta(minutes=minutes),
            recorded_at=FIXED_NOW,
            kind=kind,
            text=text,
            author=author or "x",
            struck=struck,
            pinned=pinned,
            data={"question": "broken"} if kind == "triage" else {},
        )
        for i, (kind, text, minutes, struck, pinned, author) in enumerate(rows)
    ]
    events.sort(key=lambda e: e.ts)
    state = IncidentState(
        incident=Incident(
            id="INC-1",
            title=title,
            severity=2,
            phase="diagnose",
            commander="dana",
            declared_at=FIXED_NOW - timedelta(hours=1),
        ),
        events=events,
        postmortem=sections,
        action_items=[
            ActionItem(
                id="a", incident_id="INC-1", action=item, owner=item, due=item, status=item, created_at=FIXED_NOW
            )
        ],
    )
    for kind in documents.DOCUMENT_KINDS:
        text = documents.render(kind, state, playbook, FIXED_NOW)
        assert not re.search(r"(?<!\\)<[A-Za-z/!?]", text), kind  # no tag, comment or autolink survives
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", text), kind
    actions = documents.render("postmortem", state, playbook, FIXED_NOW).split("## Action Items", 1)[1]
    row = actions.split("\n")[3]
    assert len(re.findall(r"(?<!\\)\|", row)) == 5, row


def test_postmortem_says_the_level_the_service_came_back_at_and_the_one_after():
    from warroom.core.playbook import load

    playbook = load()
    story = Story(severity=2)
    story.mitigate("partial", 29)  # restored here, partially
    story.mitigate("full", 31)
    summary = documents.render("postmortem", story.state(), playbook, at(40)).split("## Summary\n", 1)[1]
    assert "Service was restored at 14:59 (Partial restore); Full restore since 15:01." in summary
    story = Story(severity=2)
    story.mitigate("full", 29)
    summary = documents.render("postmortem", story.state(), playbook, at(40)).split("## Summary\n", 1)[1]
    assert "Service was restored at 14:59 (Full restore).\n" in summary


def test_an_update_logged_by_hand_keeps_its_words_in_the_story_and_the_timeline():
    from warroom.core.playbook import load
    from warroom.core.story import story_text, timeline_line

    playbook = load()
    story = Story(severity=2)
    typed = story.log("comms", "posted in #incidents channel", 20)  # m: posted in #incidents channel
    copied = story.log("comms", "## Status ...", 21, document="status")
    # Not "Update sent": a hand-logged comms line may be a page, a call, a message to a team.
    assert story_text(typed, playbook) == "Comms: posted in #incidents channel"
    assert "Comms: posted in #incidents channel" in timeline_line(typed, playbook)
    assert story_text(copied, playbook) == "Status page updated"


def test_a_pasted_dump_is_cut_in_the_postmortem_and_whole_in_the_timeline(playbook):
    from warroom.core.story import STORY_LINE_CHARS, story, timeline_line

    dump = "\n".join(f"2026-03-10T14:3{i % 10}:00 ERROR pool exhausted id={i}" for i in range(3000))
    incident = Story(severity=2)
    pasted = incident.log("note", dump, 20)
    [(_, line)] = [entry for entry in story(incident.state(), playbook) if "pool exhausted" in entry[1]]
    assert len(line) < STORY_LINE_CHARS + 60 and line.endswith("(cut here: the whole text is on the timeline)")
    assert "id=2999" in timeline_line(pasted, playbook)
    postmortem = documents.render("postmortem", incident.state(), playbook, at(40))
    assert len(postmortem) < 20_000 and "id=2999" not in postmortem


# ----- what we're doing: pins add to what is new ------------------------------------------


def _doing(text: str) -> list[str]:
    return text.split("**What we're doing**:\n", 1)[1].split("\n\n", 1)[0].splitlines()


def test_a_pinned_decision_stays_and_what_was_done_since_is_listed_too(playbook):
    """Pinning one decision used to freeze "what we're doing" in every update after it."""
    story = Story(severity=1, phase="contain")
    story.log("decision", "roll back first, investigate later", 13).pinned = True
    story.log("action", "Rollback started", 14)
    first = _doing(documents.render("internal", story.state(), playbook, at(16)))
    assert first == ["- 14:43 - roll back first, investigate later", "- 14:44 - Rollback started"]
    story.log("comms", "## Incident Update #1", 16, document="internal")
    story.incident.updates_sent = 1
    story.log("action", "Rollback complete", 18)
    story.log("decision", "Keep the feature flag off until the fix ships", 19)
    second = _doing(documents.render("internal", story.state(), playbook, at(20)))
    assert second == [
        "- 14:43 - roll back first, investigate later",  # pinned: stays
        "- 14:48 - Rollback complete",  # new since #1, in time order
        "- 14:49 - Keep the feature flag off until the fix ships",
    ]
    story.log("comms", "## Incident Update #2", 20, document="internal")
    story.incident.updates_sent = 2
    story.temp_fix("Feature flag new-checkout off", 21)
    story.log("action", "Fix deployed", 30)
    story.resolve(31)
    last = _doing(documents.render("internal", story.state(), playbook, at(32)))
    assert last == [
        "- Temporary fix in place: Feature flag new-checkout off (INC-1234), added 14:51",
        "- 14:43 - roll back first, investigate later",
        "- 15:00 - Fix deployed",
    ]


def test_a_pinned_action_done_since_the_last_update_is_listed_once(playbook):
    story = Story(phase="contain")
    story.log("comms", "## Incident Update #1", 13, document="internal")
    story.incident.updates_sent = 1
    story.log("action", "Rollback started", 14).pinned = True
    story.log("action", "Rollback complete", 15)
    assert _doing(documents.render("internal", story.state(), playbook, at(16))) == [
        "- 14:44 - Rollback started",
        "- 14:45 - Rollback complete",
    ]


def test_nothing_new_since_the_last_update_says_so_with_the_pins(playbook):
    story = Story(phase="contain")
    story.log("decision", "roll back first", 13).pinned = True
    story.log("action", "Rollback started", 14)
    story.log("comms", "## Incident Update #1", 16, document="internal")
    story.incident.updates_sent = 1
    assert _doing(documents.render("internal", story.state(), playbook, at(20))) == [
        "- No new actions since update #1; the latest so far:",
        "  - 14:43 - roll back first",
        "  - 14:44 - Rollback started",
    ]


def test_many_actions_since_the_last_update_are_capped_and_counted(playbook):
    story = Story(phase="contain")
    story.log("decision", "roll back first", 13).pinned = True
    story.log("comms", "## Incident Update #1", 14, document="internal")
    story.incident.updates_sent = 1
    for n in range(9):
        story.log("action", f"step {n}", 15 + n)
    doing = _doing(documents.render("internal", story.state(), playbook, at(30)))
    assert doing == [
        "- 14:43 - roll back first",
        *(f"- 14:{45 + n} - step {n}" for n in range(4, 9)),
        "- 4 earlier actions since update #1 are on the timeline",
    ]
    story.log("comms", "## Incident Update #2", 30, document="internal")
    story.incident.updates_sent = 2
    for n in range(6):
        story.log("action", f"more {n}", 31 + n)
    assert _doing(documents.render("internal", story.state(), playbook, at(40)))[-1] == (
        "- 1 earlier action since update #2 is on the timeline"
    )


async def test_what_we_are_doing_is_in_time_order_when_an_action_is_backdated(db_path, playbook):
    """The tester's walk: a pinned decision, then an action logged with `--at -1m` (before it)."""
    store = await Store.open(db_path, clock=lambda: FIXED_NOW)
    try:
        iid = (await store.declare("Checkout 502s", 1, "dana", first_phase="assess")).id
        decision = await store.append(iid, "decision", "roll back first, investigate later", "dana")
        await store.pin(decision, "dana")
        await store.append(iid, "action", "Rollback started", "dana", at=FIXED_NOW - timedelta(minutes=1))
        state = await store.load_state(iid)
    finally:
        await store.close()
    assert _doing(documents.render("internal", state, playbook, FIXED_NOW)) == [
        f"- {hm(FIXED_NOW - timedelta(minutes=1))} - Rollback started",
        f"- {hm(FIXED_NOW)} - roll back first, investigate later",
    ]
    tried = _section(documents.render("handoff", state, playbook, FIXED_NOW), "- What we've tried:\n", "- What")
    assert tried.index("Rollback started") < tried.index("roll back first")


def test_alerts_seen_are_labelled_alike(playbook):
    """'Alertmanager: …' begins like the label but is not it: labelled, as every other alert
    (a walker saw '17:28 - Alert: PagerDuty …' beside '17:29 - Alertmanager …')."""
    from warroom.core.facts import alerts_seen

    story = Story(severity=2)
    story.log("alert", "PagerDuty: checkout 5xx", 14)
    story.log("alert", "Alertmanager: p99 latency > 2s", 15)
    story.log("alert", "Alert fired: queue depth", 16)
    assert [text for _, text in alerts_seen(story.state(), "Alert: ")] == [
        "14:44 - Alert: PagerDuty: checkout 5xx",
        "14:45 - Alert: Alertmanager: p99 latency > 2s",
        "14:46 - Alert fired: queue depth",
    ]
    from warroom.core.facts import labelled

    pinned = story.log("alert", "Error rate increased 5% → 20%", 17)  # a pinned one says it too
    assert labelled(pinned) == "14:47 - Alert: Error rate increased 5% → 20%"
