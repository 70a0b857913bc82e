"""`warroom doc KIND` prints exactly what the war room copies; `export --format md` writes
the postmortem."""

from __future__ import annotations

import asyncio
import json

import pytest
from fixed_clock import FIXED_NOW
from helpers_proc import assert_one_line_error, isolated_env, run_cli

from warroom.core import documents
from warroom.core.demo import seed_demo
from warroom.core.store import Store

NOW = "2026-03-10T14:55:00Z"  # FIXED_NOW, for the children's clock


@pytest.fixture
def seeded(tmp_path, db_path, playbook):
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
    return isolated_env(tmp_path / "home", db_path, WARROOM_NOW=NOW), iid, expected


@pytest.mark.parametrize("kind", documents.DOCUMENT_KINDS)
def test_doc_prints_exactly_the_document(seeded, kind):
    env, iid, expected = seeded
    result = run_cli("doc", kind, env=env)
    assert result.code == 0, result.err
    assert result.err == ""
    assert result.out == expected[kind]
    by_id = run_cli("doc", kind, "--incident", iid[-4:], env=env)
    assert by_id.out == expected[kind]


def test_export_md_writes_the_postmortem(seeded, tmp_path):
    env, iid, expected = seeded
    out = tmp_path / f"postmortem-{iid}.md"
    result = run_cli("export", "--format", "md", "-o", str(out), env=env)
    assert result.code == 0, result.err
    assert out.read_text(encoding="utf-8") == expected["postmortem"]
    assert result.out == ""
    to_stdout = run_cli("export", "--format", "md", env=env)
    assert to_stdout.out == expected["postmortem"]


def test_doc_without_an_incident_is_one_line(tmp_path, db_path):
    env = isolated_env(tmp_path / "home", db_path, WARROOM_NOW=NOW)
    assert run_cli("declare", "x", env=env).code == 0
    incident = run_cli("list", env=env).out.split()[0]
    assert run_cli("doc", "postmortem", "--incident", incident, env=env).code == 0
    result = run_cli("doc", "status", "--incident", "nosuch", env=env)
    assert result.code == 1 and result.err.startswith("warroom: ") and result.err.count("\n") == 1


def test_doc_prints_a_document_the_team_playbook_adds(seeded, tmp_path, playbook):
    env, iid, expected = seeded
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
    result = run_cli("--playbook", str(book), "doc", "exec", env=env)
    assert result.code == 0, result.err
    assert result.out == "# Executive summary: Checkout failing after v2.3.4 deploy\n"
    unknown = run_cli("doc", "exec", env=env)  # the shipped playbook has no such document
    assert unknown.code == 2
    assert "unknown document 'exec'" in unknown.err and "status" in unknown.err


def test_export_file_is_private(seeded, tmp_path):
    env, iid, expected = seeded
    out = tmp_path / "incident.json"
    result = run_cli("export", "-o", str(out), env=env)
    assert result.code == 0, result.err
    assert out.stat().st_mode & 0o777 == 0o600


# ----- which incident, without --incident ----------------------------------------------


def _at(tmp_path, db_path, now: str) -> dict[str, str]:
    return isolated_env(tmp_path / "home", db_path, WARROOM_NOW=now)


def _declare(env, title: str) -> str:
    result = run_cli("declare", title, env=env)
    assert result.code == 0, result.err
    return result.out.strip()


def _resolve(env, incident: str) -> None:
    result = run_cli("resolve", "--incident", incident, env=env)
    assert result.code == 0, result.err


def test_doc_and_export_after_resolve_use_the_resolved_incident(tmp_path, db_path):
    env = _at(tmp_path, db_path, NOW)
    incident = _declare(env, "Checkout down")
    _resolve(_at(tmp_path, db_path, "2026-03-10T15:40:00Z"), incident)
    later = _at(tmp_path, db_path, "2026-03-10T16:00:00Z")
    named = run_cli("doc", "postmortem", "--incident", incident, env=later)
    assert named.code == 0 and named.err == ""

    doc = run_cli("doc", "postmortem", env=later)
    assert doc.code == 0, doc.err
    assert doc.out == named.out
    assert doc.err == f"warroom: no open incident; using {incident}, resolved 2026-03-10 15:40: Checkout down\n"

    export = run_cli("export", env=later)
    assert export.code == 0, export.err
    assert json.loads(export.out)["incident"]["id"] == incident
    assert export.err == doc.err
    out = tmp_path / "pm.md"
    to_file = run_cli("export", "--format", "md", "-o", str(out), env=later)
    assert to_file.code == 0, to_file.err
    assert out.read_text(encoding="utf-8") == named.out
    assert to_file.err.splitlines() == [doc.err.strip(), f"wrote {out}"]


def test_the_most_recently_resolved_wins_and_an_open_one_first(tmp_path, db_path):
    env = _at(tmp_path, db_path, NOW)
    first, second = _declare(env, "First"), _declare(env, "Second")
    _resolve(_at(tmp_path, db_path, "2026-03-10T15:00:00Z"), second)
    _resolve(_at(tmp_path, db_path, "2026-03-10T15:10:00Z"), first)  # declared first, resolved last
    result = run_cli("doc", "status", env=env)
    assert result.code == 0, result.err
    assert f"using {first}, resolved 2026-03-10 15:10: First" in result.err

    third = _declare(env, "Third")
    _resolve(_at(tmp_path, db_path, "2026-03-10T15:20:00Z"), third)
    run_cli("resolve", "--reopen", "--incident", second, env=env)  # open again: it comes first
    reopened = run_cli("export", env=env)
    assert reopened.code == 0, reopened.err
    assert reopened.err == ""  # an open incident is the ordinary case: nothing to say
    assert json.loads(reopened.out)["incident"]["id"] == second


def test_several_open_incidents_use_the_latest_declared_as_before(tmp_path, db_path):
    env = _at(tmp_path, db_path, NOW)
    _declare(env, "Older")
    newer = _declare(_at(tmp_path, db_path, "2026-03-10T14:56:00Z"), "Newer")
    result = run_cli("export", env=env)
    assert result.code == 0, result.err
    assert result.err == ""
    assert json.loads(result.out)["incident"]["id"] == newer


def test_incidents_resolved_at_the_same_time_are_not_guessed(tmp_path, db_path):
    env = _at(tmp_path, db_path, NOW)  # a pinned clock: both resolved in the same millisecond
    one, two = _declare(env, "One"), _declare(env, "Two")
    _resolve(env, one)
    _resolve(env, two)
    for args in (("doc", "status"), ("export",)):
        result = run_cli(*args, env=env)
        assert_one_line_error(result, one, two, "--incident")


def test_doc_with_no_incident_at_all_is_one_line(tmp_path, db_path):
    async def create() -> None:
        await (await Store.open(db_path, create=True)).close()

    asyncio.run(create())
    for args in (("doc", "status"), ("export",)):
        assert_one_line_error(run_cli(*args, env=_at(tmp_path, db_path, NOW)), "no open incident")
