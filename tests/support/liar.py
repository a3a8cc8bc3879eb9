"""A scripted model that contradicts itself on purpose, for the consistency tests.

Asked about herself (age, town, job, Saturday), it answers differently every time, unless
the prompt's closing instructions state the facts (the corrective instruction of
`words/consistency`): then it repeats them. Its JSON answers are a week with named places
(the week request) and the offline keyword memory (the memory request). As the reviewing
model, asked about contradictions, it flags a job that is not the one in the facts.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from collections.abc import Mapping
from typing import Any

from randomatch_bot.conversation.words.week import WEEK_MARK
from randomatch_bot.llm.offline import memory_json
from randomatch_bot.llm.phrases import normalize
from randomatch_bot.llm.types import ChatMessage
from tests.support.openai_server import CLEAR_REVIEW, french_echo

AGES = ("31", "27", "35", "24", "38", "26")
TOWNS = ("Lyon", "Annecy", "Chambéry", "Briançon", "Valence", "Gap")
JOBS = ("prof de maths", "architecte", "kiné", "développeuse", "comptable", "pharmacienne")
SATURDAYS = ("dans les Écrins", "dans les Bauges", "dans le Jura", "dans les Vosges")

_counter = itertools.count()
_FACTS = "Les faits :"


def _closing_facts(messages: list[dict[str, Any]]) -> str:
    """The corrective instruction's facts, when the prompt's last system turns hold one."""
    for message in reversed(messages):
        if message.get("role") != "system":
            break
        content = str(message.get("content", ""))
        if _FACTS in content:
            return content.split(_FACTS, 1)[1]
    return ""


def _json_request(body: Mapping[str, Any]) -> bool:
    response_format = body.get("response_format") or {}
    return isinstance(response_format, dict) and response_format.get("type") == "json_object"


def liar(body: Mapping[str, Any]) -> str:
    """The self-contradicting persona model (see the module docstring)."""
    messages = [m for m in body.get("messages") or [] if isinstance(m, dict)]
    system = "\n".join(str(m.get("content", "")) for m in messages if m.get("role") == "system")
    if _json_request(body):
        if WEEK_MARK in system:
            return _week(system)
        chat = [ChatMessage(m["role"], str(m.get("content", ""))) for m in messages]
        return memory_json(chat)
    users = [str(m.get("content", "")) for m in messages if m.get("role") == "user"]
    last = normalize(users[-1]) if users else ""
    facts = _closing_facts(messages)
    n = next(_counter)
    if "quel age" in last:
        said = re.search(r"tu as (\d+) ans", facts)
        return f"J'ai {said[1] if said else AGES[n % len(AGES)]} ans ! Et toi ?"
    if "tu vis ou" in last or "habites ou" in last:
        said = re.search(r"tu vis à ([^;.]+)", facts)
        return f"Je vis à {said[1].strip() if said else TOWNS[n % len(TOWNS)]} ! Et toi ?"
    if "dans la vie" in last:
        said = re.search(r"metier : ([^;.]+)", facts)
        return f"Je suis {said[1].strip() if said else JOBS[n % len(JOBS)]}. Et toi ?"
    if "samedi" in last:
        said = re.search(r"samedi \d+ \w+ : ([^;]+)", facts)
        if said:
            return f"Samedi c'est {said[1].strip()} ! Et toi ?"
        return f"Samedi je pars {SATURDAYS[n % len(SATURDAYS)]} ! Et toi ?"
    return french_echo(body)


def _week(system: str) -> str:
    """Her week as the model writes it: a Saturday in the Vercors, a Sunday of rest."""
    monday = dt.date.fromisoformat(re.findall(r"\((\d{4}-\d{2}-\d{2})\)", system)[0])
    days = [
        (1, "garde de jour à l'hôpital ; pluie"),
        (5, "grande boucle dans le Vercors au départ de Corrençon ; grand soleil"),
        (6, "repos et brunch ; nuageux"),
    ]
    return json.dumps(
        {"days": [{"date": (monday + dt.timedelta(d)).isoformat(), "text": t} for d, t in days]},
        ensure_ascii=False,
    )


def liar_reviewer(body: Mapping[str, Any]) -> str:
    """The reviewing model: nothing to block; a job other than her canon's is a contradiction."""
    for message in body.get("messages") or []:
        if message.get("role") == "user":
            data = json.loads(message["content"])
            facts = data.get("persona_facts")
            if not facts:
                return CLEAR_REVIEW
            job = str((facts.get("canon") or {}).get("metier", ""))
            said = str(data.get("message_to_review", ""))
            if job and "je suis" in said.lower() and normalize(job) not in normalize(said):
                return json.dumps({"block": [], "contradicts": [f"métier : {said}"]})
            return json.dumps({"block": [], "contradicts": []})
    return CLEAR_REVIEW
