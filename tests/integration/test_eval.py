"""`randomatch-bot eval`: the offline style report always, the LLM judge with a model."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from randomatch_bot.config import Settings
from randomatch_bot.evaluation.runner import EvalOptions, run_eval, write_eval
from tests.support.openai_server import OpenAIServer, french_echo
from tests.support.processes import cli

pytestmark = pytest.mark.integration

CORPUS = Path(__file__).parent.parent / "data" / "human_chats_fr.jsonl"


def test_eval_command_runs_offline_and_prints_its_report(tmp_path: Path) -> None:
    """With no model key, `eval` prints the style table beside the human corpus and writes
    its three files; the judge is said not to have run."""
    out = tmp_path / "eval"
    done = cli(
        "eval", "--conversations", "3", "--turns", "2", "--out", str(out),
        "--corpus", str(CORPUS), env={}, cwd=tmp_path, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "| metric | unit | simulated | human corpus |" in done.stdout
    assert "Replies with assistant phrasing" in done.stdout
    assert "Not run: no model configured" in done.stdout
    assert {p.name for p in out.iterdir()} == {"eval.md", "eval.json", "style.png"}
    data = json.loads((out / "eval.json").read_text("utf-8"))
    assert data["judge"] is None
    assert data["style"]["parts"]["simulated"] > 0
    assert data["style"]["assistant_share"]["simulated"] == 0
    assert (out / "style.png").read_bytes().startswith(b"\x89PNG")


def judge_or_echo(body: Mapping[str, Any]) -> str:
    """Scripted judge: persona score 4; "bot" for transcripts quoting the human (« »)."""
    messages = body.get("messages") or []
    prompt = str(messages[-1].get("content", "")) if messages else ""
    if "Note de 1" in prompt:
        return '{"score": 4, "reasons": "Reste dans son personnage de randonneuse."}'
    if "l'un des deux" in prompt:
        verdict = "bot" if "«" in prompt else "human"
        return json.dumps({"verdict": verdict, "confidence": 0.7, "reasons": "test"})
    return french_echo(body)


def test_judge_scores_persona_and_tells_bots_from_humans(tmp_path: Path) -> None:
    """With a model, every simulated transcript gets a persona score and every transcript,
    simulated or human, a blind verdict, summed up per source."""
    settings = Settings(_env_file=None, LLM_API_KEY=None, ABSENCE_PROBABILITY=0.0)  # type: ignore[call-arg]
    with OpenAIServer(default_reply=judge_or_echo) as server:
        report = run_eval(
            settings,
            EvalOptions(conversations=2, turns=2, seed=3, llm_url=server.base_url, corpus=CORPUS),
        )
        prompts = [r.last_user_content for r in server.chat_requests]
    assert report.judge is not None
    figures = report.judge.figures()
    assert figures["persona_judged"] == 2
    assert figures["persona_score_mean"] == 4.0
    assert figures["blind_judged"] == 2 + 14
    assert figures["judged_bot_share_simulated"] == 100.0
    assert figures["judged_bot_share_human"] == 0.0
    assert figures["unparsed"] == 0
    # Blind means blind: the judge is never told which transcripts are simulated.
    blind = [p for p in prompts if "l'un des deux" in p]
    assert len(blind) == 2 + 14
    assert not any("simul" in p.lower() for p in blind)
    paths = write_eval(report, tmp_path)
    assert "judged bot share simulated | 100.00" in paths["markdown"].read_text("utf-8")
