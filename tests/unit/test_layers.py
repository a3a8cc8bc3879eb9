"""Data flows one way: a package never imports one that comes after it."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "randomatch_bot"

# Each part of the service and its tier: a module may import its own tier and those before it.
# The app row reaches `bridge/`, which hands a step to `worker/`, which runs `conversation/`,
# which reads and writes through `db/` and asks `llm/`; `api/`, `commands/` and the entry
# points sit on top and may use everything.
TIERS = {
    "errors": 0,
    "config": 0,
    "logs": 0,
    "significance": 0,
    "db": 1,
    "llm": 1,
    "infra": 1,
    "process_metrics": 1,
    "personas": 1,
    "conversation": 2,
    "privacy": 2,
    "evaluation": 3,
    "simulate": 3,
    "worker": 3,
    "bridge": 4,
    "status": 5,
    "supervisor": 5,
    "api": 6,
    "commands": 6,
    "cli": 7,
}


def _part(module: str) -> str:
    return module.split(".")[1] if module.count(".") >= 1 else module


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "randomatch_bot":
                found.update(f"randomatch_bot.{alias.name}" for alias in node.names)
            elif node.module.startswith("randomatch_bot."):
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("randomatch_bot."))
    return found


def test_every_part_has_a_tier() -> None:
    """A new top-level module or package is placed in the flow before it is used."""
    parts = {p.stem for p in SRC.glob("*.py")} | {
        p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists()
    }
    assert parts - {"__init__"} - set(TIERS) == set()


def test_no_part_imports_one_after_it() -> None:
    """`db/` knows nothing of the conversation, the conversation nothing of the worker, the
    worker nothing of the bridge or the API."""
    backwards = []
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC)
        own = relative.parts[0].removesuffix(".py")
        if own == "__init__":
            continue
        for module in _imports(path):
            other = _part(module)
            if TIERS[other] > TIERS[own]:
                backwards.append(f"{relative} imports {module}")
    assert backwards == []


# The rooms of `conversation/`, in the same way: who she is, what she says, what limits her,
# how one reply unfolds. A room imports its own modules and the rooms before it.
ROOMS = {"persona": 0, "words": 1, "policies": 2, "plan": 3}
CONVERSATION = SRC / "conversation"


def test_every_conversation_module_is_in_a_room() -> None:
    """No module sits beside the rooms: a newcomer finds each in the folder that says what it is."""
    loose = [p.name for p in CONVERSATION.glob("*.py") if p.name != "__init__.py"]
    rooms = {p.name for p in CONVERSATION.iterdir() if (p / "__init__.py").exists()}
    assert loose == []
    assert rooms == set(ROOMS)


def test_no_room_imports_one_after_it() -> None:
    """The persona knows nothing of the words, the words nothing of the policies, and only
    the plan knows every room."""
    backwards = []
    for path in sorted(CONVERSATION.rglob("*.py")):
        relative = path.relative_to(CONVERSATION)
        if len(relative.parts) < 2:
            continue
        own = relative.parts[0]
        for module in _imports(path):
            parts = module.split(".")
            if parts[:2] != ["randomatch_bot", "conversation"] or len(parts) < 3:
                continue
            if ROOMS[parts[2]] > ROOMS[own]:
                backwards.append(f"{relative} imports {module}")
    assert backwards == []
