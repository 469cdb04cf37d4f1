"""The scoreboard in a real browser: Debian's headless chromium, driven over the DevTools
protocol (tests/cdp.py), shows each score change made through the bot within one second.

The changes are quiz masters' commands handled by the conversation layer as the bot handles a
Telegram update, committed to the database; the page learns of them only through the web
server's shared version poll and its server push. A screenshot of the board is kept (its
path is in pytest's summary, under "test artefacts"). Without chromium the test says so and
skips; CI installs it (.ci/run).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.conversation.events import Event, User
from bot.conversation.router import Conversation
from bot.web.final_board import FinalBoard
from bot.web.server import WebApp
from tests.cdp import Browser, find_chromium, png_distinct_rows, png_size
from tests.conftest import FakeClock
from tests.final_kit import QUIZMASTER, make_final
from tests.web_kit import Hall, new_link, serve_pages

pytestmark = pytest.mark.skipif(
    find_chromium() is None,
    reason="no chromium on this machine (apt-get install chromium fonts-noto-cjk; CI does)",
)
SHOWN_WITHIN = 1.0  # seconds: the promise for a change to reach the big screen


def score_of(team: str) -> str:
    return (
        f"(() => {{ const row = document.querySelector('tr[data-team=\"{team}\"]');"
        " return row ? Number(row.querySelector('td.score').textContent) : null; })()"
    )


async def test_the_scoreboard_shows_each_change_made_through_the_bot_within_a_second(
    conversation: Conversation,
    clock: FakeClock,
    tmp_path: Path,
    artifact: Callable[[str], Path],
) -> None:
    """The real final: the quiz master's commands are handled by the conversation layer and
    committed, as the bot handles a Telegram update; the page only has the server's push."""
    comp = await make_final(conversation.sessions, conversation.services.bank, clock(), tmp_path)
    assert comp.id is not None
    served = await serve_pages(WebApp(conversation, FinalBoard(), clock))  # the 0.2 s poll
    quizmaster = User(QUIZMASTER)

    async def command(text: str) -> None:
        await conversation.process(Event.message(quizmaster, QUIZMASTER, text))

    try:
        screen = await new_link(conversation, comp.id, "screen", clock())
        async with Browser.launch(tmp_path / "profile") as browser:
            page = await browser.open(served.url(screen))
            await page.wait_for("window.pufaBoard && window.pufaBoard.version >= 1", timeout=20)
            assert await page.evaluate(score_of("f1")) == 100
            assert await page.evaluate("document.getElementById('event').textContent") == "决赛杯"
            await command("/round")
            await command("/next")
            await page.wait_for("document.querySelectorAll('#options li').length > 0", timeout=5)

            waits = []
            for team, delta, expected in (("f2", 10, 110), ("f5", 30, 130), ("f2", -5, 105)):
                await command(f"/adjust {team} {delta:+d} 评委更正")
                committed = time.monotonic()
                await page.wait_for(f"{score_of(team)} === {expected}", timeout=SHOWN_WITHIN)
                waits.append(time.monotonic() - committed)
            assert len(waits) == 3 and max(waits) < SHOWN_WITHIN

            # rank, latest change (animated), the question, the countdown from the server
            first = "document.querySelector('#teams tbody tr')"
            assert await page.evaluate(f"{first}.dataset.team") == "f5"
            assert await page.evaluate(f"{first}.querySelector('td.rank').textContent") == "1"
            delta = "document.querySelector('tr[data-team=\"f2\"] td.delta')"
            assert await page.evaluate(f"{delta}.textContent") == "-5"
            assert await page.evaluate(f"{delta}.classList.contains('down')") is True
            assert await page.evaluate("document.querySelector('tr.changed') !== null") is True
            assert await page.evaluate("document.getElementById('question').textContent")
            assert await page.evaluate("document.getElementById('phase').textContent") == "作答中"
            seconds = int(await page.evaluate("document.getElementById('countdown').textContent"))
            assert 0 < seconds <= 20
            buzz = "getComputedStyle(document.getElementById('buzz')).display"
            assert await page.evaluate(buzz) == "none"
            font = await page.evaluate("getComputedStyle(document.body).fontFamily")
            assert "Noto Sans CJK SC" in font

            await command("/reveal")
            await page.wait_for("document.querySelector('#options li.right') !== null", timeout=5)
            png = await page.screenshot()
            artifact("scoreboard.png").write_bytes(png)
            assert png_size(png) == (1920, 1080)
            assert png_distinct_rows(png) > 50  # a drawn board, not a blank page
    finally:
        await served.runner.cleanup()


async def test_the_podium_at_the_end(
    hall: Hall, tmp_path: Path, artifact: Callable[[str], Path]
) -> None:
    screen = await hall.link("screen")
    hall.final.adjust("t-blue", 30)
    async with Browser.launch(tmp_path / "profile") as browser:
        page = await browser.open(hall.url(screen))
        await page.wait_for("window.pufaBoard && window.pufaBoard.version === 2", timeout=20)
        assert await page.evaluate("document.getElementById('podium').hidden") is True
        hall.final.finished = True
        hall.final.version_no += 1
        await page.wait_for("!document.getElementById('podium').hidden", timeout=5)
        podium = await page.evaluate("document.querySelector('#podium ol').textContent")
        assert podium == "1蓝队1302红队100"
        png = await page.screenshot()
        artifact("scoreboard_podium.png").write_bytes(png)
        assert png_distinct_rows(png) > 50


async def test_the_console_in_a_browser_sends_presses_and_shows_the_replies(
    hall: Hall, tmp_path: Path, artifact: Callable[[str], Path]
) -> None:
    """The page's own requests (Origin, Sec-Fetch-Site, JSON) pass the server's checks."""
    host = await hall.link("host", QUIZMASTER)
    async with Browser.launch(tmp_path / "profile") as browser:
        page = await browser.open(hall.url(host), 1600, 900)
        await page.wait_for("document.querySelectorAll('#adjust-team option').length === 2", 20)
        await page.evaluate("document.querySelector('button[data-command=\"next\"]').click()")
        await page.wait_for("document.querySelectorAll('#results li').length === 1", 5)
        await page.evaluate(
            "document.getElementById('adjust-team').value = 't-blue';"
            "document.getElementById('adjust-delta').value = '-5';"
            "document.getElementById('adjust-reason').value = '提示答案';"
            "document.getElementById('adjust-submit').click();"
        )
        await page.wait_for("document.querySelectorAll('#results li').length === 2", 5)
        newest = await page.evaluate("document.querySelector('#results li').textContent")
        assert newest.endswith("已调整 t-blue -5")
        await page.wait_for(f"{score_of('t-blue')} === 95", 5)  # the live board follows
        artifact("console.png").write_bytes(await page.screenshot())
    assert hall.final.commands == [
        (QUIZMASTER, "/next"),
        (QUIZMASTER, "/adjust t-blue -5 提示答案"),
    ]
