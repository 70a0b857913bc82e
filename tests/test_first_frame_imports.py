"""What the war room imports before its first frame, in a fresh interpreter (what is loaded is
the process's own state). Everything it imports is on the way of every start-up; what it does
not draw at once (the handoff editor's TextArea, documents and Jinja2, the red-flag rules, the
clipboard, the team's PostgreSQL driver) is imported when first used (its time is measured in
benchmarks/, never here)."""

from __future__ import annotations

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
