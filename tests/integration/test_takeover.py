"""Takeover: an operator pauses the persona in one conversation, writes as her, and hands the
conversation back — through the API, with the real pipeline."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from typing import Any

import asyncpg
import pytest

from randomatch_bot.api import create_app
from tests.support.api_server import asgi_client
from tests.support.databases import Couple, make_couple, make_profile, say
from tests.support.openai_server import OpenAIServer
from tests.support.pipeline import eventually, running_pipeline
from tests.support.processes import cli

pytestmark = pytest.mark.integration

OPENER = "Salut ! Tu as fait le GR20 ? Je cherche des conseils"
# The model's answer: three short sentences, sent as three messages.
THREE_PARTS = (
    "Oh oui je l'ai fait l'an dernier !\nC'était dur mais vraiment magnifique.\nTu pars quand ?"
)


async def persona_messages(pool: asyncpg.Pool, couple: Couple) -> list[str]:
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT content FROM public.messages WHERE match_id = $1 AND sender_id = $2 "
            "ORDER BY created_at",
            couple.match_id,
            couple.bot_id,
        )
    return [r["content"] for r in rows]


async def plan_rows(pool: asyncpg.Pool, couple: Couple) -> list[asyncpg.Record]:
    async with pool.acquire() as conn:
        return await conn.fetch(
            "SELECT p.id, p.status, p.model, p.error, cardinality(p.parts) AS parts, "
            "(SELECT count(*) FROM bot.sent_parts s WHERE s.plan_id = p.id) AS sent "
            "FROM bot.reply_plans p WHERE p.match_id = $1 ORDER BY p.created_at",
            couple.match_id,
        )


async def held_after(pool: asyncpg.Pool, couple: Couple, message_id: uuid.UUID) -> None:
    """Wait until a step that ran after the human's message `message_id` held the
    conversation for the takeover: the step that would have replied has run."""
    async with pool.acquire() as conn:
        await eventually(
            lambda: conn.fetchval(
                "SELECT c.hold_reason = 'taken over' AND c.updated_at > m.created_at "
                "FROM bot.conversations c JOIN public.messages m ON m.match_id = c.match_id "
                "WHERE c.match_id = $1 AND m.id = $2",
                couple.match_id,
                message_id,
            ),
            bool,
            timeout=60,
        )


async def test_takeover_mid_reply_operator_message_and_resume(
    make_settings: Any, pool: asyncpg.Pool, openai_server: OpenAIServer
) -> None:
    """Taken over after the first part of a multi-part reply, the persona sends no further
    part, no typing and no reply to a new message; the operator's text is read, typed and sent
    as hers; resumed, she answers what came after."""
    openai_server.default_reply = lambda _body: THREE_PARTS
    settings = make_settings(
        TIME_SCALE=0.3,
        MAX_PARTS=3,
        LLM_BASE_URL=openai_server.base_url,
        LLM_API_KEY="test-key",
        LLM_MAX_RETRIES="0",
        GUARD_REVIEW="off",
    )
    async with pool.acquire() as conn:
        couple = await make_couple(conn)
    async with running_pipeline(settings) as pipeline:
        app = create_app(settings, resources=pipeline.resources)
        async with asgi_client(app) as http:
            async with pool.acquire() as conn:
                await say(conn, couple, OPENER)
            plans = await eventually(
                lambda: plan_rows(pool, couple),
                lambda rows: bool(rows) and rows[0]["sent"] >= 1,
                timeout=60,
                every=0.02,
            )
            first = plans[0]
            assert first["parts"] > first["sent"], dict(first)  # stopped between two parts
            taken = await http.post(
                f"/conversations/{couple.match_id}/takeover", json={"reason": "checking"}
            )
            assert taken.status_code == 200, taken.text
            stopped = taken.json()
            sent_before = len(await persona_messages(pool, couple))
            async with pool.acquire() as conn:
                asked = await say(conn, couple, "tu es là ?")
            await held_after(pool, couple, asked)
            assert len(await persona_messages(pool, couple)) == sent_before
            rows = await plan_rows(pool, couple)
            async with pool.acquire() as conn:
                typing = await conn.fetchval(
                    "SELECT is_typing FROM public.typing_indicators "
                    "WHERE match_id = $1 AND user_id = $2",
                    couple.match_id,
                    couple.bot_id,
                )
                hold = await conn.fetchval(
                    "SELECT hold_reason FROM bot.conversations WHERE match_id = $1",
                    couple.match_id,
                )
            assert not typing
            assert hold == "taken over"
            assert stopped["stopped_plan"] == str(first["id"])
            assert rows[0]["status"] == "cancelled"
            assert rows[0]["error"] == "taken over"
            assert len(rows) == 1  # no new reply while taken over

            wrote = await http.post(
                f"/conversations/{couple.match_id}/messages",
                json={"text": "Oui pardon, j'étais en rando 😊"},
            )
            assert wrote.status_code == 200, wrote.text
            again = await http.post(
                f"/conversations/{couple.match_id}/messages", json={"text": "encore"}
            )
            assert again.status_code == 409  # the first is still being read or typed
            await eventually(
                lambda: persona_messages(pool, couple),
                lambda texts: texts[-1:] == ["Oui pardon, j'étais en rando 😊"],
                timeout=60,
            )
            async with pool.acquire() as conn:
                operator = await conn.fetchrow(
                    "SELECT status, model FROM bot.reply_plans WHERE id = $1",
                    uuid.UUID(wrote.json()["plan_id"]),
                )
                kinds = [
                    r["kind"]
                    for r in await conn.fetch(
                        "SELECT kind FROM bot.plan_events WHERE plan_id = $1 ORDER BY id",
                        uuid.UUID(wrote.json()["plan_id"]),
                    )
                ]
                unread = await conn.fetchval(
                    "SELECT count(*) FROM public.messages WHERE match_id = $1 "
                    "AND sender_id = $2 AND read_at IS NULL",
                    couple.match_id,
                    couple.human_id,
                )
            assert operator["model"] == "operator"
            assert kinds[:3] == ["planned", "read", "thinking"]
            assert "typing" in kinds
            assert unread == 0  # "Vu" on what the operator answered
            count = len(await persona_messages(pool, couple))

            async with pool.acquire() as conn:
                asked = await say(conn, couple, "super, et tu pars où ce week-end ?")
            await held_after(pool, couple, asked)
            assert len(await persona_messages(pool, couple)) == count  # still taken over
            resumed = await http.post(f"/conversations/{couple.match_id}/resume")
            assert resumed.status_code == 200, resumed.text
            await eventually(
                lambda: persona_messages(pool, couple),
                lambda texts: len(texts) > count,
                timeout=60,
            )
            not_taken = await http.post(f"/conversations/{couple.match_id}/resume")
            assert not_taken.status_code == 409


OPERATOR_TEXT = "Désolée, j'étais sur le chemin du retour du lac Blanc, pas de réseau là-haut !"


async def test_a_human_message_does_not_drop_the_operators_message(
    make_settings: Any, pool: asyncpg.Pool, openai_server: OpenAIServer
) -> None:
    """The person writes while the operator's message is being typed: it is still sent, once,
    paced, answering what it answered; the new message waits for the operator, and the
    persona answers it only once the conversation is handed back."""
    openai_server.default_reply = lambda _body: "Et toi, tu es déjà allé au lac Blanc ?"
    settings = make_settings(
        TIME_SCALE=0.3,
        LLM_BASE_URL=openai_server.base_url,
        LLM_API_KEY="test-key",
        LLM_MAX_RETRIES="0",
        GUARD_REVIEW="off",
    )
    async with pool.acquire() as conn:
        couple = await make_couple(conn)
    async with running_pipeline(settings) as pipeline:
        app = create_app(settings, resources=pipeline.resources)
        async with asgi_client(app) as http:
            taken = await http.post(f"/conversations/{couple.match_id}/takeover")
            assert taken.status_code == 200, taken.text
            async with pool.acquire() as conn:
                first = await say(conn, couple, "coucou, tu es là ?")
            await held_after(pool, couple, first)
            wrote = await http.post(
                f"/conversations/{couple.match_id}/messages", json={"text": OPERATOR_TEXT}
            )
            assert wrote.status_code == 200, wrote.text
            plan_id = uuid.UUID(wrote.json()["plan_id"])

            async def status() -> str:
                async with pool.acquire() as conn:
                    value: str = await conn.fetchval(
                        "SELECT status FROM bot.reply_plans WHERE id = $1", plan_id
                    )
                    return value

            await eventually(status, lambda s: s == "typing", timeout=60, every=0.02)
            async with pool.acquire() as conn:
                meanwhile = await say(conn, couple, "allô ?")
                # Written while the operator's message was being typed.
                assert await conn.fetchval(
                    "SELECT status FROM bot.reply_plans WHERE id = $1", plan_id
                ) in ("typing", "thinking")
            await eventually(status, lambda s: s != "typing", timeout=60)
            await held_after(pool, couple, meanwhile)
            async with pool.acquire() as conn:
                plan = await conn.fetchrow(
                    "SELECT status, error, trigger_message_ids FROM bot.reply_plans WHERE id = $1",
                    plan_id,
                )
                answered = {
                    r["message_id"]: r["plan_id"]
                    for r in await conn.fetch(
                        "SELECT message_id, plan_id FROM bot.answered_messages WHERE match_id = $1",
                        couple.match_id,
                    )
                }
            assert (plan["status"], plan["error"]) == ("done", None)
            assert plan["trigger_message_ids"] == [first]
            assert answered == {first: plan_id}  # the new message waits
            assert await persona_messages(pool, couple) == [OPERATOR_TEXT]
            assert len(await plan_rows(pool, couple)) == 1  # the persona started nothing

            resumed = await http.post(f"/conversations/{couple.match_id}/resume")
            assert resumed.status_code == 200, resumed.text
            rows = await eventually(
                lambda: plan_rows(pool, couple),
                lambda rows: len(rows) == 2 and rows[-1]["status"] == "done",
                timeout=60,
            )
            texts = await persona_messages(pool, couple)
            assert texts.count(OPERATOR_TEXT) == 1
            assert texts[-1] == "Et toi, tu es déjà allé au lac Blanc ?"
            async with pool.acquire() as conn:
                triggers = await conn.fetchval(
                    "SELECT trigger_message_ids FROM bot.reply_plans WHERE id = $1",
                    rows[-1]["id"],
                )
            assert triggers == [meanwhile]


GREETING = "Salut ! Tu as un lac de montagne préféré ?"
# A fixed match, so that the seeded icebreaker's delay is the same at every run (a few seconds).
OPENED_MATCH = uuid.UUID("5d0c8a43-3b8e-4b43-9a57-0c1f1c2b7e11")


async def test_an_icebreaker_waits_for_the_end_of_a_takeover(
    make_settings: Any, pool: asyncpg.Pool
) -> None:
    """An icebreaker planned and then taken over is not written, not even when it falls due
    during the takeover; once the conversation is resumed the persona writes it, once."""
    settings = make_settings(TIME_SCALE=0.05)
    async with pool.acquire() as conn:
        bot_id = await make_profile(conn, "Camille", bot=True)
        human_id = await make_profile(conn, "Alex", bot=False)
        await conn.execute(
            "INSERT INTO bot.personas (bot_id, name, system_prompt, icebreaker, greetings, "
            "active_hours, absence_probability) "
            "VALUES ($1, 'Camille', 'Tu es Camille.', true, $2, '00:00-24:00', 0)",
            bot_id,
            [GREETING],
        )
    couple = Couple(bot_id, human_id, OPENED_MATCH)
    async with running_pipeline(settings) as pipeline:
        app = create_app(settings, resources=pipeline.resources)
        async with asgi_client(app) as http:
            async with pool.acquire() as conn:
                await conn.execute(
                    "INSERT INTO public.matches (id, user_a, user_b) VALUES ($1, $2, $3)",
                    couple.match_id,
                    human_id,
                    bot_id,
                )
            planned = await eventually(
                lambda: plan_rows(pool, couple), bool, timeout=30, every=0.02
            )
            assert planned[0]["model"] == "greeting"
            taken = await http.post(f"/conversations/{couple.match_id}/takeover")
            assert taken.status_code == 200, taken.text
            assert taken.json()["stopped_plan"] == str(planned[0]["id"])
            assert await persona_messages(pool, couple) == []  # taken over before it was due

            # The step woken when the icebreaker was due runs, and holds the conversation.
            async with pool.acquire() as conn:
                due = await conn.fetchval(
                    "SELECT think_until FROM bot.reply_plans WHERE id = $1", planned[0]["id"]
                )

                async def held() -> asyncpg.Record:
                    return await conn.fetchrow(
                        "SELECT updated_at, hold_reason FROM bot.conversations WHERE match_id = $1",
                        couple.match_id,
                    )

                row = await eventually(held, lambda r: r["updated_at"] >= due, timeout=60)
            assert row["hold_reason"] == "taken over"
            assert await persona_messages(pool, couple) == []
            assert len(await plan_rows(pool, couple)) == 1

            resumed = await http.post(f"/conversations/{couple.match_id}/resume")
            assert resumed.status_code == 200, resumed.text
            rows = await eventually(
                lambda: plan_rows(pool, couple),
                lambda rows: rows[-1]["status"] == "done",
                timeout=60,
            )
            assert [(r["model"], r["status"]) for r in rows] == [
                ("greeting", "cancelled"),
                ("greeting", "done"),
            ]
            assert " ".join(await persona_messages(pool, couple)) == GREETING


async def test_a_takeover_ends_by_itself(make_settings: Any, pool: asyncpg.Pool) -> None:
    """Taken over for a few seconds, the conversation answers a message written meanwhile
    once the takeover is over, without a resume; writing as the persona outside a takeover
    is refused."""
    settings = make_settings(TIME_SCALE=0.01)
    async with pool.acquire() as conn:
        couple = await make_couple(conn)
    async with running_pipeline(settings) as pipeline:
        app = create_app(settings, resources=pipeline.resources)
        async with asgi_client(app) as http:
            refused = await http.post(
                f"/conversations/{couple.match_id}/messages", json={"text": "salut"}
            )
            assert refused.status_code == 409
            unknown = await http.post(f"/conversations/{uuid.uuid4()}/takeover")
            assert unknown.status_code == 404
            taken = await http.post(
                f"/conversations/{couple.match_id}/takeover", json={"minutes": 0.05}
            )
            assert taken.status_code == 200, taken.text
            until = dt.datetime.fromisoformat(taken.json()["taken_over_until"])
            async with pool.acquire() as conn:
                await say(conn, couple, "coucou !")
            await eventually(lambda: persona_messages(pool, couple), bool, timeout=30)
            async with pool.acquire() as conn:
                first = await conn.fetchval(
                    "SELECT min(created_at) FROM public.messages WHERE match_id = $1 "
                    "AND sender_id = $2",
                    couple.match_id,
                    couple.bot_id,
                )
                planned = await conn.fetchval(
                    "SELECT min(created_at) FROM bot.reply_plans WHERE match_id = $1",
                    couple.match_id,
                )
            # Nothing was planned, let alone sent, before the takeover was over.
            assert planned >= until
            assert first >= until


async def test_takeover_from_the_command_line(
    db_dsn: str, servers: Any, pool: asyncpg.Pool, tmp_path: Any
) -> None:
    """`takeover`, `send` and `resume` do what the API does; a bad id or a message outside a
    takeover is one line and a non-zero exit."""
    async with pool.acquire() as conn:
        couple = await make_couple(conn)
    env = {"POSTGRES_CONNECTION_STRING": db_dsn, "REDIS_URL": servers.redis_url}
    match = str(couple.match_id)

    def run(*args: str) -> Any:
        return asyncio.to_thread(cli, *args, env=env, cwd=tmp_path)

    refused = await run("send", match, "salut")
    assert refused.returncode == 1
    assert "take conversation" in refused.stdout
    taken = await run("takeover", match, "--reason", "a look", "--minutes", "30")
    assert taken.returncode == 0, taken.stdout + taken.stderr
    assert "taken over until" in taken.stdout
    sent = await run("send", match, "Coucou, désolée pour le retard")
    assert sent.returncode == 0, sent.stdout + sent.stderr
    async with pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT c.takeover_reason, p.model, p.parts FROM bot.conversations c "
            "JOIN bot.reply_plans p ON p.match_id = c.match_id WHERE c.match_id = $1",
            couple.match_id,
        )
    assert (row["takeover_reason"], row["model"]) == ("a look", "operator")
    assert row["parts"] == ["Coucou, désolée pour le retard"]
    # The operator's message is still to be sent (no worker here): resuming lets it finish.
    resumed = await run("resume", match)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    bad = await run("takeover", "not-a-uuid")
    assert bad.returncode == 2
