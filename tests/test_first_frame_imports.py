"""What the war room imports before its first frame, in a fresh interpreter (what is loaded is
the process's own state). Everything it imports is on the way of every start-up; what it does
not draw at once (the handoff editor's TextArea, documents and Jinja2, the red-flag rules, the
clipboard, the team's PostgreSQL driver) is imported when first used (its time is measured in
benchmarks/, never here)."""

from __future__ import annotations

import os
import subprocess
import sys

# Modules the war room's first frame does without: each is imported right after it, or on use.
LATER = {
    "textual.widgets._text_area",  # the handoff editor, mounted after the first frame
    "warroom.tui.widgets.handoff",
    "jinja2",  # documents (copy, handoff from template, postmortem)
    "warroom.core.documents",
    "warroom.core.rules",  # red flags: evaluated once the incident's state is read
    "warroom.core.redflags",
    "pyperclip",  # copy to the clipboard
    "psycopg",  # the team server, when one is configured
    "warroom.tui.screens.modal",  # dialogs: the quit's questions (screens/quit_questions.py) and the rest
    "logging.handlers",  # the error log's file, opened when something is first logged
}

_PROBE = """
import sys
import warroom.tui.app, warroom.tui.screens.warroom
print(",".join(sorted(sys.modules)))
"""


def test_the_war_room_screen_imports_nothing_its_first_frame_does_not_draw():
    proc = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    loaded = set(proc.stdout.strip().split(","))
    assert "warroom.tui.screens.warroom" in loaded  # the probe imported what it meant to
    assert not LATER & loaded, sorted(LATER & loaded)


# The CLI's war room, headless, to the moment its header first shows the incident (the frame
# after it draws it): which modules are loaded then. The playbook comes from its cache (a first
# run validates it: pydantic then, once per playbook file).
_FIRST_FRAME_PROBE = """
import sys
import textual.app
from warroom.tui.widgets.header import IncidentHeader

run, show = textual.app.App.run, IncidentHeader.show

def headless(self, **kwargs):
    return run(self, headless=True, size=(140, 45))

def shown(self, *args, **kwargs):
    show(self, *args, **kwargs)
    if not hasattr(sys, "loaded_at_first_frame"):
        sys.loaded_at_first_frame = sorted(sys.modules)
        self.app.exit()

textual.app.App.run, IncidentHeader.show = headless, shown
from warroom.commands import room
room.has_terminal = lambda: True  # headless: no terminal needed
from warroom.core import db
opened, open_db = [], db.open_db
db.open_db = lambda *args, **kwargs: opened.append(args) or open_db(*args, **kwargs)
from warroom.cli import main
main(["--db", sys.argv[1]])
print("opened", len(opened))
print(",".join(sys.loaded_at_first_frame))
"""

# What the first frame does without besides LATER: pydantic (the playbook comes unpickled from
# its cache as plain dataclasses and the first rows are checked by hand: records.py), TOML,
# importlib.metadata (Textual's version, for the style-sheet cache, read from its folder's name).
BEFORE_FIRST_FRAME_NEVER = LATER | {"pydantic", "pydantic_core", "annotated_types", "tomllib", "importlib.metadata"}


def test_the_war_rooms_first_frame_loads_no_pydantic_and_opens_the_file_once(tmp_path, demo_db):
    env = {**os.environ, "WARROOM_AUTHOR": "probe"}
    for _ in range(2):  # the first run validates the playbook and caches it; the second is measured
        proc = subprocess.run(
            [sys.executable, "-c", _FIRST_FRAME_PROBE, str(demo_db)],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
    *_, opened, modules = proc.stdout.strip().splitlines()
    loaded = set(modules.split(","))
    assert "warroom.tui.screens.warroom" in loaded and "warroom.core.playbook" in loaded
    assert not BEFORE_FIRST_FRAME_NEVER & loaded, sorted(BEFORE_FIRST_FRAME_NEVER & loaded)
    # The file is checked before the screen takes over and the store adopts that connection:
    # opened (checked, migrated, probed) once, not twice.
    assert opened == "opened 1"
