"""The command palette (ctrl+p): every binding of the screen on display, by its description,
and switching or declaring an incident from any screen."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.message import Message


class BindingCommands(Provider):
    """Offers each enabled binding of the calling screen (and the app) as a command."""

    def _commands(self) -> list[tuple[str, str, object, str]]:
        seen: set[tuple[str, int]] = set()
        commands: list[tuple[str, str, object, str]] = []
        for key, active in self.screen.active_bindings.items():
            binding = active.binding
            if not active.enabled or not binding.description:
                continue
            marker = (binding.action, id(active.node))
            if marker in seen:
                continue
            seen.add(marker)
            display = binding.key_display or self.app.get_key_display(binding)
            commands.append((binding.description, binding.action, active.node, display))
        return commands

    async def _run(self, action: str, node: object) -> None:
        await self.app.run_action(action, node)  # type: ignore[arg-type]

    async def discover(self) -> Hits:
        for description, action, node, key in self._commands():
            yield DiscoveryHit(description, partial(self._run, action, node), help=f"key: {key}")

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for description, action, node, key in self._commands():
            score = matcher.match(description)
            if score > 0:
                yield Hit(score, matcher.highlight(description), partial(self._run, action, node), help=f"key: {key}")


class IncidentCommands(Provider):
    """Reaching every incident from anywhere: switch to another (open or resolved) or declare."""

    def _commands(self) -> list[tuple[str, type[Message], str]]:
        from warroom.tui.messages import DeclareIncident, ShowIncidents
        from warroom.tui.screens.declare import DeclareScreen
        from warroom.tui.screens.switcher import SwitcherScreen

        commands: list[tuple[str, type[Message], str]] = []
        if not isinstance(self.screen, SwitcherScreen):
            commands.append(("Switch incident", ShowIncidents, "every incident, open and resolved"))
        if not isinstance(self.screen, DeclareScreen):
            commands.append(("Declare incident", DeclareIncident, "a new incident"))
        return commands

    def _post(self, message: type[Message]) -> None:
        self.app.post_message(message())

    async def discover(self) -> Hits:
        for name, message, help_text in self._commands():
            yield DiscoveryHit(name, partial(self._post, message), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, message, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), partial(self._post, message), help=help_text)
