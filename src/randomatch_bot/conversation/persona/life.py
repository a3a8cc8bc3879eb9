"""One persona, many conversations, one life (docs/DECISIONS.md D30).

A persona talks with many people at once and for weeks. What she says about herself must
stay true across all of it. Three things hold her story:

- **her canon**, the stable facts of her life shared by all her conversations: those her card
  states (its `canon:` mapping, else what the character text says plainly: "29 ans", "tu vis
  à Grenoble", "tu es infirmière"), and claims of her own that joined it — promoted because
  `CANON_PROMOTE_AFTER` of her conversations made the same claim, more often than any other
  value of that key, or written by an operator (`persona canon edit`);
- **what she told this person** (`told`), extracted beside the facts about the human by the
  memory update (`words/memory.py`), one bounded object per conversation;
- **her week**, a short dated agenda per ISO week, written once per persona and week (by the
  model, `words/week.py`, or from the card here: seeded by the persona's id and the week, so
  the same in every conversation that week, and another one the next), dated in her time
  zone. The prompt shows the days from a week ago to the end of this week.

Pure parts (`card_canon`, `card_week`, `agenda`, `promotable`, `iso_week`, `life_of`) do no
I/O: a reply reads her life with its generation's one read and `life_of` builds it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import re
import unicodedata
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from randomatch_bot.db import life as stored

if TYPE_CHECKING:
    from randomatch_bot.conversation.persona.card import Persona
    from randomatch_bot.db.types import Conn

CANON_MAX_KEYS = 16
CANON_VALUE_MAX_CHARS = 160
DAY_MAX_CHARS = 140
WEEK_MAX_DAYS = 7
RECENT_DAYS = 7  # days before today the prompt shows from her agenda

# The canon's keys, in the order they are shown; others are kept after them.
CANON_KEYS = ("age", "ville", "region", "metier", "famille", "animaux", "origine")

# What an operator or a card may call them.
CANON_ALIASES = {
    "âge": "age",
    "ans": "age",
    "city": "ville",
    "habite": "ville",
    "lieu_de_vie": "ville",
    "job": "metier",
    "work": "metier",
    "travail": "metier",
    "profession": "metier",
    "boulot": "metier",
    "family": "famille",
    "pets": "animaux",
    "animal": "animaux",
    "hometown": "origine",
}

DAY_NAMES = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTH_NAMES = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip


def canon_key(raw: object) -> str:
    """A canon or self-fact key as stored: ASCII, lower case, underscores, aliases resolved."""
    text = unicodedata.normalize("NFKD", str(raw)).encode("ascii", "ignore").decode()
    key = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:40]
    return CANON_ALIASES.get(str(raw).strip().lower(), CANON_ALIASES.get(key, key))


@dataclass(frozen=True, slots=True)
class Day:
    """One entry of her agenda: a date in her time zone and what she did or plans."""

    date: dt.date
    text: str


@dataclass(frozen=True, slots=True)
class Week:
    """Her agenda for one ISO week ("2026-W24") and who wrote it ("card" or "model")."""

    iso: str
    days: tuple[Day, ...]
    source: str


@dataclass(frozen=True, slots=True)
class Life:
    """What a conversation knows of her own life: her canon, what she told this person, and
    her agenda around `today` (in her time zone)."""

    canon: Mapping[str, str] = field(default_factory=dict)
    told: Mapping[str, Any] = field(default_factory=dict)
    days: tuple[Day, ...] = ()
    today: dt.date | None = None

    @property
    def empty(self) -> bool:
        return not self.canon and not self.told and not self.days


# --- the canon from the card -----------------------------------------------------------------

_AGE = re.compile(r"\b([1-9]\d)\s*ans\b(?!\s*(?:de\b|d'|d\u2019))")
_HOME = re.compile(
    r"\b(?:[Tt]u vis|[Tt]u habites|[Tt]u es basée?|[Tt]u es installée?)\s+(?:à|a|en|près de)\s+"
    r"([A-ZÀ-Ö][\w'\u2019-]+(?:[ -][A-ZÀ-Ö][\w'\u2019-]+)*)"
)
# "Tu es infirmière", "accompagnateur en montagne à Luz": the first sentence after the name.
_INTRO = re.compile(r"^\s*Tu es \{?\{?\w+\}?\}?,\s*(.*?)(?:[.\n]|$)")
_INTRO_HOME = re.compile(r"\b(?:à|a)\s+([A-ZÀ-Ö][\w'\u2019-]+(?:[ -][A-ZÀ-Ö][\w'\u2019-]+)*)")
_JOB = re.compile(
    r"\b[Tt]u es ((?:infirmi|m[ée]dec|prof|ing[ée]nieu|guide|accompagn|kin[ée]|pharmac|"
    r"architect|d[ée]velopp|graphist|journalist|avocat|v[ée]t[ée]rinair|comptabl|chef|"
    r"photograph|bibliot|libraire|[ée]ducat|pompi|sage-femme|ost[ée]o|chercheu|biolog|"
    r"serveu|boulang|charpenti|menuisi|[ée]tudiant)[\w-]*(?:\s+(?:en|de|d')\s*[\w-]+)?)"
)


def _clip(text: str, max_chars: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= max_chars else text[: max_chars - 1].rstrip() + "…"


def card_canon(
    system_prompt: str, card: Mapping[str, Any] | None, *, tags: Sequence[str] = ()
) -> dict[str, str]:
    """The facts her card states: the `canon` mapping of the card's extension (our YAML's
    `canon:`), completed by what the character text says plainly (age, town, job)."""
    found: dict[str, str] = {}
    text = system_prompt or ""
    intro = _INTRO.search(text)
    if (age := _AGE.search(intro[1] if intro else text)) is not None:
        found["age"] = age[1]
    home = _HOME.search(text) or (_INTRO_HOME.search(intro[1]) if intro else None)
    if home is not None:
        found["ville"] = home[1]
    if (job := _JOB.search(text)) is not None:
        found["metier"] = job[1].strip()
    elif intro is not None:
        # "Tu es Julien, 34 ans, accompagnateur en montagne à Luz": the clause that is neither
        # the age nor a sentence of its own.
        for piece in intro[1].split(","):
            clause = piece.strip()
            if clause and not _AGE.search(clause) and not clause.lower().startswith(("tu ", "et ")):
                found["metier"] = re.split(r"\s+(?:à|a|dans|en)\s+[A-ZÀ-Ö]", clause)[0].strip()
                break
    data = (card or {}).get("data")
    extensions = data.get("extensions") if isinstance(data, dict) else None
    ours = extensions.get("randomatch") if isinstance(extensions, dict) else None
    declared = ours.get("canon") if isinstance(ours, dict) else None
    if isinstance(declared, dict):
        for key, value in declared.items():
            if value not in (None, "", [], {}):
                found[canon_key(key)] = _clip(_as_text(value), CANON_VALUE_MAX_CHARS)
    return dict(list(_ordered(found).items())[:CANON_MAX_KEYS])


def _as_text(value: object) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def _ordered(facts: Mapping[str, str]) -> dict[str, str]:
    known = {k: facts[k] for k in CANON_KEYS if k in facts}
    return known | {k: v for k, v in facts.items() if k not in known}


@dataclass(frozen=True, slots=True)
class CanonEntry:
    """One fact of her canon as the operator sees it: where it comes from."""

    key: str
    value: str
    source: str  # "card", "promoted" or "operator"
    conversations: int = 0
    updated_at: dt.datetime | None = None


def merge_canon(card: Mapping[str, str], rows: Iterable[stored.CanonRow]) -> list[CanonEntry]:
    """The card's facts with the stored entries over them, in display order."""
    entries = {key: CanonEntry(key, value, "card") for key, value in card.items()}
    for row in rows:
        entries[row.key] = CanonEntry(
            row.key, row.value, row.source, row.conversations, row.updated_at
        )
    order = [*[k for k in CANON_KEYS if k in entries], *[k for k in entries if k not in CANON_KEYS]]
    return [entries[key] for key in order]


def persona_card_canon(persona: Persona) -> dict[str, str]:
    """`card_canon` of a persona as it runs."""
    return card_canon(persona.system_prompt, persona.card, tags=persona.tags)


async def canon_of(conn: Conn, persona: Persona) -> list[CanonEntry]:
    """Her whole canon: the card's facts, then the stored entries over them."""
    rows = await stored.canon(conn, bot_id=persona.bot_id)
    return merge_canon(persona_card_canon(persona), rows)


# --- promotion ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Promotion:
    key: str
    value: str
    conversations: int


def promotable(
    counts: Iterable[stored.ClaimCount], canon_keys: Iterable[str], *, min_conversations: int
) -> list[Promotion]:
    """The self-claims that join her canon: a key the canon does not hold yet, whose value
    `min_conversations` conversations or more state, strictly more than any other value of
    that key (two stories told equally often are a contradiction to leave out, not a fact)."""
    held = set(canon_keys)
    by_key: dict[str, list[stored.ClaimCount]] = {}
    for count in counts:
        if count.key not in held and count.value:
            by_key.setdefault(count.key, []).append(count)
    chosen = []
    for key, values in sorted(by_key.items()):
        values.sort(key=lambda c: c.conversations, reverse=True)
        best = values[0]
        runner_up = values[1].conversations if len(values) > 1 else 0
        if best.conversations >= min_conversations and best.conversations > runner_up:
            said = _clip(best.said, CANON_VALUE_MAX_CHARS)
            chosen.append(Promotion(key, said, best.conversations))
    return chosen


async def promote_claims(conn: Conn, persona: Persona, *, min_conversations: int) -> list[str]:
    """Promote what her conversations agree on (see `promotable`); the keys promoted."""
    canon = await canon_of(conn, persona)
    counts = await stored.claim_counts(conn, bot_id=persona.bot_id)
    promoted: list[str] = []
    for item in promotable(counts, (e.key for e in canon), min_conversations=min_conversations):
        if len(canon) + len(promoted) >= CANON_MAX_KEYS:
            break
        if await stored.promote(
            conn,
            bot_id=persona.bot_id,
            key=item.key,
            value=item.value,
            conversations=item.conversations,
        ):
            promoted.append(item.key)
    return promoted


# --- her week ------------------------------------------------------------------------------


def local_today(now: dt.datetime, timezone: str) -> dt.date:
    """Her date now, in her time zone."""
    return now.astimezone(ZoneInfo(timezone)).date()


def iso_week(day: dt.date) -> str:
    """ "2026-W24": the ISO week of a date."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_monday(iso: str) -> dt.date:
    """The Monday of an ISO week."""
    year, week = iso.split("-W")
    return dt.date.fromisocalendar(int(year), int(week), 1)


def day_label(day: dt.date) -> str:
    """ "samedi 13 juin"."""
    return f"{DAY_NAMES[day.weekday()]} {day.day} {MONTH_NAMES[day.month - 1]}"


_WEATHER = (
    "grand soleil",
    "beau mais venté",
    "brouillard le matin puis beau",
    "orages l'après-midi",
    "pluie presque toute la journée",
    "frais et lumineux",
    "chaud, même en altitude",
    "ciel voilé",
)
_SATURDAY = (
    "rando à la journée {place}",
    "bivouac {place}",
    "boucle tranquille {place} avec des amis",
    "sommet {place}, départ à l'aube",
    "sortie à un lac {place}",
)
_SUNDAY = (
    "repos, brunch et lessive",
    "petite balade près de chez toi",
    "déjeuner en famille",
    "courbatures, cinéma le soir",
    "trail court le matin",
)
_WEEKDAY = (
    "grosse journée de boulot",
    "séance d'escalade en salle le soir",
    "soirée à préparer le sac et regarder les cartes",
    "apéro avec des collègues",
    "footing après le travail",
    "soirée tranquille, un bouquin",
)
_DEFAULT_PLACES = ("dans le coin", "pas loin de chez toi", "en moyenne montagne")
# Massifs a card may name, as a hike there is said.
_MASSIFS = {
    "Vercors": "dans le Vercors", "Chartreuse": "en Chartreuse", "Belledonne": "dans Belledonne",
    "Écrins": "dans les Écrins", "Oisans": "en Oisans", "Vanoise": "en Vanoise",
    "Bauges": "dans les Bauges", "Aravis": "dans les Aravis", "Queyras": "dans le Queyras",
    "Mercantour": "dans le Mercantour", "Gavarnie": "au cirque de Gavarnie",
    "Néouvielle": "dans le Néouvielle", "GR10": "sur le GR10", "Pyrénées": "dans les Pyrénées",
    "Vosges": "dans les Vosges", "Jura": "dans le Jura", "Cévennes": "dans les Cévennes",
    "Sancy": "dans le Sancy", "Cantal": "dans le Cantal", "Alpes": "dans les Alpes",
}  # fmt: skip


def _places(system_prompt: str, tags: Sequence[str]) -> list[str]:
    text = " ".join([system_prompt, *tags])
    return [said for name, said in _MASSIFS.items() if name in text]


def _seed(bot_id: uuid.UUID, iso: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{bot_id}:{iso}".encode()).digest()[:8], "big")


def card_week(
    bot_id: uuid.UUID, iso: str, *, system_prompt: str = "", tags: Sequence[str] = ()
) -> Week:
    """Her agenda for an ISO week from the card alone: seeded by her id and the week, so the
    same wherever it is computed that week, and another the next. Two weekday entries, then
    Saturday and Sunday, each with the weather she had."""
    rng = random.Random(_seed(bot_id, iso))
    monday = week_monday(iso)
    places = _places(system_prompt, tags) or list(_DEFAULT_PLACES)
    weekdays = sorted(rng.sample(range(5), 2))
    days = [
        Day(monday + dt.timedelta(days=d), f"{rng.choice(_WEEKDAY)} ; {rng.choice(_WEATHER)}")
        for d in weekdays
    ]
    saturday = rng.choice(_SATURDAY).format(place=rng.choice(places))
    days.append(Day(monday + dt.timedelta(days=5), f"{saturday} ; {rng.choice(_WEATHER)}"))
    sunday = f"{rng.choice(_SUNDAY)} ; {rng.choice(_WEATHER)}"
    days.append(Day(monday + dt.timedelta(days=6), sunday))
    return Week(iso, tuple(days), "card")


def week_from_row(row: stored.WeekRow) -> Week:
    """A stored week; entries outside the week or unreadable are left out."""
    monday = week_monday(row.week)
    days = []
    for item in row.days[:WEEK_MAX_DAYS]:
        try:
            date = dt.date.fromisoformat(str(item.get("date")))
        except ValueError:
            continue
        text = _clip(str(item.get("text") or ""), DAY_MAX_CHARS)
        if text and monday <= date < monday + dt.timedelta(days=7):
            days.append(Day(date, text))
    return Week(row.week, tuple(sorted(days, key=lambda d: d.date)), row.source)


def agenda(weeks: Iterable[Week], today: dt.date) -> tuple[Day, ...]:
    """The entries the prompt shows: from `RECENT_DAYS` ago to the end of today's week."""
    end = week_monday(iso_week(today)) + dt.timedelta(days=6)
    start = today - dt.timedelta(days=RECENT_DAYS)
    days = {d.date: d for week in weeks for d in week.days if start <= d.date <= end}
    return tuple(days[date] for date in sorted(days))


def days_json(days: Iterable[Day]) -> list[dict[str, str]]:
    return [{"date": d.date.isoformat(), "text": d.text} for d in days]


def weeks_near(now: dt.datetime) -> list[str]:
    """The ISO weeks that may be her last week or this week at `now`, whatever her time zone
    (her date is within a day of the UTC one): what a read of her life asks for."""
    utc = now.astimezone(dt.UTC).date()
    return sorted({iso_week(utc + dt.timedelta(days=d)) for d in range(-8, 2)})


def weeks_of(
    persona: Persona, today: dt.date, rows: Mapping[str, stored.WeekRow]
) -> tuple[list[Week], Week | None]:
    """Last week and this week, stored when written, else from the card; and this week when
    it came from the card (to store: the first writer wins)."""
    weeks = [iso_week(today - dt.timedelta(days=7)), iso_week(today)]
    found = [
        week_from_row(rows[iso])
        if iso in rows
        else card_week(persona.bot_id, iso, system_prompt=persona.system_prompt, tags=persona.tags)
        for iso in weeks
    ]
    return found, (None if weeks[1] in rows else found[1])


async def weeks_around(conn: Conn, persona: Persona, today: dt.date) -> list[Week]:
    """Last week and this week: stored when written, else from the card."""
    weeks = [iso_week(today - dt.timedelta(days=7)), iso_week(today)]
    return weeks_of(persona, today, await stored.weeks(conn, bot_id=persona.bot_id, weeks=weeks))[0]


def life_of(persona: Persona, read: stored.LifeRead, now: dt.datetime) -> tuple[Life, Week | None]:
    """Her canon, what she told this match and her agenda around today, from one read of her
    life (`stored.LifeRead`); and this week when it came from the card, to store."""
    today = local_today(now, persona.timezone)
    canon = merge_canon(persona_card_canon(persona), read.canon)
    weeks, unwritten = weeks_of(persona, today, read.weeks)
    life = Life(
        canon={e.key: e.value for e in canon},
        told=read.told,
        days=agenda(weeks, today),
        today=today,
    )
    return life, unwritten


async def canon_report(conn: Conn, persona: Persona, now: dt.datetime) -> dict[str, Any]:
    """Her canon and this week's agenda as the operator reads them (`persona canon show
    --json`, `GET /personas/{bot_id}/canon`)."""
    today = local_today(now, persona.timezone)
    entries = await canon_of(conn, persona)
    week = (await weeks_around(conn, persona, today))[1]
    return {
        "bot_id": str(persona.bot_id),
        "name": persona.name,
        "canon": [
            {
                "key": e.key,
                "value": e.value,
                "source": e.source,
                "conversations": e.conversations,
                "updated_at": e.updated_at.isoformat() if e.updated_at else None,
            }
            for e in entries
        ],
        "promotion": "a claim stated in at least CANON_PROMOTE_AFTER of her conversations, "
        "more often than any other value of that fact, joins the canon unless the fact is there",
        "week": {"iso": week.iso, "source": week.source, "days": days_json(week.days)},
        "today": today.isoformat(),
    }
