"""The guard's reviewing model, end to end against the local OpenAI-protocol server: it is asked
about every reply the rules pass, a reply it flags is asked for again, one it clears goes out,
its failure leaves the rules' verdict alone, and its calls are accounted."""

from __future__ import annotations

import datetime as dt
import json
import random
import uuid
from typing import Any

import asyncpg
import pytest

from randomatch_bot.config import Settings
from randomatch_bot.conversation.persona.card import Persona
from randomatch_bot.conversation.words import disclosure, guard, prompt, reviewer
from randomatch_bot.conversation.words.composer import Composer, Conversation
from randomatch_bot.conversation.words.memory import StoredMemory
from randomatch_bot.db.llm_calls import record_llm_calls
from randomatch_bot.llm import build_llm_client
from tests.support.openai_server import OpenAIServer, Reply, review_answer, reviewed_text

pytestmark = pytest.mark.integration

BOT = uuid.UUID(int=21)
HUMAN = uuid.UUID(int=22)


async def reply_to(
    settings: Settings, pool: asyncpg.Pool, text: str, match_id: uuid.UUID | None = None
) -> list[str]:
    now = dt.datetime(2026, 6, 1, 18, 0, tzinfo=dt.UTC)
    history = [prompt.HistoryMessage(HUMAN, text, now)]
    async with build_llm_client(settings) as llm:
        composition = await Composer(pool, settings).reply(
            llm,
            Persona.default(settings, BOT),
            Conversation(match_id or uuid.uuid4(), BOT, None),
            history,
            StoredMemory(prompt.Memory(), None),
            random.Random(1),
        )
    # The engine writes a reply's model calls with its parts; a caller of its own writes them.
    await record_llm_calls(pool, composition.calls)
    return composition.parts


def online(make_settings: Any, server: OpenAIServer, **extra: Any) -> Settings:
    settings: Settings = make_settings(
        LLM_BASE_URL=server.base_url, LLM_API_KEY="sk-test-reviewer", **extra
    )
    return settings


async def test_a_flagged_reply_is_asked_for_again_and_the_cleared_one_sent(
    pool: asyncpg.Pool, make_settings: Any, openai_server: OpenAIServer
) -> None:
    """The rules see no structure in a scam story; the reviewer does, and the second reply,
    which it clears, is what the person gets."""
    settings = online(make_settings, openai_server)
    scam = "Ma carte est bloquée et je suis coincée à Lyon, tu pourrais m'aider un peu ?"
    clean = "Haha non, je suis au chalet ce soir. Et toi ta semaine ?"
    assert guard.check(scam) == []
    openai_server.script(scam, clean)
    openai_server.script_review(review_answer("money"), review_answer())
    parts = await reply_to(settings, pool, "Ça va toi ?")
    assert " ".join(parts) == clean
    reviewed = [reviewed_text(r.body) for r in openai_server.review_requests]
    assert reviewed == [scam, clean]
    assert openai_server.review_requests[0].body["model"] == settings.guard_model
    assert openai_server.review_requests[0].body["response_format"] == {"type": "json_object"}
    # The regeneration is told what was wrong, never the reviewer's policy.
    assert "argent" in openai_server.chat_requests[1].messages[-1]["content"]


async def test_the_reviewer_sees_the_conversation_before_the_reply(
    pool: asyncpg.Pool, make_settings: Any, openai_server: OpenAIServer
) -> None:
    """ "Oui avec plaisir" means nothing alone; after "on se voit samedi au parking ?" it
    accepts a meeting: the reviewer is shown the person's message."""
    settings = online(make_settings, openai_server)
    openai_server.script("Oui avec plaisir !")
    await reply_to(settings, pool, "On se voit samedi 9h au parking du col ?")
    data = json.loads(openai_server.review_requests[0].messages[1]["content"])
    assert "person: On se voit samedi 9h au parking du col ?" in data["conversation"]
    assert data["message_to_review"] == "Oui avec plaisir !"


async def test_a_reviewer_that_fails_leaves_the_rules_alone(
    pool: asyncpg.Pool, make_settings: Any, openai_server: OpenAIServer
) -> None:
    """A reviewer that times out neither silences the persona nor holds the reply back: the
    rules passed it, and it goes out; a reply the rules block never reaches the reviewer."""
    settings = online(make_settings, openai_server, GUARD_TIMEOUT=0.3, LLM_MAX_RETRIES=0)
    openai_server.script("Le Vercors, j'adore !")
    openai_server.script_review(Reply(review_answer("money"), delay=2.0))
    assert await reply_to(settings, pool, "Tu aimes le Vercors ?") == ["Le Vercors, j'adore !"]
    assert len(openai_server.review_requests) == 1

    openai_server.reset()
    openai_server.script("Appelle-moi au 06 71 28 94 05", "Pas de numéro ici, on discute 😊")
    parts = await reply_to(settings, pool, "Ton numéro ?")
    assert " ".join(parts) == "Pas de numéro ici, on discute 😊"
    assert [reviewed_text(r.body) for r in openai_server.review_requests] == [
        "Pas de numéro ici, on discute 😊"
    ]


async def test_unreadable_answers_count_as_a_failure(
    pool: asyncpg.Pool, make_settings: Any, openai_server: OpenAIServer
) -> None:
    """A reviewer that answers prose instead of JSON is a failure, not a verdict."""
    settings = online(make_settings, openai_server)
    openai_server.script("Le Vercors, j'adore !")
    openai_server.script_review("Looks fine to me!")
    assert await reply_to(settings, pool, "Tu aimes le Vercors ?") == ["Le Vercors, j'adore !"]


async def test_its_calls_are_accounted_and_it_can_be_turned_off(
    pool: asyncpg.Pool, make_settings: Any, openai_server: OpenAIServer
) -> None:
    """Each review is a row of `bot.llm_calls` (purpose guard_review); GUARD_REVIEW=off asks
    nothing."""
    match_id = uuid.uuid4()
    settings = online(make_settings, openai_server)
    openai_server.script("Le Vercors, j'adore !")
    await reply_to(settings, pool, "Tu aimes le Vercors ?", match_id)
    purposes = await pool.fetch(
        "SELECT purpose, model FROM bot.llm_calls WHERE match_id = $1 ORDER BY id", match_id
    )
    assert [(r["purpose"], r["model"]) for r in purposes] == [
        ("reply", settings.llm_model),
        ("guard_review", settings.guard_model),
    ]

    openai_server.reset()
    off = online(make_settings, openai_server, GUARD_REVIEW="off")
    openai_server.script("Le Vercors, j'adore !")
    await reply_to(off, pool, "Tu aimes le Vercors ?")
    assert openai_server.review_requests == []


async def test_twice_blocked_a_last_short_reply_in_her_voice(
    pool: asyncpg.Pool, make_settings: Any, openai_server: OpenAIServer
) -> None:
    """Twice blocked: one more short reply is asked for, checked like the others, and sent
    rather than a canned line; only when that fails too does the canned line go out."""
    settings = online(make_settings, openai_server)
    first = "Trop bien ! Mon insta c'est @kmi_rando38"
    second = "Écris-moi sur insta, @kmi_rando38"
    last = "Haha bravo ! Tu pars où ce week-end ?"
    openai_server.script(first, second, last)
    parts = await reply_to(settings, pool, "J'ai fini le GR20 !")
    assert " ".join(parts) == last
    assert "Ne t'excuse pas" in openai_server.chat_requests[2].messages[-1]["content"]
    assert [reviewed_text(r.body) for r in openai_server.review_requests] == [last]

    openai_server.reset()
    openai_server.script(first, second, "Bon, ajoute-moi : @kmi_rando38")
    parts = await reply_to(settings, pool, "J'ai fini le GR20 !")
    assert parts == [guard.safe_line([guard.Reason.SOCIAL])]


async def test_a_question_the_rules_miss_gets_the_admission(
    pool: asyncpg.Pool, make_settings: Any, openai_server: OpenAIServer
) -> None:
    """A sincere question the rules do not read ("qui me répond en ce moment ?"): the
    reviewer does, and the persona admits what she is."""
    settings = online(make_settings, openai_server)
    question = "Sérieux, qui me répond en ce moment ?"
    assert not disclosure.asks_if_ai(question)
    openai_server.script("Haha bien sûr ! Tu randonnes où ?")
    openai_server.script_review(json.dumps({"block": [], "person_asks_if_ai": True}))
    parts = await reply_to(settings, pool, question)
    assert parts[0] == disclosure.admission("fr")


async def test_the_reviewer_judges_a_minors_closing(
    make_settings: Any, openai_server: OpenAIServer
) -> None:
    """A closing the rules made is shown to the reviewing model with the person's messages
    before it; its "not a minor" reopens, its silence or nonsense leaves it closed."""
    settings = online(make_settings, openai_server, GUARD_TIMEOUT=0.5, LLM_MAX_RETRIES=0)
    async with build_llm_client(settings) as llm:
        openai_server.script_review(json.dumps({"minor": False}))
        verdict = await reviewer.confirm_minor(
            "je suis prof, au lycée toute la journée, j'ai 15 ans de métier",
            ("salut !", "tu fais quoi dans la vie ?"),
            settings,
            llm,
        )
        assert verdict is False
        request = openai_server.review_requests[-1]
        assert request.messages[0]["content"] == reviewer.MINOR_POLICY
        data = json.loads(request.messages[1]["content"])
        assert data["earlier_messages"] == ["tu fais quoi dans la vie ?", "salut !"]

        openai_server.script_review(json.dumps({"minor": True}))
        assert await reviewer.confirm_minor("j'ai 15 ans", (), settings, llm) is True
        openai_server.script_review("I think so")
        assert await reviewer.confirm_minor("j'ai 15 ans", (), settings, llm) is None
        openai_server.script_review(Reply(json.dumps({"minor": False}), delay=2.0))
        assert await reviewer.confirm_minor("j'ai 15 ans", (), settings, llm) is None
