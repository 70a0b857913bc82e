"""`warroom doc KIND` prints exactly what the war room copies; `export --format md` writes
the postmortem. In-process (the `cli` fixture); test_cli.py runs the real processes."""

from __future__ import annotations

import asyncio
import json

import pytest
from fixed_clock import FIXED_NOW
from helpers_proc import assert_one_line_error

from warroom.core import documents
from warroom.core.demo import seed_demo
from warroom.core.store import Store


@pytest.fixture
def seeded(cli, db_path, playbook):
    async def build():
        store = await Store.open(db_path, clock=lambda: FIXED_NOW)
        try:
            iid = await seed_demo(store, playbook, now=FIXED_NOW)
            expected = {
                kind: await documents.render_from_store(kind, store, iid, playbook, FIXED_NOW)
                for kind in documents.DOCUMENT_KINDS
            }
        finally:
            await store.close()
        return iid, expected

    iid, expected = asyncio.run(build())
    return cli, iid, expected


@pytest.mark.parametrize("kind", documents.DOCUMENT_KINDS)
def test_doc_prints_exactly_the_document(seeded, kind):
    cli, iid, expected = seeded
    result = cli("doc", kind)
    assert result.code == 0, result.err
    assert result.err == ""
    assert result.out == expected[kind]
    by_id = cli("doc", kind, "--incident", iid[-4:])
    assert by_id.out == expected[kind]


def test_export_md_writes_the_postmortem(seeded, tmp_path):
    cli, iid, expected = seeded
    out = tmp_path / f"postmortem-{iid}.md"
    result = cli("export", "--format", "md", "-o", str(out))
    assert result.code == 0, result.err
    assert out.read_text(encoding="utf-8") == expected["postmortem"]
    assert result.out == ""
    to_stdout = cli("export", "--format", "md")
    assert to_stdout.out == expected["postmortem"]


def test_doc_without_an_incident_is_one_line(cli):
    assert cli("declare", "x").code == 0
    incident = cli("list").out.split()[0]
    assert cli("doc", "postmortem", "--incident", incident).code == 0
    result = cli("doc", "status", "--incident", "nosuch")
    assert result.code == 1 and result.err.startswith("warroom: ") and result.err.count("\n") == 1


def test_doc_prints_a_document_the_team_playbook_adds(seeded, tmp_path, playbook):
    cli, iid, expected = seeded
    from warroom.core import playbook as playbook_module

    team = tmp_path / "team"
    (team / "tpl").mkdir(parents=True)
    (team / "tpl" / "exec.md.j2").write_text("# Executive summary: {{ title }}\n", encoding="utf-8")
    book = team / "playbook.toml"
    book.write_text(
        'templates_dir = "tpl"\n'
        + playbook_module.SHIPPED.read_text(encoding="utf-8")
        + '\n[[documents]]\nkey = "exec"\ntitle = "Executive summary"\ntemplate = "exec.md.j2"\ncopy_key = "x"\n',
        encoding="utf-8",
    )
    result = cli("--playbook", str(book), "doc", "exec")
    assert result.code == 0, result.err
    assert result.out == "# Executive summary: Checkout failing after v2.3.4 deploy\n"
    unknown = cli("doc", "exec")  # the shipped playbook has no such document
    assert unknown.code == 2
    assert "unknown document 'exec'" in unknown.err and "status" in unknown.err


def test_export_file_is_private(seeded, tmp_path):
    cli, iid, expected = seeded
    out = tmp_path / "incident.json"
    result = cli("export", "-o", str(out))
    assert result.code == 0, result.err
    assert out.stat().st_mode & 0o777 == 0o600


# ----- which incident, without --incident ----------------------------------------------


def _at(now: str) -> dict[str, str]:
    """The clock for one call: `cli(..., **_at(now))`."""
    return {"WARROOM_NOW": now}


def _declare(cli, title: str, **env: str) -> str:
    result = cli("declare", title, **env)
    assert result.code == 0, result.err
    return result.out.strip()


def _resolve(cli, incident: str, **env: str) -> None:
    result = cli("resolve", "--incident", incident, **env)
    assert result.code == 0, result.err


def test_doc_and_export_after_resolve_use_the_resolved_incident(cli, tmp_path):
    incident = _declare(cli, "Checkout down")
    _resolve(cli, incident, **_at("2026-03-10T15:40:00Z"))
    later = _at("2026-03-10T16:00:00Z")
    named = cli("doc", "postmortem", "--incident", incident, **later)
    assert named.code == 0 and named.err == ""

    doc = cli("doc", "postmortem", **later)
    assert doc.code == 0, doc.err
    assert doc.out == named.out
    assert doc.err == f"warroom: no open incident; using {incident}, resolved 2026-03-10 15:40: Checkout down\n"

    export = cli("export", **later)
    assert export.code == 0, export.err
    assert json.loads(export.out)["incident"]["id"] == incident
    assert export.err == doc.err
    out = tmp_path / "pm.md"
    to_file = cli("export", "--format", "md", "-o", str(out), **later)
    assert to_file.code == 0, to_file.err
    assert out.read_text(encoding="utf-8") == named.out
    assert to_file.err.splitlines() == [doc.err.strip(), f"wrote {out}"]


def test_the_most_recently_resolved_wins_and_an_open_one_first(cli):
    first, second = _declare(cli, "First"), _declare(cli, "Second")
    _resolve(cli, second, **_at("2026-03-10T15:00:00Z"))
    _resolve(cli, first, **_at("2026-03-10T15:10:00Z"))  # declared first, resolved last
    result = cli("doc", "status")
    assert result.code == 0, result.err
    assert f"using {first}, resolved 2026-03-10 15:10: First" in result.err

    third = _declare(cli, "Third")
    _resolve(cli, third, **_at("2026-03-10T15:20:00Z"))
    cli("resolve", "--reopen", "--incident", second)  # open again: it comes first
    reopened = cli("export")
    assert reopened.code == 0, reopened.err
    assert reopened.err == ""  # an open incident is the ordinary case: nothing to say
    assert json.loads(reopened.out)["incident"]["id"] == second


def test_several_open_incidents_use_the_latest_declared_as_before(cli):
    _declare(cli, "Older")
    newer = _declare(cli, **_at("2026-03-10T14:56:00Z"), title="Newer")
    result = cli("export")
    assert result.code == 0, result.err
    assert result.err == ""
    assert json.loads(result.out)["incident"]["id"] == newer


def test_incidents_resolved_at_the_same_time_are_not_guessed(cli):
    # The fixture's pinned clock: both are resolved in the same millisecond.
    one, two = _declare(cli, "One"), _declare(cli, "Two")
    _resolve(cli, one)
    _resolve(cli, two)
    for args in (("doc", "status"), ("export",)):
        result = cli(*args)
        assert_one_line_error(result, one, two, "--incident")


def test_doc_with_no_incident_at_all_is_one_line(cli, db_path):
    async def create() -> None:
        await (await Store.open(db_path, create=True)).close()

    asyncio.run(create())
    for args in (("doc", "status"), ("export",)):
        assert_one_line_error(cli(*args), "no open incident")


def test_doc_internal_follows_the_details_set_and_the_changes_the_team_made(cli):
    """`set --impact all` and `log --kind change` by the commander reach the internal update;
    a deploy hook's change (its own author) stays context, in the handoff's "what happened"."""
    cli.env(WARROOM_AUTHOR="dana")
    incident = _declare(cli, "Checkout failing", **_at("2026-03-10T14:42:00Z"))
    assert cli("set", "--impact", "all", "--started", "14:35", **_at("2026-03-10T14:43:00Z")).code == 0
    logged = [
        ("rollback to v2.3.3", "decision", "dana", "14:44"),
        ("rolled back to v2.3.3", "change", "dana", "14:46"),
        ("deploy v2.3.5 of search-api completed", "change", "deploy-bot", "14:47"),
    ]
    for text, kind, author, when in logged:
        result = cli("log", text, "--kind", kind, "--author", author, **_at(f"2026-03-10T{when}:00Z"))
        assert result.code == 0, result.err
    later = _at("2026-03-10T14:50:00Z")
    internal = cli("doc", "internal", "--incident", incident, **later).out
    assert "**Impact**: All users\n" in internal
    doing = internal.split("**What we're doing**:\n", 1)[1].split("\n\n", 1)[0]
    assert doing.splitlines() == ["- 14:44 - rollback to v2.3.3", "- 14:46 - rolled back to v2.3.3"]
    handoff = cli("doc", "handoff", "--incident", incident, **later).out
    assert "  - 14:47 - deploy v2.3.5 of search-api completed\n" in handoff.split("- What we've tried:")[0]
    assert "  - 14:46 - rolled back to v2.3.3\n" in handoff.split("- What we've tried:")[1]
    assert "  - 14:35 - Symptoms started\n" in handoff
