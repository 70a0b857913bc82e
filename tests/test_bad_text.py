"""Bad text: stored exactly and shown literally, or refused with one line and exit 1.

Whatever the incident text holds, a terminal reading warroom's output never receives a
raw escape sequence: no ESC, BEL, C1 control or other control byte (tabs and newlines
aside) reaches stdout or stderr from `list`, `doc`, `export` or an error message.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import sqlite3
import subprocess
import sys

import pytest
from helpers_proc import assert_one_line_error, isolated_env

from warroom.core.entry import MAX_TEXT
from warroom.core.safetext import one_line, plain
from warroom.core.store import Store

NOW = "2026-03-10T14:55:00Z"

NASTY = {
    "markup": "[red]alert[/red] [link=https://evil.example]click[/link] [bold]unclosed",
    "csi": "\x1b[31mred\x1b[0m \x1b[2J\x1b[H cleared",
    "osc52": "copy \x1b]52;c;ZXZpbA==\x07 me",
    "osc8": "\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\ here",
    "title": "set \x1b]0;owned\x07 title",
    "dcs": "\x1bP1$r0m\x1b\\ dcs",
    "c1": "8-bit \x9b31m csi \x9d0;t\x9c osc \x90dcs\x9c",
    "controls": "bell\x07 back\x08space nul\x00 del\x7f cr\rend vt\x0bff\x0c.",
    "unicode": "émoji 🔥 日本語 \u200b zero width \u202e rtl",
    "html": "<script>alert(1)</script> | pipe | `code` *star* _u_ # hash",
}
# Bytes a terminal would act on: C0 controls except tab and newline, DEL, and C1 as UTF-8.
RAW_CONTROL = re.compile(rb"[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]")


def _assert_inert(output: bytes, where: str) -> None:
    found = RAW_CONTROL.search(output)
    assert found is None, f"{where}: raw control byte {found.group()!r} at {found.start()}"


@pytest.fixture
def env(tmp_path, db_path):
    """For the tests that need a real child process (a pipe, argv or environment bytes)."""
    return isolated_env(tmp_path / "home", db_path, WARROOM_NOW=NOW)


@pytest.fixture
def incident(cli):
    result = cli("declare", "Checkout down")
    assert result.code == 0, result.err
    return result.out.strip()


def _text_of(db_path, event_id):
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute("SELECT text FROM events WHERE id = ?", (event_id,)).fetchone()[0]
    finally:
        conn.close()


def _count(db_path):
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute("SELECT count(*) FROM events").fetchone()[0]
    finally:
        conn.close()


# ----- stored exactly, shown literally --------------------------------------------------------


def test_nasty_text_stored_exactly_and_never_reaches_the_terminal(cli, db_path, incident):
    ids = {}
    for name, text in NASTY.items():
        result = cli("log", "-", input=text)
        assert result.code == 0, (name, result.err)
        ids[name] = result.out.strip()
        assert _text_of(db_path, ids[name]) == text, name

    exported = cli("export", "--format", "json")
    assert exported.code == 0, exported.err
    _assert_inert(exported.stdout, "export --format json")
    by_id = {e["id"]: e["text"] for e in json.loads(exported.out)["events"]}
    for name, event_id in ids.items():
        assert by_id[event_id] == NASTY[name], name

    for args in (("doc", "timeline"), ("doc", "status"), ("doc", "internal"), ("doc", "handoff")):
        shown = cli(*args)
        assert shown.code == 0, (args, shown.err)
        _assert_inert(shown.stdout, " ".join(args))
        _assert_inert(shown.stderr, " ".join(args))
    timeline = cli("doc", "timeline").out
    assert "[red]alert[/red]" in timeline or r"\[red\]alert\[/red\]" in timeline  # markup stays text
    assert "␛\\[31mred" in timeline  # the ESC shown, its bracket escaped as any other


def test_nasty_text_in_postmortem_is_inert(cli, db_path, incident):
    for text in NASTY.values():
        assert cli("log", "-", input=text).code == 0
    for args in (("doc", "postmortem"), ("export", "--format", "md")):
        shown = cli(*args)
        assert shown.code == 0, (args, shown.err)
        _assert_inert(shown.stdout, " ".join(args))


def test_markdown_export_escapes_html_and_tables(cli, db_path, incident):
    result = cli("log", "-", "--kind", "action", input=NASTY["html"])
    assert result.code == 0
    md = cli("export", "--format", "md")
    assert md.code == 0, md.err
    # `<` is escaped (`\<`) or replaced: no HTML tag opens in the rendered Markdown.
    assert not re.search(r"(?<!\\)<script", md.out)
    for line in md.out.splitlines():
        if "alert(1)" in line and line.lstrip().startswith("|"):
            # In a table row, the text's own pipes are escaped: the row keeps its columns.
            assert "\\|" in line


def test_nasty_titles_in_list_are_inert_and_one_line(cli, db_path):
    async def declare_all():
        store = await Store.open(db_path)
        try:
            return [
                (await store.declare(text + "\nsecond line", 2, "dana", first_phase="assess")).id
                for text in NASTY.values()
            ]
        finally:
            await store.close()

    ids = asyncio.run(declare_all())
    listed = cli("list")
    assert listed.code == 0, listed.err
    _assert_inert(listed.stdout, "list")
    lines = listed.out.splitlines()
    assert len(lines) == len(ids)  # a newline in a title does not break the listing
    assert any("[red]alert[/red]" in line for line in lines)
    as_json = cli("list", "--json")
    _assert_inert(as_json.stdout, "list --json")
    titles = {d["id"]: d["title"] for d in json.loads(as_json.out)}
    for incident_id, text in zip(ids, NASTY.values()):
        assert titles[incident_id] == text + "\nsecond line"


def test_markup_title_from_declare_is_literal(cli, db_path):
    declared = cli("declare", "[bold red]FIRE[/] [link=x]y[/link]")
    assert declared.code == 0, declared.err
    assert "[bold red]FIRE[/] [link=x]y[/link]" in cli("list").out


def test_error_messages_are_inert_and_one_line(cli, tmp_path):
    odd = tmp_path / "odd\x1b]0;owned\x07\nname.db"
    result = cli("--db", str(odd), "log", "x")
    assert_one_line_error(result)
    _assert_inert(result.stderr, "error line")
    bad_incident = cli("log", "x", "--incident", "\x1b[31m")
    _assert_inert(bad_incident.stderr, "error line")


# ----- refused with a message -------------------------------------------------------------------


def test_invalid_utf8_on_stdin_is_refused(cli, db_path, incident):
    before = _count(db_path)
    result = cli("log", "-", input=b"bad \xff\xfe bytes \xc3")
    assert_one_line_error(result, "UTF-8", "nothing was logged")
    assert _count(db_path) == before


@pytest.mark.parametrize("text", ["", "   ", "\n\n\t  \n", "\u00a0\u2003"])
def test_empty_or_blank_text_is_refused(cli, db_path, incident, text):
    before = _count(db_path)
    via_stdin = cli("log", "-", input=text)
    assert_one_line_error(via_stdin, "empty", "nothing was logged")
    if text:  # an empty argument is as bad as an empty stdin
        via_arg = cli("log", text)
        assert_one_line_error(via_arg, "empty")
    assert _count(db_path) == before


def test_one_megabyte_paste(cli, db_path, incident):
    line = "2026-03-10 14:55:00 ERROR upstream timed out \x1b[31m[red]x[/red]\x1b[0m\n"
    paste = (line * (MAX_TEXT // len(line) + 1))[: MAX_TEXT - 1] + "!"
    assert len(paste) == MAX_TEXT
    result = cli("log", "-", input=paste)
    assert result.code == 0, result.err
    assert _text_of(db_path, result.out.strip()) == paste
    exported = cli("export")
    assert paste in [e["text"] for e in json.loads(exported.out)["events"]]
    _assert_inert(exported.stdout, "export of a 1 MB paste")
    before = _count(db_path)
    too_big = cli("log", "-", input=paste + "!")
    assert_one_line_error(too_big, "too long", "nothing was logged")
    assert _count(db_path) == before


@pytest.mark.parametrize(
    "at",
    [
        "25:99",
        "24:00",
        "23:60",
        "12:00:61",
        "1970-01-01",
        "1970-01-01T00:00:00Z",
        "2999-01-01",
        "2026-03-10T15:30:00Z",
        "garbage",
        "14h30",
        "-999999999d",
        "-99999999999999999999d",
        "-",
        "-m",
        "-h",
        "--kind",
    ],
)
def test_absurd_at_is_refused(cli, db_path, incident, at):
    before = _count(db_path)
    result = cli("log", "x", "--at", at)
    assert_one_line_error(result, "--at: ", "nothing was logged", code=2)  # a malformed argument
    assert repr(at.strip()) in result.err or "not a time" in result.err
    assert _count(db_path) == before


@pytest.mark.parametrize("at", ["-365d", "-1d", "-0m", "00:00", "14:55", "14:56", ""])
def test_edge_at_is_taken(cli, db_path, incident, at):
    # -0m and an empty --at are now; 14:56 is within the minute a typed clock time may run ahead.
    result = cli("log", "x", "--at", at)
    assert result.code == 0, result.err


# ----- safetext ---------------------------------------------------------------------------------


def test_plain_makes_controls_visible_and_keeps_tabs_newlines():
    assert plain("a\x1b[31mb") == "a␛[31mb"
    assert plain("\x00\x07\x08\x7f") == "␀␇␈␡"
    assert plain("\x9b31m\x9d") == "<U+009B>31m<U+009D>"
    assert plain("tab\there\nnext") == "tab\there\nnext"
    assert plain("[red]x[/red] émoji 🔥") == "[red]x[/red] émoji 🔥"
    assert plain("cr\r") == "cr␍"


def test_one_line_flattens_and_cuts():
    assert one_line("a\nb") == "a ⏎ b"
    assert one_line("a\r\nb") == "a ⏎ b"  # the CR is shown, never sent
    assert one_line("a\tb") == "a b"
    assert one_line("x" * 10, limit=5) == "xxxx…"
    assert one_line("x" * 5, limit=5) == "xxxxx"
    assert one_line("\x1b]52;c;x\x07") == "␛]52;c;x␇"


@pytest.mark.parametrize("text", list(NASTY.values()))
def test_safetext_output_is_inert(text):
    _assert_inert(plain(text).encode("utf-8"), "plain")
    _assert_inert(one_line(text).encode("utf-8"), "one_line")
    assert "\n" not in one_line(text + "\n" + text)


def test_endless_stdin_is_refused_not_read_forever(env, db_path, incident):
    """`yes | warroom log` must stop reading once the text is already too long."""
    before = _count(db_path)
    producer = subprocess.Popen(["yes", "spam"], stdout=subprocess.PIPE)
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "warroom", "log", "-"],
            stdin=producer.stdout,
            capture_output=True,
            env=env,
            timeout=60,
        )
    finally:
        producer.stdout.close()
        producer.kill()
        producer.wait()
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.decode().startswith("warroom: ") and "too long" in proc.stderr.decode()
    assert _count(db_path) == before


def test_text_starting_with_a_dash_after_double_dash(cli, db_path, incident):
    result = cli("log", "--kind", "alert", "--", "-5% error budget left")
    assert result.code == 0, result.err
    assert _text_of(db_path, result.out.strip()) == "-5% error budget left"


# ----- invalid UTF-8 in an argument ---------------------------------------------------------------


def _assert_not_utf8_usage_error(code: int, stdout: bytes, stderr: bytes, named: str) -> None:
    """Exit 2 (a malformed argument, as argparse's own refusals), one line, nothing written."""
    err = stderr.decode("utf-8", "replace")
    assert code == 2, err
    assert stdout == b"" and len(err.splitlines()) == 1, err
    assert err.startswith(f"warroom: {named} is not UTF-8 text (byte 0x") and "nothing was done" in err, err
    assert "unexpected" not in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("args", "named"),
    [
        ((b"declare", b"bad \xff title"), "the title"),
        ((b"log", b"caf\xe9 latin-1"), "the text"),
        ((b"log", b"ok", b"--author", b"\xfe"), "--author"),
        ((b"log", b"ok", b"--incident", b"INC-\xff"), "--incident"),
        ((b"doc", b"status\xff"), "the kind"),
    ],
)
def test_invalid_utf8_in_an_argument_is_a_usage_error(cli, db_path, incident, args, named):
    """Python hands argv bytes that are not UTF-8 to main() as surrogate escapes, which is
    what os.fsdecode gives here; the next test sends such bytes through a real argv."""
    before = _count(db_path)
    result = cli(*(os.fsdecode(arg) for arg in args))
    _assert_not_utf8_usage_error(result.code, result.stdout, result.stderr, named)
    assert _count(db_path) == before


def test_invalid_utf8_in_a_real_argv_is_a_usage_error(env, db_path, incident):
    before = _count(db_path)
    proc = subprocess.run(
        [sys.executable, "-m", "warroom", b"log", b"caf\xe9 latin-1"], capture_output=True, env=env, timeout=60
    )
    _assert_not_utf8_usage_error(proc.returncode, proc.stdout, proc.stderr, "the text")
    assert _count(db_path) == before


def test_invalid_utf8_author_from_the_environment_is_refused(env, db_path, incident):
    proc = subprocess.run(
        [sys.executable, "-m", "warroom", "log", "fine"],
        capture_output=True,
        env={**{k.encode(): v.encode() for k, v in env.items()}, b"WARROOM_AUTHOR": b"d\xe4na"},
        timeout=60,
    )
    assert proc.returncode == 2 and proc.stderr.startswith(b"warroom: WARROOM_AUTHOR is not UTF-8"), proc.stderr


def test_a_database_path_may_hold_any_bytes(env, tmp_path):
    path = bytes(tmp_path) + b"/caf\xe9.db"  # Latin-1 file names exist; they are not text we store
    proc = subprocess.run(
        [sys.executable, "-m", "warroom", "--db", path, "declare", "Elsewhere"],
        capture_output=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / os.fsdecode(b"caf\xe9.db")).exists()


# ----- Markdown exports: no link or image from incident text ------------------------------------

LINKS = [
    "![x](http://tracker.example/p.png)",
    "[l](javascript:alert(1))",
    "see <http://tracker.example/auto> and <mailto:eve@evil.example>",
    "[ref][r] with [r]: javascript:alert(2)",
    '![ref img][i] <img src="http://tracker.example/i.png">',
    "\\[escaped\\](http://tracker.example/e) ![\\]](http://tracker.example/b.png)",
]


def _rendered(markdown: str) -> str:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable("table").render(markdown)


def _assert_no_live_link(markdown: str, where: str) -> None:
    html = _rendered(markdown)
    assert "<img" not in html, (where, html)
    assert not re.search(r"<a\s", html), (where, html)


def test_links_and_images_from_incident_text_arrive_inert(cli, db_path, incident):
    for text in LINKS:
        assert cli("log", "-", "--kind", "action", input=text).code == 0
    # A reference definition only counts on a line of its own: a multi-line note.
    assert cli("log", "-", input="look [here][r]\n[r]: http://tracker.example/def").code == 0
    for args in (("export", "--format", "md"), ("doc", "timeline"), ("doc", "postmortem"), ("doc", "internal")):
        shown = cli(*args)
        assert shown.code == 0, (args, shown.err)
        _assert_no_live_link(shown.out, " ".join(args))
    timeline = cli("doc", "timeline").out
    assert "tracker.example/p.png" in timeline  # kept as text, readable


@pytest.mark.parametrize("text", LINKS + ["para one\n\n[r]: http://tracker.example/def\n\n[see][r] ![i][r]"])
def test_md_filters_leave_no_link(text):
    from warroom.core.markdown import md_block, md_cell, md_inline

    for escape in (md_inline, md_cell, md_block):
        _assert_no_live_link(str(escape(text)), escape.__name__)
    assert "tracker.example" in _rendered(str(md_block(text))) or "tracker" not in text


# ----- invisible and bidi characters --------------------------------------------------------------

INVISIBLES = {
    "\u202e": "RIGHT-TO-LEFT OVERRIDE",
    "\u202a": "LEFT-TO-RIGHT EMBEDDING",
    "\u2066": "LEFT-TO-RIGHT ISOLATE",
    "\u2067": "RIGHT-TO-LEFT ISOLATE",
    "\u2068": "FIRST STRONG ISOLATE",
    "\u2069": "POP DIRECTIONAL ISOLATE",
    "\u200e": "LEFT-TO-RIGHT MARK",
    "\u200f": "RIGHT-TO-LEFT MARK",
    "\u061c": "ARABIC LETTER MARK",
    "\u200b": "ZERO WIDTH SPACE",
    "\u2060": "WORD JOINER",
    "\ufeff": "ZERO WIDTH NO-BREAK SPACE",
    "\u00ad": "SOFT HYPHEN",
    "\u2028": "LINE SEPARATOR",
    "\U000e0041": "TAG LATIN CAPITAL LETTER A",
}
RAW_INVISIBLE = re.compile("[" + "".join(INVISIBLES) + "]")


@pytest.mark.parametrize("char", list(INVISIBLES))
def test_invisible_characters_are_shown(char):
    import unicodedata

    assert unicodedata.name(char) == INVISIBLES[char]
    assert plain(f"invoice{char}gnp.exe") == f"invoice<U+{ord(char):04X}>gnp.exe"
    assert one_line(f"a{char}b") == f"a<U+{ord(char):04X}>b"


def test_joiners_split_words_shown_but_emoji_and_scripts_kept():
    assert plain("pay\u200cments \u200dx") == "pay<U+200C>ments <U+200D>x"
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    persian = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"
    assert plain(family) == family and plain(persian) == persian


def test_invisible_characters_escaped_in_every_export(cli, db_path, incident):
    text = "deploy " + "".join(INVISIBLES) + " done \u200cx"
    logged = cli("log", "-", input=text)
    assert logged.code == 0 and _text_of(db_path, logged.out.strip()) == text  # stored exactly
    exported = cli("export", "--format", "json")
    assert exported.code == 0, exported.err
    assert RAW_INVISIBLE.search(exported.out) is None and "\u200c" not in exported.out
    assert "\\u202e" in exported.out and "\\u200b" in exported.out and "\\udb40\\udc41" in exported.out
    by_id = {e["id"]: e["text"] for e in json.loads(exported.out)["events"]}
    assert by_id[logged.out.strip()] == text  # escaped, not changed
    for args in (("export", "--format", "md"), ("doc", "timeline"), ("doc", "internal"), ("list",), ("list", "--json")):
        shown = cli(*args)
        assert shown.code == 0, (args, shown.err)
        assert RAW_INVISIBLE.search(shown.out) is None, args
    assert "<U+202E>" in cli("doc", "timeline").out.replace("\\<", "<")


def test_a_bad_warroom_now_is_one_plain_line(cli, db_path, incident):
    before = _count(db_path)
    cli.env(WARROOM_NOW="yesterday-ish")
    result = cli("log", "x")
    assert_one_line_error(result, "WARROOM_NOW", "nothing was logged")
    assert _count(db_path) == before
