"""Issue 11 on the command line, in-process: declare with the times the commander knows,
`set` to correct them, response times in `list --json` and `export`, `list --json` before any
database, `actions` across incidents, `stats` per week; and issue 13's one-parser `log`."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
from datetime import timedelta

import pytest
from fixed_clock import FIXED_NOW
from hypothesis import given, settings
from hypothesis import strategies as st

from warroom import cli as cli_module
from warroom.core.models import ActionItem
from warroom.core.store import Store


def _state(db_path, incident_id):
    async def load():
        store = await Store.open(db_path)
        try:
            return await store.load_state(incident_id)
        finally:
            await store.close()

    return asyncio.run(load())


def test_declare_takes_the_times_service_and_impact(cli, db_path):
    result = cli(
        "declare", "Checkout down", "--sev", "1", "--started", "-25m", "--detected", "14:36",
        "--service", "checkout-api", "--impact", "Many users",
    )  # fmt: skip
    assert result.code == 0, result.err
    state = _state(db_path, result.out.strip())
    inc = state.incident
    assert inc.started_at == FIXED_NOW - timedelta(minutes=25) and inc.detected_at == FIXED_NOW - timedelta(minutes=19)
    assert inc.service == "checkout-api" and inc.impact == "many" and inc.severity == 1
    assert inc.next_update_at == FIXED_NOW + timedelta(minutes=15)  # SEV-1's cadence
    external = cli("doc", "external").out
    assert external.startswith("## checkout-api - ")
    own_words = cli("declare", "Search slow", "--impact", "30% of searches time out").out.strip()
    assert _state(db_path, own_words).incident.impact == "30% of searches time out"
    assert "Impact**: 30% of searches time out" in cli("doc", "internal", "--incident", own_words).out


@pytest.mark.parametrize(
    "args, needle, code",
    [
        (("--started", "25:00"), "--started", 2),  # what does not read as a time: a usage error, as `log --at`
        (("--detected", "+5m"), "--detected", 2),
        (("--started", "14:40", "--detected", "14:30"), "before --started", 1),
        (("--started", "2026-03-10T15:30:00Z"), "in the future", 2),
        (("--started", "15:30"), "ahead of now", 2),  # a clock time just ahead: a slip, not yesterday's
    ],
)
def test_declare_refuses_bad_times_in_one_line_and_writes_nothing(cli, db_path, args, needle, code):
    result = cli("declare", "x", *args)
    assert result.code == code and needle in result.err and result.err.count("\n") == 1, result.err
    assert not db_path.exists()


def test_set_corrects_the_details_later_and_logs_them(cli, db_path):
    iid = cli("declare", "Checkout down").out.strip()
    result = cli("set", "--started", "-18m", "--service", "checkout-api")
    assert result.code == 0, result.err
    assert result.out.startswith(iid) and "checkout-api" in result.out
    state = _state(db_path, iid)
    assert state.incident.started_at == FIXED_NOW - timedelta(minutes=18)
    details = [e for e in state.events if e.kind == "details"]
    assert len(details) == 1 and details[0].author == "dana"
    assert cli("set", "--service", "").code == 0
    assert _state(db_path, iid).incident.service is None
    assert cli("set", "--detected", "-20m").code == 1  # before the recorded start
    later = (FIXED_NOW + timedelta(minutes=10)).isoformat().replace("+00:00", "Z")
    cli.env(WARROOM_NOW=later)
    after = cli("set", "--started", "-5m")  # 15:00: after the declaration at 14:55
    assert after.code == 1 and "is after the declaration (14:55)" in after.err and after.err.count("\n") == 1
    assert _state(db_path, iid).incident.started_at == FIXED_NOW - timedelta(minutes=18)
    nothing = cli("set")
    assert nothing.code == 2 and "say what to set" in nothing.err


def test_set_days_later_on_the_last_resolved_incident(cli, db_path):
    iid = cli("declare", "Checkout down").out.strip()
    assert cli("resolve").code == 0
    result = cli("set", "--started", "14:30")
    assert result.code == 0 and iid in result.err  # said which incident it used
    assert _state(db_path, iid).incident.started_at == FIXED_NOW - timedelta(minutes=25)


def test_list_json_on_a_missing_file_is_an_empty_array(cli, db_path):
    for args in (("list", "--json"), ("list", "--all", "--json"), ("actions", "--json")):
        result = cli(*args)
        assert result.code == 0 and json.loads(result.out) == [] and result.err == "", args
    stats = cli("stats", "--json")
    assert stats.code == 0 and json.loads(stats.out)["weeks"] == []
    assert not db_path.exists()


def test_list_json_and_export_carry_the_response_times(cli, db_path):
    iid = cli("declare", "Checkout down", "--started", "-25m").out.strip()
    assert cli("log", "5xx > 10%", "--kind", "alert", "--at", "-19m").code == 0
    assert cli("resolve").code == 0
    (row,) = json.loads(cli("list", "--all", "--json").out)
    m = row["metrics"]
    assert row["id"] == iid
    assert m["time_to_detect_seconds"] == 6 * 60 and m["detected_from"] == "first alert"
    assert m["time_to_declare_seconds"] == 25 * 60 and m["time_to_resolve_seconds"] == 25 * 60
    assert m["time_to_contain_seconds"] is None and m["time_to_mitigate_seconds"] is None
    assert set(m) >= {f"time_to_{x}_seconds" for x in ("detect", "declare", "contain", "mitigate", "resolve")}
    exported = json.loads(cli("export", "--format", "json").out)
    assert exported["metrics"] == m


# ----- actions ------------------------------------------------------------------------------


def _items(db_path, incident_id, *items):
    async def save():
        store = await Store.open(db_path, clock=lambda: FIXED_NOW)
        try:
            for n, (action, owner, due, status) in enumerate(items):
                item = ActionItem(
                    id=f"{incident_id}-{n}", incident_id=incident_id, action=action, owner=owner, due=due,
                    status=status, created_at=FIXED_NOW - timedelta(days=10),
                )  # fmt: skip
                await store.save_action_item(item, "dana")
        finally:
            await store.close()

    asyncio.run(save())


def test_actions_lists_open_items_across_incidents_overdue_first(cli, db_path):
    first = cli("declare", "Checkout down").out.strip()
    second = cli("declare", "Search slow").out.strip()
    _items(db_path, first, ("Add pool size check", "kim", "2026-03-20", "Open"), ("Old one", "lee", "", "Done"))
    _items(db_path, second, ("Alert on 5xx", "Kim", "3/1", "In progress"), ("Write runbook", "lee", "soon", "Open"))
    result = cli("actions")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert len(lines) == 3 and "Old one" not in result.out
    assert lines[0].startswith(f"OVERDUE {second}") and "Alert on 5xx" in lines[0]
    assert "Add pool size check" in lines[1] and "Write runbook" in lines[2]
    assert "Search slow" in lines[0]
    kim = json.loads(cli("actions", "--owner", "kim", "--json").out)
    assert [(a["action"], a["overdue"], a["due_date"]) for a in kim] == [
        ("Alert on 5xx", True, "2026-03-01"),
        ("Add pool size check", False, "2026-03-20"),
    ]
    overdue = cli("actions", "--overdue")
    assert overdue.out.count("\n") == 1 and "Alert on 5xx" in overdue.out
    assert cli("actions", "--owner", "nobody").out.strip() == "no open action items"


# ----- stats --------------------------------------------------------------------------------


def test_stats_per_week_by_severity_with_medians(cli, db_path):
    cli.env(WARROOM_NOW="2026-03-03T10:00:00Z")  # a Tuesday, the week before
    cli("declare", "Old one", "--sev", "3", "--started", "-10m")
    cli("resolve")
    cli.env(WARROOM_NOW="2026-03-10T14:55:00Z")
    cli("declare", "Checkout down", "--sev", "1", "--started", "-25m", "--detected", "-20m")
    cli("resolve")
    result = cli("stats")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].split()[:6] == ["week", "of", "SEV1", "SEV2", "SEV3", "SEV4"]
    (old,) = [x for x in lines if x.startswith("2026-03-02")]
    (new,) = [x for x in lines if x.startswith("2026-03-09")]
    assert old.split()[1:5] == [".", ".", "1", "."] and new.split()[1:5] == ["1", ".", ".", "."]
    assert new.split()[-3:] == ["5m00s", "-", "25m00s"]  # detect, mitigate, resolve
    assert "2 incidents in 2 weeks" in result.out
    data = json.loads(cli("stats", "--json").out)
    assert [w["week"] for w in data["weeks"]] == ["2026-03-02", "2026-03-09"]
    assert data["weeks"][1]["by_severity"] == {"sev1": 1, "sev2": 0, "sev3": 0, "sev4": 0}
    assert data["weeks"][1]["median_seconds"]["resolve"] == 25 * 60
    recent = json.loads(cli("stats", "--since", "-3d", "--json").out)
    assert recent["incidents"] == 1
    assert cli("stats", "--since", "yesterday").code == 2


# ----- issue 13: one parser for the chosen subcommand ---------------------------------------


@pytest.mark.parametrize(
    "argv, chosen",
    [
        (["log", "x"], "log"),
        (["--db", "/tmp/x.db", "log", "x"], "log"),
        (["--db=/tmp/x.db", "--playbook", "p.toml", "declare", "t"], "declare"),
        (["--help"], None),
        (["--version"], None),
        (["frobnicate"], None),
        ([], None),
    ],
)
def test_only_the_chosen_subcommand_is_built(argv, chosen):
    assert cli_module._chosen(argv) == chosen
    if chosen:
        parser = cli_module._parser(chosen)
        (subs,) = [a for a in parser._actions if a.dest == "command"]
        assert list(subs.choices) == [chosen]


def test_help_still_lists_every_command(cli):
    out = cli("--help").out
    for command in cli_module.SUBCOMMANDS:
        assert command in out
    assert "--started" in cli("declare", "--help").out and "--owner" in cli("actions", "--help").out


# The usual `warroom log` and the war room's own command line are read without argparse
# (cli._plain): where it answers, it must answer exactly as argparse does; anything less plain
# is left to argparse.
PLAIN_ROOM = [
    [],
    ["--db", "/tmp/w.db"],
    ["--db=w.db", "--playbook", "p.toml"],
    ["--server", "postgresql://h/db", "--db", "log"],
    ["--db="],
]
PLAIN_LOG = [
    ["log"],
    ["log", "x"],
    ["log", "-"],
    ["log", ""],
    ["log", "log"],
    ["log", "a=b c"],
    ["--db", "/tmp/w.db", "log", "rolled back"],
    ["--db=/tmp/w.db", "log", "--kind", "alert", "5xx up"],
    ["--db", "log", "log", "x"],
    ["log", "--kind=decision", "roll back", "--at", "14:30"],
    ["log", "x", "--at", "-12m"],  # glued to --at=-12m first, as main does
    ["log", "--at=-1h30m", "--incident", "INC-1", "--author", "kim", "x y"],
    ["log", "--incident=-odd", "x"],
    ["--db=", "log", "--at=", "--author=", "x", "--incident=a=b"],  # empty values, as argparse keeps them
    ["--playbook", "p.toml", "--server", "postgresql://h/db", "log", "x"],
    ["log", "x", "--db", "w.db"],  # the global options after the command too
    ["log", "--server=postgresql://h/db", "x", "--playbook", "p.toml"],
]
NOT_PLAIN = [
    ["--version"],
    ["--help"],
    ["--db", "a.db", "--db", "b.db"],
    ["--db", "-x"],
    ["w.db"],
    ["--server"],
    ["log", "--help"],
    ["log", "-h"],
    ["log", "x", "y"],
    ["log", "-x"],
    ["log", "-5"],
    ["log", "--", "-x"],
    ["log", "--kind", "declared", "x"],
    ["log", "--kind="],
    ["log", "--kin", "alert", "x"],
    ["log", "--kind", "note", "--kind", "alert", "x"],
    ["log", "--incident"],
    ["log", "--incident", "-x", "y"],
    ["--db", "a.db", "log", "x", "--db", "b.db"],  # given twice: argparse's (the last wins)
    ["--kind", "alert", "log", "x"],
    ["--db"],
    ["--d", "w.db", "log", "x"],
    ["declare", "log"],
    ["frobnicate", "log"],
]


def _argparse_reads(argv: list[str]):
    """What the parser main() would build gives for argv: its namespace, or None (exit). The
    paths as their text, str(Path): the plain reading keeps them as text (no pathlib)."""
    try:
        read = vars(cli_module._parser(cli_module._chosen(argv)).parse_args(argv))
    except SystemExit:
        return None
    return {k: str(v) if k in ("db", "playbook") and v is not None else v for k, v in read.items()}


@pytest.mark.parametrize("argv", PLAIN_ROOM + PLAIN_LOG + NOT_PLAIN, ids=lambda argv: " ".join(argv) or "(none)")
def test_the_plain_forms_read_as_argparse_does(argv, capsys):
    glued = cli_module._glue_at(argv)
    fast = cli_module._plain(glued)
    assert (fast is not None) == (argv in PLAIN_ROOM + PLAIN_LOG)
    if fast is not None:
        assert vars(fast) == _argparse_reads(glued)


_BEFORE = [
    "--db",
    "--db=w.db",
    "--db=",
    "w.db",
    "--playbook",
    "p.toml",
    "--server",
    "postgresql://h/db",
    "log",
    "-h",
    "x",
]
_AFTER = ["x", "-", "", "log", "--at=", "--author=", "--db", "w.db", "--kind", "alert", "declared", "--kind=note", "--at", "-12m", "14:30",
          "--incident", "--incident=INC-1", "--author", "kim", "--", "-h", "--kin", "-5", "a b", "-a b"]  # fmt: skip


@given(
    st.lists(st.sampled_from(_BEFORE), max_size=3),
    st.one_of(st.none(), st.lists(st.sampled_from(_AFTER), max_size=6)),
)
@settings(max_examples=300, deadline=None)
def test_any_command_line_the_plain_reading_takes_argparse_reads_the_same(before, after):
    glued = cli_module._glue_at([*before] if after is None else [*before, "log", *after])
    fast = cli_module._plain(glued)
    if fast is not None:
        with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
            assert vars(fast) == _argparse_reads(glued)
