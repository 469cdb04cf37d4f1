"""Tables for lawyers, their duty slots and the consultations workers book in them."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import JSON, BigInteger, CheckConstraint, Column, Index, UniqueConstraint, text
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


class Station(SQLModel, table=True):
    """A legal-aid station (工作站) where lawyers are on duty, and how consultations happen."""

    __tablename__ = "station"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=64)
    address: str = Field(default="", max_length=128)
    phone: str = Field(default="", max_length=32)
    channel: str = Field(default="到站面谈", max_length=16)  # 到站面谈 | 电话 | 视频


class Lawyer(SQLModel, table=True):
    """A legal-aid lawyer on the roster, known by a roster code; the bot learns their
    Telegram id from the roster or from an invite link they open (`pufa roster invite`)."""

    __tablename__ = "lawyer"

    id: int | None = Field(default=None, primary_key=True)
    telegram_id: int | None = Field(
        default=None, sa_column=Column(BigInteger, nullable=True, unique=True)
    )
    code: str | None = Field(default=None, max_length=32, unique=True)
    name: str = Field(max_length=64)
    firm: str = Field(default="", max_length=128)
    specialties: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    active: bool = True


class DutyRule(SQLModel, table=True):
    """A repeating duty: weekly (每周二) or monthly (每月第二个周三), from–to local time. Slots
    are made from the rules on a rolling horizon (legal_aid/rules.py)."""

    __tablename__ = "duty_rule"

    id: int | None = Field(default=None, primary_key=True)
    lawyer_id: int = Field(foreign_key="lawyer.id", index=True)
    station_id: int | None = Field(default=None, foreign_key="station.id")
    weekday: int  # 0 = Monday … 6 = Sunday
    nth: int | None = None  # monthly: 1..4, or -1 for the last such weekday; None = weekly
    starts: time
    ends: time
    slot_minutes: int
    line: int = 0  # where the rule stands in the roster file (for reports)


class DutyClosure(SQLModel, table=True):
    """A day without rule-made duties: a public holiday (no lawyer) or a lawyer away."""

    __tablename__ = "duty_closure"

    id: int | None = Field(default=None, primary_key=True)
    lawyer_id: int | None = Field(default=None, foreign_key="lawyer.id", index=True)
    day: date = Field(index=True)


class LawyerInvite(SQLModel, table=True):
    """A one-use, expiring code for a lawyer's invite link (t.me/<bot>?start=<code>)."""

    __tablename__ = "lawyer_invite"

    code: str = Field(primary_key=True, max_length=40)
    lawyer_id: int = Field(foreign_key="lawyer.id", index=True)
    expires_at: datetime
    used_at: datetime | None = None


class DutySlot(SQLModel, table=True):
    """One consultation a lawyer on duty can give; `booking_id` is set while it is taken."""

    __tablename__ = "duty_slot"
    __table_args__ = (UniqueConstraint("lawyer_id", "starts_at", name="uq_slot_start"),)

    id: int | None = Field(default=None, primary_key=True)
    lawyer_id: int = Field(foreign_key="lawyer.id", index=True)
    starts_at: datetime = Field(index=True)
    ends_at: datetime
    booking_id: int | None = Field(default=None, index=True)
    station_id: int | None = Field(default=None, foreign_key="station.id")
    rule_id: int | None = None  # the duty rule that made it (None: a one-off date, or kept)


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
