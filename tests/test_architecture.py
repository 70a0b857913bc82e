"""The import contract, read from the source (every `import` anywhere in a module counts,
inside functions and `if TYPE_CHECKING:` too):

- Textual (and rich, its renderer) only under warroom/tui/: the core, the CLI and the team
  sync run without a screen.
- warroom/core/ knows nothing of its faces: no warroom.tui, warroom.cli or warroom.team.
- psycopg (the team server's driver) only under warroom/team/.

What `warroom log` really loads on its way to the disk is checked in a real process in
test_cli.py (test_log_loads_only_the_stdlib).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "warroom"


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, dotted
    target: str  # what it imports, dotted and absolute
    line: int

    def __str__(self) -> str:
        path = self.module.replace(".", "/")
        return f"{path}.py:{self.line} imports {self.target}"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> list[Import]:
    module = _module_name(path)
    is_package = path.name == "__init__.py"
    found: list[Import] = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [Import(module, alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the importing module's package
                package = module.split(".") if is_package else module.split(".")[:-1]
                base = package[: len(package) - (node.level - 1)]
                source = ".".join([*base, node.module] if node.module else base)
            else:
                source = node.module or ""
            # `from warroom import tui` imports warroom.tui: name each imported name too.
            found.append(Import(module, source, node.lineno))
            found += [Import(module, f"{source}.{alias.name}", node.lineno) for alias in node.names]
    return found


def _all_imports() -> list[Import]:
    return [imp for path in sorted(PACKAGE.rglob("*.py")) for imp in _imports(path)]


IMPORTS = _all_imports()


def _under(name: str, *packages: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def test_the_scan_sees_the_package():
    """The contract below is only as good as the scan: it must find the imports that exist."""
    targets = {(imp.module, imp.target) for imp in IMPORTS}
    assert ("warroom.tui.app", "textual.app") in targets
    assert any(m == "warroom.cli" and _under(t, "warroom.core") for m, t in targets)
    assert any(_under(m, "warroom.core") for m, _ in targets)
    assert len({imp.module for imp in IMPORTS}) >= 40


@pytest.mark.parametrize("library", ["textual", "rich"])
def test_only_the_tui_imports_textual(library):
    offenders = [str(i) for i in IMPORTS if _under(i.target, library) and not _under(i.module, "warroom.tui")]
    assert offenders == []


def test_core_knows_nothing_of_its_faces():
    faces = ("warroom.tui", "warroom.cli", "warroom.team")
    offenders = [str(i) for i in IMPORTS if _under(i.module, "warroom.core") and _under(i.target, *faces)]
    assert offenders == []


def test_only_the_team_package_imports_psycopg():
    offenders = [str(i) for i in IMPORTS if _under(i.target, "psycopg") and not _under(i.module, "warroom.team")]
    assert offenders == []


def test_relative_imports_are_resolved(tmp_path, monkeypatch):
    """A relative import is judged by what it reaches: `from ..tui import app` in core is caught."""
    package = tmp_path / "warroom"
    (package / "core").mkdir(parents=True)
    probe = package / "core" / "probe.py"
    probe.write_text("from ..tui import app\nfrom . import store\nfrom .. import cli\n")
    monkeypatch.setattr(f"{__name__}.PACKAGE", package)
    targets = {imp.target for imp in _imports(probe)}
    assert {"warroom.tui", "warroom.tui.app", "warroom.core.store", "warroom.cli"} <= targets


# ----- the suite's own shape --------------------------------------------------------------

TESTS = Path(__file__).resolve().parent


def test_every_pilot_or_snapshot_test_is_marked_tui():
    """`pytest -m "not slow and not tui"` is the inner loop: a test that runs the app headless
    (Pilot's run_test, snapshots' snap_compare) says so, with `pytestmark = pytest.mark.tui` in
    its module or `@pytest.mark.tui` on itself."""
    unmarked, apps = [], 0
    for path in sorted(TESTS.glob("test_*.py")):
        tree = ast.parse(path.read_text("utf-8"))
        module_marked = any(
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "pytestmark" for t in node.targets)
            and "mark.tui" in ast.unparse(node.value)
            for node in tree.body
        )
        for test in tree.body:
            if not isinstance(test, ast.FunctionDef | ast.AsyncFunctionDef) or not test.name.startswith("test"):
                continue
            runs_the_app = any(
                (isinstance(node, ast.Attribute) and node.attr == "run_test")
                or (isinstance(node, ast.arg) and node.arg == "snap_compare")
                for node in ast.walk(test)
            )
            apps += runs_the_app
            marked = module_marked or any("mark.tui" in ast.unparse(d) for d in test.decorator_list)
            if runs_the_app and not marked:
                unmarked.append(f"{path.name}::{test.name}")
    assert apps >= 100  # the scan finds the Pilot and snapshot tests
    assert unmarked == []


def test_fixtures_come_from_conftest_not_imports():
    """One fixtures module, found by pytest: `from conftest import` would load it a second time."""
    importers = [
        f"{path.name}:{node.lineno}"
        for path in sorted(TESTS.glob("*.py"))
        for node in ast.walk(ast.parse(path.read_text("utf-8")))
        if isinstance(node, ast.ImportFrom | ast.Import)
        and "conftest" in ([node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names])
    ]
    assert importers == []
