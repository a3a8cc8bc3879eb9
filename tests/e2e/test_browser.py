"""The demo chat and the dashboard in a real browser (Debian's Chromium, headless).

The person types in the chat page; the message goes through the real pipeline; the page shows
"Vu", "Camille est en train d'écrire…" and then each part. Screenshots land in `artifacts/`;
with UPDATE_SCREENSHOTS=1 (or when missing) they are also copied to docs/img/ for the README.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from randomatch_bot.api import create_app
from randomatch_bot.conversation.persona.presence import NBSP, clock_time
from tests.support.api_server import serving
from tests.support.night import night_offset
from tests.support.pipeline import eventually, running_pipeline

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"
DOCS_IMG = ROOT / "docs" / "img"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="Debian's Chromium is not installed (/usr/bin/chromium): `make test` installs it "
        "with apt-get where apt-get exists",
    ),
]

playwright_api = pytest.importorskip("playwright.async_api")


@pytest.fixture
async def browser(tmp_path: Path) -> AsyncIterator[Any]:
    """A fresh headless Chromium profile; CSP bypassed only so Playwright can evaluate checks."""
    async with playwright_api.async_playwright() as driver:
        context = await driver.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            bypass_csp=True,
            locale="fr-FR",
            timezone_id="Europe/Paris",
        )
        try:
            yield context
        finally:
            await context.close()


def keep_screenshot(name: str) -> Path:
    """Where to write a screenshot now; copied to docs/img by `publish_screenshot`."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / name


def publish_screenshot(name: str) -> None:
    target = DOCS_IMG / name
    if os.environ.get("UPDATE_SCREENSHOTS") == "1" or not target.exists():
        DOCS_IMG.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ARTIFACTS / name, target)


async def reply_finished(page: Any) -> list[str]:
    """Wait until the latest reply's typing spells are over; the page's event log."""
    await page.wait_for_function(
        "window.chatLog.at(-1) === 'typing:off'"
        " && window.chatLog.lastIndexOf('typing:on') > window.chatLog.findLastIndex("
        "e => e.startsWith('me:'))",
        timeout=30_000,
    )
    # A later part may still come after a short pause between parts.
    await page.wait_for_timeout(1500)
    await page.wait_for_function("window.chatLog.at(-1) === 'typing:off'", timeout=30_000)
    return list(await page.evaluate("window.chatLog"))


async def test_chat_page_shows_read_typing_and_parts(make_settings: Any, browser: Any) -> None:
    """In the browser: send a message, see "Vu", the typing indicator, then the reply parts;
    then the dashboard shows the reply in its counters."""
    settings = make_settings(TIME_SCALE=0.1)
    async with running_pipeline(settings) as pipeline:
        app = create_app(settings, resources=pipeline.resources, demo=True)
        async with serving(app) as url:
            page = await browser.new_page()
            await page.set_viewport_size({"width": 480, "height": 820})
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            await page.goto(url)
            # The header shows the presence the server computed (always awake here).
            await page.wait_for_function(
                "document.querySelector('#bot-status').textContent"
                " === 'Randonneuse · en ligne · réponses hors ligne (démo)'"
            )
            await page.fill("#text", "Salut Camille ! Tu randonnes plutôt dans les Écrins ?")
            await page.click("#send")
            await page.wait_for_selector(".row.mine .bubble")
            await page.wait_for_selector(".row.mine .seen:not([hidden])", timeout=30_000)
            typing = page.locator("#typing")
            await typing.wait_for(state="visible", timeout=30_000)
            assert await typing.inner_text() == "Camille est en train d'écrire…"
            await page.wait_for_selector(".row.theirs .bubble", timeout=30_000)
            await typing.wait_for(state="hidden", timeout=30_000)
            log = await reply_finished(page)
            # A second exchange, so that the picture shows a conversation.
            await page.fill("#text", "Trop bien ! Tu y retournes ce week-end ?")
            await page.click("#send")
            await page.wait_for_function(
                "window.chatLog.filter(e => e.startsWith('me:')).length == 2"
            )
            await reply_finished(page)
            header = await page.locator("#bot-status").inner_text()
            await page.screenshot(path=str(keep_screenshot("chat.png")))

            dashboard = await browser.new_page()
            await dashboard.set_viewport_size({"width": 1280, "height": 960})
            await dashboard.goto(url + "dashboard")
            await dashboard.wait_for_selector("#cards .card")
            await dashboard.wait_for_selector("#bots tr td")
            replies = await dashboard.locator("#cards .card .value").first.inner_text()
            llm = await dashboard.locator("#llm").inner_text()
            await dashboard.screenshot(path=str(keep_screenshot("dashboard.png")), full_page=True)
    assert errors == []
    assert header == "Randonneuse · en ligne · réponses hors ligne (démo)"
    assert log[0].startswith("me:")
    assert log.index("read") < log.index("typing:on")
    first_part = next(i for i, item in enumerate(log) if item.startswith("part:"))
    assert log.index("typing:on") < first_part
    assert int(replies) >= 1
    assert "offline" in llm
    publish_screenshot("chat.png")
    publish_screenshot("dashboard.png")


async def test_chat_page_says_when_camille_sleeps(make_settings: Any, browser: Any) -> None:
    """At night the header says "dort · répond vers 8 h…", before and after a message, and
    no "Vu" appears: the page never claims "en ligne" for a persona asleep for hours."""
    offset = night_offset(dt.datetime.now(dt.UTC))
    settings = make_settings(
        TIME_SCALE=1.0,
        ACTIVE_HOURS="08:00-23:30",
        BOT_TIMEZONE="Europe/Paris",
        HOURS_CLOCK_OFFSET=offset,
    )
    async with running_pipeline(settings) as pipeline:
        app = create_app(settings, resources=pipeline.resources, demo=True)
        async with serving(app) as url:
            page = await browser.new_page()
            await page.set_viewport_size({"width": 480, "height": 820})
            await page.goto(url)
            await page.wait_for_function(
                "document.querySelector('#bot-status').textContent"
                " === 'Randonneuse · dort · répond vers 8\u00a0h · réponses hors ligne (démo)'"
            )
            await page.fill("#text", "Tu dors déjà ?")
            await page.click("#send")
            await page.wait_for_selector(".row.mine .bubble")
            # The reply is planned (for after 08:00): the header now gives its time.
            async with pipeline.resources.pool.acquire() as conn:
                due = await eventually(
                    lambda: conn.fetchval("SELECT read_due_at FROM bot.reply_plans"), bool
                )
            at = clock_time(due + dt.timedelta(seconds=offset), "Europe/Paris").replace(" ", NBSP)
            expected = f"Randonneuse · dort · répond vers {at} · réponses hors ligne (démo)"
            await page.wait_for_function(
                f"document.querySelector('#bot-status').textContent === '{expected}'",
                timeout=30_000,
            )
            seen = await page.locator(".row.mine .seen:not([hidden])").count()
            await page.screenshot(path=str(keep_screenshot("chat-night.png")))
    assert due - dt.datetime.now(dt.UTC) > dt.timedelta(hours=4)
    assert seen == 0
    publish_screenshot("chat-night.png")
