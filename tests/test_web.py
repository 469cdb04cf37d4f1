"""The web pages: secret links, the live stream, console commands, /weblinks, `pufa web`.

Served for real on a local port (aiohttp's server and client), on both databases; the live
final is the stand-in of tests/web_kit.py, so these tests check the web layer's own rules.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlmodel import col, select

from bot.cli import main as pufa
from bot.conversation.messages import t
from bot.conversation.router import Conversation
from bot.delivery.models import OutboxAction
from bot.web.server import WebApp
from bot.weblinks import WebLink, find_link, revoke_links, token_hash
from competition import Competition
from tests.competition_kit import make_event
from tests.conftest import FakeClock
from tests.flowkit import ChatDriver
from tests.web_kit import JUDGE, QUIZMASTER, FakeFinal, Pages, new_link, serve_pages


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
    webapp = WebApp(conversation, final, clock, poll_interval=0.05, tick_seconds=0.3)
    served = await serve_pages(webapp)
    yield served
    await served.runner.cleanup()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


async def outbox(conversation: Conversation) -> list[tuple[int, dict[str, Any]]]:
    async with conversation.sessions() as session:
        rows = await session.exec(select(OutboxAction).order_by(col(OutboxAction.id)))
        return [(row.chat_key, row.action) for row in rows]


class Stream:
    """One open /events stream, read message by message."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self.response = response

    async def next(self, kind: str = "snapshot", timeout: float = 5) -> dict[str, Any]:
        async def read() -> dict[str, Any]:
            fields: dict[str, str] = {}
            while True:
                line = (await self.response.content.readline()).decode()
                if not line:
                    raise EOFError("stream closed")
                line = line.rstrip("\n")
                if line:
                    name, _, value = line.partition(": ")
                    fields[name] = value
                    continue
                if fields.get("event") == kind:
                    return {"id": fields.get("id"), **json.loads(fields["data"])}
                fields = {}

        return await asyncio.wait_for(read(), timeout)


# --- links ---------------------------------------------------------------------------------


async def test_links_are_stored_hashed_and_stop_working_when_revoked(
    conversation: Conversation, event: Competition, clock: FakeClock
) -> None:
    assert event.id is not None
    link = await new_link(conversation, event.id, "host", clock(), user_id=QUIZMASTER)
    assert len(link.token) >= 43
    async with conversation.sessions() as session:
        stored = (await session.exec(select(WebLink))).one()
        assert stored.token_hash == token_hash(link.token) != link.token
        assert link.token not in str(stored.model_dump())
        assert (await find_link(session, link.token)) is not None
        assert await find_link(session, link.token[:-1]) is None
        assert await find_link(session, "x" * 1000) is None
        revoked = await revoke_links(session, event.id, clock(), role="host")
        await session.commit()
        assert [r.id for r in revoked] == [stored.id]
        assert await find_link(session, link.token) is None


async def test_unknown_revoked_and_wrong_role_links_get_the_404_page(
    conversation: Conversation,
    event: Competition,
    clock: FakeClock,
    pages: Pages,
    http: aiohttp.ClientSession,
) -> None:
    assert event.id is not None
    screen = await new_link(conversation, event.id, "screen", clock())
    host = await new_link(conversation, event.id, "host", clock(), user_id=QUIZMASTER)
    ok = await http.get(pages.url(screen))
    assert ok.status == 200
    page = await ok.text()
    assert "测试杯" in page and "/static/board.js" in page
    assert ok.headers["Content-Security-Policy"].startswith("default-src 'none'")
    console = await http.get(pages.url(host))
    assert console.status == 200 and "/static/console.js" in await console.text()

    forged = secrets.token_urlsafe(32)
    for path in (
        f"/screen/{forged}",
        f"/console/{forged}",
        f"/events/{forged}",
        f"/console/{screen.token}",  # a screen link is no console
        f"/screen/{host.token}",  # and a console link no screen
        "/",
        "/screen/",
    ):
        response = await http.get(pages.base + path)
        assert response.status == 404, path
        assert t("web_not_found") in await response.text()

    async with conversation.sessions() as session:
        await revoke_links(session, event.id, clock())
        await session.commit()
    for url in (pages.url(screen), pages.url(host), f"{pages.base}/events/{screen.token}"):
        assert (await http.get(url)).status == 404


async def test_a_console_link_stops_when_its_user_is_no_longer_a_quiz_master(
    conversation: Conversation,
    event: Competition,
    clock: FakeClock,
    pages: Pages,
    http: aiohttp.ClientSession,
) -> None:
    assert event.id is not None
    host = await new_link(conversation, event.id, "host", clock(), user_id=QUIZMASTER)
    stranger = await new_link(conversation, event.id, "judge", clock(), user_id=12345)
    judge = await new_link(conversation, event.id, "judge", clock(), user_id=JUDGE)
    assert (await http.get(pages.url(host))).status == 200
    assert (await http.get(pages.url(judge))).status == 200
    assert (await http.get(pages.url(stranger))).status == 404
    async with conversation.sessions() as session:
        comp = await session.get(Competition, event.id)
        assert comp is not None
        comp.quizmasters = [901]
        session.add(comp)
        await session.commit()
    assert (await http.get(pages.url(host))).status == 404


# --- the live stream -----------------------------------------------------------------------


async def test_the_stream_sends_the_snapshot_then_every_change_from_one_shared_poll(
    conversation: Conversation,
    event: Competition,
    final: FakeFinal,
    clock: FakeClock,
    pages: Pages,
    http: aiohttp.ClientSession,
) -> None:
    assert event.id is not None
    screen = await new_link(conversation, event.id, "screen", clock())
    url = f"{pages.base}/events/{screen.token}"
    responses = [await http.get(url) for _ in range(8)]
    assert all(r.headers["Content-Type"].startswith("text/event-stream") for r in responses)
    streams = [Stream(r) for r in responses]
    first = [await s.next() for s in streams]
    assert {m["id"] for m in first} == {"1"}
    assert first[0]["now"] == clock().isoformat()
    assert [team["score"] for team in first[0]["snapshot"]["teams"]] == [100, 100]

    final.adjust("t-blue", 20)  # as another process would: only the version tells
    changed = [await s.next() for s in streams]
    assert {m["id"] for m in changed} == {"2"}
    top = changed[3]["snapshot"]["teams"][0]
    assert (top["code"], top["score"], top["last_delta"], top["rank"]) == ("t-blue", 120, 20, 1)
    # eight screens, two versions: two snapshot reads, not sixteen
    assert final.snapshot_reads == 2

    tick = await streams[0].next("tick")
    assert tick["now"] == clock().isoformat()
    for r in responses:
        r.close()


async def test_a_revoked_screen_stream_ends(
    conversation: Conversation,
    event: Competition,
    final: FakeFinal,
    clock: FakeClock,
    pages: Pages,
    http: aiohttp.ClientSession,
) -> None:
    assert event.id is not None
    screen = await new_link(conversation, event.id, "screen", clock())
    stream = Stream(await http.get(f"{pages.base}/events/{screen.token}"))
    await stream.next()
    async with conversation.sessions() as session:
        await revoke_links(session, event.id, clock(), role="screen")
        await session.commit()
    with pytest.raises(EOFError):
        await stream.next("never", timeout=5)


# --- console commands ----------------------------------------------------------------------


def origin_of(pages: Pages) -> dict[str, str]:
    return {"Origin": pages.base}


async def test_a_console_press_runs_the_command_as_the_quiz_master_and_fills_the_outbox(
    conversation: Conversation,
    event: Competition,
    final: FakeFinal,
    clock: FakeClock,
    pages: Pages,
    http: aiohttp.ClientSession,
) -> None:
    assert event.id is not None
    host = await new_link(conversation, event.id, "host", clock(), user_id=QUIZMASTER)
    screen = await new_link(conversation, event.id, "screen", clock())
    stream = Stream(await http.get(f"{pages.base}/events/{screen.token}"))
    await stream.next()
    press = {"command": "adjust", "team": "t-red", "delta": "+10", "reason": " 抢答\n加分 "}
    response = await http.post(
        f"{pages.url(host)}/command", json=press, headers=origin_of(pages)
    )
    assert response.status == 200
    assert await response.json() == {"ok": True, "replies": ["已调整 t-red +10"]}
    # the console picks the link's event first (as a quiz master of several finals would)
    assert final.commands == [(QUIZMASTER, "/adjust t-red +10 抢答 加分")]
    assert final.picked == [(QUIZMASTER, "test-cup")]  # the link's event, picked first
    sent = await outbox(conversation)
    assert [(chat, a["text"]) for chat, a in sent] == [
        (QUIZMASTER, "已调整 t-red +10"),
        (-100, "比分变化：t-red +10"),
    ]
    changed = await stream.next()
    assert changed["snapshot"]["teams"][0] == {
        "code": "t-red",
        "name": "红队",
        "score": 110,
        "rank": 1,
        "last_delta": 10,
    }

    presses = (
        ({"command": "next"}, "/next"),
        ({"command": "reveal"}, "/reveal"),
        ({"command": "open"}, "/open"),
        ({"command": "round"}, "/round"),
        ({"command": "judge_ok"}, "/judge ok"),
        ({"command": "undo"}, "/undo"),
        ({"command": "tier", "points": "20"}, "/tier 20"),
        ({"command": "tier", "points": 0}, "/tier 0"),
    )
    for press, typed in presses:
        response = await http.post(f"{pages.url(host)}/command", json=press, headers=origin_of(pages))
        assert (await response.json())["replies"] == [f"好的：{typed}"]
    assert [c for _, c in final.commands[1:]] == [typed for _, typed in presses]


@pytest.mark.parametrize(
    ("press", "status", "key"),
    [
        ({"command": "adjust", "team": "t-red", "delta": "0", "reason": "x"}, 400, "web_bad_delta"),
        ({"command": "adjust", "team": "t-red", "delta": "+5000", "reason": "x"}, 400, "web_bad_delta"),
        ({"command": "adjust", "team": "t-red", "delta": True, "reason": "x"}, 400, "web_bad_delta"),
        ({"command": "adjust", "team": "红 队", "delta": 5, "reason": "x"}, 400, "web_bad_team"),
        ({"command": "adjust", "team": "t-red", "delta": 5, "reason": " "}, 400, "web_bad_reason"),
        ({"command": "adjust", "team": "t-red", "delta": 5, "reason": "长" * 101}, 400, "web_bad_reason"),
        ({"command": "tier", "points": -10}, 400, "web_bad_points"),
        ({"command": "tier", "points": "二十"}, 400, "web_bad_points"),
        ({"command": "tier"}, 400, "web_bad_points"),
        ({"command": "forget"}, 400, "web_bad_command"),
        ({"command": "/next"}, 400, "web_bad_command"),
        (["next"], 400, "web_bad_command"),
    ],
)
async def test_bad_presses_are_answered_and_change_nothing(
    conversation: Conversation,
    event: Competition,
    final: FakeFinal,
    clock: FakeClock,
    pages: Pages,
    http: aiohttp.ClientSession,
    press: object,
    status: int,
    key: str,
) -> None:
    assert event.id is not None
    host = await new_link(conversation, event.id, "host", clock(), user_id=QUIZMASTER)
    response = await http.post(f"{pages.url(host)}/command", json=press, headers=origin_of(pages))
    assert response.status == status
    assert await response.json() == {"ok": False, "error": t(key)}
    assert final.commands == [] and await outbox(conversation) == []


async def test_cross_site_and_wrong_role_presses_are_refused(
    conversation: Conversation,
    event: Competition,
    final: FakeFinal,
    clock: FakeClock,
    pages: Pages,
    http: aiohttp.ClientSession,
) -> None:
    assert event.id is not None
    host = await new_link(conversation, event.id, "host", clock(), user_id=QUIZMASTER)
    judge = await new_link(conversation, event.id, "judge", clock(), user_id=JUDGE)
    screen = await new_link(conversation, event.id, "screen", clock())
    url = f"{pages.url(host)}/command"
    next_press = json.dumps({"command": "next"})
    refused = [
        await http.post(url, data=next_press, headers={"Content-Type": "application/json"}),
        await http.post(url, json={"command": "next"}, headers={"Origin": "http://evil.example"}),
        await http.post(url, json={"command": "next"}, headers={"Origin": "null"}),
        await http.post(
            url,
            json={"command": "next"},
            headers={**origin_of(pages), "Sec-Fetch-Site": "cross-site"},
        ),
        await http.post(
            url,
            data="command=next",
            headers={**origin_of(pages), "Content-Type": "application/x-www-form-urlencoded"},
        ),
    ]
    assert [r.status for r in refused] == [403, 403, 403, 403, 415]
    # a screen link cannot command; a judge link has the quiz master's controls
    assert (
        await http.post(f"{pages.base}/console/{screen.token}/command", json={"command": "next"},
                        headers=origin_of(pages))
    ).status == 404
    assert final.commands == [] and await outbox(conversation) == []
    judge_url = f"{pages.url(judge)}/command"
    for press in ({"command": "judge_wrong"}, {"command": "next"}):
        response = await http.post(judge_url, json=press, headers=origin_of(pages))
        assert (await response.json())["ok"] is True
    assert final.commands == [(JUDGE, "/judge wrong"), (JUDGE, "/next")]
    # the Referer counts when there is no Origin
    via_referer = await http.post(
        url, json={"command": "board"}, headers={"Referer": pages.url(host)}
    )
    assert via_referer.status == 200


# --- /weblinks -----------------------------------------------------------------------------


async def test_weblinks_sends_a_quiz_master_working_links(
    conversation: Conversation,
    event: Competition,
    final: FakeFinal,
    clock: FakeClock,
    pages: Pages,
    http: aiohttp.ClientSession,
) -> None:
    qm = ChatDriver(conversation, QUIZMASTER)
    await qm.send("/weblinks")
    assert qm.last_actions[0].text == t("weblinks_off")  # type: ignore[union-attr]

    conversation.services = replace(conversation.services, web_base_url=pages.base + "/")
    await qm.send("/weblinks test-cup")
    reply = qm.last_actions[0].text  # type: ignore[union-attr]
    console_url, screen_url = (
        line for line in reply.splitlines() if line.startswith(pages.base)
    )
    assert console_url.startswith(f"{pages.base}/console/")
    assert screen_url.startswith(f"{pages.base}/screen/")
    assert (await http.get(console_url)).status == 200
    assert (await http.get(screen_url)).status == 200
    press = await http.post(
        f"{console_url}/command", json={"command": "reveal"}, headers=origin_of(pages)
    )
    assert (await press.json())["replies"] == ["好的：/reveal"]

    worker = ChatDriver(conversation, 4242)
    await worker.send("/weblinks")
    assert worker.last_actions[0].text == t("quizmaster_only")  # type: ignore[union-attr]
    await qm.send("/weblinks no-such-cup")
    assert qm.last_actions[0].text == t("quizmaster_only")  # type: ignore[union-attr]
    group = ChatDriver(conversation, QUIZMASTER, chat_id=-500, chat_type="group")
    await group.send("/weblinks")
    assert group.last_actions[0].text == t("private_only")  # type: ignore[union-attr]
    async with conversation.sessions() as session:
        assert len((await session.exec(select(WebLink))).all()) == 2


# --- the command line ----------------------------------------------------------------------


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = pufa(list(argv))
    out = capsys.readouterr()
    return code, out.out + out.err


async def test_pufa_web_link_links_and_revoke(
    conversation: Conversation,
    event: Competition,
    final: FakeFinal,
    db_url: str,
    pages: Pages,
    http: aiohttp.ClientSession,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PUFA_DATABASE_URL", db_url)
    monkeypatch.setenv("PUFA_WEB_BASE_URL", pages.base)
    monkeypatch.delenv("PUFA_QUIZMASTERS", raising=False)

    async def cli(*argv: str) -> tuple[int, str]:
        return await asyncio.to_thread(run_cli, capsys, *argv)

    code, out = await cli("web", "link", "test-cup", "--role", "screen")
    assert code == 0 and out.startswith(f"{pages.base}/screen/")
    screen_url = out.strip()
    code, out = await cli("web", "link", "test-cup", "--role", "host")  # the only quiz master
    assert code == 0 and out.startswith(f"{pages.base}/console/")
    host_url = out.strip()
    assert (await http.get(screen_url)).status == 200
    assert (await http.get(host_url)).status == 200

    assert await cli("web", "link", "test-cup", "--role", "host", "--user", "5") == (
        1,
        "5 is not a quiz master of test-cup (event file or PUFA_QUIZMASTERS)\n",
    )
    code, out = await cli("web", "link", "test-cup", "--role", "judge")
    assert code == 1 and "--user" in out
    assert await cli("web", "link", "no-cup", "--role", "screen") == (1, "no event 'no-cup'\n")

    code, out = await cli("web", "links", "test-cup")
    lines = out.splitlines()
    assert code == 0 and lines[0] == "id\trole\tuser\tcreated\tstatus"
    assert [line.split("\t")[1:3] for line in lines[1:]] == [["screen", ""], ["host", "900"]]
    assert all(line.endswith("active") for line in lines[1:])
    assert screen_url.rsplit("/", 1)[1] not in out

    assert await cli("web", "revoke", "test-cup") == (
        2,
        "say which links: --id N, --role R, --user ID (any together), or --all\n",
    )
    code, out = await cli("web", "revoke", "test-cup", "--role", "screen")
    assert code == 0 and out.startswith("1 link(s) revoked")
    assert (await http.get(screen_url)).status == 404
    assert (await http.get(host_url)).status == 200
    assert await cli("web", "revoke", "test-cup", "--all") == (0, "1 link(s) revoked: 2\n")
    assert (await http.get(host_url)).status == 404
    _code, out = await cli("web", "links", "test-cup")
    assert all("\trevoked " in line for line in out.splitlines()[1:])
