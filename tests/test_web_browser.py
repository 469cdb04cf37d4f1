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
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path

import pytest

from bot.conversation.events import Event, User
from bot.conversation.router import Conversation
from bot.web.server import WebApp
from competition import Competition
from tests.cdp import Browser, find_chromium, png_distinct_rows, png_size
from tests.competition_kit import make_event
from tests.conftest import FakeClock
from tests.web_kit import QUIZMASTER, FakeFinal, Pages, new_link, serve_pages

pytestmark = pytest.mark.skipif(
    find_chromium() is None,
    reason="no chromium on this machine (apt-get install chromium fonts-noto-cjk; CI does)",
)
SHOWN_WITHIN = 1.0  # seconds: the promise for a change to reach the big screen


@pytest.fixture
async def event(conversation: Conversation, clock: FakeClock, tmp_path: Path) -> Competition:
    return await make_event(conversation.sessions, conversation.services.bank, clock(), tmp_path)


@pytest.fixture
def final(conversation: Conversation, event: Competition) -> FakeFinal:
    fake = FakeFinal(competition_id=event.id or 0)
    fake.install(conversation)
    return fake


@pytest.fixture
async def pages(conversation: Conversation, final: FakeFinal, clock: FakeClock) -> AsyncIterator[Pages]:
    served = await serve_pages(WebApp(conversation, final, clock))  # the default 0.2 s poll
    yield served
    await served.runner.cleanup()


def score_of(team: str) -> str:
    return (
        f"(() => {{ const row = document.querySelector('tr[data-team=\"{team}\"]');"
        " return row ? Number(row.querySelector('td.score').textContent) : null; })()"
    )


async def test_the_scoreboard_shows_each_change_made_through_the_bot_within_a_second(
    conversation: Conversation,
    event: Competition,
    final: FakeFinal,
    clock: FakeClock,
    pages: Pages,
    tmp_path: Path,
    artifact: Callable[[str], Path],
) -> None:
    assert event.id is not None
    screen = await new_link(conversation, event.id, "screen", clock())
    final.question = {
        "text": "劳动合同期限一年以上不满三年的，试用期不得超过多久？",
        "options": [
            {"label": "A", "text": "一个月"},
            {"label": "B", "text": "二个月"},
            {"label": "C", "text": "三个月"},
            {"label": "D", "text": "六个月"},
        ],
        "revealed": True,
        "answer": ["B"],
    }
    final.deadline = clock() + timedelta(seconds=25)
    async with Browser.launch(tmp_path / "profile") as browser:
        page = await browser.page()
        await page.set_viewport(1920, 1080)  # a projector
        await page.navigate(pages.url(screen))
        await page.wait_for("window.pufaBoard && window.pufaBoard.version === 1", timeout=20)
        assert await page.evaluate(score_of("t-red")) == 100
        assert "测试杯" in await page.evaluate("document.getElementById('event').textContent")

        waits = []
        quizmaster = User(QUIZMASTER)
        for team, delta, expected in (("t-red", 10, 110), ("t-blue", 30, 130), ("t-red", -5, 105)):
            command = Event.message(quizmaster, QUIZMASTER, f"/adjust {team} {delta:+d} 评委更正")
            await conversation.process(command)  # handled and committed, as the bot does
            committed = time.monotonic()
            await page.wait_for(f"{score_of(team)} === {expected}", timeout=SHOWN_WITHIN)
            waits.append(time.monotonic() - committed)
        assert len(waits) == 3 and max(waits) < SHOWN_WITHIN

        # rank, latest change (animated), the revealed answer, the countdown from the server
        first = "document.querySelector('#teams tbody tr')"
        assert await page.evaluate(f"{first}.dataset.team") == "t-blue"
        assert await page.evaluate(f"{first}.querySelector('td.rank').textContent") == "1"
        red_delta = "document.querySelector('tr[data-team=\"t-red\"] td.delta')"
        assert await page.evaluate(f"{red_delta}.textContent") == "-5"
        assert await page.evaluate(f"{red_delta}.classList.contains('down')") is True
        assert await page.evaluate("document.querySelector('tr.changed') !== null") is True
        assert await page.evaluate("getComputedStyle(document.getElementById('buzz')).display") == "none"
        right = await page.evaluate("document.querySelector('#options li.right').textContent")
        assert right == "B二个月"
        seconds = int(await page.evaluate("document.getElementById('countdown').textContent"))
        assert 0 < seconds <= 25
        font = await page.evaluate("getComputedStyle(document.body).fontFamily")
        assert "Noto Sans CJK SC" in font

        png = await page.screenshot()
        shot = artifact("scoreboard.png")
        shot.write_bytes(png)
        assert png_size(png) == (1920, 1080)
        assert png_distinct_rows(png) > 50  # a drawn board, not a blank page

        final.finished = True
        final.version_no += 1
        await page.wait_for("!document.getElementById('podium').hidden", timeout=5)
        podium = await page.evaluate("document.querySelector('#podium ol').textContent")
        assert podium.startswith("1蓝队130")
        artifact("scoreboard_podium.png").write_bytes(await page.screenshot())
