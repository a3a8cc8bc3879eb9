"""The named SQL queries of `db/queries/*.sql`, parsed once at import.

Each query starts with a `-- name: x` line, then one or more `-- ` lines saying what it does,
then its text. Parameters are named, `:match_id`; PostgreSQL casts (`::uuid`) and quoted
strings are left alone. asyncpg only knows `$1, $2, ...`, so each name becomes the number of
its first appearance and `Query.bind` puts keyword arguments in that order: a call with a
missing or unknown name fails before anything reaches the database.

Only modules of `db/` use `SQL`; the rest of the service calls their functions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources

_HEADER = re.compile(r"^-- name: (\w+)\s*$", re.M)
# A quoted string, a dollar-quoted body, a comment, a cast (`::type`), or a parameter (`:name`),
# in that order of precedence, so that `':x'`, `-- :x` and `a::text` are not parameters.
_TOKEN = re.compile(r"'(?:[^']|'')*'|\$\$.*?\$\$|--[^\n]*|::|:([A-Za-z_]\w*)", re.S)
_POSITIONAL = re.compile(r"\$\d+")


@dataclass(frozen=True, slots=True)
class Query:
    """One named query: its text as asyncpg runs it and the names of its parameters in order."""

    name: str
    description: str
    text: str
    params: tuple[str, ...]

    def bind(self, values: Mapping[str, object]) -> tuple[object, ...]:
        """The positional arguments for `text`, from keyword arguments named like the query's."""
        missing = [name for name in self.params if name not in values]
        unknown = sorted(set(values) - set(self.params))
        if missing or unknown:
            raise TypeError(
                f"query {self.name!r} takes {', '.join(self.params) or 'no parameters'}"
                + (f"; missing {', '.join(missing)}" if missing else "")
                + (f"; unknown {', '.join(unknown)}" if unknown else "")
            )
        return tuple(values[name] for name in self.params)


def parse(name: str, block: str) -> Query:
    """A `Query` from the text that follows its `-- name:` header."""
    lines = block.strip().splitlines()
    description: list[str] = []
    while lines and lines[0].startswith("--"):
        description.append(lines.pop(0).removeprefix("--").strip())
    body = "\n".join(lines).strip()
    params: list[str] = []

    def number(match: re.Match[str]) -> str:
        param = match[1]
        if param is None:
            return match[0]
        if param not in params:
            params.append(param)
        return f"${params.index(param) + 1}"

    text = _TOKEN.sub(number, body)
    return Query(name=name, description=" ".join(description), text=text, params=tuple(params))


def is_positional(query: Query) -> bool:
    """True for a query still written with `$1, $2, ...` instead of named parameters."""
    return not query.params and bool(_POSITIONAL.search(query.text))


def load() -> dict[str, Query]:
    """Every query of `db/queries/*.sql` by name; a name defined twice is an error."""
    queries: dict[str, Query] = {}
    folder = resources.files("randomatch_bot.db") / "queries"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".sql"):
            continue
        text = entry.read_text("utf-8")
        headers = list(_HEADER.finditer(text))
        for index, header in enumerate(headers):
            end = headers[index + 1].start() if index + 1 < len(headers) else len(text)
            name = header[1]
            if name in queries:
                raise RuntimeError(f"query {name!r} is defined twice in db/queries")
            queries[name] = parse(name, text[header.end() : end])
    return queries


class _Queries:
    """Attribute access to the named queries, failing loudly on a typo."""

    def __init__(self) -> None:
        self._queries = load()

    def __getattr__(self, name: str) -> Query:
        try:
            return self._queries[name]
        except KeyError:
            raise AttributeError(f"no query named {name!r} in db/queries/*.sql") from None

    def all(self) -> list[Query]:
        """Every query, by name."""
        return [self._queries[name] for name in sorted(self._queries)]


SQL = _Queries()
