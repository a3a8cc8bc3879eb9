"""`randomatch-bot eval`: how human the persona reads.

The simulator's scripted humans chat with the real engine and the configured model (the
offline responder when none is configured), on a temporary database in virtual time. Then:
- always, offline: the deterministic style report of the persona's messages beside the same
  figures for a human-written corpus and the published human figures;
- with a model: the LLM judge (persona consistency, blind "human or bot?" against the corpus).
Writes eval.md (tables), eval.json and style.png.
"""

from __future__ import annotations

import asyncio
import json
import math
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from randomatch_bot.config import Settings
from randomatch_bot.errors import ConfigurationError
from randomatch_bot.evaluation.judge import JudgeReport, judge_transcripts
from randomatch_bot.evaluation.style_report import (
    STYLE_METRICS,
    Line,
    Transcript,
    render_style_table,
    style_figures,
    word_counts,
)
from randomatch_bot.llm import build_llm_client
from randomatch_bot.simulate import SimulationOptions, simulate

__all__ = ["EvalOptions", "EvalReport", "load_corpus", "render_markdown", "run_eval", "write_eval"]

DEFAULT_CORPUS = Path("tests/data/human_chats_fr.jsonl")


@dataclass(frozen=True, slots=True)
class EvalOptions:
    """How many conversations, the seed, the model endpoint and the human corpus."""

    conversations: int = 12
    turns: int = 6
    seed: int = 0
    llm_url: str | None = None  # None: the configured model if it has a key, else offline
    corpus: Path | None = DEFAULT_CORPUS
    judge: bool = True  # ask the LLM judge when a model is configured
    habits: tuple[str, ...] = ()  # typing habits given to the simulated bots


@dataclass(slots=True)
class EvalReport:
    """The figures of one evaluation."""

    parameters: dict[str, Any]
    simulated: dict[str, float]
    human: dict[str, float] | None
    simulated_words: list[int]
    human_words: list[int]
    judge: JudgeReport | None = None
    transcripts: list[Transcript] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready view (NaN written as null)."""
        judge = self.judge
        return {
            "parameters": self.parameters,
            "style": {
                spec.key: {
                    "label": spec.label,
                    "unit": spec.unit,
                    "simulated": _json(self.simulated.get(spec.key)),
                    "human_corpus": _json((self.human or {}).get(spec.key)),
                    "published": spec.published or None,
                }
                for spec in STYLE_METRICS
            },
            "judge": None
            if judge is None
            else {
                "model": judge.model,
                **judge.figures(),
                "verdicts": [
                    {
                        "transcript": v.transcript_id,
                        "source": v.source,
                        "kind": v.kind,
                        "score": v.score,
                        "reasons": v.reasons,
                    }
                    for v in judge.verdicts
                ],
            },
        }


def _json(value: float | None) -> float | None:
    if value is None or math.isnan(value):
        return None
    return round(value, 4)


def load_corpus(path: Path) -> list[Transcript]:
    """The human-written conversations of a JSON-lines file: `{"id", "lines": [[who, text]]}`."""
    transcripts = []
    for number, raw in enumerate(path.read_text("utf-8").splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            item = json.loads(raw)
            lines = tuple(Line(str(who), str(text)) for who, text in item["lines"])
        except (ValueError, KeyError, TypeError) as exc:
            raise ConfigurationError(f"{path}:{number}: not a corpus line ({exc})") from None
        transcripts.append(
            Transcript(str(item.get("id", number)), lines, source="human", bot_speaker=None)
        )
    return transcripts


def _model_settings(settings: Settings, options: EvalOptions) -> tuple[Settings, str | None]:
    """Settings for the model calls and the endpoint to simulate with (None: offline)."""
    if options.llm_url:
        key = settings.llm_api_key or SecretStr("sk-eval")  # local servers ignore it
        update = {"llm_base_url": options.llm_url, "llm_api_key": key}
        return settings.model_copy(update=update), options.llm_url
    if settings.llm_api_key is not None:
        return settings, settings.llm_base_url
    return settings, None


def run_eval(settings: Settings, options: EvalOptions) -> EvalReport:
    """Simulate, measure, and (with a model) judge; see the module docstring."""
    settings, url = _model_settings(settings, options)
    simulation = simulate(
        settings,
        SimulationOptions(
            options.conversations, options.turns, options.seed, url, habits=options.habits
        ),
    )
    simulated = simulation.transcripts
    corpus = load_corpus(options.corpus) if options.corpus and options.corpus.is_file() else []
    report = EvalReport(
        parameters={
            **simulation.parameters,
            "corpus": str(options.corpus) if corpus else None,
            "corpus_conversations": len(corpus),
        },
        simulated=style_figures(simulated),
        human=style_figures(corpus, speakers="all") if corpus else None,
        simulated_words=word_counts(simulated),
        human_words=word_counts(corpus, speakers="all"),
        transcripts=simulated,
    )
    if url is not None and options.judge:
        report.judge = asyncio.run(_judge(settings, simulated, corpus, options.seed))
    return report


async def _judge(
    settings: Settings, simulated: list[Transcript], corpus: list[Transcript], seed: int
) -> JudgeReport:
    llm = build_llm_client(settings)
    try:
        return await judge_transcripts(
            llm, simulated, corpus, rng=random.Random(seed), model=settings.llm_model
        )
    finally:
        await llm.aclose()


def render_markdown(report: EvalReport) -> str:
    """The evaluation as markdown: what ran, the style table, the judge's figures."""
    params = report.parameters
    columns = [("simulated", report.simulated)]
    if report.human is not None:
        columns.append(("human corpus", report.human))
    lines = [
        "# How human the persona reads",
        "",
        f"{params['conversations']} conversations x {params['turns']} human turns, seed "
        f"{params['seed']}, {params['llm']}; human corpus: "
        f"{params['corpus'] or 'none'} ({params['corpus_conversations']} conversations).",
        "",
        "## Style (offline, deterministic)",
        "",
        render_style_table(columns),
        "",
        "## LLM judge",
        "",
    ]
    if report.judge is None:
        lines.append("Not run: no model configured (set LLM_API_KEY or pass --llm-url).")
    else:
        figures = report.judge.figures()
        lines += [
            f"Judge model: {report.judge.model}.",
            "",
            "| figure | value |",
            "| --- | ---: |",
            *(f"| {key.replace('_', ' ')} | {_fmt(value)} |" for key, value in figures.items()),
        ]
    return "\n".join([*lines, ""])


def _fmt(value: float | int | None) -> str:
    if value is None:
        return "-"
    return f"{value:.2f}" if isinstance(value, float) else str(value)


def write_eval(report: EvalReport, out_dir: Path) -> dict[str, Path]:
    """Write eval.md, eval.json and style.png into `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {
        "markdown": out_dir / "eval.md",
        "json": out_dir / "eval.json",
        "plot": out_dir / "style.png",
    }
    paths["markdown"].write_text(render_markdown(report), "utf-8")
    paths["json"].write_text(json.dumps(report.as_dict(), indent=2, ensure_ascii=False), "utf-8")
    _plot(report, paths["plot"])
    return paths


def _plot(report: EvalReport, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")  # before pyplot: no display needed
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 5))
    try:
        top = max([*report.simulated_words, *report.human_words, 1])
        bins = list(range(0, min(top, 60) + 2))
        left.hist(report.simulated_words, bins=bins, alpha=0.6, density=True, label="simulated")
        if report.human_words:
            left.hist(report.human_words, bins=bins, alpha=0.6, density=True, label="human corpus")
        left.axvline(6, color="#c0392b", linestyle="--", label="6 words: chat mean (Werry)")
        left.set_title("Words per message")
        left.set_xlabel("words")
        left.legend()
        keys = [s.key for s in STYLE_METRICS if s.unit == "%"]
        labels = [s.label for s in STYLE_METRICS if s.unit == "%"]
        xs = range(len(keys))
        sim = [_zero(report.simulated.get(k)) for k in keys]
        right.barh([x + 0.2 for x in xs], sim, height=0.4, label="simulated")
        if report.human is not None:
            hum = [_zero(report.human.get(k)) for k in keys]
            right.barh([x - 0.2 for x in xs], hum, height=0.4, label="human corpus")
        right.set_yticks(list(xs), labels, fontsize=8)
        right.set_xlabel("%")
        right.set_title("Style rates")
        right.legend()
        fig.tight_layout()
        fig.savefig(path, dpi=100)
    finally:
        plt.close(fig)


def _zero(value: float | None) -> float:
    return 0.0 if value is None or math.isnan(value) else value
