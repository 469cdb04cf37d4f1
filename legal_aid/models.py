"""Tables for lawyers, their duty slots and the consultations workers book in them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Column, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from input_limits import MAX_TOPIC_CHARS

ACTIVE = ("pending", "accepted")  # a booking that still holds its slot
FORGOTTEN = "forgotten"  # erased by the worker's /forget: no person, topic or phone left
NO_SHOW = "no_show"  # the worker did not come (the lawyer's 未到)
FINISHED = ("done", NO_SHOW)  # the consultation's time came: the slot stays used
MAX_ACTIVE_PER_USER = 2  # open bookings a worker may hold at once: seats 1 and 2
MAX_OUTCOME_CHARS = 500  # the lawyer's optional outcome note
MAX_MESSAGE_CHARS = 1000  # one message in a consultation thread

# The same condition on both databases: the partial unique indexes below hold only while a
# booking is active, so a cancelled or finished booking frees its slot and its seat.
_ACTIVE_SQL = text("status IN ('pending', 'accepted')")


class Lawyer(SQLModel, table=True):
    """A legal-aid lawyer on the roster; known to the bot by their Telegram user id."""

    __tablename__ = "lawyer"

    id: int | None = Field(default=None, primary_key=True)
    telegram_id: int = Field(sa_column=Column(BigInteger, nullable=False, unique=True))
    name: str = Field(max_length=64)
    firm: str = Field(default="", max_length=128)
    active: bool = True


class DutySlot(SQLModel, table=True):
    """One consultation a lawyer on duty can give; `booking_id` is set while it is taken."""

    __tablename__ = "duty_slot"
    __table_args__ = (UniqueConstraint("lawyer_id", "starts_at", name="uq_slot_start"),)

    id: int | None = Field(default=None, primary_key=True)
    lawyer_id: int = Field(foreign_key="lawyer.id", index=True)
    starts_at: datetime = Field(index=True)
    ends_at: datetime
    booking_id: int | None = Field(default=None, index=True)


class Booking(SQLModel, table=True):
    """A consultation a worker asked for: pending → accepted → done, or declined / cancelled.

    The topic and phone number are personal data: shown to the booked lawyer only, never
    logged, deleted by /forget.
    """

    __tablename__ = "booking"
    __table_args__ = (
        # one active booking per slot, whatever the flow or process does
        Index(
            "uq_booking_active_slot",
            "slot_id",
            unique=True,
            sqlite_where=_ACTIVE_SQL,
            postgresql_where=_ACTIVE_SQL,
        ),
        # at most MAX_ACTIVE_PER_USER open bookings per worker: each holds one numbered seat
        Index(
            "uq_booking_open_seat",
            "user_id",
            "seat",
            unique=True,
            sqlite_where=_ACTIVE_SQL,
            postgresql_where=_ACTIVE_SQL,
        ),
        CheckConstraint(f"seat BETWEEN 1 AND {MAX_ACTIVE_PER_USER}", name="ck_booking_seat"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    slot_id: int = Field(foreign_key="duty_slot.id", index=True)
    lawyer_id: int = Field(foreign_key="lawyer.id", index=True)
    topic: str = Field(max_length=MAX_TOPIC_CHARS)
    phone: str | None = Field(default=None, max_length=20)
    faq_entry_id: str | None = Field(default=None, max_length=64)
    status: str = Field(default="pending", max_length=16, index=True)
    created_at: datetime
    decided_at: datetime | None = None
    seat: int = 1  # 1..MAX_ACTIVE_PER_USER: which of the worker's open-booking seats it holds
    topic_kind: str = Field(default="other", max_length=16)  # wage, injury, … (for reports)
    outcome: str | None = Field(default=None, max_length=MAX_OUTCOME_CHARS)  # lawyer's note


class ConsultMessage(SQLModel, table=True):
    """One message of a consultation thread, relayed by the bot between the booked lawyer and
    the worker (neither sees the other's Telegram account). Deleted by the worker's /forget."""

    __tablename__ = "consult_message"

    id: int | None = Field(default=None, primary_key=True)
    booking_id: int = Field(foreign_key="booking.id", index=True)
    from_lawyer: bool
    text: str = Field(max_length=MAX_MESSAGE_CHARS)
    sent_at: datetime
