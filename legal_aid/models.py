"""Tables for lawyers, their duty slots and the consultations workers book in them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from input_limits import MAX_TOPIC_CHARS

ACTIVE = ("pending", "accepted")  # a booking that still holds its slot
FORGOTTEN = "forgotten"  # erased by the worker's /forget: no person, topic or phone left


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
