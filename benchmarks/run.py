"""The harness: build the databases, run every benchmark, print the table."""

from __future__ import annotations

import argparse
import compileall
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import cli_bench, peers, store_bench, tui_bench
from benchmarks.data import build_demo
from benchmarks.procs import child_env
from benchmarks.stats import Row, markdown_table, not_measured, text_table


@dataclass(frozen=True)
class Sizes:
    events: int  # the long incident
    short: int  # the short one it is compared with
    repeats: int  # alternated runs of each short command
    doc_repeats: int  # runs of each big document (slow at full size)
    appends: int  # Store.append samples
    tui_repeats: int  # TUI start-ups of each kind
    keypresses: int  # quick-entry samples
    live: int  # events written by another process
    pages: int  # page-ups through the timeline


FULL = Sizes(
    events=100_000,
    short=10_000,
    repeats=21,
    doc_repeats=3,
    appends=1000,
    tui_repeats=15,  # start-ups of each kind: single figures move ±0.1× on this machine
    keypresses=100,
    live=10,
    pages=40,
)
QUICK = Sizes(
    events=2_000, short=200, repeats=5, doc_repeats=1, appends=100, tui_repeats=2, keypresses=5, live=2, pages=5
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes and few repeats (under a minute)")
    parser.add_argument("--events", type=int, help="events in the long incident (default 100000; 2000 with --quick)")
    parser.add_argument("--only", help="comma-separated groups to run: cli,store,docs,tui (default: all)")
    parser.add_argument("--markdown", type=Path, help="also write the table and machine facts as Markdown to FILE")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder (its path is printed)")
    return parser


def machine_facts() -> list[str]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
        mem_text = f"{mem:.0f} GiB RAM"
    except (ValueError, OSError):
        mem_text = "RAM unknown"
    from importlib.metadata import version

    try:
        load = " / ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        load = "unknown"
    return [
        f"date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"machine: {platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} cores, {mem_text}",
        f"load average at start (1/5/15 min): {load}",
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, Textual {version('textual')},"
        f" pydantic {version('pydantic')}",
    ]


def compile_package() -> int:
    """Byte-compile warroom as `pip install` does for a wheel; returns how many .pyc files were
    missing or older than their source. With PYTHONDONTWRITEBYTECODE set (this machine, CI), an
    editable install never caches bytecode: every timed child would compile each such module
    from source (a few ms each, ~0.3 s for the whole package), which the stdlib baselines never pay."""
    import importlib.util

    import warroom

    package = Path(warroom.__file__).parent
    stale = 0
    for source in package.rglob("*.py"):
        cached = Path(importlib.util.cache_from_source(str(source)))
        if not cached.exists() or cached.stat().st_mtime < source.stat().st_mtime:
            stale += 1
    compileall.compile_dir(package, quiet=1)  # writes them whatever PYTHONDONTWRITEBYTECODE says
    return stale


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    sizes = QUICK if args.quick else FULL
    if args.events:
        sizes = Sizes(**{**sizes.__dict__, "events": args.events, "short": max(1, args.events // 10)})
    groups = set((args.only or "cli,store,docs,tui").split(","))
    unknown = groups - {"cli", "store", "docs", "tui"}
    if unknown:
        print(f"benchmarks: unknown group(s): {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    stale = compile_package()
    facts = [*machine_facts(), f"warroom byte-compiled first ({stale} .pyc files were missing or stale)"]
    print("\n".join(facts), flush=True)
    folder = Path(tempfile.mkdtemp(prefix="warroom-bench-"))
    # Every child (and this process) keeps its data and reads its config in the scratch
    # folder: the developer's playbook, review list and caches neither shape nor receive
    # a figure.
    scratch = {"WARROOM_DATA_DIR": str(folder / "data"), "WARROOM_CONFIG_DIR": str(folder / "config")}
    saved = {name: os.environ.get(name) for name in scratch}
    os.environ.update(scratch)
    started = time.monotonic()
    rows: list[Row] = []

    def step(name: str) -> None:
        print(f"[{time.monotonic() - started:6.1f}s] {name}", file=sys.stderr, flush=True)

    try:
        step(f"building demo databases ({sizes.short:,} and {sizes.events:,} events) in {folder}")
        short = build_demo(folder, sizes.short)
        long = build_demo(folder, sizes.events)
        if "cli" in groups:
            step("warroom log")
            small = build_demo(folder, 0, name="log.db")
            rows.append(cli_bench.log_row(small, folder, sizes.repeats))
            rows.append(cli_bench.log_imports_row(small))
        if "store" in groups:
            step("store: append, search, paging")
            appends = build_demo(folder, sizes.events, name="append.db")
            rows.extend(store_bench.append_rows(appends, folder, sizes.appends))
            rows.append(store_bench.search_row(long, sizes.repeats))
            rows.extend(store_bench.paging_rows(short, long, sizes.repeats))
        if "docs" in groups:
            step("documents: doc postmortem, export json")
            rows.extend(cli_bench.document_rows(long, sizes.doc_repeats))
        if "tui" in groups:
            step("TUI")
            rows.extend(tui_bench.tui_rows(short, long, folder, sizes, step))
            if peers.installed():
                step("peers (Toolong, Harlequin)")
                try:
                    row = peers.peers_row(short, folder, sizes.tui_repeats, child_env(WARROOM_AUTHOR="bench"))
                except (peers.PeerFailed, OSError, subprocess.SubprocessError) as exc:
                    row = not_measured("peers: first screen showing what was opened", "context", str(exc)[-100:])
                if row is not None:
                    rows.append(row)
        step("done")
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        if args.keep:
            print(f"scratch folder kept: {folder}", file=sys.stderr)
        else:
            shutil.rmtree(folder, ignore_errors=True)
    elapsed = time.monotonic() - started
    print()
    print(text_table(rows))
    print(f"\n(total {elapsed:.0f} s{', --quick sizes' if args.quick else ''})")
    if args.markdown:
        args.markdown.write_text(
            "\n".join(
                [
                    "## Machine",
                    "",
                    *(f"- {f}" for f in facts),
                    f"- command: `python -m benchmarks {' '.join(argv if argv is not None else sys.argv[1:])}`"
                    f" (took {elapsed:.0f} s)",
                    "",
                    "## Table",
                    "",
                    markdown_table(rows),
                    "",
                ]
            ),
            encoding="utf-8",
        )
    return 0
