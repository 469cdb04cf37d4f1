"""The web console and scoreboard on the real live final (scoring.final and its flow): console
presses run the final as the quiz master and a judge, the contestants' messages are queued in
the outbox, the ledger keeps every change, and the stream shows each new state."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import aiohttp
import pytest
from sqlmodel import col, select

from bot.conversation.messages import t
from bot.conversation.router import Conversation
from bot.delivery.models import OutboxAction
from bot.web.final_board import FinalBoard
from bot.web.server import WebApp
from bot.weblinks import event_links
from competition import Competition
from scoring.final.models import LedgerEntry
from tests.competition_kit import make_event
from tests.conftest import FakeClock
from tests.final_kit import JUDGE, QUIZMASTER, contestant, make_final
from tests.flowkit import ChatDriver
from tests.web_kit import Pages, Stream, new_link, serve_pages


@pytest.fixture
async def comp(conversation: Conversation, clock: FakeClock, tmp_path: Path) -> Competition:
    return await make_final(conversation.sessions, conversation.services.bank, clock(), tmp_path)


@pytest.fixture
async def pages(conversation: Conversation, clock: FakeClock) -> AsyncIterator[Pages]:
    webapp = WebApp(conversation, FinalBoard(), clock, poll_interval=0.05)
    served = await serve_pages(webapp)
    yield served
    await served.runner.cleanup()


async def press(
    http: aiohttp.ClientSession, pages: Pages, url: str, **body: object
) -> dict[str, object]:
    response = await http.post(f"{url}/command", json=body, headers={"Origin": pages.base})
    answer: dict[str, object] = await response.json()
    assert response.status == 200, answer
    return answer


async def test_the_console_runs_the_real_final_and_the_screen_follows(
    conversation: Conversation,
    comp: Competition,
    clock: FakeClock,
    pages: Pages,
    tmp_path: Path,
) -> None:
    assert comp.id is not None
    host = await new_link(conversation, comp.id, "host", clock(), user_id=QUIZMASTER)
    judge = await new_link(conversation, comp.id, "judge", clock(), user_id=JUDGE)
    screen = await new_link(conversation, comp.id, "screen", clock())
    async with aiohttp.ClientSession() as http:
        stream = Stream(await http.get(f"{pages.base}/events/{screen.token}"))
        start = (await stream.next())["snapshot"]
        assert start["event"] == "决赛杯" and start["round"] is None
        assert [team["score"] for team in start["teams"]] == [100] * 8

        started = await press(http, pages, pages.url(host), command="round")
        assert started["replies"]
        snap = (await stream.next())["snapshot"]
        assert snap["round"]["index"] == 0 and snap["round"]["kind"] == "compulsory"

        await press(http, pages, pages.url(host), command="next")
        snap = (await stream.next())["snapshot"]
        assert snap["phase"] == "answering" and snap["question"]["text"]
        assert snap["deadline"] is not None and snap["question"]["answer"] is None
        async with conversation.sessions() as session:
            chats = {row.chat_key for row in await session.exec(select(OutboxAction))}
        assert {contestant(team, seat) for team in range(8) for seat in range(3)} <= chats

        await press(
            http, pages, pages.url(host), command="adjust", team="f3", delta="+5", reason="评委更正"
        )
        snap = (await stream.next())["snapshot"]
        f3 = next(team for team in snap["teams"] if team["code"] == "f3")
        assert (f3["score"], f3["last_delta"], f3["rank"]) == (105, 5, 1)
        assert snap["teams"][0]["code"] == "f3"

        await press(http, pages, pages.url(judge), command="undo")
        snap = (await stream.next())["snapshot"]
        f3 = next(team for team in snap["teams"] if team["code"] == "f3")
        assert f3["score"] == 100

        await press(http, pages, pages.url(host), command="reveal")
        snap = (await stream.next())["snapshot"]
        assert snap["question"]["revealed"] is True and snap["question"]["answer"]

    async with conversation.sessions() as session:
        ledger = list(await session.exec(select(LedgerEntry).order_by(col(LedgerEntry.id))))
    corrections = [(e.kind, e.delta, e.by_user) for e in ledger]
    assert corrections == [("adjust", 5, QUIZMASTER), ("undo", -5, JUDGE)]
    assert ledger[0].note == "评委更正" and ledger[1].undoes_id == ledger[0].id


async def test_an_event_without_a_final_has_no_console_commands(
    conversation: Conversation, clock: FakeClock, pages: Pages, tmp_path: Path
) -> None:
    plain = await make_event(conversation.sessions, conversation.services.bank, clock(), tmp_path)
    assert plain.id is not None
    host = await new_link(conversation, plain.id, "host", clock(), user_id=900)
    async with aiohttp.ClientSession() as http:
        assert (await http.get(pages.url(host))).status == 200
        response = await http.post(
            f"{pages.url(host)}/command", json={"command": "next"}, headers={"Origin": pages.base}
        )
        assert response.status == 409
        assert await response.json() == {"ok": False, "error": t("web_no_final")}
    async with conversation.sessions() as session:
        assert (await session.exec(select(OutboxAction))).first() is None


async def test_a_judge_gets_a_judge_console_with_weblinks(
    conversation: Conversation, comp: Competition, pages: Pages
) -> None:
    conversation.services = replace(conversation.services, web_base_url=pages.base)
    judge = ChatDriver(conversation, JUDGE)
    await judge.send("/weblinks")
    reply = judge.last_actions[0].text  # type: ignore[union-attr]
    assert "您的裁判控制台" in reply
    console_url = next(line for line in reply.splitlines() if "/console/" in line)
    async with conversation.sessions() as session:
        roles = [link.role for link in await event_links(session, comp.id or 0)]
    assert roles == ["judge", "screen"]
    async with aiohttp.ClientSession() as http:
        assert (await http.get(console_url)).status == 200
        answer = await press(http, pages, console_url, command="board")
        assert answer["ok"] is True
    contestant_phone = ChatDriver(conversation, contestant(0, 0))
    await contestant_phone.send("/weblinks")
    assert contestant_phone.last_actions[0].text == t("quizmaster_only")  # type: ignore[union-attr]
