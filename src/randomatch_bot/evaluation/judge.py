"""The LLM judge of `randomatch-bot eval`, used only when a model is configured.

Two judgements, each one model call per transcript, answered in JSON:
- persona consistency (after PersonaGym): given the character and the persona's messages, a
  score from 1 (breaks character) to 5 (always in character) with reasons;
- blind "human or bot?": simulated transcripts shuffled with human-written ones, each shown
  as A/B without saying which; the judge says whether one of the two is a bot. A judge that
  cannot tell finds bots as often in human transcripts as in simulated ones.
An answer that is not the JSON asked for is counted as unparsed, never guessed.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from randomatch_bot.errors import LLMError
from randomatch_bot.evaluation.style_report import Transcript
from randomatch_bot.llm.types import ChatMessage, LLMClient

__all__ = ["JudgeReport", "judge_transcripts"]

JUDGE_TEMPERATURE = 0.0  # the same transcript should get the same verdict
JUDGE_MAX_TOKENS = 300

_PERSONA_PROMPT = (
    "Tu évalues la cohérence d'un personnage dans une conversation d'appli de rencontre. "
    "Voici le personnage :\n{persona}\n\nVoici les messages qu'il a envoyés (B) et ceux de "
    "l'autre personne (A) :\n{transcript}\n\nNote de 1 (sort du personnage, se contredit, "
    "parle comme un assistant) à 5 (toujours dans le personnage, ton et faits cohérents). "
    'Réponds uniquement en JSON : {{"score": <1-5>, "reasons": "<une ou deux phrases>"}}'
)
_BLIND_PROMPT = (
    "Voici une conversation d'appli de rencontre entre A et B. Il se peut que l'un des deux "
    "soit un bot, ou que les deux soient des personnes.\n\n{transcript}\n\n"
    'Réponds uniquement en JSON : {{"verdict": "human" ou "bot", "confidence": <0-1>, '
    '"reasons": "<une phrase>"}}, "bot" si l\'un des deux te semble être un bot.'
)
_JSON_OBJECT = re.compile(r"\{.*\}", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the judge said about one transcript."""

    transcript_id: str
    source: str  # "bot" (simulated) or "human" (corpus)
    kind: str  # "persona" or "blind"
    score: float | None  # persona: 1-5; blind: 1.0 = "bot", 0.0 = "human"
    reasons: str


@dataclass(slots=True)
class JudgeReport:
    """Every verdict and the figures drawn from them."""

    model: str
    verdicts: list[Verdict] = field(default_factory=list)

    def figures(self) -> dict[str, float | int | None]:
        """Mean persona score, bot-detection rates on simulated and human transcripts."""
        persona = [v.score for v in self.verdicts if v.kind == "persona" and v.score is not None]
        blind = [v for v in self.verdicts if v.kind == "blind" and v.score is not None]
        on_bots = [v.score for v in blind if v.source == "bot" and v.score is not None]
        on_humans = [v.score for v in blind if v.source == "human" and v.score is not None]
        return {
            "persona_score_mean": _mean(persona),
            "persona_judged": len(persona),
            "judged_bot_share_simulated": _mean(on_bots, 100.0),
            "judged_bot_share_human": _mean(on_humans, 100.0),
            "blind_judged": len(blind),
            "unparsed": sum(v.score is None for v in self.verdicts),
        }


def _mean(values: Sequence[float], scale: float = 1.0) -> float | None:
    return scale * sum(values) / len(values) if values else None


def _render(transcript: Transcript, rng: random.Random) -> str:
    """The transcript as `A: …` / `B: …` lines; in blind mode who is A is drawn at random."""
    speakers = list(dict.fromkeys(line.speaker for line in transcript.lines))
    if rng.random() < 0.5:
        speakers.reverse()
    letters = {s: "AB"[i] if i < 2 else "?" for i, s in enumerate(speakers)}
    return "\n".join(f"{letters[line.speaker]}: {line.text}" for line in transcript.lines)


def _persona_view(transcript: Transcript) -> str:
    return "\n".join(
        f"{'B' if line.speaker == transcript.bot_speaker else 'A'}: {line.text}"
        for line in transcript.lines
    )


def _parse(text: str) -> dict[str, Any] | None:
    match = _JSON_OBJECT.search(text)
    if not match:
        return None
    try:
        value = json.loads(match[0])
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _persona_score(answer: dict[str, Any] | None) -> float | None:
    score = (answer or {}).get("score")
    if isinstance(score, int | float) and 1 <= score <= 5:
        return float(score)
    return None


def _blind_score(answer: dict[str, Any] | None) -> float | None:
    verdict = str((answer or {}).get("verdict", "")).strip().lower()
    return {"bot": 1.0, "human": 0.0}.get(verdict)


async def _ask(llm: LLMClient, prompt: str, model: str | None) -> dict[str, Any] | None:
    try:
        completion = await llm.complete(
            [ChatMessage("user", prompt)],
            model=model,
            temperature=JUDGE_TEMPERATURE,
            max_tokens=JUDGE_MAX_TOKENS,
            json_mode=True,
        )
    except LLMError:
        return None
    return _parse(completion.text)


async def judge_transcripts(
    llm: LLMClient,
    simulated: Sequence[Transcript],
    human: Sequence[Transcript],
    *,
    rng: random.Random,
    model: str | None = None,
) -> JudgeReport:
    """Persona consistency of each simulated transcript, then the blind judgement of the
    simulated and human transcripts shuffled together (order and A/B drawn from `rng`)."""
    report = JudgeReport(model or "configured model")
    for transcript in simulated:
        prompt = _PERSONA_PROMPT.format(
            persona=transcript.persona or "(non précisé)", transcript=_persona_view(transcript)
        )
        answer = await _ask(llm, prompt, model)
        reasons = str((answer or {}).get("reasons", ""))
        report.verdicts.append(
            Verdict(transcript.id, "bot", "persona", _persona_score(answer), reasons)
        )
    mixed = [*simulated, *human]
    rng.shuffle(mixed)
    for transcript in mixed:
        answer = await _ask(llm, _BLIND_PROMPT.format(transcript=_render(transcript, rng)), model)
        reasons = str((answer or {}).get("reasons", ""))
        report.verdicts.append(
            Verdict(transcript.id, transcript.source, "blind", _blind_score(answer), reasons)
        )
    return report
