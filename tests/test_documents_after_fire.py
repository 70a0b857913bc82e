"""Issue 11 in the documents: relative times made absolute, the service as a field, the
handoff naming the new commander, response times in the postmortem."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from builders import Story, at
from fixed_clock import FIXED_NOW

from warroom.core import documents, facts
from warroom.core.operations import Operations
from warroom.core.relative import absolute
from warroom.core.store import Store

WRITTEN = datetime(2026, 3, 10, 14, 50, tzinfo=UTC)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("-18m", "14:32 UTC"),  # the shorthand is replaced
        ("Started: -18m", "Started: 14:32 UTC"),
        ("-1h30m", "13:20 UTC"),
        ("18m ago", "18m ago (14:32 UTC)"),  # a phrase is kept, the time follows
        ("deploy v2.3.4 20 minutes ago", "deploy v2.3.4 20 minutes ago (14:30 UTC)"),
        ("an hour ago", "an hour ago (13:50 UTC)"),
        ("5 min ago", "5 min ago (14:45 UTC)"),
        ("half an hour ago", "half an hour ago (14:20 UTC)"),
        ("Twenty minutes ago", "Twenty minutes ago (14:30 UTC)"),
        ("an hour and 10 minutes ago", "an hour and 10 minutes ago (13:40 UTC)"),
        ("1h30m ago", "1h30m ago (13:20 UTC)"),
        ("2 days ago", "2 days ago (2026-03-08 14:50 UTC)"),  # another day: with its date
        ("about 20 minutes ago (14:30)", "about 20 minutes ago (14:30)"),  # already said
        ("error rate -5% since 14:32", "error rate -5% since 14:32"),
        ("pre-18m build", "pre-18m build"),
        ("v2 -> v3", "v2 -> v3"),
        ("banana hours ago", "banana hours ago"),
        ("", ""),
    ],
)
def test_relative_times_are_made_absolute(text, expected):
    assert absolute(text, WRITTEN) == expected


def test_absolute_uses_the_local_zone(monkeypatch):
    import time

    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        assert absolute("-18m", WRITTEN) == "10:32 EDT"
    finally:
        monkeypatch.setenv("TZ", "UTC")
        time.tzset()


def test_documents_never_show_a_relative_time_alone(playbook):
    """Answers and events written at 14:42 say when they meant, read hours later."""
    story = Story(started=None, detected=None)
    story.log("triage", "-18m", 12, question="started")
    story.log("triage", "checkout-api deploy 20 minutes ago", 12, question="changed")
    story.log("note", "users reported timeouts 5 min ago", 12)
    story.events[-1].pinned = True
    story.log("action", "restarted pods an hour ago", 12)
    story.log("hypothesis", "cache poisoned 10 minutes ago", 12)
    state = story.state()
    later = at(12 + 6 * 60)
    for kind in ("internal", "handoff", "postmortem", "timeline"):
        text = documents.render(kind, state, playbook, later)
        assert "-18m" not in text, kind
        for phrase, when in (
            ("20 minutes ago", "14:22 UTC"),
            ("5 min ago", "14:37 UTC"),
            ("an hour ago", "13:42 UTC"),
            ("10 minutes ago", "14:32 UTC"),
        ):
            if phrase in text:
                assert f"{phrase} ({when})" in text, (kind, phrase)
    internal = documents.render("internal", state, playbook, later)
    assert "- Started: 14:24 UTC" in internal
    assert "- Recent change: checkout-api deploy 20 minutes ago (14:22 UTC)" in internal
    postmortem = documents.render("postmortem", state, playbook, later)
    assert "The last change before it: checkout-api deploy 20 minutes ago (14:22 UTC)." in postmortem


# ----- the service is a field ----------------------------------------------------------------


def _with_service(service, broken):
    story = Story()
    story.incident.service = service
    if broken:
        story.log("triage", broken, 12, question="broken")
    return story.state()


def test_external_and_status_use_the_incident_service(playbook):
    state = _with_service("checkout-api", "card form spins forever")
    external = documents.render("external", state, playbook, at(20))
    assert external.startswith("## checkout-api - Degraded Performance\n")
    assert "We're experiencing issues with checkout-api. Some users may see: card form spins forever." in external
    status = documents.render("status", state, playbook, at(20))
    assert "We're aware of issues with checkout-api." in status


def test_the_service_field_wins_over_the_answer_and_a_foreign_head_stays_in_the_symptom(playbook):
    state = _with_service("checkout-api", "Payments API: timeouts")
    external = documents.render("external", state, playbook, at(20))
    assert external.startswith("## checkout-api - ")
    assert "Some users may see: Payments API: timeouts." in external
    same = _with_service("Checkout-API", "checkout-api: 500 on pay")
    assert "Some users may see: 500 on pay." in documents.render("external", same, playbook, at(20))


def test_without_the_field_the_answer_still_names_the_service(playbook):
    state = _with_service(None, "Payments: card form spins forever")
    assert documents.render("external", state, playbook, at(20)).startswith("## Payments - ")
    blank = _with_service("  ", "Payments: card form spins forever")
    assert documents.render("external", blank, playbook, at(20)).startswith("## Payments - ")


# ----- handoff stays true -------------------------------------------------------------------


async def test_after_a_handoff_the_handoff_and_contacts_name_the_new_commander(db_path, playbook):
    store = await Store.open(db_path, clock=lambda: FIXED_NOW)
    ops = Operations(store, playbook, "dana")
    try:
        incident = await ops.declare("Checkout down", 1)
        await ops.set_role(incident.id, "comms", "kim")
        await ops.set_role(incident.id, "scribe", "ola")
        await ops.hand_off(incident.id, "lee", "Handing over: rollback done, watching error rate")
        state = await store.load_state(incident.id)
    finally:
        await store.close()
    assert state.incident.commander == "lee"
    handoff = documents.render("handoff", state, playbook, FIXED_NOW)
    contacts = handoff.split("**Contacts**:", 1)[1]
    assert "- Incident commander: lee" in contacts and "- Comms lead: kim" in contacts and "- Scribe: ola" in contacts
    assert "dana" not in contacts
    assert "**Author**: lee" in documents.render("postmortem", state, playbook, FIXED_NOW)
    assert facts.contacts(state)[0] == ("Incident commander", "lee")


# ----- response times in the postmortem -----------------------------------------------------


async def test_postmortem_response_times_from_the_times_the_commander_gave(db_path, playbook):
    clock = [FIXED_NOW]
    store = await Store.open(db_path, clock=lambda: clock[0])
    ops = Operations(store, playbook, "dana")
    try:
        incident = await ops.declare(
            "Checkout down", 2, started_at=FIXED_NOW - timedelta(minutes=25), service="checkout-api"
        )
        await ops.log(incident.id, "alert", "5xx > 10%", at=FIXED_NOW - timedelta(minutes=19))
        clock[0] = FIXED_NOW + timedelta(minutes=5)
        await ops.decide_containment(incident.id, playbook.containment_for(playbook.situation_key("bad_deploy")))
        await ops.log(incident.id, "action", "kubectl rollout undo deployment/checkout-api")  # contained: done
        clock[0] = FIXED_NOW + timedelta(minutes=15)
        await ops.set_mitigation(incident.id, playbook.mitigation_level("full"))
        clock[0] = FIXED_NOW + timedelta(minutes=35)
        await ops.resolve(incident.id)
        state = await store.load_state(incident.id)
    finally:
        await store.close()
    text = documents.render("postmortem", state, playbook, FIXED_NOW + timedelta(days=1))
    assert "| Time to detect | 6 minutes (14:30 → 14:36) |" in text
    assert "| Time to declare | 25 minutes (14:30 → 14:55) |" in text
    assert "| Time to contain | 30 minutes" in text
    assert "| Time to mitigate | 40 minutes" in text
    assert "| Time to resolve | 1 hour (14:30 → 15:30) |" in text
    assert "**Duration**: 1 hour\n" in text  # stopped at the resolution, not a day later


# ----- public wording --------------------------------------------------------------------------


def _public(playbook, service, broken, *, phase="assess", impact=None, mitigate=None, resolve=False, affected=None):
    story = Story(severity=1, phase=phase)
    story.incident.service = service
    story.incident.impact = impact
    if broken:
        story.log("triage", broken, 12, question="broken")
    if affected:
        story.log("triage", affected, 12, question="affected")
    if mitigate:
        story.mitigate(mitigate, 20)
    if resolve:
        story.resolve(25)
    state = story.state()
    return documents.render("status", state, playbook, at(26)), documents.render("external", state, playbook, at(26))


@pytest.mark.parametrize("service", ["Checkout", None])
@pytest.mark.parametrize(
    "when, status",
    [
        ({}, "Investigating"),
        ({"phase": "contain"}, "Identified"),
        ({"phase": "mitigate", "mitigate": "full"}, "Monitoring"),
        ({"phase": "postmortem", "mitigate": "full", "resolve": True}, "Resolved"),
    ],
)
def test_every_status_reads_as_plain_english(playbook, service, when, status):
    text, external = _public(playbook, service, "POST /checkout fails with 502 for ~40% of requests", **when)
    assert text.startswith(f"## Status: {status}\n")
    first = text.split("\n\n", 2)[1]
    issue = f"issues with {service}" if service else "a service disruption"
    the_issues = f"the issues with {service}" if service else "the service disruption"
    expected = {
        "Investigating": f"We're aware of {issue}. Our team is investigating.",
        "Identified": (
            f"We've identified the issue affecting {service} and are working on a fix."
            if service
            else "We've identified the issue behind the service disruption and are working on a fix."
        ),
        "Monitoring": f"We've applied a fix for {the_issues} and are monitoring the results.",
        "Resolved": (
            f"The issues with {service} have been resolved. Everything is working normally."
            if service
            else "The service disruption has been resolved. Everything is working normally."
        ),
    }[status]
    assert first == expected
    for said in (text, external):
        assert "a fix for the issues with" not in said or status == "Monitoring"
        assert "cause" not in said  # in Contain the cause may not be known yet


def test_the_impact_in_the_commanders_words_reaches_the_public_texts(playbook):
    status, external = _public(playbook, None, None, impact="~60% of SSO logins fail")
    assert "What users may see: ~60% of SSO logins fail\n" in status
    assert "Some users may see: ~60% of SSO logins fail." in external
    # Words meant for users win over the internal triage answer (endpoints, HTTP codes).
    status, external = _public(
        playbook, "SSO", "POST /sso/callback 502", impact="~60% of SSO logins fail", affected="EU"
    )
    for text in (status, external):
        assert "POST /sso" not in text and "~60% of SSO logins fail" in text
    # A playbook impact is a level, not something users see: the answer stays.
    status, external = _public(playbook, "SSO", "logins fail", impact="many")
    assert "What users may see: logins fail\n" in status and "Many users" not in status
    assert "Some users may see: logins fail." in external


@pytest.mark.parametrize(
    "impact, pct, said",
    [
        ("all", None, "Users may see"),
        ("many", 100, "Users may see"),
        ("many", 40, "Some users may see"),
        (None, None, "Some users may see"),
    ],
)
def test_the_external_notice_says_users_when_everyone_is_affected(playbook, impact, pct, said):
    story = Story(severity=1)
    story.incident.impact, story.incident.impact_pct = impact, pct
    story.log("triage", "logins fail", 12, question="broken")
    external = documents.render("external", story.state(), playbook, at(26))
    assert f"We're experiencing a service disruption. {said}: logins fail. Our team" in external


def test_a_symptom_ending_a_sentence_is_not_stopped_twice(playbook):
    _, external = _public(playbook, "SSO", "logins fail.")
    assert "Some users may see: logins fail. Our team" in external


def test_a_start_given_back_from_now_is_said_once(playbook):
    """The declare screen keeps "-20m" as "14:22 (-20m)"; made absolute that was "14:22 (14:22 UTC)"."""
    # The declare screen records the start the answer gives (14:22 is minute -8).
    story = Story(started=-8)
    story.log("triage", "14:22 (-20m), right after the deploy", 12, question="started")
    text = documents.render("internal", story.state(), playbook, at(30))
    assert "- Started: 14:22 UTC, right after the deploy\n" in text
    story = Story(started=12 - 24 * 60)
    story.log("triage", "2026-03-09 14:42 (-1d)", 12, question="started")
    assert "- Started: 2026-03-09 14:42 UTC\n" in documents.render("internal", story.state(), playbook, at(30))
    # Another time in the parentheses says something: kept.
    story = Story(started=-8)
    story.log("triage", "14:22 (15:22 CET)", 12, question="started")
    assert "- Started: 14:22 (15:22 CET)\n" in documents.render("internal", story.state(), playbook, at(30))
    # Without a recorded start, the answer as said.
    story = Story(started=None)
    story.log("triage", "about when the deploy finished", 12, question="started")
    assert "- Started: about when the deploy finished\n" in documents.render(
        "internal", story.state(), playbook, at(30)
    )


def _declared_with_triage() -> Story:
    """As the declare form leaves it at 14:42: "Who's affected?", "How bad?" from the impact
    picker and "When did it start?" (-17m, 14:25), recorded as impact many/40% and the start."""
    story = Story(started=-5)
    story.incident.impact, story.incident.impact_pct = "many", 40
    story.log("triage", "shoppers paying", 12, question="affected")
    story.log("triage", "Many users (40%)", 12, question="how_bad")
    story.log("triage", "14:25 (-17m)", 12, question="started")
    return story


def test_the_updates_follow_a_corrected_impact(playbook):
    """`I` set Impact to All users, 60%: the internal update said "shoppers paying" and the
    declare-time "Many users (40%)"."""
    story = _declared_with_triage()
    before = documents.render("internal", story.state(), playbook, at(20))
    assert "**Impact**: Many users (40%) — shoppers paying\n" in before
    assert "How bad" not in before and "- Affected:" not in before  # said once, on the Impact line
    story.log("details", "Impact: All users · % affected: 60", 18, impact="all", impact_pct=60)
    story.incident.impact, story.incident.impact_pct = "all", 60
    state = story.state()
    internal = documents.render("internal", state, playbook, at(20))
    handoff = documents.render("handoff", state, playbook, at(20))
    assert "**Impact**: All users (60%) — shoppers paying\n" in internal
    assert "How bad: All users (60%)\n" in handoff  # the handoff has no Impact line: its answers say it
    for text in (internal, handoff):
        assert "40%" not in text and "Many users" not in text
    # Impact cleared: the declare-time answer says nothing current any more.
    story.log("details", "Impact: (none)", 19, impact=None, impact_pct=None)
    story.incident.impact, story.incident.impact_pct = None, None
    internal = documents.render("internal", story.state(), playbook, at(20))
    assert "**Impact**: shoppers paying\n" in internal and "How bad" not in internal
    # Words that only repeat the impact are not said twice; a % alone is a share of users.
    story = Story()
    story.incident.impact_pct = 25
    story.log("triage", "25% of users", 12, question="affected")
    assert "**Impact**: 25% of users\n" in documents.render("internal", story.state(), playbook, at(20))


def test_the_updates_follow_a_corrected_start(playbook):
    """`warroom set --started 14:20` after the answer 14:25: the update and the handoff kept
    "Started: 14:25 UTC" while the handoff listed "14:20 - Symptoms started"."""
    story = _declared_with_triage()
    story.log("details", "Impact started: 14:20", 18, started_at="2026-03-10T14:20:00+00:00")
    story.incident.started_at = at(-10)
    state = story.state()
    internal = documents.render("internal", state, playbook, at(20))
    handoff = documents.render("handoff", state, playbook, at(20))
    assert "- Started: 14:20 UTC\n" in internal
    assert "  - Started: 14:20 UTC\n" in handoff and "  - 14:20 - Symptoms started\n" in handoff
    assert "14:25" not in internal + handoff
    # An answer with words beyond its time keeps them, named as the first answer.
    story = Story(started=-10)
    story.log("triage", "14:25 UTC, right after the deploy", 12, question="started")
    internal = documents.render("internal", story.state(), playbook, at(20))
    assert "- Started: 14:20 UTC (first answered: 14:25 UTC, right after the deploy)\n" in internal


def test_changes_the_team_made_are_what_we_are_doing(playbook):
    """A rollback logged as a change (`c: rolled back to v2.3.3`) was missing from "What we're
    doing" while the decision to do it showed. A deploy hook's change is context."""
    story = Story(phase="contain")
    story.log("change", "deploy v2.3.4 completed", 0, author="deploy-bot")  # before the declaration
    story.log("decision", "Bad deploy: roll back to v2.3.3", 13, containment="bad_deploy")
    story.log("change", "rolled back to v2.3.3", 15)  # typed in the war room
    story.log("change", "feature flag card_v2 off", 16, source="cli")  # the commander's own shell
    story.log("change", "deploy v2.3.5 of search-api completed", 17, author="deploy-bot", source="cli")
    state = story.state()
    internal = documents.render("internal", state, playbook, at(20))
    doing = internal.split("**What we're doing**:\n", 1)[1].split("\n\n", 1)[0]
    assert doing.splitlines() == [
        "- 14:43 - Bad deploy: roll back to v2.3.3",
        "- 14:45 - rolled back to v2.3.3",
        "- 14:46 - feature flag card_v2 off",
    ]
    handoff = documents.render("handoff", state, playbook, at(20))
    happened = handoff.split("- What happened:\n", 1)[1].split("- What we've tried:\n", 1)[0]
    tried = handoff.split("- What we've tried:\n", 1)[1].split("- What we learned:", 1)[0]
    assert "deploy v2.3.4 completed" in happened and "deploy v2.3.5 of search-api" in happened
    assert "rolled back" not in happened and "card_v2" not in happened
    assert "  - 14:45 - rolled back to v2.3.3\n" in tried and "  - 14:46 - feature flag card_v2 off\n" in tried
    # Update #2: the change made since update #1 is what was done since.
    story.log("comms", "Internal update #1", 21, document="internal", number=1)
    story.log("change", "rate limit 200 rps on checkout", 23)
    internal = documents.render("internal", story.state(), playbook, at(25), number=2)
    doing = internal.split("**What we're doing**:\n", 1)[1].split("\n\n", 1)[0]
    assert doing.splitlines() == ["- 14:53 - rate limit 200 rps on checkout"]


def _reopened(playbook) -> Story:
    """Restored at 14:50 (full restore), resolved at 14:55, reopened at 15:00 as the alert came back."""
    story = Story(phase="mitigate")
    story.incident.service = "Checkout"
    story.log("triage", "payment step returns 500", 12, question="broken")
    story.mitigate("full", 20)
    story.log("restored", "Service restored", 20)
    story.resolve(25)
    story.log("resolved", "Incident resolved", 25)
    story.incident.status, story.incident.resolved_at = "open", None
    story.log("reopened", "Incident reopened", 30)
    story.log("alert", "checkout 5xx > 10% again", 30)
    return story


def test_a_reopened_incident_reads_as_ongoing(playbook):
    """The status page still said Monitoring, "We've applied a fix" and "What users saw"."""
    story = _reopened(playbook)
    state = story.state()
    status = documents.render("status", state, playbook, at(32))
    external = documents.render("external", state, playbook, at(32))
    internal = documents.render("internal", state, playbook, at(32))
    handoff = documents.render("handoff", state, playbook, at(32))
    assert status.startswith("## Status: Identified\n")
    assert "What users may see: payment step returns 500\n" in status
    assert "Current status: Degraded\n" in status  # not Operational: the full restore no longer holds
    assert "applied a fix" not in status + external and "users saw" not in status
    assert external.startswith("## Checkout - Degraded Performance\n") and "**Status**: Identified\n" in external
    assert "**Status**: Identified (Mitigate phase, SEV-2), reopened at 15:00\n" in internal
    assert "service restored" not in internal and "Mitigation: Full" not in internal
    assert "**Status**: Mitigate, reopened at 15:00\n" in handoff
    # Restored again after the reopen: monitoring, restored at the new time.
    story.mitigate("full", 40)
    state = story.state()
    assert documents.render("status", state, playbook, at(42)).startswith("## Status: Monitoring\n")
    internal = documents.render("internal", state, playbook, at(42))
    assert "**Status**: Monitoring (Mitigate phase, SEV-2), service restored at 15:10\n" in internal
    # The postmortem keeps the first restore for the clocks; the impact lasted to the one that held.
    story.resolve(45)
    postmortem = documents.render("postmortem", story.state(), playbook, at(46))
    assert "Service was restored at 14:50" in postmortem
    assert "and ended at 15:10" in postmortem  # a walker: it said 14:50, though errors came back


def test_the_whos_affected_answer_never_reaches_the_public_texts(playbook):
    """The declare form asks "Who's affected?" for "user impact, business priority": internal
    words (a walker's "revenue blocked" was on the status page, in brackets)."""
    for phase in ("assess", "contain"):
        status, external = _public(
            playbook, "Checkout", "500 on every payment", phase=phase, affected="All customers; revenue blocked"
        )
        for text in (status, external):
            assert "revenue blocked" not in text, text


def test_an_operational_status_page_says_no_workaround(playbook):
    """'Workaround: None at this time' under 'Current status: Operational' (a walker): said only
    while the service is not back, or when a workaround was logged."""
    story = Story(phase="mitigate")
    story.incident.service = "Checkout"
    story.mitigate("full", 20)
    status = documents.render("status", story.state(), playbook, at(22))
    assert "Current status: Operational" in status and "Workaround" not in status
