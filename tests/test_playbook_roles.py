"""The playbook is data: every feature finds its phase, triage question, containment
situation and document by `role`, so a team playbook that renames every key and name
(tests/golden/playbook_de.toml, in German) keeps every feature. A role played by no entry,
or by two, is refused at load in one line naming the file and the field."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from builders import Story, at

from warroom.core import checklist, documents, metrics, rules
from warroom.core import playbook as playbook_module
from warroom.core.errors import PlaybookError

GERMAN = Path(__file__).parent / "golden" / "playbook_de.toml"
GERMAN_TEXT = GERMAN.read_text(encoding="utf-8")
DE = playbook_module.load(GERMAN)
DOCUMENT_ROLES = ("status", "internal", "external", "handoff", "postmortem", "timeline")


def shown_ids(state, playbook, now) -> list[str]:
    return [p.flag_id for p in rules.evaluate(state, playbook, now)]


def german_story(upto: float) -> Story:
    """The seed story under the German playbook, up to `upto` minutes after 14:30: declared
    14:42 with "Was hat sich geändert?" answered by the deploy (no `change` event logged),
    the bad-deploy containment decided 14:43 (its words name no rollback: only its role
    says it is one), service restored 14:50, then Untersuchen."""
    story = Story(declared=12, started=2, detected=8, severity=2, phase="bewerten", next_update=42)
    story.log("alert", "Error rate increased 5% → 20%", 2, author="alertmanager")
    story.log("triage", "Checkout: payment step returns 500", 12, question="kaputt")
    story.log("triage", "~30% of checkout attempts", 12, question="betroffen")
    story.log("triage", "Deployment v2.3.4 von checkout-api um 14:30", 12, question="aenderung")
    steps = [
        (13, lambda: story.phase("eindaemmen", 13)),
        (
            13,
            lambda: story.log(
                "decision",
                "Fehlerhaftes Deployment: vorige Version v2.3.3 wiederherstellen",
                13,
                containment="fehlerhaftes_deployment",
            ),
        ),
        (14, lambda: story.log("comms", "Statusseite aktualisiert", 14, document="statusseite")),
        (15, lambda: story.phase("lindern", 15)),
        (20, lambda: story.mitigate("voll", 20)),
        (20, lambda: story.phase("untersuchen", 20)),
    ]
    for minute, step in steps:
        if minute <= upto:
            step()
    return story


def team_file(tmp_path, text: str) -> Path:
    path = tmp_path / "team.toml"
    path.write_text(text, encoding="utf-8")
    return path


def edited(old: str, new: str) -> str:
    assert GERMAN_TEXT.count(old) == 1, old
    return GERMAN_TEXT.replace(old, new)


# ----- the lookups -------------------------------------------------------------------------


def test_roles_find_the_renamed_entries():
    assert DE.phase_keys == ["bewerten", "eindaemmen", "lindern", "untersuchen", "beheben", "nachbereitung"]
    assert [DE.phase_key(r) for r in ("assess", "contain", "mitigate", "diagnose", "fix", "postmortem")] == (
        DE.phase_keys
    )
    assert [DE.question_key(r) for r in ("broken", "affected", "started", "changed", "how_bad")] == [
        "kaputt",
        "betroffen",
        "beginn",
        "aenderung",
        "schwere",
    ]
    assert DE.situation_key("bad_deploy") == "fehlerhaftes_deployment"
    assert [DE.document_key(r) for r in DOCUMENT_ROLES] == [
        "statusseite",
        "intern",
        "extern",
        "uebergabe",
        "nachbetrachtung",
        "zeitleiste",
    ]
    # The team's documents replace the shipped ones playing the same role: none is left twice.
    assert documents.document_kinds(DE) == tuple(DE.document_key(r) for r in DOCUMENT_ROLES)
    assert DE.phase_role("beheben") == "fix" and DE.question_role("aenderung") == "changed"


def test_the_shipped_playbook_plays_every_role_under_its_own_key(playbook):
    assert playbook.phase_key("contain") == "contain"
    assert playbook.question_key("changed") == "changed"
    assert playbook.situation_key("bad_deploy") == "bad_deploy"
    assert documents.document_kinds(playbook) == documents.DOCUMENT_KINDS == DOCUMENT_ROLES


def test_a_playbook_written_before_roles_still_loads(tmp_path):
    # No `role` lines at all: an entry whose key is a role name plays it.
    shipped = playbook_module.SHIPPED.read_text(encoding="utf-8")
    bare = re.sub(r'^role = "[a-z_]+"\n', "", shipped, flags=re.MULTILINE)
    assert "role =" not in bare
    book = playbook_module.load(team_file(tmp_path, bare))
    assert book.phase_key("fix") == "fix" and book.situation_key("bad_deploy") == "bad_deploy"


# ----- every feature under the German playbook ----------------------------------------------


def test_rollback_flag_raises_on_the_changed_answer_and_clears_with_the_bad_deploy_decision():
    story = german_story(12)
    assert "rollback_first" in shown_ids(story.state(), DE, at(12.5))
    (prompt,) = [p for p in rules.evaluate(story.state(), DE, at(12.5)) if p.flag_id == "rollback_first"]
    assert "Was hat sich geändert?" in prompt.detail and prompt.level == "error"
    # Still up in Eindämmen (the flag's phases are the German keys) until the decision.
    story.phase("eindaemmen", 13)
    assert "rollback_first" in shown_ids(story.state(), DE, at(13))
    # The bad-deploy decision (found by its role) turns it into a reminder to log the rollback.
    (decided,) = [p for p in rules.evaluate(german_story(13).state(), DE, at(13.5)) if p.flag_id == "rollback_first"]
    assert "rollback decided at 14:43: log when it starts" in decided.detail and decided.level == "warning"


def test_another_containment_situation_does_not_clear_the_rollback_flag():
    story = german_story(12).phase("eindaemmen", 13)
    story.log("decision", "Lastspitze: Ratenbegrenzung einschalten", 13, containment="lastspitze")
    assert "rollback_first" in shown_ids(story.state(), DE, at(13.5))


def test_the_same_story_under_a_playbook_without_the_role_would_miss_the_rollback(tmp_path):
    # The control: the decision's key is what the role names, not a word in its text.
    other = playbook_module.load(
        team_file(
            tmp_path,
            edited('key = "fehlerhaftes_deployment"\nrole = "bad_deploy"', 'key = "fehlerhaftes_deployment"').replace(
                'key = "feature_bug"', 'key = "feature_bug"\nrole = "bad_deploy"'
            ),
        )
    )
    assert "rollback_first" in shown_ids(german_story(13).state(), other, at(13.5))


def test_checklist_items_tick_from_the_timeline():
    state = german_story(20).state()
    bewerten = {item.id: item for item in DE.phase("bewerten").items}
    for item_id in ("broken", "changed"):
        item = bewerten[item_id]
        assert checklist.item_done(state, "bewerten", item.id, item.requires, item.done_when, DE)
        assert checklist.item_evidence(state, item.done_when, DE) == at(12)
    assert checklist.item_answer(state, bewerten["changed"].done_when) == "Deployment v2.3.4 von checkout-api um 14:30"
    progress = checklist.phase_progress(state, DE)
    assert progress["bewerten"] == (2, 5)
    assert progress["eindaemmen"] == (2, 4)  # the containment decision and the update sent
    assert progress["lindern"] == (3, 4)  # level set, status page updated (statusseite), restored
    assert checklist.advance_warning(state, DE, "eindaemmen") is None  # in Untersuchen, going back


def test_the_status_item_ticks_only_for_the_document_playing_status():
    story = german_story(12)
    story.log("comms", "Interne Meldung #1", 13, document="intern")
    story.log("comms", "sent with the shipped key", 13, document="status")
    item = next(i for i in DE.phase("lindern").items if i.done_when == "status_update_sent")
    assert checklist.item_evidence(story.state(), item.done_when, DE) is None
    story.log("comms", "Statusseite aktualisiert", 14, document="statusseite")
    assert checklist.item_evidence(story.state(), item.done_when, DE) == at(14)


def test_time_to_contain_ends_with_the_contain_phase():
    # No containment decision: leaving Eindämmen at 14:46 is when it was contained.
    story = german_story(12).phase("eindaemmen", 13).phase("lindern", 16)
    assert metrics.compute(story.state(), at(30), DE).contained_at == at(16)
    assert metrics.compute(story.state(), at(30), DE).time_to_contain == at(16) - at(2)


def test_every_document_renders_with_the_german_names():
    state = german_story(20).state()
    texts = {role: documents.render(DE.document_key(role), state, DE, at(25)) for role in DOCUMENT_ROLES}
    for role, text in texts.items():
        assert text.strip(), role
    # The triage answers reach the templates by role: the service and symptom of "broken".
    assert "What users saw: payment step returns 500" in texts["status"]
    assert texts["external"].startswith("## Checkout - Monitoring")
    assert "(Untersuchen phase, SEV-2)" in texts["internal"]
    assert "Broken: Checkout: payment step returns 500" in texts["internal"]
    assert "Recent change: Deployment v2.3.4" in texts["handoff"] and "Untersuchen" in texts["handoff"]
    assert "Untersuchen" in texts["timeline"]
    postmortem = texts["postmortem"]
    assert all(name in postmortem for name in ("Bewerten", "Eindämmen", "Lindern", "Untersuchen"))
    assert "The last change before it: Deployment v2.3.4" in postmortem
    assert "Status page updated" in postmortem  # the statusseite update told as one
    assert "during the Beheben phase" in postmortem


def test_the_permanent_fix_is_what_was_done_in_the_fix_phase():
    story = german_story(20).phase("beheben", 30)
    story.log("action", "Null check added to the payment client", 31)
    text = documents.render(DE.document_key("postmortem"), story.state(), DE, at(40))
    assert "Null check added to the payment client" in text.split("**Permanent**")[1]


# ----- refusals -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        # a role the code needs is missing
        (
            'key = "eindaemmen"\nrole = "contain"\n',
            'key = "eindaemmen"\n',
            r"field phases: no entry has role 'contain'",
        ),
        ('key = "aenderung"\nrole = "changed"\n', 'key = "aenderung"\n', r"field triage: no entry has role 'changed'"),
        (
            'key = "fehlerhaftes_deployment"\nrole = "bad_deploy"\n',
            'key = "fehlerhaftes_deployment"\n',
            r"field containment: no entry has role 'bad_deploy'",
        ),
        # a role given twice
        (
            'key = "lindern"\nrole = "mitigate"\n',
            'key = "lindern"\nrole = "contain"\n',
            r"field phases\.2\.role: role 'contain' is given twice \(phases\.1 'eindaemmen' and phases\.2 'lindern'\)",
        ),
        (
            'key = "schwere"\nrole = "how_bad"\n',
            'key = "schwere"\nrole = "broken"\n',
            r"field triage\.4\.role: role 'broken' is given twice",
        ),
        (
            'key = "zeitleiste"\nrole = "timeline"\n',
            'key = "zeitleiste"\nrole = "status"\n',
            r"field documents: .*role 'status' is given twice \(documents\.0 'statusseite' and documents\.5 'zeitleiste'\)",
        ),
        # a role that does not exist
        ('role = "diagnose"', 'role = "diagnosis"', r"field phases\.3\.role: unknown role 'diagnosis'"),
    ],
)
def test_a_missing_doubled_or_unknown_role_is_refused_in_one_line(tmp_path, old, new, expected):
    path = team_file(tmp_path, edited(old, new))
    with pytest.raises(PlaybookError, match=expected) as caught:
        playbook_module.load(path)
    message = str(caught.value)
    assert message.startswith(f"playbook {path}: field ") and "\n" not in message


def test_a_key_that_is_a_role_name_plays_it_so_a_second_claim_is_doubled(tmp_path):
    # A German phase keyed "fix" (no role) and "beheben" with role "fix": two players.
    path = team_file(tmp_path, edited('key = "nachbereitung"\nrole = "postmortem"\n', 'key = "fix"\n'))
    with pytest.raises(PlaybookError, match=r"role 'fix' is given twice"):
        playbook_module.load(path)
