"""The red-flags pane: what the rules (warroom.rules) say needs the commander's attention now."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from warroom.safetext import one_line


class RedFlags(VerticalScroll, can_focus=True):
    def compose(self):
        yield Static("", id="flags-body")

    def on_mount(self) -> None:
        self.border_title = "Red flags"

    def show(self, prompts: Sequence[Any]) -> None:
        """`prompts` are warroom.rules.Prompt objects (thought, reality, action, detail)."""
        self.border_title = f"Red flags ({len(prompts)})" if prompts else "Red flags"
        self.set_class(bool(prompts), "-raised")
        body = Text()
        if not prompts:
            body.append("No red flags right now.", "dim")
        for n, prompt in enumerate(prompts):
            if n:
                body.append("\n")
            body.append("⚑ ", "bold")
            body.append(f"“{one_line(prompt.thought)}”\n", "bold")
            body.append(f"  {one_line(prompt.reality)}\n")
            body.append(f"  → {one_line(prompt.action)}", "italic")
            if getattr(prompt, "detail", ""):
                body.append(f"\n  {one_line(prompt.detail)}", "dim")
        self.query_one("#flags-body", Static).update(body)

    def unavailable(self, why: str) -> None:
        self.border_title = "Red flags"
        self.query_one("#flags-body", Static).update(Text(why, "italic"))
