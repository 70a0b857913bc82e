"""Shell commands: `warroom log` against `python -c` + sqlite3, what `log` imports, and the
big documents (`doc postmortem`, `export --format json`) against a raw sqlite3 dump."""

from __future__ import annotations

import os
import re
import resource
from pathlib import Path

from benchmarks.data import BASELINE_LOG_SCRIPT, DemoDb
from benchmarks.procs import ChildFailed, child_env, memory_method, python_argv, run_child, warroom_argv
from benchmarks.stats import Row, alternate, median, mib, ms, not_measured, ratio, secs

# Imported by the log path, these would cost several times the whole baseline (argparse: ~10 ms
# with gettext and shutil; the usual `warroom log` form is read without it).
HEAVY_MODULES = ("pydantic", "textual", "rich", "jinja2", "platformdirs", "psycopg", "argparse")
# Stdlib modules the usual log form does without (tests/test_log_imports.py): ~10 ms together.
SKIPPED_STDLIB = ("pathlib", "re", "enum", "json", "contextlib", "typing")


def _cpu_of_children() -> float:
    """User + system seconds of every reaped child so far (GNU time's own share is in both)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def log_row(db: DemoDb, folder: Path, repeats: int) -> Row:
    """Wall time of `warroom log` against the same interpreter's bare insert+commit, alternated;
    the note adds their CPU time (less swayed by other work on the machine) and the load average."""
    env = child_env(WARROOM_AUTHOR="bench")
    baseline_db = folder / "baseline-log.db"
    counter = iter(range(10**9))
    cpu: dict[str, list[float]] = {"subject": [], "baseline": []}

    def timed(which: str, argv: list[str]) -> float:
        before = _cpu_of_children()
        wall = run_child(argv, env=env).wall
        cpu[which].append(_cpu_of_children() - before)
        return wall

    def subject() -> float:
        return timed("subject", warroom_argv("--db", str(db.path), "log", f"bench log {next(counter)}"))

    def baseline() -> float:
        return timed("baseline", python_argv("-c", BASELINE_LOG_SCRIPT, str(baseline_db), "bench log"))

    subject(), baseline()  # warm the page cache and the .pyc files
    for samples in cpu.values():
        samples.clear()
    load_before = os.getloadavg()[0]
    subj, base = alternate(subject, baseline, repeats)
    load_after = os.getloadavg()[0]
    s, b = median(subj), median(base)
    cs, cb = median(cpu["subject"]), median(cpu["baseline"])
    return Row(
        "`warroom log` from a shell (wall, median)",
        ms(s),
        f"{ms(b)} (`python -c` sqlite3 insert+commit)",
        ratio(s, b),
        "≤ 1.5×",
        s / b <= 1.5,
        note=(
            f"{repeats} alternated runs each; spread {ms(min(subj))}–{ms(max(subj))}; "
            f"CPU {ms(cs)} vs {ms(cb)} ({ratio(cs, cb)}); load average {load_before:.2f} → {load_after:.2f}."
        ),
    )


CONSOLE_SCRIPT = "import sys; from warroom.cli import main; sys.exit(main())"  # what `warroom` runs


def log_imports_row(db: DemoDb) -> Row:
    """`python -X importtime` on the log path: which heavy packages it loads, and the total.
    Run as the console script runs it (`python -m` would add runpy, which loads contextlib)."""
    run = run_child(
        python_argv("-X", "importtime", "-c", CONSOLE_SCRIPT, "--db", str(db.path), "log", "bench importtime"),
        env=child_env(WARROOM_AUTHOR="bench"),
    )
    heavy: set[str] = set()
    skipped_loaded: set[str] = set()
    total_us = 0
    for line in run.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)", line)
        if not m:
            continue
        top = m[4].split(".")[0]
        if top in HEAVY_MODULES:
            heavy.add(top)
        if m[4] in SKIPPED_STDLIB:
            skipped_loaded.add(m[4])
        if len(m[3]) == 1:  # a top-level import: its cumulative time counts once
            total_us += int(m[2])
    found = ", ".join(sorted(heavy)) or "none"
    also = ", ".join(sorted(skipped_loaded)) or "none"
    return Row(
        "`warroom log` imports (python -X importtime)",
        f"heavy: {found}; of {'/'.join(SKIPPED_STDLIB)}: {also}; all imports {ms(total_us / 1e6)}",
        goal="no pydantic/textual/psycopg/argparse, nor " + "/".join(SKIPPED_STDLIB),
        ok=not heavy & {"pydantic", "textual", "psycopg", "argparse"} and not skipped_loaded,
        note="heavy packages checked: " + ", ".join(HEAVY_MODULES) + ".",
    )


# The floor for a big document: read every event of the incident with sqlite3 and write
# each as a JSON line, streaming. Anything warroom does beyond this is its own cost.
RAW_DUMP_SCRIPT = """
import json, sqlite3, sys
conn = sqlite3.connect(sys.argv[1])
out = sys.stdout
cols = ("seq", "id", "incident_id", "ts", "recorded_at", "kind", "text", "author", "ref", "data")
for row in conn.execute("SELECT " + ", ".join(cols) + " FROM events WHERE incident_id = ? ORDER BY ts, seq", (sys.argv[2],)):
    out.write(json.dumps(dict(zip(cols, row)), ensure_ascii=False) + "\\n")
"""


def _why(exc: ChildFailed) -> str:
    """One short reason for a command that failed (documents.py may not be written yet)."""
    text = str(exc)
    if m := re.search(r"cannot import name '(\w+)' from 'warroom'", text):
        return f"warroom.{m[1]} not built yet"
    return text.strip().splitlines()[-1][-100:]


def document_rows(db: DemoDb, repeats: int) -> list[Row]:
    env = child_env(WARROOM_AUTHOR="bench")
    commands = {
        f"`warroom doc postmortem`, {db.events:,} events": ("doc", "postmortem"),
        f"`warroom export --format json`, {db.events:,} events": ("export", "--format", "json"),
    }
    rows = []
    for figure, args in commands.items():
        argv = warroom_argv("--db", str(db.path), *args)
        try:
            first = run_child(argv, env=env, keep_stdout=False)
        except ChildFailed as exc:
            rows.append(not_measured(figure, "≤ 1.5× (memory reported)", _why(exc)))
            continue
        size = first.stdout_bytes
        runs, base_runs = [], []

        def subject() -> float:
            runs.append(run_child(argv, env=env, keep_stdout=False))
            return runs[-1].wall

        def baseline() -> float:
            base_runs.append(
                run_child(python_argv("-c", RAW_DUMP_SCRIPT, str(db.path), db.incident_id), env=env, keep_stdout=False)
            )
            return base_runs[-1].wall

        subj, base = alternate(subject, baseline, repeats)
        s, b = median(subj), median(base)
        peak = max(r.maxrss_kib for r in runs)
        base_peak = max(r.maxrss_kib for r in base_runs)
        rows.append(
            Row(
                figure,
                f"{secs(s)}, peak {mib(peak)}",
                f"{secs(b)}, peak {mib(base_peak)} (raw sqlite3 → JSON lines)",
                ratio(s, b),
                "≤ 1.5× (memory reported)",
                s / b <= 1.5,
                note=f"output {size / 1e6:.1f} MB; memory: {memory_method()}; {repeats} alternated runs.",
            )
        )
    return rows
