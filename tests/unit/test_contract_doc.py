"""The repository documents itself: every setting in docs/CONTRACT.md and .env.example, and
no citation of a file that is not in the repository."""

from __future__ import annotations

import pathlib
import re

from randomatch_bot.config import Settings

ROOT = pathlib.Path(__file__).resolve().parents[2]
# Spelled in pieces so that this file does not match itself.
OUTSIDE = re.compile("|".join(["SP" + "EC §", "SP" + "EC's", "/wo" + "rk/", "HUMAN_" + "TIMING"]))


def env_names() -> set[str]:
    names: set[str] = set()
    for field in Settings.model_fields.values():
        choices = getattr(field.validation_alias, "choices", None)
        if choices:
            names.update(str(choice) for choice in choices)
        elif field.alias:
            names.add(field.alias)
    return names


def test_every_setting_is_in_the_contract_and_the_example() -> None:
    """Each environment name the settings read is listed in docs/CONTRACT.md and .env.example."""
    contract = (ROOT / "docs" / "CONTRACT.md").read_text(encoding="utf-8")
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    names = env_names()
    assert len(names) > 60  # the walk over the fields found them
    assert sorted(n for n in names if f"`{n}`" not in contract) == []
    assert sorted(n for n in names if not re.search(rf"^{n}=", example, re.M)) == []


def test_no_file_outside_the_repository_is_cited() -> None:
    """Code, tests and docs never point at documents that only exist outside the repository."""
    folders = [ROOT / "src", ROOT / "tests", ROOT / "docs", ROOT / "bench"]
    files = [ROOT / "README.md", ROOT / ".env.example", ROOT / "Makefile"]
    for folder in folders:
        files += [p for p in folder.rglob("*") if p.suffix in {".py", ".sql", ".md", ".html"}]
    offenders = [
        f"{path.relative_to(ROOT)}: {found.group(0)}"
        for path in files
        if path.is_file()
        for found in OUTSIDE.finditer(path.read_text(encoding="utf-8", errors="replace"))
    ]
    assert offenders == []
