"""A persona's variants without a database: the assignment rule (deterministic, by weight,
unmoved by a later change for a recorded conversation), the persona a variant makes, and the
checks of a variant's settings."""

from __future__ import annotations

import uuid
from collections import Counter

import pytest

from randomatch_bot.config import Settings
from randomatch_bot.conversation.persona import variants
from randomatch_bot.conversation.persona.card import Persona
from randomatch_bot.db.variants import ConversationVariant, VariantSettings
from randomatch_bot.errors import PersonaError

BOT = uuid.UUID("0c0ffee0-ca11-4e11-8000-000000000001")
MATCHES = [uuid.UUID(int=(i * 7919 + 13) << 40) for i in range(6000)]


def test_the_draw_is_md5_read_as_sixty_bits() -> None:
    """The draw is the documented one (the SQL function computes the same digits)."""
    match = uuid.UUID("00000000-0000-0000-0000-000000000001")
    # printf '%s' '00000000-0000-0000-0000-000000000001:0c0ffee0-...-000000000001' | md5sum
    assert variants.draw(match, BOT) == 0xAE6DB43D3DEBD49  # ae6db43d3debd496fae2...
    assert 0 <= variants.draw(match, BOT) < 2**60


def test_the_same_match_always_gets_the_same_variant() -> None:
    """Deterministic: the order the variants are listed in does not matter either."""
    weights = [(1, 2), (2, 5), (3, 1)]
    first = [variants.pick(m, BOT, weights) for m in MATCHES[:200]]
    again = [variants.pick(m, BOT, list(reversed(weights))) for m in MATCHES[:200]]
    assert first == again
    assert set(first) == {1, 2, 3}


@pytest.mark.parametrize(
    "weights",
    [[(1, 1), (2, 1)], [(1, 1), (2, 3)], [(10, 5), (11, 3), (12, 2)], [(4, 90), (9, 10)]],
)
def test_the_shares_follow_the_weights(weights: list[tuple[int, int]]) -> None:
    """Over 6,000 matches each variant gets its weight's share within 2.5 points."""
    counts = Counter(variants.pick(m, BOT, weights) for m in MATCHES)
    total = sum(w for _, w in weights)
    for variant_id, weight in weights:
        assert counts[variant_id] / len(MATCHES) == pytest.approx(weight / total, abs=0.025)


def test_no_active_variant_gives_none() -> None:
    assert variants.pick(MATCHES[0], BOT, []) is None


def test_a_weight_change_would_move_a_new_draw_but_not_a_recorded_one() -> None:
    """The rule alone moves some matches when the weights change: that is why a
    conversation's variant is recorded at its first use and read from then on."""
    before = {m: variants.pick(m, BOT, [(1, 1), (2, 1)]) for m in MATCHES[:1000]}
    after = {m: variants.pick(m, BOT, [(1, 3), (2, 1)]) for m in MATCHES[:1000]}
    moved = [m for m in before if before[m] != after[m]]
    assert moved  # so the recorded variant is what keeps a conversation where it was
    assert all(before[m] == 2 and after[m] == 1 for m in moved)  # only towards the heavier


def _persona() -> Persona:
    return Persona.default(Settings(_env_file=None), BOT, "Camille")  # type: ignore[call-arg]


def test_a_variant_overrides_only_what_it_sets() -> None:
    """Model and temperature from the variant, the rest the persona's; None: herself."""
    persona = _persona()
    assert variants.applied(persona, None) is persona
    variant = ConversationVariant(
        7, "cool", VariantSettings(model="m-cool", temperature=0.2, habits=("typos",))
    )
    made = variants.applied(persona, variant)
    assert (made.variant, made.model, made.temperature) == ("cool", "m-cool", 0.2)
    assert made.habits == frozenset({"typos"})
    assert made.system_prompt == persona.system_prompt
    assert made.typing_speed_cps == persona.typing_speed_cps
    assert (made.min_thinking, made.max_thinking) == (persona.min_thinking, persona.max_thinking)


def test_a_variant_prompt_replaces_or_appends() -> None:
    persona = _persona()
    replaced = variants.applied(
        persona, ConversationVariant(1, "r", VariantSettings(prompt="Tu es Zoé."))
    )
    appended = variants.applied(
        persona,
        ConversationVariant(
            2, "a", VariantSettings(prompt="Pose une question.", prompt_mode="append")
        ),
    )
    timed = variants.applied(
        persona,
        ConversationVariant(
            3, "t", VariantSettings(typing_speed_cps=9.0, min_thinking=0.0, max_thinking=4.0)
        ),
    )
    assert replaced.system_prompt == "Tu es Zoé."
    assert appended.system_prompt.startswith(persona.system_prompt.rstrip())
    assert appended.system_prompt.endswith("\n\nPose une question.")
    assert (timed.typing_speed_cps, timed.min_thinking, timed.max_thinking) == (9.0, 0.0, 4.0)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"temperature": 2.5}, "between 0 and 2"),
        ({"typing_speed_cps": 0}, "characters per second"),
        ({"min_thinking": 10, "max_thinking": 5}, "below min thinking"),
        ({"habits": ["shouting"]}, "unknown habit 'shouting'"),
        ({"prompt": "   "}, "prompt is empty"),
        ({"prompt_mode": "prepend", "prompt": "x"}, "prompt mode"),
        ({"model": ""}, "model is empty"),
    ],
)
def test_bad_settings_are_named(settings: dict[str, object], message: str) -> None:
    with pytest.raises(PersonaError, match=message):
        variants.settings_of(**settings)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["", "base", "BASE", "a b", "-x", "x" * 41, "é"])
def test_bad_names_are_refused(name: str) -> None:
    with pytest.raises(PersonaError):
        variants.check_name(name)


def test_good_names_and_weights_pass() -> None:
    assert variants.check_name("warm-2.b_c") == "warm-2.b_c"
    assert variants.check_weight(1) == 1
    with pytest.raises(PersonaError, match="weight 0"):
        variants.check_weight(0)
    assert variants.settings_of() == VariantSettings()
