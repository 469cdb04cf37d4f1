"""`pufa export bookings --month`: the station's monthly workbook, opened and checked."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

from openpyxl import load_workbook
from sqlmodel import col, select

from bot.cli import main as pufa
from legal_aid import DutySlot, Lawyer, book, cancel, decide, finish, note_outcome, roll_slots
from tests.test_roster_rules import TZ, imported


def sheet(wb, title: str) -> list[tuple[object, ...]]:  # type: ignore[no-untyped-def]
    return [tuple(row) for row in wb[title].iter_rows(values_only=True)]


async def test_monthly_workbook_counts_and_keeps_personal_data_out(
    sessions,
    tmp_path: Path,
    db_url: str,
    capsys,
    monkeypatch,  # type: ignore[no-untyped-def]
) -> None:
    await imported(sessions, tmp_path)
    now = datetime(2026, 11, 25, 9, 0, tzinfo=TZ)
    async with sessions() as session:
        await roll_slots(session, now, TZ, 14)
        slots = {
            f"{s.starts_at.astimezone(TZ):%m-%d %H:%M}": s
            for s in await session.exec(select(DutySlot).order_by(col(DutySlot.starts_at)))
        }
        lawyers = {x.code: x for x in await session.exec(select(Lawyer))}

        async def booked(when: str, user: int, topic: str, phone: str | None = None) -> int:
            view = await book(session, user, slots[when].id or 0, topic, phone, now)
            return view.booking.id or 0

        november = await booked("11-26 09:00", 1, "加班费不给")  # another month: not counted
        no_show = await booked("12-02 09:00", 2, "被拖欠工资三个月", "13812345678")
        done = await booked("12-08 14:00", 3, "工伤认定怎么申请")
        gone = await booked("12-08 15:00", 4, "合同到期不续签")
        wang, li = lawyers["wang"], lawyers["li"]
        for booking_id, lawyer in ((november, wang), (no_show, li), (done, wang)):
            assert await decide(session, booking_id, lawyer, True, now)
        assert await cancel(session, gone, 4, now)
        assert await finish(session, no_show, li, False, datetime(2026, 12, 2, 9, 5, tzinfo=TZ))
        assert await finish(session, done, wang, True, datetime(2026, 12, 8, 14, 40, tzinfo=TZ))
        assert await note_outcome(session, done, wang, "已指导申请工伤认定")
        await session.commit()

    monkeypatch.setenv("PUFA_DATABASE_URL", db_url)
    out = tmp_path / "dec.xlsx"
    args = ["export", "bookings", "--month", "2026-12", "--out", str(out)]
    assert await asyncio.to_thread(pufa, args) == 0
    assert "3 consultation(s)" in capsys.readouterr().out
    wb = load_workbook(out)
    assert wb.sheetnames == ["汇总", "按主题", "按工作站", "按律师", "按结果"]
    assert sheet(wb, "汇总") == [
        ("项目", "数量"),
        ("预约总数", 3),
        ("已完成", 1),
        ("未到", 1),
        ("职工取消", 1),
        ("律师婉拒", 0),
    ]
    assert sorted(sheet(wb, "按主题")[1:]) == [
        ("劳动合同", 1, 0, 0),
        ("劳动报酬", 1, 0, 1),
        ("工伤", 1, 1, 0),
    ]
    assert sorted(sheet(wb, "按工作站")[1:]) == [
        ("货车司机法律援助工作站", 2, 1, 0),
        ("（未指定工作站）", 1, 0, 1),
    ]
    assert sorted(sheet(wb, "按律师")[1:]) == [
        ("李律师", None, 1, 0, 1, 0),
        ("王律师", None, 2, 1, 0, 0),
    ]
    every_cell = " ".join(
        str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row
    )
    for private in ("13812345678", "拖欠工资三个月", "已指导申请工伤认定", "加班费"):
        assert private not in every_cell

    args += ["--with-details"]
    assert await asyncio.to_thread(pufa, args) == 0
    details = sheet(load_workbook(out), "明细")
    assert details[0][:5] == ("编号", "时间", "工作站", "律师", "结果")
    assert [(r[1], r[4], r[7], r[8]) for r in details[1:]] == [
        ("2026-12-02 09:00", "未到", "13812345678", None),
        ("2026-12-08 14:00", "已完成", None, "已指导申请工伤认定"),
        ("2026-12-08 15:00", "职工取消", None, None),
    ]
    assert await asyncio.to_thread(pufa, ["export", "bookings", "--month", "12/2026"]) == 2
