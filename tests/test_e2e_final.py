"""End-to-end live final: eight teams of three simulated contestants and a quiz master over
the fake Bot API, with the real aiogram and python-telegram-bot runtimes through the
delivery core, on a clock the test moves. The contestants join by /join CODE, answer,
buzz (early, on time, together) and pick a 风险 tier with buttons; the bot is killed in the
middle of a buzzer question and started again; the final ends with the podium. Every test
runs once per runtime."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.config import Settings
from bot.db import make_engine, session_factory, upgrade
from competition import import_event, read_event
from scoring import final as live
from tests.conftest import SMALL_BANK, FakeClock
from tests.e2e_kit import Running
from tests.fake_telegram import FakeTelegram, Phone
from tests.final_kit import QUIZMASTER, TEAMS, TZ, event_text

HOST = Phone(QUIZMASTER, "主持人")
PHONES = [
    [Phone(7000 + 10 * team + seat, f"选手{team}{seat}") for seat in range(3)] for team in range(8)
]
NAMES = ["张", "王", "李", "赵", "钱", "孙", "周", "吴"]
ROUNDS = """\
    - {kind: 必答, mode: together, questions: 1, seconds: 20, ids: [t-lcl-probation]}
    - {kind: 抢答, questions: 1, seconds: 15, buzz_seconds: 10, ids: [t-lcl-double-wage]}
    - {kind: 风险, tiers: [10, 20], seconds: 20, choose_seconds: 15, order: high_first, ids: [t-wp-pregnancy-dismissal]}
"""


@pytest.fixture
def settings(tmp_path: Path, runtime: str) -> Settings:
    return Settings(
        runtime=runtime,
        bot_token="123456:TEST-TOKEN",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}",
        bank_dir=SMALL_BANK,
        _env_file=None,  # type: ignore[call-arg]
    )


async def _import(settings: Settings, small_bank, tmp_path: Path, now: datetime) -> int:  # type: ignore[no-untyped-def]
    path = tmp_path / "final.yaml"
    path.write_text(event_text(ROUNDS), encoding="utf-8")
    engine = make_engine(settings.database_url)
    try:
        await upgrade(engine)
        async with session_factory(engine)() as session:
            comp = await import_event(session, read_event(path, small_bank, now, TZ))
            await session.commit()
            assert comp.id is not None
            return comp.id
    finally:
        await engine.dispose()


async def _snapshot(settings: Settings, comp_id: int, now: datetime) -> dict:  # type: ignore[type-arg]
    engine = make_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            return await live.snapshot(session, comp_id, now)
    finally:
        await engine.dispose()


def _host(tg: FakeTelegram, command: str) -> None:
    tg.send_text(HOST, command)


async def test_a_final_of_eight_teams_over_telegram(
    telegram, settings, small_bank, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    tg = telegram
    clock = FakeClock(datetime.now(UTC).replace(microsecond=0))
    comp_id = await _import(settings, small_bank, tmp_path, clock())
    bot = Running(settings, tg, clock)
    await bot.start()
    try:
        for team, seats in enumerate(PHONES):
            for seat, phone in enumerate(seats):
                tg.send_text(phone, f"/join {TEAMS[team]}")
                await tg.settle()
                tg.send_text(phone, f"{NAMES[team]}{'一二三'[seat]}")
        await tg.settle()
        for team, seats in enumerate(PHONES):
            for seat, phone in enumerate(seats):
                assert f"第{team + 1}队" in tg.last(phone, "已加入“决赛杯”").text
                assert f"{NAMES[team]}{'一二三'[seat]}，已记下" in tg.last(phone).text

        tg.send_text(PHONES[0][0], "/round")  # a contestant is not the host
        await tg.settle()
        assert "只供本场决赛的主持人和评委" in tg.last(PHONES[0][0]).text

        # 必答: all eight teams get the question; six answer, two let the time run out
        _host(tg, "/round")
        await tg.settle()
        _host(tg, "/next")
        await tg.settle()
        assert "正确答案：B" in tg.last(HOST).text
        for team in range(8):
            assert all("试用期" in tg.last(p).text for p in PHONES[team])
        for team in range(6):
            tg.press(
                PHONES[team][team % 3],
                tg.last(PHONES[team][team % 3], "试用期"),
                "B" if team < 4 else "A",
            )
            await tg.settle()
        clock.advance(21)
        await tg.wait_for(lambda: "⏱ 第8队" in tg.last(HOST).text)
        assert "✅ 第1队：答对" in tg.last(HOST).text and "❌ 第5队：答错" in tg.last(HOST).text
        question = tg.last(PHONES[0][1], "试用期")
        assert question.edits >= 1 and not question.buttons()  # edited in place, buttons gone

        # 抢答: an early press, then three presses in one batch; the bot dies mid-question
        _host(tg, "/round")
        await tg.settle()
        _host(tg, "/next")
        await tg.settle()
        buzz = tg.last(PHONES[2][0], "二倍的工资")
        tg.press(PHONES[2][0], buzz, "抢答")
        await tg.settle()
        assert tg.last(HOST).text.startswith("⚠️ 第3队提前抢按")
        await bot.stop()
        bot = Running(settings, tg, clock)  # started again: round, question, ledger intact
        await bot.start()
        snap = await _snapshot(settings, comp_id, clock())
        assert snap["round"]["kind"] == "buzzer" and snap["phase"] == "showing"
        assert {t["code"]: t["score"] for t in snap["teams"]}["f3"] == 100  # 110 − 10
        _host(tg, "/open")
        await tg.settle()
        for team in (6, 1, 4):
            phone = PHONES[team][1]
            tg.press(phone, tg.last(phone, "二倍的工资"), "抢答")
        await tg.settle()
        assert "第7队抢答成功" in tg.last(HOST).text
        winner = PHONES[6][0]
        tg.press(winner, tg.last(winner, "抢答成功"), "对")
        await tg.settle()
        assert "✅ 第7队：答对" in tg.last(HOST).text

        # 风险 (high_first): the leader picks 20 and answers right
        _host(tg, "/round")
        await tg.settle()
        _host(tg, "/next")
        await tg.settle()
        leader = PHONES[0][2]
        tg.press(leader, tg.last(leader, "风险题"), "20 分")
        await tg.settle()
        tg.press(leader, tg.last(leader, "已选 20 分"), "错")
        await tg.settle()
        _host(tg, "/adjust 8 +3 评委复核")
        await tg.settle()
        _host(tg, "/round")  # no more rounds: the podium
        await tg.settle()
        podium = tg.last(HOST, "圆满结束").text
        assert "🥇 第1队 · 130 分" in podium and "🥈 第2队 · 110 分" in podium
        assert "圆满结束" in tg.last(PHONES[5][2]).text
        snap = await _snapshot(settings, comp_id, clock())
        scores = {t["code"]: t["score"] for t in snap["teams"]}
        assert scores == {
            "f1": 130,
            "f2": 110,
            "f3": 100,
            "f4": 110,
            "f5": 100,
            "f6": 100,
            "f7": 110,
            "f8": 103,
        }
        assert snap["finished"] and [p["code"] for p in snap["podium"]][:1] == ["f1"]
        assert tg.errors == []
    finally:
        await bot.stop()
