"""Consultation threads: the booked lawyer and the worker write to each other through the bot.

A thread belongs to one booking and is open while the booking is (pending or accepted); it
closes when the consultation is finished (已完成 / 未到), declined or cancelled. Only the two
people of the booking can write in it. Messages are kept with the booking, so that each side
knows which consultation they are about; the worker's /forget deletes them
(`forget_bookings`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from legal_aid.booking import BookingView, booking_view
from legal_aid.models import ACTIVE, MAX_MESSAGE_CHARS, ConsultMessage


@dataclass(frozen=True)
class ThreadSide:
    """An open thread as one of its two people sees it."""

    view: BookingView
    is_lawyer: bool

    @property
    def other_chat(self) -> int | None:
        """Where a message from this side goes: the worker's or the lawyer's chat."""
        return self.view.booking.user_id if self.is_lawyer else self.view.lawyer.telegram_id


async def open_thread(session: AsyncSession, booking_id: int, user_id: int) -> ThreadSide | None:
    """The booking's thread if it is open and `user_id` is its worker or its lawyer."""
    view = await booking_view(session, booking_id)
    if view is None or view.booking.status not in ACTIVE or not view.lawyer.active:
        return None
    if view.lawyer.telegram_id is not None and user_id == view.lawyer.telegram_id:
        return ThreadSide(view, is_lawyer=True)
    if user_id == view.booking.user_id:
        return ThreadSide(view, is_lawyer=False)
    return None


async def post_message(
    session: AsyncSession, side: ThreadSide, text: str, now: datetime
) -> ConsultMessage:
    """Keep one message of the thread (the caller relays it to the other side)."""
    assert side.view.booking.id is not None
    message = ConsultMessage(
        booking_id=side.view.booking.id,
        from_lawyer=side.is_lawyer,
        text=text[:MAX_MESSAGE_CHARS],
        sent_at=now,
    )
    session.add(message)
    await session.flush()
    return message


async def thread_messages(session: AsyncSession, booking_id: int) -> list[ConsultMessage]:
    """A booking's messages, oldest first."""
    found = await session.exec(
        select(ConsultMessage)
        .where(ConsultMessage.booking_id == booking_id)
        .order_by(col(ConsultMessage.id))
    )
    return list(found.all())
