"""The incident's details as the war room's form corrects them (warroom/core/details.py): shown
as text, read back field by field, only what changed, one clear line for what does not read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from warroom.core import details
from warroom.core.models import Incident
from warroom.core.operations import Operations
from warroom.core.store import Store

NOW = datetime(2026, 3, 10, 14, 55, tzinfo=UTC)  # the tests run with TZ=UTC (conftest)


def incident(**fields) -> Incident:
    base = dict(
        id="INC-1",
        title="Checkout failing",
        severity=2,
        phase="assess",
        commander="dana",
        declared_at=NOW - timedelta(minutes=10),
        started_at=NOW - timedelta(minutes=25),
        detected_at=NOW - timedelta(minutes=20),
        service="checkout",
        impact="many",
        impact_pct=40.0,
    )
    return Incident(**{**base, **fields})


def test_shown_as_the_form_says_them(playbook):
    shown = details.as_text(incident(), playbook, NOW)
    assert shown == {
        "service": "checkout",
        "impact": "Many users",  # the playbook's label, not its key
        "impact_pct": "40",
        "started_at": "14:30",
        "detected_at": "14:35",
    }
    blank = details.as_text(incident(service=None, impact=None, impact_pct=None, detected_at=None), playbook, NOW)
    assert blank["service"] == blank["impact"] == blank["impact_pct"] == blank["detected_at"] == ""
    # Another day carries its date, so that reading it back does not make it today's.
    yesterday = incident(started_at=NOW - timedelta(days=1, minutes=5))
    assert details.as_text(yesterday, playbook, NOW)["started_at"] == "2026-03-09T14:50"


def test_nothing_typed_changes_nothing(playbook):
    inc = incident(started_at=NOW - timedelta(days=2))  # its text would not read back to the second
    shown = details.as_text(inc, playbook, NOW)
    assert details.changes(inc, playbook, shown, dict(shown), NOW) == {}
    spaced = {**shown, "service": "  checkout "}
    assert details.changes(inc, playbook, shown, spaced, NOW) == {}


def test_each_field_read(playbook):
    inc = incident()
    shown = details.as_text(inc, playbook, NOW)
    typed = {
        **shown,
        "service": "  payment   gateway ",
        "impact": "all users",
        "impact_pct": "75%",
        "started_at": "-40m",
        "detected_at": "14:31",
    }
    assert details.changes(inc, playbook, shown, typed, NOW) == {
        "service": "payment gateway",
        "impact": "all",  # a label (any case) is stored as the playbook's key
        "impact_pct": 75.0,
        "started_at": NOW - timedelta(minutes=40),
        "detected_at": datetime(2026, 3, 10, 14, 31, tzinfo=UTC),
    }
    words = {**shown, "impact": "EU checkout only", "impact_pct": "", "service": ""}
    assert details.changes(inc, playbook, shown, words, NOW) == {
        "impact": "EU checkout only",  # the commander's own words, kept
        "impact_pct": None,
        "service": None,  # emptied: cleared
    }


@pytest.mark.parametrize(
    ("field", "text", "said"),
    [
        ("impact_pct", "lots", "% affected: 'lots' is not a number"),
        ("impact_pct", "140", "% affected: a percentage is between 0 and 100"),
        ("impact_pct", "nan", "% affected: a percentage is between 0 and 100"),
        ("started_at", "half past two", "Impact started: 'half past two' is not a time"),
        ("detected_at", "25:00", "Detected: '25:00' is not a time of day"),
        ("started_at", "", "Impact started: give a time (it can be corrected, not removed)"),
        ("impact", "x" * 201, "Impact: at most 200 characters"),
        ("service", "s" * 101, "Service: at most 100 characters"),
    ],
)
def test_what_does_not_read_is_one_line_naming_the_field(playbook, field, text, said):
    inc = incident()
    shown = details.as_text(inc, playbook, NOW)
    with pytest.raises(ValueError) as caught:
        details.changes(inc, playbook, shown, {**shown, field: text}, NOW)
    assert str(caught.value).startswith(said) and "\n" not in str(caught.value)


def test_detection_before_the_start_is_refused_against_the_recorded_one(playbook):
    inc = incident()  # started 14:30
    shown = details.as_text(inc, playbook, NOW)
    with pytest.raises(ValueError, match=r"Detected is before impact started \(detected 14:20, impact started 14:30\)"):
        details.changes(inc, playbook, shown, {**shown, "detected_at": "14:20"}, NOW)
    with pytest.raises(ValueError, match="Detected is before impact started"):  # a later start than detection
        details.changes(inc, playbook, shown, {**shown, "started_at": "14:40"}, NOW)
    # A clock time ahead of now is yesterday's: said with its date, so the refusal makes sense.
    with pytest.raises(ValueError, match=r"detected 2026-03-09T16:50"):
        details.changes(inc, playbook, shown, {**shown, "detected_at": "16:50"}, NOW)
    # Impact starts, is detected, then declared (14:45): later than the declaration is refused.
    with pytest.raises(ValueError, match=r"Impact started 14:50 is after the declaration \(14:45\)"):
        details.changes(inc, playbook, shown, {**shown, "started_at": "14:50", "detected_at": "14:52"}, NOW)
    with pytest.raises(ValueError, match=r"Detected 14:47 is after the declaration"):
        details.changes(inc, playbook, shown, {**shown, "detected_at": "14:47"}, NOW)
    both = {**shown, "started_at": "14:10", "detected_at": "14:20"}  # moved together: in order
    assert set(details.changes(inc, playbook, shown, both, NOW)) == {"started_at", "detected_at"}


def test_impact_key_and_label(playbook):
    assert details.impact_key(playbook, "Some USERS") == "some"
    assert details.impact_key(playbook, "edge") == "edge"
    assert details.impact_key(playbook, "  only   EU ") == "only EU"
    assert details.impact_key(playbook, "   ") is None
    assert details.impact_label(playbook, "some") == "Some users"
    assert details.impact_label(playbook, " only EU ") == "only EU"
    assert details.impact_label(playbook, None) == ""


async def test_the_logged_line_says_the_label_and_a_plain_percentage(tmp_path, playbook):
    store = await Store.open(tmp_path / "w.db", clock=lambda: NOW)
    try:
        inc = await store.declare("Checkout failing", 2, "dana", first_phase="assess")
        event = await Operations(store, playbook, "dana").set_details(inc.id, impact="all", impact_pct=60.0)
        assert event.text == "Impact: All users; Impact %: 60"
        assert event.data == {"impact": "all", "impact_pct": 60.0, "base": []}  # the key is what is stored
        state = await store.load_state(inc.id)
        assert (state.incident.impact, state.incident.impact_pct) == ("all", 60.0)
        words = await Operations(store, playbook, "dana").set_details(inc.id, impact="EU only", service=None)
        assert words.text == "Impact: EU only; Service: not known"
    finally:
        await store.close()
