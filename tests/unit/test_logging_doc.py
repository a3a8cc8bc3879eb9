"""docs/LOGGING.md lists every event the service logs."""

from __future__ import annotations

import ast
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[2]
LEVELS = {"debug", "info", "warning", "error", "exception", "critical"}


def logged_events() -> dict[str, str]:
    """Literal event names of `log.<level>(...)` calls in the package, with where they are."""
    found: dict[str, str] = {}
    for path in sorted((ROOT / "src" / "randomatch_bot").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in LEVELS
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "log"
                and node.args
            ):
                continue
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.setdefault(first.value, f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_every_logged_event_is_documented() -> None:
    """Each event name the code logs appears in docs/LOGGING.md, so alerts can rely on it."""
    doc = (ROOT / "docs" / "LOGGING.md").read_text(encoding="utf-8")
    events = logged_events()
    assert len(events) > 50  # the walk found the log calls
    missing = sorted(
        f"{where}: {event}" for event, where in events.items() if f"`{event}`" not in doc
    )
    assert missing == [], "add these to docs/LOGGING.md"


def test_event_names_are_dotted() -> None:
    """Each event is `area.what_happened` in lower case, a stable name alerts can match; the
    human sentence, where one helps, goes in a `hint` field."""
    undotted = sorted(
        f"{where}: {event}"
        for event, where in logged_events().items()
        if not re.fullmatch(r"[a-z_]+(\.[a-z_]+)+", event)
    )
    assert undotted == []
