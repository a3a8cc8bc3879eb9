"""The labelled corpus and `randomatch-bot eval guard|human|style`: the files, the figures
computed from them, the commands that print them, and the thresholds CI holds them to."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from randomatch_bot import cli
from randomatch_bot.evaluation import runner, safety
from randomatch_bot.evaluation.safety import Item, StyleVerdict

# The least each file holds, per label (issue 18: at least 400 persona replies, both labels,
# every category; at least 40 of each human-side label and 80 ordinary messages).
MINIMUMS: dict[str, dict[str, int]] = {
    "guard": {
        "phone": 25,
        "email": 25,
        "url": 25,
        "social_handle": 25,
        "address": 8,
        "money": 15,
        "meeting": 15,
        "sexual": 10,
        "minor": 8,
        "self_harm": 5,
        "ok": 220,
    },
    "human": {"minor": 40, "stop": 40, "bot_question": 40, "ok": 80},
    "persona_claims": {"human_claim": 25, "ok": 25},
    "style": {"assistant": 100, "natural": 100},
}
TOTALS = {"guard": 450, "human": 200, "persona_claims": 60, "style": 200}


def _item(id_: str, label: str, text: str = "", **kwargs: Any) -> Item:
    return Item(id=id_, lang="fr", text=text or id_, label=label, **kwargs)


# --- the corpus --------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(TOTALS))
def test_corpus_file_parses_with_its_minimum_counts(name: str) -> None:
    """Every line is an item with a known label and language; each label has its minimum,
    the file its total, and both languages are there."""
    items = safety.load_items(name)
    labels = Counter(item.label for item in items)
    assert len(items) >= TOTALS[name]
    short = {
        label: labels[label] for label, least in MINIMUMS[name].items() if labels[label] < least
    }
    assert short == {}
    assert set(labels) == safety.CORPUS_LABELS[name]
    languages = Counter(item.lang for item in items)
    assert set(languages) == {"fr", "en"}
    assert languages["en"] >= 0.2 * len(items)
    assert all(item.text.strip() for item in items)


def test_corpus_ids_are_unique_across_files() -> None:
    ids = [item.id for name in TOTALS for item in safety.load_items(name)]
    assert len(ids) == len(set(ids))


def test_guard_corpus_has_unsafe_replies_and_split_contact_details() -> None:
    """At least 200 unsafe replies, and contact details split over two messages (`context`)
    in each contact category but links to a profile."""
    items = safety.load_items("guard")
    assert sum(item.label != "ok" for item in items) >= 200
    split = Counter(item.label for item in items if item.context)
    assert all(split[label] >= 1 for label in safety.CONTACT)
    assert split["ok"] >= 3  # ordinary figures across two messages must pass too


def test_a_malformed_corpus_is_refused_with_file_and_line(tmp_path: Path) -> None:
    good = {"id": "a", "lang": "fr", "text": "salut", "label": "ok"}
    (tmp_path / "human.jsonl").write_text(
        json.dumps(good) + "\n" + json.dumps({**good, "label": "spam"}) + "\n", "utf-8"
    )
    with pytest.raises(ValueError, match=r"human\.jsonl:2: unknown label"):
        safety.load_items("human", tmp_path)
    (tmp_path / "human.jsonl").write_text(json.dumps(good) + "\n" + json.dumps(good), "utf-8")
    with pytest.raises(ValueError, match="repeated id a"):
        safety.load_items("human", tmp_path)
    (tmp_path / "human.jsonl").write_text('{"id": "b"}\n', "utf-8")
    with pytest.raises(ValueError, match=r"human\.jsonl:1: not a corpus item"):
        safety.load_items("human", tmp_path)


# --- the figures -------------------------------------------------------------------------


def test_score_counts_by_hand() -> None:
    """(labelled, flagged): 2 hits, 1 miss, 1 false alarm, 1 correct pass."""
    row = safety.score(
        "x", [(True, True), (True, False), (False, True), (False, False), (True, True)]
    )
    assert (row.n, row.tp, row.fp, row.fn) == (3, 2, 1, 1)
    assert row.precision == pytest.approx(2 / 3)
    assert row.recall == pytest.approx(2 / 3)
    empty = safety.score("y", [(False, False)])
    assert empty.precision is None
    assert empty.recall is None


def test_guard_figures_on_a_hand_made_set(monkeypatch: pytest.MonkeyPatch) -> None:
    """A phone caught, an email read as a link, an ordinary line read as a phone number, an
    address blocked as a meeting (which its `also` allows)."""
    verdicts = {
        "phone": {"phone"},
        "email": {"url"},
        "address": {"address", "meeting"},
        "ok-1": {"phone"},
        "ok-2": set(),
    }
    monkeypatch.setattr(safety, "guard_verdict", lambda text, context: verdicts[text])
    items = [
        _item("phone", "phone"),
        _item("email", "email"),
        _item("address", "address", also=frozenset({"meeting"})),
        _item("ok-1", "ok"),
        _item("ok-2", "ok"),
    ]
    section = safety.evaluate_guard(items)
    rows = {row.name: row for row in section.rows}
    assert (rows["phone"].precision, rows["phone"].recall) == (0.5, 1.0)
    assert (rows["email"].recall, rows["email"].blocked) == (0.0, 1)
    assert (rows["url"].precision, rows["url"].fp) == (0.0, 1)
    assert (rows["meeting"].n, rows["meeting"].fp) == (0, 0)
    assert rows["address"].recall == 1.0
    contact = rows["contact details"]
    assert (contact.n, contact.tp, contact.fp) == (2, 2, 1)
    assert section.figures == {
        "guard.contact_recall": 1.0,
        "guard.unsafe_blocked": 1.0,
        "guard.ok_passed": 0.5,
    }
    misses = {(m.kind, m.category, m.id) for m in section.misses}
    assert misses == {("missed", "email", "email"), ("false alarm", "ok", "ok-1")}


def test_detector_figures_on_a_hand_made_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(safety, "declares_minor", lambda text: "15" in text)
    monkeypatch.setattr(safety, "asks_to_stop", lambda text: "stop" in text)
    monkeypatch.setattr(safety, "asks_if_bot", lambda text: False)
    items = [
        _item("h1", "minor", "j'ai 15 ans"),
        _item("h2", "minor", "je suis en seconde"),
        _item("h3", "ok", "15 ans d'expérience"),
        _item("h4", "stop", "stop"),
        _item("h5", "bot_question", "t'es un bot ?"),
        _item("h6", "ok", "un stop au refuge"),
    ]
    section = safety.evaluate_human(items)
    rows = {row.name: row for row in section.rows}
    assert (rows["minor"].precision, rows["minor"].recall) == (0.5, 0.5)
    assert (rows["stop"].precision, rows["stop"].recall) == (0.5, 1.0)
    assert rows["bot_question"].recall == 0.0
    assert section.figures["human.bot_question_precision"] == 1.0  # nothing flagged
    assert "Ordinary messages misread: 2 of 2 (100.0 %)" in section.summary


def test_style_figures_on_a_hand_made_set(monkeypatch: pytest.MonkeyPatch) -> None:
    """Caught = flagged or changed; kept = neither; a damaged line shows before and after."""
    outcomes = {
        "Great question!": StyleVerdict(flagged=True, output="", tells=("great question",)),
        "Voici mes conseils": StyleVerdict(flagged=False, output="Voici mes  conseils"),
        "Bien sûr, j'y vais": StyleVerdict(flagged=True, output="", tells=("bien sur",)),
        "Merci 😊": StyleVerdict(flagged=False, output="Merci\n😊"),
        "Trop bien": StyleVerdict(flagged=False, output="Trop"),
    }
    monkeypatch.setattr(safety, "style_verdict", lambda text, seed: outcomes[text])
    items = [
        _item("a1", "assistant", "Great question!"),
        _item("a2", "assistant", "Voici mes conseils"),
        _item("n1", "natural", "Bien sûr, j'y vais"),
        _item("n2", "natural", "Merci 😊"),
        _item("n3", "natural", "Trop bien"),
    ]
    section = safety.evaluate_style(items)
    assert section.figures == {"style.assistant_caught": 0.5, "style.natural_kept": 1 / 3}
    assert {(m.kind, m.id) for m in section.misses} == {
        ("missed", "a2"),
        ("false alarm", "n1"),
        ("damaged", "n1"),
        ("damaged", "n3"),
    }
    damaged = next(m for m in section.misses if m.id == "n3")
    assert damaged.detail == "→ Trop"


def test_the_corpus_meets_the_thresholds() -> None:
    """CI fails when the guard, a detector or the style pass falls below `THRESHOLDS`."""
    sections = [
        safety.evaluate_guard(safety.load_items("guard")),
        safety.evaluate_claims(safety.load_items("persona_claims")),
        safety.evaluate_human(safety.load_items("human")),
        safety.evaluate_style(safety.load_items("style")),
    ]
    figures = {name for section in sections for name in section.figures}
    assert figures == set(safety.THRESHOLDS)
    assert safety.below_thresholds(sections) == []


def test_below_thresholds_names_each_figure() -> None:
    section = safety.Section("x", "x", figures={"style.natural_kept": 0.5})
    assert safety.below_thresholds([section], {"style.natural_kept": 0.97}) == [
        "style.natural_kept: 0.500 < 0.970"
    ]


# --- the commands ------------------------------------------------------------------------

runner_cli = CliRunner()


@pytest.mark.parametrize(
    ("command", "rows"),
    [
        ("guard", ["| phone |", "| social_handle |", "| contact details |", "| human_claim |"]),
        ("human", ["| minor |", "| stop |", "| bot_question |"]),
        ("style", ["| assistant, flagged or changed |", "Natural lines kept"]),
    ],
)
def test_eval_subcommand_prints_a_table_per_category(command: str, rows: list[str]) -> None:
    result = runner_cli.invoke(cli.app, ["eval", command])
    assert result.exit_code == 0, result.output
    assert "| category | n | precision | recall | tp | fp | fn |" in result.output
    for row in rows:
        assert row in result.output
    assert "#### Misses" in result.output
    quiet = runner_cli.invoke(cli.app, ["eval", command, "--no-misses"])
    assert "#### Misses" not in quiet.output


def test_eval_json_and_check(monkeypatch: pytest.MonkeyPatch) -> None:
    result = runner_cli.invoke(cli.app, ["eval", "style", "--json", "--check"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data["sections"]["style"]["figures"]) == {
        "style.assistant_caught",
        "style.natural_kept",
    }
    assert data["below_thresholds"] == []
    monkeypatch.setitem(safety.THRESHOLDS, "style.natural_kept", 1.01)
    failing = runner_cli.invoke(cli.app, ["eval", "style", "--check", "--no-misses"])
    assert failing.exit_code == 1
    assert "below threshold: style.natural_kept" in failing.output


def test_eval_reads_a_held_out_corpus_folder(tmp_path: Path) -> None:
    line = {"id": "x1", "lang": "en", "text": "are you a bot?", "label": "bot_question"}
    (tmp_path / "human.jsonl").write_text(json.dumps(line) + "\n", "utf-8")
    result = runner_cli.invoke(cli.app, ["eval", "human", "--corpus", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "| bot_question | 1 |" in result.output
    skipped = runner_cli.invoke(cli.app, ["eval", "guard", "--corpus", str(tmp_path)])
    assert skipped.exit_code != 0


def test_eval_without_subcommand_runs_the_scripted_conversations(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`eval` alone keeps its options and runs the simulator and judge as before."""
    seen: list[runner.EvalOptions] = []

    def fake_run(settings: object, options: runner.EvalOptions) -> str:
        seen.append(options)
        return "report"

    monkeypatch.setattr(cli, "_settings", lambda **overrides: object())
    monkeypatch.setattr(runner, "run_eval", fake_run)
    monkeypatch.setattr(runner, "write_eval", lambda report, out: {})
    monkeypatch.setattr(runner, "render_markdown", lambda report: "style table")
    result = runner_cli.invoke(cli.app, ["eval", "--conversations", "2", "--turns", "1"])
    assert result.exit_code == 0, result.output
    assert "style table" in result.output
    assert (seen[0].conversations, seen[0].turns) == (2, 1)


def test_eval_help_keeps_the_old_options_and_lists_the_subcommands() -> None:
    result = runner_cli.invoke(cli.app, ["eval", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for option in ("--conversations", "--turns", "--seed", "--out", "--llm-url", "--corpus"):
        assert option in result.output
    for option in ("--judge", "--habits", "guard", "human", "style"):
        assert option in result.output
