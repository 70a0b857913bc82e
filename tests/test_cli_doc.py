"""`warroom doc KIND` prints exactly what the war room copies; `export --format md` writes
the postmortem."""

from __future__ import annotations

import asyncio

import pytest

from conftest import FIXED_NOW
from helpers_proc import isolated_env, run_cli
from warroom import documents
from warroom.demo import seed_demo
from warroom.store import Store

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
    from warroom import playbook as playbook_module

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
