"""The operator's console in a real browser (Debian's Chromium, headless): the dashboard's
engagement charts and worst conversations, and from there one conversation explained."""

from __future__ import annotations

import datetime as dt
from typing import Any

import asyncpg
import pytest

from randomatch_bot.api import create_app
from randomatch_bot.simulate import variants_demo
from tests.e2e.test_browser import CHROMIUM, browser, keep_screenshot, publish_screenshot
from tests.integration.test_api_console import scripted_history
from tests.support.api_server import serving
from tests.support.databases import make_couple, say
from tests.support.pipeline import eventually, running_pipeline

__all__ = ["browser"]  # the fixture, used by name below

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's Chromium is not installed"),
]


async def test_engagement_charts_lead_to_a_conversation_explained(
    make_settings: Any, pool: asyncpg.Pool, browser: Any
) -> None:
    """The dashboard draws a bar per persona in each engagement chart and lists the worst
    conversations; the first one's link opens its page, with the transcript and a timeline
    per reply."""
    async with pool.acquire() as conn:
        couples = await scripted_history(conn)
    app = create_app(make_settings())
    async with serving(app) as url:
        page = await browser.new_page()
        await page.set_viewport_size({"width": 1280, "height": 1400})
        await page.goto(url + "dashboard")
        await page.wait_for_selector("#eng-worst a")
        assert await page.locator("#eng-reply rect").count() == 2
        assert await page.locator("#eng-ghost rect").count() == 2
        names = await page.locator("#eng-table tr td:first-child").all_inner_texts()
        assert set(names) >= {"Camille", "Léa"}
        await page.locator("#engagement").screenshot(path=str(keep_screenshot("engagement.png")))
        await page.select_option("#eng-by", "model")
        await page.wait_for_function(
            "document.querySelector('#eng-table').innerText.includes('m2')"
        )
        await page.locator("#eng-worst a").first.click()
        await page.wait_for_url(f"**/conversations/{couples['A3'].match_id}")
        await page.wait_for_selector("#replies .reply table tr td")
        bubbles = await page.locator("#transcript .bubble").count()
        replies = await page.locator("#replies .reply").count()
    assert bubbles == 4  # A3: four messages
    assert replies == 3
    publish_screenshot("engagement.png")


async def test_a_real_reply_explained_in_the_page(
    make_settings: Any, pool: asyncpg.Pool, browser: Any
) -> None:
    """A reply through the real pipeline, then its page: the transcript, the timeline drawn
    (waits, reading, thinking, typing before each part) and the steps' table."""
    settings = make_settings(TIME_SCALE=0.1, MAX_PARTS=3)
    async with pool.acquire() as conn:
        couple = await make_couple(conn, human_name="Alex")
    async with running_pipeline(settings) as pipeline:
        app = create_app(settings, resources=pipeline.resources)
        async with serving(app) as url:
            async with pool.acquire() as conn:
                await say(conn, couple, "Salut ! Tu as fait le GR20 ? Je cherche des conseils")
                await say(conn, couple, "surtout pour les refuges")

            async def answered() -> bool:
                async with pool.acquire() as conn:
                    status = await conn.fetchval(
                        "SELECT status FROM bot.reply_plans WHERE match_id = $1",
                        couple.match_id,
                    )
                return bool(status == "done")

            await eventually(answered, bool, timeout=30)
            page = await browser.new_page()
            await page.set_viewport_size({"width": 1280, "height": 900})
            await page.goto(f"{url}conversations/{couple.match_id}")
            await page.wait_for_selector("#replies .reply svg.timeline rect.kind-typing")
            steps = await page.locator("#replies .reply table tr td:first-child").all_inner_texts()
            await page.screenshot(path=str(keep_screenshot("conversation.png")), full_page=True)
    for step in ("wait", "reading", "read", "thinking", "typing", "sent", "done"):
        assert step in steps, steps
    publish_screenshot("conversation.png")


async def test_takeover_from_the_conversation_page(
    make_settings: Any, pool: asyncpg.Pool, browser: Any
) -> None:
    """From the page: take over, write as the persona (the message arrives in the
    transcript, sent by the pipeline), resume."""
    settings = make_settings(TIME_SCALE=0.05)
    async with pool.acquire() as conn:
        couple = await make_couple(conn, human_name="Alex")
        await say(conn, couple, "Salut ! Tu fais quoi ce week-end ?")
    async with running_pipeline(settings) as pipeline:
        app = create_app(settings, resources=pipeline.resources)
        async with serving(app) as url:
            page = await browser.new_page()
            await page.set_viewport_size({"width": 1280, "height": 900})
            await page.goto(f"{url}conversations/{couple.match_id}")
            await page.wait_for_selector("#transcript .persona .bubble", timeout=30000)
            await page.fill("#takeover-reason", "a closer look")
            await page.click("#takeover-button")
            await page.wait_for_selector("#send-form:not([hidden])")
            state = await page.locator("#takeover-state").inner_text()
            await page.fill("#send-text", "Je pars dans le Queyras, et toi ?")
            await page.click("#send-form button")
            await page.wait_for_function(
                "[...document.querySelectorAll('#transcript .persona .bubble')]"
                ".some((b) => b.textContent.includes('Queyras'))",
                timeout=30000,
            )
            await page.screenshot(path=str(keep_screenshot("takeover.png")), full_page=True)
            await page.click("#resume-button")
            await page.wait_for_selector("#send-form[hidden]", state="attached")
            after = await page.locator("#takeover-state").inner_text()
    assert "Taken over until" in state
    assert "a closer look" in state
    assert "on her own" in after
    publish_screenshot("takeover.png")


async def test_engagement_split_by_variant(
    make_settings: Any, pool: asyncpg.Pool, browser: Any
) -> None:
    """Per variant, the dashboard draws a bar per variant of the demo persona and its table
    gives each variant's reply-rate interval and the verdict against the control."""
    async with pool.acquire() as conn:
        await variants_demo.write(conn, conversations=240, seed=3, now=dt.datetime.now(dt.UTC))
    app = create_app(make_settings())
    async with serving(app) as url:
        page = await browser.new_page()
        await page.set_viewport_size({"width": 1280, "height": 1400})
        await page.goto(url + "dashboard")
        await page.wait_for_selector("#eng-table tr td")
        await page.select_option("#eng-by", "variant")
        await page.wait_for_function(
            "document.querySelector('#eng-table').innerText.includes('/ curious')"
        )
        headers = await page.locator("#eng-table th").all_inner_texts()
        rows = await page.locator("#eng-table tr").all_inner_texts()
        bars = await page.locator("#eng-reply rect").count()
        await page.locator("#engagement").screenshot(
            path=str(keep_screenshot("engagement-variants.png"))
        )
    assert "Reply rate 95 %" in headers
    assert "vs control" in headers
    classic = next(r for r in rows if "/ classic" in r)
    curious = next(r for r in rows if "/ curious" in r)
    assert "control" in classic
    assert "significant: reply rate higher than classic" in curious
    assert bars == 2
    publish_screenshot("engagement-variants.png")
