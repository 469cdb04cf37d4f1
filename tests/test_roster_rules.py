"""The roster a station can keep: duty rules → slots (month ends, holidays, days away) on a
rolling horizon moved by the scheduler, re-import that keeps bookings and reports vanished
ones, the example roster on any day, and lawyer invite links."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select

from bot.cli import main as pufa
from bot.conversation.actions import SendMessage, action_from_json
from bot.conversation.context import Services
from bot.conversation.duty_roll import ROLL_KEY
from bot.conversation.router import Conversation
from bot.delivery.models import OutboxAction
from bot.delivery.runner import Delivery
from bot.scheduler import scheduled
from legal_aid import (
    DutySlot,
    Lawyer,
    RosterInvalid,
    book,
    create_invite,
    duty_days,
    free_slots,
    import_roster,
    read_roster,
    roll_slots,
)
from question_bank import StatuteLibrary
from tests.flowkit import ChatDriver
from tests.test_delivery import MemoryApi

TZ = ZoneInfo("Asia/Shanghai")
EXAMPLE = Path(__file__).parent.parent / "examples" / "roster.yaml"
RULES = """\
slot_minutes: 60
horizon_days: 14
stations:
  - {code: truck, name: 货车司机法律援助工作站, address: 物流园二楼, phone: "0571-1", channel: 到站面谈}
holidays: [2026-12-01]
lawyers:
  - code: wang
    name: 王律师
    specialties: [工伤]
    away: [{from: 2026-12-03, to: 2026-12-04}]
    duty:
      - {weekly: 周二, from: "14:00", to: "16:00", station: truck}
      - {weekly: 周四, from: "09:00", to: "10:00"}
  - code: li
    telegram_id: 9102
    name: 李律师
    duty:
      - {monthly: 第一个周三, from: "09:00", to: "10:00"}
      - {monthly: 最后一个周一, from: "19:00", to: "20:00"}
"""


def local(slot: DutySlot) -> str:
    return f"{slot.starts_at.astimezone(TZ):%m-%d %H:%M}"


def test_rule_days_across_month_ends() -> None:
    # 第二个周三 and 最后一个周六 from November 2026 into February 2027
    second_wed = list(duty_days(2, 2, date(2026, 11, 1), date(2027, 2, 28)))
    assert second_wed == [
        date(2026, 11, 11),
        date(2026, 12, 9),
        date(2027, 1, 13),
        date(2027, 2, 10),
    ]
    last_sat = list(duty_days(5, -1, date(2026, 11, 1), date(2027, 2, 28)))
    assert last_sat == [
        date(2026, 11, 28),
        date(2026, 12, 26),
        date(2027, 1, 30),
        date(2027, 2, 27),
    ]
    weekly = list(duty_days(1, None, date(2026, 11, 25), date(2026, 12, 9)))
    assert weekly == [date(2026, 12, 1), date(2026, 12, 8)]  # Tuesdays over a month end
    assert list(duty_days(0, 4, date(2026, 11, 1), date(2026, 11, 30))) == [date(2026, 11, 23)]


async def imported(sessions, tmp_path: Path, text: str = RULES) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    async with sessions() as session:
        await import_roster(session, read_roster(path, TZ))
        await session.commit()


async def test_rules_make_slots_skipping_holidays_and_days_away(sessions, tmp_path) -> None:  # type: ignore[no-untyped-def]
    await imported(sessions, tmp_path)
    now = datetime(2026, 11, 25, 9, 0, tzinfo=TZ)  # a Wednesday
    async with sessions() as session:
        result = await roll_slots(session, now, TZ, 14)
        await session.commit()
        slots = list(await session.exec(select(DutySlot).order_by(col(DutySlot.starts_at))))
    assert result.new_slots == len(slots)
    assert [local(s) for s in slots] == [
        "11-26 09:00",  # 周四 (wang)
        "11-30 19:00",  # 最后一个周一 of November (li)
        # 12-01 周二 is a holiday; 12-02 is the first 周三 of December (li)
        "12-02 09:00",
        # 12-03 周四: wang is away
        "12-08 14:00",  # 周二, two one-hour slots at the station
        "12-08 15:00",
    ]
    assert {s.station_id for s in slots if local(s).startswith("12-08")} != {None}
    async with sessions() as session:  # rolling again the same day adds nothing
        again = await roll_slots(session, now, TZ, 14)
    assert (again.new_slots, again.removed_slots) == (0, 0)


async def test_the_scheduler_rolls_the_horizon_every_night(
    sessions, small_bank, clock, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from bot.conversation.duty_roll import schedule_roll

    await imported(sessions, tmp_path)
    clock.current = datetime(2026, 11, 25, 9, 0, tzinfo=TZ)
    async with sessions() as session:
        await roll_slots(session, clock.now(), TZ, 14)
        await schedule_roll(session, clock.now(), TZ, 14)
        await session.commit()
    services = Services(bank=small_bank, library=StatuteLibrary(), tz=TZ)
    delivery = Delivery(Conversation(sessions, services, clock), MemoryApi())
    assert not await delivery.run_due_job()  # not yet midnight
    for day in range(1, 8):  # a week of nights, with a restart in the middle
        clock.current = datetime(2026, 11, 25, 0, 6, tzinfo=TZ) + timedelta(days=day)
        if day == 4:
            delivery = Delivery(Conversation(sessions, services, clock), MemoryApi())
        assert await delivery.run_due_job()
        assert not await delivery.run_due_job()  # once a night
    async with sessions() as session:
        job = await scheduled(session, ROLL_KEY)
        assert job is not None and job.due_at.astimezone(TZ) == datetime(
            2026, 12, 3, 0, 5, tzinfo=TZ
        )
        starts = [local(s) for s in await session.exec(select(DutySlot))]
    # 12-15 (周二, 20 days after the first roll) is now within the horizon
    assert "12-15 14:00" in starts and "12-10 09:00" in starts
    assert len(starts) == len(set(starts))


async def test_reimport_keeps_bookings_and_reports_a_vanished_booked_slot(
    tmp_path: Path,
    db_url: str,
    sessions,
    capsys,
    monkeypatch,  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.setenv("PUFA_DATABASE_URL", db_url)
    monkeypatch.setenv("PUFA_ADMINS", "4242")
    path = tmp_path / "rules.yaml"
    every_day = RULES.replace("holidays: [2026-12-01]", "holidays: []").replace(
        '      - {weekly: 周四, from: "09:00", to: "10:00"}\n',
        "".join(f'      - {{weekly: 周{d}, from: "09:00", to: "10:00"}}\n' for d in "一三五日"),
    )
    path.write_text(every_day.replace("away: [{from: 2026-12-03, to: 2026-12-04}]", "away: []"))
    code = await asyncio.to_thread(pufa, ["roster", "import", str(path)])
    out = capsys.readouterr().out
    assert code == 0 and "weekly/monthly rule(s)" in out, out
    now = datetime.now(UTC)
    async with sessions() as session:
        wang = (await session.exec(select(Lawyer).where(Lawyer.code == "wang"))).one()
        sunday = next(
            v
            for v in await free_slots(session, now, limit=50)
            if v.lawyer.id == wang.id and v.slot.starts_at.astimezone(TZ).weekday() == 6
        )
        booked = await book(session, 777, sunday.slot.id or 0, "工伤赔偿", None, now)
        await session.commit()
        before = len(list(await session.exec(select(DutySlot))))
    # the Sunday duty goes: its free slots are removed, the booked one stays and is reported
    path.write_text(
        path.read_text().replace('      - {weekly: 周日, from: "09:00", to: "10:00"}\n', "")
    )
    code = await asyncio.to_thread(pufa, ["roster", "import", str(path)])
    out = capsys.readouterr().out
    assert code == 0 and f"booking #{booked.booking.id}" in out and "kept" in out, out
    async with sessions() as session:
        slot = await session.get(DutySlot, sunday.slot.id)
        assert slot is not None and slot.booking_id == booked.booking.id
        after = len(list(await session.exec(select(DutySlot))))
        queued = [action_from_json(r.action) for r in await session.exec(select(OutboxAction))]
    assert after < before
    told = {a.chat_id for a in queued if isinstance(a, SendMessage) and "不在值班表上" in a.text}
    assert told == {777, 4242}
    # a third import with nothing changed reports nothing again
    code = await asyncio.to_thread(pufa, ["roster", "import", str(path)])
    assert "booking #" not in capsys.readouterr().out


@pytest.mark.parametrize(
    "day", [date(2026, 12, 30), date(2027, 2, 15), date(2027, 7, 1), date(2028, 3, 6)]
)
async def test_the_example_roster_works_on_any_day(sessions, day: date) -> None:  # type: ignore[no-untyped-def]
    roster = read_roster(EXAMPLE, TZ)
    assert roster.rules and not roster.slots  # rules only: nothing dated to go stale
    now = datetime.combine(day, datetime.min.time(), TZ) + timedelta(hours=8)
    async with sessions() as session:
        await import_roster(session, roster)
        await roll_slots(session, now, TZ, roster.horizon_days)
        await session.commit()
        offered = await free_slots(session, now)
    assert offered, f"nothing to book on {day}"


@pytest.mark.parametrize(
    ("duty", "message"),
    [
        ('{weekly: 周八, from: "09:00", to: "10:00"}', "weekly duty"),
        ('{monthly: 第五个周三, from: "09:00", to: "10:00"}', "monthly duty"),
        ('{weekly: 周一, date: 2026-12-01, from: "09:00", to: "10:00"}', "exactly one of"),
        ('{weekly: 周一, from: "09:00", to: "10:00", station: nowhere}', "no station"),
    ],
)
def test_rule_problems_name_file_and_line(tmp_path: Path, duty: str, message: str) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(f"lawyers:\n  - code: a\n    name: 甲\n    duty:\n      - {duty}\n")
    with pytest.raises(RosterInvalid) as caught:
        read_roster(path, TZ)
    problems = [str(p) for p in caught.value.problems]
    assert any(p.startswith(f"{path}:5:") and message in p for p in problems), problems


def test_a_lawyer_needs_a_code_or_a_telegram_id(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text("lawyers:\n  - name: 甲\n")
    with pytest.raises(RosterInvalid) as caught:
        read_roster(path, TZ)
    assert any("code" in str(p) for p in caught.value.problems)


async def test_invite_link_makes_the_lawyer_known_once(
    sessions,
    small_bank,
    clock,
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    await imported(sessions, tmp_path)
    async with sessions() as session:
        code = await create_invite(session, "wang", clock.now(), days=7)
        expired = await create_invite(session, "wang", clock.now() - timedelta(days=8), days=7)
        assert await create_invite(session, "nobody", clock.now()) is None
        await session.commit()
    assert code is not None and expired is not None
    desk = Conversation(sessions, Services(bank=small_bank, library=StatuteLibrary(), tz=TZ), clock)
    lawyer, other = ChatDriver(desk, 9101, "王"), ChatDriver(desk, 9555)
    await lawyer.send(f"/start {expired}")
    assert "过期" in lawyer.last().text
    await lawyer.send("/duty")
    assert "值班表上的律师" in lawyer.last().text  # not known yet
    await lawyer.send(f"/start {code}")
    assert "已作为值班律师加入" in lawyer.last().text
    await lawyer.press("我的值班")
    assert "王律师" in lawyer.last().text and "没有待处理" in lawyer.last().text
    await other.send(f"/start {code}")  # one use
    assert "用过了" in other.last().text
    for forged in ("law-notacode", "law-" + "x" * 3000):
        await other.send(f"/start {forged}")
        assert "无效" in other.last().text
    await lawyer.send("/start")
    assert "值班表上的法律援助律师" in lawyer.last().text
    async with sessions() as session:
        wang = (await session.exec(select(Lawyer).where(Lawyer.code == "wang"))).one()
    assert wang.telegram_id == 9101


def test_invite_command_prints_a_deep_link(
    tmp_path: Path,
    capsys,
    monkeypatch,  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.setenv("PUFA_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}")
    assert pufa(["roster", "import", str(EXAMPLE)]) == 0
    capsys.readouterr()
    assert pufa(["roster", "invite", "wang", "--bot", "@pufa_demo_bot"]) == 0
    link = capsys.readouterr().out.splitlines()[0]
    assert link.startswith("https://t.me/pufa_demo_bot?start=law-")
    assert len(link.split("=", 1)[1]) <= 64
    assert pufa(["roster", "invite", "nobody", "--bot", "x"]) == 1


async def test_the_worker_sees_where_and_with_whom(sessions, small_bank, clock, tmp_path) -> None:  # type: ignore[no-untyped-def]
    await imported(sessions, tmp_path)
    clock.current = datetime(2026, 12, 3, 9, 0, tzinfo=TZ)
    async with sessions() as session:
        await roll_slots(session, clock.now(), TZ, 14)
        await create_invite(session, "wang", clock.now())
        wang = (await session.exec(select(Lawyer).where(Lawyer.code == "wang"))).one()
        wang.telegram_id = 9101
        session.add(wang)
        await session.commit()
    desk = Conversation(sessions, Services(bank=small_bank, library=StatuteLibrary(), tz=TZ), clock)
    worker, lawyer = ChatDriver(desk, 701), ChatDriver(desk, 9101)
    await worker.send("/lawyer")
    await worker.send("工伤以后老板不给报销")
    await worker.press("12月8日（周二）14:00")
    await worker.send("不留电话")
    check = worker.last("请确认预约")
    assert "擅长工伤" in check.text
    assert "📍 货车司机法律援助工作站（到站面谈）物流园二楼 ☎ 0571-1" in check.text
    for a in await worker.press("确认预约"):
        if isinstance(a, SendMessage) and a.chat_id == 9101:
            lawyer._apply([a])
    actions = await lawyer.press("接受", lawyer.last("新的咨询预约"))
    worker._apply(actions)
    assert "📍 货车司机法律援助工作站" in worker.last("律师已接受").text
    ics = next(a for a in actions if type(a).__name__ == "SendDocument")
    assert "LOCATION:货车司机法律援助工作站" in ics.content.decode().replace("\r\n ", "")
