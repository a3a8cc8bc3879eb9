"""Spending is capped by default, and what is spent is not undercounted."""

from __future__ import annotations

from randomatch_bot.config import Settings
from randomatch_bot.conversation.policies import limits as policy
from randomatch_bot.llm.tokens import estimate_tokens


def test_budgets_are_on_by_default() -> None:
    """A bot and a person both have a non-zero daily cap without any configuration."""
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.bot_daily_cost_budget > 0
    assert settings.human_daily_cost_budget > 0
    assert settings.human_daily_replies > 0
    assert policy.unlimited_budgets(settings) == []
    assert settings.llm_data_collection == "deny"


def test_unlimited_budgets_are_named() -> None:
    """A budget switched off is reported by its variable name, for the start-up warning."""
    settings = Settings(_env_file=None, BOT_DAILY_COST_BUDGET=0, HUMAN_DAILY_REPLIES=0)  # type: ignore[call-arg]
    assert policy.unlimited_budgets(settings) == ["BOT_DAILY_COST_BUDGET", "HUMAN_DAILY_REPLIES"]


def test_human_cap_reasons() -> None:
    """The cost cap and the reply cap each hold a person back, and say which."""
    settings = Settings(_env_file=None, HUMAN_DAILY_COST_BUDGET=0.5, HUMAN_DAILY_REPLIES=10)  # type: ignore[call-arg]
    assert policy.human_over_cap(0.1, 3, settings) is None
    assert "cost cap" in (policy.human_over_cap(0.5, 3, settings) or "")
    assert "reply cap" in (policy.human_over_cap(0.1, 10, settings) or "")


def test_emoji_are_not_cheap() -> None:
    """A message of emoji counts more tokens than its length in characters / 4."""
    assert estimate_tokens("😍🔥🏔️⛰️🥾") >= 10
    assert estimate_tokens("hello world, how are you") == 6
    assert estimate_tokens("") == 1
    assert estimate_tokens("Été à Chamonix") > len("Été à Chamonix") // 4
