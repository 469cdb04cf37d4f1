"""Slots from duty rules, on a rolling horizon.

A weekly rule (每周二 14:00–17:00) or a monthly one (每月第二个周三 9:00–12:00) is a row in
`duty_rule`; `roll_slots` makes the consultation slots of every rule for the days from today
to `horizon_days` ahead, skipping public holidays and a lawyer's days away (`duty_closure`).
The bot's scheduler runs it once a day (bot/conversation/duty_roll.py), so a roster imported
once keeps producing slots; `pufa roster import` runs it at once.

When the rules change, a future free slot that no rule makes any more is deleted; a booked
one is kept with its booking (a re-import never touches bookings) and returned as vanished,
once, so that admins and the worker are told.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from legal_aid.models import ACTIVE, Booking, DutyClosure, DutyRule, DutySlot, Lawyer


def duty_days(weekday: int, nth: int | None, first: date, last: date) -> Iterator[date]:
    """The days from `first` to `last` a rule falls on: every `weekday` (nth None), the
    nth one of its month (1..4), or the month's last one (nth -1)."""
    day = first + timedelta(days=(weekday - first.weekday()) % 7)
    while day <= last:
        if (
            nth is None
            or (nth > 0 and (day.day - 1) // 7 + 1 == nth)
            or (nth == -1 and (day + timedelta(days=7)).month != day.month)
        ):
            yield day
        day += timedelta(days=7)


@dataclass(frozen=True)
class VanishedBooking:
    """An open booking whose slot the roster no longer has (it stays booked; people are told)."""

    booking_id: int
    user_id: int
    lawyer_name: str
    lawyer_telegram_id: int | None
    starts_at: datetime


@dataclass(frozen=True)
class RollResult:
    new_slots: int
    removed_slots: int
    vanished: list[VanishedBooking]


@dataclass(frozen=True)
class _Planned:
    rule_id: int
    station_id: int | None
    ends_at: datetime


async def roll_slots(
    session: AsyncSession, now: datetime, tz: ZoneInfo, horizon_days: int
) -> RollResult:
    """Make the rules' slots from `now` to `horizon_days` ahead (see the module docstring)."""
    today = now.astimezone(tz).date()
    last_day = today + timedelta(days=horizon_days - 1)
    until = datetime.combine(last_day + timedelta(days=1), datetime.min.time(), tz)
    planned = await _planned_slots(session, now, tz, today, last_day)
    existing = list(
        await session.exec(
            select(DutySlot).where(DutySlot.starts_at >= now, DutySlot.starts_at < until)
        )
    )
    removed, vanished = 0, []
    kept: dict[int, list[tuple[datetime, datetime]]] = {}
    for slot in existing:
        key = (slot.lawyer_id, slot.starts_at.astimezone(UTC))
        plan = planned.get(key)
        if plan is not None and plan.ends_at == slot.ends_at.astimezone(UTC):
            del planned[key]  # already there
        elif slot.rule_id is not None:
            if slot.booking_id is None:
                await session.delete(slot)
                removed += 1
                continue
            found = await _vanished(session, slot)
            if found is not None:
                vanished.append(found)
            slot.rule_id = None  # kept for its booking, reported once
            session.add(slot)
        kept.setdefault(slot.lawyer_id, []).append(
            (slot.starts_at.astimezone(UTC), slot.ends_at.astimezone(UTC))
        )
    rows = [
        {
            "lawyer_id": lawyer_id,
            "starts_at": starts_at,
            "ends_at": plan.ends_at,
            "booking_id": None,
            "station_id": plan.station_id,
            "rule_id": plan.rule_id,
        }
        for (lawyer_id, starts_at), plan in sorted(planned.items(), key=lambda kv: kv[0][1])
        if not any(s < plan.ends_at and starts_at < e for s, e in kept.get(lawyer_id, ()))
    ]
    await session.flush()
    if rows:
        connection = await session.connection()
        await connection.execute(insert(DutySlot.__table__), rows)  # type: ignore[attr-defined]
    return RollResult(len(rows), removed, vanished)


async def _planned_slots(
    session: AsyncSession, now: datetime, tz: ZoneInfo, first: date, last: date
) -> dict[tuple[int, datetime], _Planned]:
    """(lawyer id, start in UTC) → the slot the rules of active lawyers make, from now on."""
    rules = await session.exec(
        select(DutyRule)
        .join(Lawyer, col(Lawyer.id) == DutyRule.lawyer_id)
        .where(col(Lawyer.active).is_(True))
    )
    closed: dict[int | None, set[date]] = {}
    for closure in await session.exec(
        select(DutyClosure).where(DutyClosure.day >= first, DutyClosure.day <= last)
    ):
        closed.setdefault(closure.lawyer_id, set()).add(closure.day)
    holidays = closed.get(None, set())
    planned: dict[tuple[int, datetime], _Planned] = {}
    for rule in rules:
        away = closed.get(rule.lawyer_id, set())
        step = timedelta(minutes=rule.slot_minutes)
        for day in duty_days(rule.weekday, rule.nth, first, last):
            if day in holidays or day in away:
                continue
            start = datetime.combine(day, rule.starts, tz)
            end = datetime.combine(day, rule.ends, tz)
            while start + step <= end:
                if start >= now:
                    planned[(rule.lawyer_id, start.astimezone(UTC))] = _Planned(
                        rule.id or 0, rule.station_id, (start + step).astimezone(UTC)
                    )
                start += step
    return planned


async def _vanished(session: AsyncSession, slot: DutySlot) -> VanishedBooking | None:
    booking = await session.get(Booking, slot.booking_id)
    lawyer = await session.get(Lawyer, slot.lawyer_id)
    if booking is None or lawyer is None or booking.status not in ACTIVE:
        return None
    return VanishedBooking(
        booking.id or 0, booking.user_id, lawyer.name, lawyer.telegram_id, slot.starts_at
    )
