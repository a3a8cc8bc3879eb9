"""docs/CONTRACT.md names every table, view and column of the migrated `bot` schema."""

from __future__ import annotations

import pathlib
import re

import asyncpg

CONTRACT = pathlib.Path(__file__).resolve().parents[2] / "docs" / "CONTRACT.md"


async def test_every_bot_table_and_column_is_in_the_contract(pool: asyncpg.Pool) -> None:
    """Each relation of schema `bot` has a row in the contract naming all its columns, and each
    status a CHECK constraint allows is listed."""
    text = CONTRACT.read_text(encoding="utf-8")
    rows = await pool.fetch(
        "SELECT table_name, array_agg(column_name::text) AS columns "
        "FROM information_schema.columns WHERE table_schema = 'bot' GROUP BY table_name"
    )
    assert len(rows) >= 10
    missing: list[str] = []
    for row in rows:
        line = next(
            (ln for ln in text.splitlines() if ln.startswith(f"| `{row['table_name']}`")), None
        )
        if line is None:
            missing.append(row["table_name"])
            continue
        missing += [f"{row['table_name']}.{c}" for c in row["columns"] if f"`{c}" not in line]
    assert missing == []
    checks = await pool.fetch(
        "SELECT pg_get_constraintdef(oid) AS definition FROM pg_constraint "
        "WHERE connamespace = 'bot'::regnamespace AND contype = 'c'"
    )
    allowed = {v for c in checks for v in re.findall(r"'(\w+)'::text", c["definition"])}
    assert allowed
    assert sorted(v for v in allowed if f"`{v}`" not in text) == []
