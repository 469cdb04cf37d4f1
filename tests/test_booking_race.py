"""100 workers confirm a booking of the same slot at the same moment, handled by several bot
processes (real OS processes) sharing one PostgreSQL database: exactly one gets the slot,
every other one is told it was taken and offered the remaining slots. The database's partial
unique index on active bookings per slot is what holds."""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from bot.conversation.actions import SendMessage, action_from_json
from bot.conversation.booking import BookConfirm
from bot.conversation.events import Event, User
from bot.delivery.models import OutboxAction
from bot.delivery.runner import Delivery
from bot.transports.base import Fetched
from legal_aid import ACTIVE_STATUSES, Booking, BookingError, DutySlot, book, cancel
from tests.conftest import POSTGRES_URL
from tests.flowkit import ChatDriver
from tests.test_delivery import MemoryApi
from tests.test_lawyer import desk, matcher  # noqa: F401

WORKERS = 100
PROCESSES = 4
FIRST_WORKER = 7000


@pytest.mark.skipif(not POSTGRES_URL, reason="PUFA_TEST_POSTGRES_URL not set")
async def test_hundred_workers_one_slot_several_processes_one_booking(
    desk,  # noqa: F811
    sessions,
    clock,
    db_url: str,
) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("several processes share PostgreSQL only (SQLite runs one worker)")
    workers = [ChatDriver(desk, FIRST_WORKER + n) for n in range(WORKERS)]
    for worker in workers:
        await worker.send("/lawyer")
        await worker.send("公司拖欠工资两个月")
        await worker.press("11月26日（周四）14:00")
        await worker.send("不留电话")
        assert "请确认预约" in worker.last().text
    async with sessions() as session:
        await session.exec(delete(OutboxAction))
        await session.commit()
    taps = [
        Fetched(
            50_000 + n,
            Event.button(User(w.user.id), w.user.id, BookConfirm().pack(), f"race{n}", 1),
        )
        for n, w in enumerate(workers)
    ]
    await Delivery(desk, MemoryApi()).accept(taps)

    start_at = time.time() + 4  # every process is up and waiting by then
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.booking_process",
            db_url,
            clock.now().isoformat(),
            str(start_at),
            cwd=Path(__file__).parent.parent,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        for _ in range(PROCESSES)
    ]
    outputs = [await asyncio.wait_for(p.communicate(), 120) for p in processes]
    assert all(p.returncode == 0 for p in processes), [err.decode()[-2000:] for _, err in outputs]
    handled = [int(out.decode().split()[-1]) for out, _ in outputs]
    assert sum(handled) == WORKERS
    assert sum(1 for h in handled if h) >= 2  # the work really was shared

    async with sessions() as session:
        active = (
            await session.exec(select(Booking).where(col(Booking.status).in_(ACTIVE_STATUSES)))
        ).all()
        queued = [action_from_json(r.action) for r in (await session.exec(select(OutboxAction)))]
    assert len(active) == 1
    winner = active[0].user_id
    by_chat: dict[int, list[SendMessage]] = {}
    for action in queued:
        if isinstance(action, SendMessage):
            by_chat.setdefault(action.chat_id, []).append(action)
    assert sum("预约已提交" in m.text for m in by_chat[winner]) == 1
    for worker in workers:
        if worker.user.id == winner:
            continue
        mine = by_chat[worker.user.id]
        assert not any("预约已提交" in m.text for m in mine)
        offer = next(m for m in mine if "刚刚被别人约走了" in m.text)
        offered = [b.text for row in offer.buttons for b in row]
        assert "11月26日（周四）14:30–15:00 王律师" in offered
        assert not any("14:00–14:30" in label for label in offered)


async def test_the_database_holds_one_active_booking_per_slot_and_two_seats(
    desk,  # noqa: F811
    sessions,
    clock,
) -> None:
    """Rows written past the service layer (as a buggy flow or a second program might) are
    refused by the partial unique indexes and the seat check, on both databases."""
    now = clock.now()
    async with sessions() as session:
        slots = (await session.exec(select(DutySlot).order_by(col(DutySlot.id)))).all()
        first = await book(session, 801, slots[0].id or 0, "工资问题", None, now)
        await session.commit()

    def row(user: int, slot: DutySlot, seat: int) -> Booking:
        return Booking(
            user_id=user,
            slot_id=slot.id or 0,
            lawyer_id=slot.lawyer_id,
            topic="x",
            created_at=now,
            seat=seat,
        )

    for bad in (row(802, slots[0], 1), row(801, slots[1], 1), row(801, slots[1], 3)):
        async with sessions() as session:
            session.add(bad)
            with pytest.raises(IntegrityError):
                await session.commit()
    async with sessions() as session:
        await book(session, 801, slots[1].id or 0, "社保问题", None, now)
        with pytest.raises(BookingError) as refused:
            await book(session, 801, slots[2].id or 0, "第三个", None, now)
        assert refused.value.key == "book_too_many"
        # a cancelled booking frees its seat and its slot for new ones
        assert await cancel(session, first.booking.id or 0, 801, now + timedelta(minutes=1))
        await book(session, 801, slots[2].id or 0, "第三个", None, now)
        await book(session, 803, slots[0].id or 0, "别人约同一个时段", None, now)
        await session.commit()


async def test_two_bookings_at_once_cannot_give_a_worker_a_third_seat(
    desk,  # noqa: F811
    sessions,
    clock,
    db_url: str,
) -> None:
    """A worker with one open booking confirms two more at the same moment in two sessions
    (two bot processes): the seat index lets exactly one through."""
    if not db_url.startswith("postgresql"):
        pytest.skip("concurrent writers need PostgreSQL (SQLite runs one worker)")
    now = clock.now()
    async with sessions() as session:
        slots = (await session.exec(select(DutySlot).order_by(col(DutySlot.id)))).all()
        await book(session, 901, slots[0].id or 0, "第一个", None, now)
        await session.commit()

    async def confirm(slot: DutySlot) -> str:
        async with sessions() as session:
            try:
                await book(session, 901, slot.id or 0, "同时约的", None, now)
                await asyncio.sleep(0.2)  # hold the transaction open while the other tries
                await session.commit()
                return "booked"
            except BookingError as exc:
                return exc.key

    results = await asyncio.gather(confirm(slots[1]), confirm(slots[2]))
    assert sorted(results) == ["book_too_many", "booked"]
    async with sessions() as session:
        open_ = await session.exec(
            select(Booking).where(Booking.user_id == 901, col(Booking.status).in_(ACTIVE_STATUSES))
        )
        assert sorted(b.seat for b in open_) == [1, 2]
