"""Named SQL queries loaded from `queries/*.sql` (one `-- name: x` header per query)."""

from __future__ import annotations

import re
from importlib import resources

_HEADER = re.compile(r"^-- name: (\w+)\s*$", re.M)


def _load() -> dict[str, str]:
    queries: dict[str, str] = {}
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
            queries[name] = text[header.end() : end].strip()
    return queries


class _Queries:
    """Attribute access to the named queries, failing loudly on a typo."""

    def __init__(self) -> None:
        self._queries = _load()

    def __getattr__(self, name: str) -> str:
        try:
            return self._queries[name]
        except KeyError:
            raise AttributeError(f"no query named {name!r} in db/queries/*.sql") from None

    def names(self) -> list[str]:
        return sorted(self._queries)


Q = _Queries()
