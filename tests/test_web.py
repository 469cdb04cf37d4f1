"""The web pages: secret links, the live stream, console commands, /weblinks, `pufa web`.

Served for real on a local port (aiohttp's server and client), on both databases; the live
final is the stand-in of tests/web_kit.py (`hall`), so these tests check the web layer's own
rules (tests/test_web_final.py runs the console on the real final).
"""

from __future__ import annotations

import asyncio
import json
import secrets
from dataclasses import replace

import pytest
from sqlmodel import select

from bot.cli import main as pufa
from bot.conversation.messages import t
from bot.weblinks import WebLink, find_link, revoke_links, token_hash
from competition import Competition
from tests.flowkit import ChatDriver
from tests.web_kit import JUDGE, QUIZMASTER, Hall

# --- links ---------------------------------------------------------------------------------


async def test_links_are_stored_hashed_and_stop_working_when_revoked(hall: Hall) -> None:
    link = await hall.link("host", QUIZMASTER)
    assert len(link.token) >= 43
    async with hall.conversation.sessions() as session:
        stored = (await session.exec(select(WebLink))).one()
        assert stored.token_hash == token_hash(link.token) != link.token
        assert link.token not in str(stored.model_dump())
        assert (await find_link(session, link.token)) is not None
        assert await find_link(session, link.token[:-1]) is None
        assert await find_link(session, "x" * 1000) is None
        revoked = await revoke_links(session, hall.competition_id, hall.clock(), role="host")
        await session.commit()
        assert [r.id for r in revoked] == [stored.id]
        assert await find_link(session, link.token) is None


async def test_unknown_revoked_and_wrong_role_links_get_the_404_page(hall: Hall) -> None:
    screen = await hall.link("screen")
    host = await hall.link("host", QUIZMASTER)
    ok = await hall.http.get(hall.url(screen))
    assert ok.status == 200
    page = await ok.text()
    assert "测试杯" in page and "/static/board.js" in page
    assert ok.headers["Content-Security-Policy"].startswith("default-src 'none'")
    console = await hall.http.get(hall.url(host))
    assert console.status == 200 and "/static/console.js" in await console.text()
    assert (await hall.http.get(f"{hall.pages.base}/static/board.css")).status == 200

    forged = secrets.token_urlsafe(32)
    for path in (
        f"/screen/{forged}",
        f"/console/{forged}",
        f"/events/{forged}",
        f"/console/{screen.token}",  # a screen link is no console
        f"/screen/{host.token}",  # and a console link no screen
        "/",
        "/screen/",
        "/static/../bot/weblinks.py",
    ):
        response = await hall.http.get(hall.pages.base + path)
        assert response.status == 404, path
        assert t("web_not_found") in await response.text()

    async with hall.conversation.sessions() as session:
        await revoke_links(session, hall.competition_id, hall.clock())
        await session.commit()
    for url in (hall.url(screen), hall.url(host), f"{hall.pages.base}/events/{screen.token}"):
        assert (await hall.http.get(url)).status == 404


async def test_a_console_link_stops_when_its_user_is_no_longer_a_quiz_master(hall: Hall) -> None:
    host = await hall.link("host", QUIZMASTER)
    stranger = await hall.link("judge", 12345)
    judge = await hall.link("judge", JUDGE)
    assert (await hall.http.get(hall.url(host))).status == 200
    assert (await hall.http.get(hall.url(judge))).status == 200
    assert (await hall.http.get(hall.url(stranger))).status == 404
    async with hall.conversation.sessions() as session:
        comp = await session.get(Competition, hall.competition_id)
        assert comp is not None
        comp.quizmasters = [901]
        session.add(comp)
        await session.commit()
    assert (await hall.http.get(hall.url(host))).status == 404
    assert (await hall.press(host, {"command": "next"})).status == 404
    assert hall.final.commands == []


# --- the live stream -----------------------------------------------------------------------


async def test_the_stream_sends_the_snapshot_then_every_change_from_one_shared_poll(
    hall: Hall,
) -> None:
    screen = await hall.link("screen")
    streams = [await hall.stream(screen) for _ in range(8)]
    assert all(s.response.headers["Content-Type"].startswith("text/event-stream") for s in streams)
    first = [await s.next() for s in streams]
    assert {m["id"] for m in first} == {"1"}
    assert first[0]["now"] == hall.clock().isoformat()
    assert [team["score"] for team in first[0]["snapshot"]["teams"]] == [100, 100]

    hall.final.adjust("t-blue", 20)  # as another process would: only the version tells
    changed = [await s.next() for s in streams]
    assert {m["id"] for m in changed} == {"2"}
    top = changed[3]["snapshot"]["teams"][0]
    assert (top["code"], top["score"], top["last_delta"], top["rank"]) == ("t-blue", 120, 20, 1)
    # eight screens, two versions: two snapshot reads, not sixteen
    assert hall.final.snapshot_reads == 2

    tick = await streams[0].next("tick")
    assert tick["now"] == hall.clock().isoformat()
    for s in streams:
        s.response.close()


async def test_a_revoked_screen_stream_ends(hall: Hall) -> None:
    screen = await hall.link("screen")
    stream = await hall.stream(screen)
    await stream.next()
    async with hall.conversation.sessions() as session:
        await revoke_links(session, hall.competition_id, hall.clock(), role="screen")
        await session.commit()
    with pytest.raises(EOFError):
        await stream.next("never", timeout=5)


# --- console commands ----------------------------------------------------------------------


async def test_a_console_press_runs_the_command_as_the_quiz_master_and_fills_the_outbox(
    hall: Hall,
) -> None:
    host = await hall.link("host", QUIZMASTER)
    stream = await hall.stream(await hall.link("screen"))
    await stream.next()
    press = {"command": "adjust", "team": "t-red", "delta": "+10", "reason": " 抢答\n加分 "}
    response = await hall.press(host, press)
    assert response.status == 200
    assert await response.json() == {"ok": True, "replies": ["已调整 t-red +10"]}
    assert hall.final.commands == [(QUIZMASTER, "/adjust t-red +10 抢答 加分")]
    assert hall.final.picked == [(QUIZMASTER, "test-cup")]  # the link's event, picked first
    assert [(chat, a["text"]) for chat, a in await hall.outbox()] == [
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
    for body, typed in presses:
        response = await hall.press(host, body)
        assert (await response.json())["replies"] == [f"好的：{typed}"]
    assert [c for _, c in hall.final.commands[1:]] == [typed for _, typed in presses]


@pytest.mark.parametrize(
    ("press", "key"),
    [
        ({"command": "adjust", "team": "t-red", "delta": "0", "reason": "x"}, "web_bad_delta"),
        ({"command": "adjust", "team": "t-red", "delta": "+5000", "reason": "x"}, "web_bad_delta"),
        ({"command": "adjust", "team": "t-red", "delta": True, "reason": "x"}, "web_bad_delta"),
        ({"command": "adjust", "team": "红 队", "delta": 5, "reason": "x"}, "web_bad_team"),
        ({"command": "adjust", "team": "t-red", "delta": 5, "reason": " "}, "web_bad_reason"),
        (
            {"command": "adjust", "team": "t-red", "delta": 5, "reason": "长" * 101},
            "web_bad_reason",
        ),
        ({"command": "tier", "points": -10}, "web_bad_points"),
        ({"command": "tier", "points": "二十"}, "web_bad_points"),
        ({"command": "tier"}, "web_bad_points"),
        ({"command": "forget"}, "web_bad_command"),
        ({"command": "/next"}, "web_bad_command"),
        (["next"], "web_bad_command"),
    ],
)
async def test_bad_presses_are_answered_and_change_nothing(
    hall: Hall, press: object, key: str
) -> None:
    host = await hall.link("host", QUIZMASTER)
    response = await hall.press(host, press)
    assert response.status == 400
    assert await response.json() == {"ok": False, "error": t(key)}
    assert hall.final.commands == [] and await hall.outbox() == []


async def test_a_huge_or_broken_body_changes_nothing(hall: Hall) -> None:
    host = await hall.link("host", QUIZMASTER)
    url = f"{hall.url(host)}/command"
    headers = {"Origin": hall.pages.base, "Content-Type": "application/json"}
    huge = json.dumps({"command": "adjust", "team": "t-red", "delta": 5, "reason": "长" * 10**5})
    assert (await hall.http.post(url, data=huge, headers=headers)).status == 413
    broken = await hall.http.post(url, data=b'{"command": "ne', headers=headers)
    assert broken.status == 400
    not_utf8 = await hall.http.post(url, data=b"\xff\xfe", headers=headers)
    assert not_utf8.status == 400
    assert hall.final.commands == [] and await hall.outbox() == []


async def test_cross_site_presses_are_refused_and_judges_have_the_controls(hall: Hall) -> None:
    host = await hall.link("host", QUIZMASTER)
    judge = await hall.link("judge", JUDGE)
    screen = await hall.link("screen")
    body = {"command": "next"}
    url = f"{hall.url(host)}/command"
    refused = [
        await hall.http.post(
            url, data=json.dumps(body), headers={"Content-Type": "application/json"}
        ),
        await hall.press(host, body, {"Origin": "http://evil.example"}),
        await hall.press(host, body, {"Origin": "null"}),
        await hall.press(host, body, {"Origin": hall.pages.base, "Sec-Fetch-Site": "cross-site"}),
        await hall.http.post(
            url,
            data="command=next",
            headers={
                "Origin": hall.pages.base,
                "Content-Type": "application/x-www-form-urlencoded",
            },
        ),
    ]
    assert [r.status for r in refused] == [403, 403, 403, 403, 415]
    assert (await hall.press(screen, body)).status == 404  # a screen link cannot command
    assert hall.final.commands == [] and await hall.outbox() == []

    for press in ({"command": "judge_wrong"}, {"command": "next"}):
        assert (await (await hall.press(judge, press)).json())["ok"] is True
    assert hall.final.commands == [(JUDGE, "/judge wrong"), (JUDGE, "/next")]
    # the Referer counts when there is no Origin
    via_referer = await hall.press(host, {"command": "board"}, {"Referer": hall.url(host)})
    assert via_referer.status == 200


# --- /weblinks -----------------------------------------------------------------------------


async def test_weblinks_sends_a_quiz_master_working_links(hall: Hall) -> None:
    conversation = hall.conversation
    qm = ChatDriver(conversation, QUIZMASTER)
    await qm.send("/weblinks")
    assert qm.last_actions[0].text == t("weblinks_off")  # type: ignore[union-attr]

    base = hall.pages.base
    conversation.services = replace(conversation.services, web_base_url=base + "/")
    await qm.send("/weblinks test-cup")
    reply = qm.last_actions[0].text  # type: ignore[union-attr]
    console_url, screen_url = (line for line in reply.splitlines() if line.startswith(base))
    assert console_url.startswith(f"{base}/console/")
    assert screen_url.startswith(f"{base}/screen/")
    assert (await hall.http.get(console_url)).status == 200
    assert (await hall.http.get(screen_url)).status == 200
    press = await hall.http.post(
        f"{console_url}/command", json={"command": "reveal"}, headers={"Origin": base}
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
    hall: Hall,
    db_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    base = hall.pages.base
    monkeypatch.setenv("PUFA_DATABASE_URL", db_url)
    monkeypatch.setenv("PUFA_WEB_BASE_URL", base)
    monkeypatch.delenv("PUFA_QUIZMASTERS", raising=False)

    async def cli(*argv: str) -> tuple[int, str]:
        return await asyncio.to_thread(run_cli, capsys, *argv)

    code, out = await cli("web", "link", "test-cup", "--role", "screen")
    assert code == 0 and out.startswith(f"{base}/screen/")
    screen_url = out.strip()
    code, out = await cli("web", "link", "test-cup", "--role", "host")  # the only quiz master
    assert code == 0 and out.startswith(f"{base}/console/")
    host_url = out.strip()
    assert (await hall.http.get(screen_url)).status == 200
    assert (await hall.http.get(host_url)).status == 200

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
    assert (await hall.http.get(screen_url)).status == 404
    assert (await hall.http.get(host_url)).status == 200
    assert await cli("web", "revoke", "test-cup", "--all") == (0, "1 link(s) revoked: 2\n")
    assert (await hall.http.get(host_url)).status == 404
    _code, out = await cli("web", "links", "test-cup")
    assert all("\trevoked " in line for line in out.splitlines()[1:])
