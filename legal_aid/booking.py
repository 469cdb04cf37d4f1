"""Booking consultations: free slots, booking one, the lawyer's decision, cancelling,
finishing (已完成 / 未到, only once the consultation has started).

The database holds the booking rules, so they also hold across bot processes: a partial
unique index allows one active booking per slot, another one open booking per worker and
seat (seats 1..MAX_ACTIVE_PER_USER), so a worker never holds more than that. Every change of
a booking or a slot is a conditional UPDATE (`… WHERE status = 'pending'`,
`… WHERE booking_id IS NULL`), so two taps, two workers or two bot instances racing for the
same slot or booking cannot both win.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from input_limits import MAX_TOPIC_CHARS
from legal_aid.models import (
    ACTIVE,
    FINISHED,
    FORGOTTEN,
    MAX_ACTIVE_PER_USER,
    MAX_OUTCOME_CHARS,
    NO_SHOW,
    Booking,
    ConsultMessage,
    DutySlot,
    Lawyer,
    Station,
)
from legal_aid.topics import topic_kind

BOOK_AHEAD = timedelta(minutes=30)  # a slot can be booked until this long before it starts
SHOW_DAYS = 7  # how far ahead free slots are offered
MARK_WITHIN = timedelta(days=7)  # a past accepted consultation stays on the desk to be marked


class BookingError(Exception):
    """Why a booking could not be made (the message key says it to the worker)."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True)
class SlotView:
    slot: DutySlot
    lawyer: Lawyer
    station: Station | None = None  # where the consultation happens (None: not said)


@dataclass(frozen=True)
class BookingView:
    booking: Booking
    slot: DutySlot
    lawyer: Lawyer
    station: Station | None = None


async def lawyer_by_telegram(session: AsyncSession, telegram_id: int) -> Lawyer | None:
    found = await session.exec(
        select(Lawyer).where(Lawyer.telegram_id == telegram_id, col(Lawyer.active).is_(True))
    )
    return found.first()


async def first_lawyer(session: AsyncSession) -> Lawyer | None:
    """Who `pufa chat --as lawyer` plays: the active lawyer (known by Telegram id) with the
    most open bookings, else the first on the roster."""
    open_count = (
        select(func.count())
        .select_from(Booking)
        .where(Booking.lawyer_id == Lawyer.id, col(Booking.status).in_(ACTIVE))
        .scalar_subquery()
    )
    found = await session.exec(
        select(Lawyer)
        .where(col(Lawyer.active).is_(True), col(Lawyer.telegram_id).is_not(None))
        .order_by(open_count.desc(), col(Lawyer.id))
    )
    return found.first()


async def free_slots(session: AsyncSession, now: datetime, limit: int = 8) -> list[SlotView]:
    """The earliest free slots of active lawyers, from BOOK_AHEAD on, for SHOW_DAYS days."""
    found = await session.exec(
        select(DutySlot, Lawyer)
        .join(Lawyer, col(Lawyer.id) == DutySlot.lawyer_id)
        .where(
            col(DutySlot.booking_id).is_(None),
            col(Lawyer.active).is_(True),
            DutySlot.starts_at >= now + BOOK_AHEAD,
            DutySlot.starts_at < now + timedelta(days=SHOW_DAYS),
        )
        .order_by(col(DutySlot.starts_at), col(DutySlot.id))
        .limit(limit)
    )
    return [SlotView(slot, lawyer) for slot, lawyer in found.all()]


async def slot_view(session: AsyncSession, slot_id: int) -> SlotView | None:
    """A slot with its lawyer (whether free or not), or None if there is no such slot."""
    slot = await session.get(DutySlot, slot_id)
    lawyer = await session.get(Lawyer, slot.lawyer_id) if slot is not None else None
    if slot is None or lawyer is None:
        return None
    station = await session.get(Station, slot.station_id) if slot.station_id else None
    return SlotView(slot, lawyer, station)


async def any_free_slot(session: AsyncSession, now: datetime) -> bool:
    """Whether there is anything to book at all (asked before the worker types a topic)."""
    return bool(await free_slots(session, now, limit=1))


async def active_bookings(session: AsyncSession, user_id: int) -> list[BookingView]:
    """A worker's pending and accepted bookings, soonest first."""
    return await _views(session, Booking.user_id == user_id, col(Booking.status).in_(ACTIVE))


async def agenda(session: AsyncSession, lawyer: Lawyer, now: datetime) -> list[BookingView]:
    """A lawyer's open bookings, soonest first: pending ones from today on, and accepted
    ones of the last MARK_WITHIN days too (still to be marked 已完成 / 未到)."""
    return await _views(
        session,
        Booking.lawyer_id == lawyer.id,
        or_(
            and_(
                col(Booking.status) == "pending",
                col(DutySlot.starts_at) >= now - timedelta(hours=12),
            ),
            and_(col(Booking.status) == "accepted", col(DutySlot.starts_at) >= now - MARK_WITHIN),
        ),
    )


async def booking_view(session: AsyncSession, booking_id: int) -> BookingView | None:
    views = await _views(session, Booking.id == booking_id)
    return views[0] if views else None


async def _views(session: AsyncSession, *where: object) -> list[BookingView]:
    found = await session.exec(
        select(Booking, DutySlot, Lawyer, Station)
        .join(DutySlot, col(DutySlot.id) == Booking.slot_id)
        .join(Lawyer, col(Lawyer.id) == Booking.lawyer_id)
        .outerjoin(Station, col(Station.id) == DutySlot.station_id)
        .where(*where)  # type: ignore[arg-type]
        .order_by(col(DutySlot.starts_at), col(Booking.id))
    )
    return [BookingView(b, s, lawyer, station) for b, s, lawyer, station in found.all()]


async def book(
    session: AsyncSession,
    user_id: int,
    slot_id: int,
    topic: str,
    phone: str | None,
    now: datetime,
    faq_entry_id: str | None = None,
) -> BookingView:
    """Take a free slot for a worker; BookingError('book_taken' | 'book_too_many' |
    'book_too_late'). The two unique indexes decide: the insert either gets the slot and a
    free seat, or fails and nothing is left behind."""
    found = await slot_view(session, slot_id)
    if found is None or not found.lawyer.active:
        raise BookingError("book_taken")
    slot, lawyer = found.slot, found.lawyer
    if slot.starts_at < now + BOOK_AHEAD:
        raise BookingError("book_too_late")
    for _attempt in range(MAX_ACTIVE_PER_USER):
        seat = await _free_seat(session, user_id)
        booking = Booking(
            user_id=user_id,
            slot_id=slot_id,
            lawyer_id=slot.lawyer_id,
            topic=topic[:MAX_TOPIC_CHARS],
            phone=phone,
            faq_entry_id=faq_entry_id,
            created_at=now,
            seat=seat,
            topic_kind=topic_kind(topic),
        )
        try:
            async with session.begin_nested():
                session.add(booking)
                await session.flush()
                claimed = await (await session.connection()).execute(
                    update(DutySlot)
                    .where(col(DutySlot.id) == slot_id, col(DutySlot.booking_id).is_(None))
                    .values(booking_id=booking.id)
                )
                if claimed.rowcount != 1:
                    raise _SlotGone
        except (IntegrityError, _SlotGone):
            if await _slot_held(session, slot_id):
                raise BookingError("book_taken") from None
            continue  # the seat went to a booking made at the same moment: try the next one
        await session.refresh(slot)
        return BookingView(booking, slot, lawyer, found.station)
    raise BookingError("book_too_many")


class _SlotGone(Exception):
    """The slot's conditional UPDATE found it taken (rolls the savepoint back)."""


async def _free_seat(session: AsyncSession, user_id: int) -> int:
    """The lowest seat the worker's open bookings leave free; BookingError('book_too_many')
    if none is. Only a guess: the unique index on (user, seat) and the seat's range check
    are what hold when two bookings race."""
    taken = set(
        (
            await session.exec(
                select(Booking.seat).where(
                    Booking.user_id == user_id, col(Booking.status).in_(ACTIVE)
                )
            )
        ).all()
    )
    for seat in range(1, MAX_ACTIVE_PER_USER + 1):
        if seat not in taken:
            return seat
    raise BookingError("book_too_many")


async def _slot_held(session: AsyncSession, slot_id: int) -> bool:
    """Whether an active booking holds the slot (after an insert was refused)."""
    holder = await session.exec(
        select(func.count())
        .select_from(Booking)
        .where(Booking.slot_id == slot_id, col(Booking.status).in_(ACTIVE))
    )
    return bool(holder.one())


async def open_booking_count(session: AsyncSession, user_id: int) -> int:
    """How many open bookings the worker holds (to say so before asking for a topic; the
    rule itself is held by the database, see `book`)."""
    return len(await active_bookings(session, user_id))


async def _move(
    session: AsyncSession,
    booking_id: int,
    from_status: tuple[str, ...],
    to_status: str,
    now: datetime,
    **who: int,
) -> BookingView | None:
    """Change a booking's status if it is in `from_status` (and belongs to `who`)."""
    conditions = [col(Booking.id) == booking_id, col(Booking.status).in_(from_status)]
    if "user_id" in who:
        conditions.append(col(Booking.user_id) == who["user_id"])
    if "lawyer_id" in who:
        conditions.append(col(Booking.lawyer_id) == who["lawyer_id"])
    moved = await (await session.connection()).execute(
        update(Booking).where(*conditions).values(status=to_status, decided_at=now)
    )
    if moved.rowcount != 1:
        return None
    if to_status not in (*ACTIVE, *FINISHED):
        await (await session.connection()).execute(
            update(DutySlot).where(col(DutySlot.booking_id) == booking_id).values(booking_id=None)
        )
    view = await booking_view(session, booking_id)
    if view is not None:
        await session.refresh(view.booking)
        await session.refresh(view.slot)
    return view


async def decide(
    session: AsyncSession, booking_id: int, lawyer: Lawyer, accept: bool, now: datetime
) -> BookingView | None:
    """The booked lawyer accepts or declines a pending booking (a declined one frees its
    slot); None if it is not theirs or no longer pending."""
    assert lawyer.id is not None
    status = "accepted" if accept else "declined"
    return await _move(session, booking_id, ("pending",), status, now, lawyer_id=lawyer.id)


def can_finish(view: BookingView, now: datetime) -> bool:
    """已完成 / 未到 make sense only for an accepted consultation that has started."""
    return view.booking.status == "accepted" and now >= view.slot.starts_at


async def finish(
    session: AsyncSession, booking_id: int, lawyer: Lawyer, showed_up: bool, now: datetime
) -> BookingView | None:
    """The lawyer marks an accepted consultation as done (已完成) or the worker as absent
    (未到) — only from its start time on; None if it is not theirs, not accepted or too
    early. This closes the consultation's message thread."""
    assert lawyer.id is not None
    view = await booking_view(session, booking_id)
    if view is None or not can_finish(view, now):
        return None
    status = "done" if showed_up else NO_SHOW
    return await _move(session, booking_id, ("accepted",), status, now, lawyer_id=lawyer.id)


async def note_outcome(
    session: AsyncSession, booking_id: int, lawyer: Lawyer, note: str
) -> BookingView | None:
    """The lawyer's optional outcome note on a finished consultation of theirs."""
    view = await booking_view(session, booking_id)
    if view is None or view.lawyer.id != lawyer.id or view.booking.status not in FINISHED:
        return None
    view.booking.outcome = note[:MAX_OUTCOME_CHARS]
    session.add(view.booking)
    return view


async def cancel(
    session: AsyncSession, booking_id: int, user_id: int, now: datetime
) -> BookingView | None:
    """The worker cancels their pending or accepted booking; the slot is free again."""
    return await _move(session, booking_id, ACTIVE, "cancelled", now, user_id=user_id)


async def reschedule(
    session: AsyncSession, booking_id: int, user_id: int, slot_id: int, now: datetime
) -> tuple[BookingView, BookingView]:
    """Move a worker's open booking to another free slot: the old booking is cancelled (its
    slot freed) and a new pending one made with the same topic and phone, in one savepoint —
    either both happen or neither. (old, new); BookingError('expired' | 'book_taken' | …)."""
    old = await booking_view(session, booking_id)
    if old is None or old.booking.user_id != user_id or old.booking.status not in ACTIVE:
        raise BookingError("expired")
    if old.slot.id == slot_id:
        raise BookingError("book_same_slot")
    async with session.begin_nested():
        moved = await _move(session, booking_id, ACTIVE, "cancelled", now, user_id=user_id)
        if moved is None:
            raise BookingError("expired")
        new = await book(
            session,
            user_id,
            slot_id,
            old.booking.topic,
            old.booking.phone,
            now,
            old.booking.faq_entry_id,
        )
    return moved, new


@dataclass(frozen=True)
class Withdrawn:
    """An active booking deleted with its worker's data (what its lawyer needs to be told)."""

    booking_id: int
    lawyer_telegram_id: int | None
    starts_at: datetime


async def forget_bookings(session: AsyncSession, user_id: int) -> list[Withdrawn]:
    """Erase every booking of a worker (who, topic, phone), freeing held slots; returns
    the ones that were still active, so their lawyers can be told."""
    withdrawn = [
        Withdrawn(v.booking.id or 0, v.lawyer.telegram_id, v.slot.starts_at)
        for v in await active_bookings(session, user_id)
    ]
    mine = select(Booking.id).where(Booking.user_id == user_id)
    await (await session.connection()).execute(
        delete(ConsultMessage).where(col(ConsultMessage.booking_id).in_(mine))
    )
    await (await session.connection()).execute(
        update(DutySlot).where(col(DutySlot.booking_id).in_(mine)).values(booking_id=None)
    )
    # The rows stay, emptied of everything personal, so that their ids are never handed to a
    # new booking (SQLite reuses the highest deleted id): a lawyer's old 接受 button must not
    # act on another worker's booking.
    await (await session.connection()).execute(
        update(Booking)
        .where(col(Booking.user_id) == user_id)
        .values(user_id=0, topic="", phone=None, faq_entry_id=None, outcome=None, status=FORGOTTEN)
    )
    return withdrawn
