"""The delivery tables: the inbox of updates, the outbox of actions, remembered messages,
chats the bot cannot reach, and scheduled jobs. All state that a crash must not lose."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, Integer
from sqlmodel import Field, SQLModel


class InboxUpdate(SQLModel, table=True):
    """One Telegram update, stored as its event before Telegram is told it arrived.

    `done` turns true in the same transaction as the update's effects. Rows of one
    `ordering_key` (the user; else the chat) are handled one at a time, in update order.
    Done rows are kept for a day so that an update delivered twice is handled once.
    """

    __tablename__ = "inbox_update"
    __table_args__ = (
        Index("ix_inbox_pending", "done", "update_id"),
        Index("ix_inbox_key", "ordering_key", "update_id"),
    )

    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    ordering_key: int = Field(sa_column=Column(BigInteger, nullable=False))
    event: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    done: bool = False
    attempts: int = 0
    received_at: datetime


class OutboxAction(SQLModel, table=True):
    """One action waiting to be sent. Rows of one chat go out one at a time, in id order;
    a row is leased while being sent and deleted once sent (or given up)."""

    __tablename__ = "outbox_action"
    __table_args__ = (
        Index("ix_outbox_due", "due_at", "id"),
        Index("ix_outbox_chat", "chat_key", "id"),
    )

    id: int | None = Field(
        default=None,
        sa_column=Column(
            BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
        ),
    )
    chat_key: int = Field(sa_column=Column(BigInteger, nullable=False))
    action: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    due_at: datetime
    leased_until: datetime | None = None
    attempts: int = 0
    broadcast_id: int | None = None  # a broadcast's message: its recipient row is updated


class SentMessageRef(SQLModel, table=True):
    """A message sent with a key (a countdown, a leaderboard, a poll): where it went."""

    __tablename__ = "sent_message_ref"

    key: str = Field(primary_key=True, max_length=64)
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    message_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    poll_id: str | None = Field(default=None, max_length=64, index=True)
    sent_at: datetime


class UnreachableChat(SQLModel, table=True):
    """A chat the bot cannot write to (the user blocked it, never started it, or the bot was
    removed from the group). Cleared when the user writes again or re-adds the bot."""

    __tablename__ = "unreachable_chat"

    chat_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    since: datetime


class ScheduledJob(SQLModel, table=True):
    """Work due at a time (a reminder, a deadline, a poll to close), run once as a timer
    event. A `key` names a job so that it can be moved or cancelled (one job per key)."""

    __tablename__ = "scheduled_job"
    __table_args__ = (Index("ix_job_due", "due_at", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32)
    key: str | None = Field(default=None, max_length=96, unique=True)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    due_at: datetime
    attempts: int = 0


class Broadcast(SQLModel, table=True):
    """An announcement to many users (exam opening, reminders, results), sent through the
    outbox at Telegram's pace behind interactive replies; survives restarts."""

    __tablename__ = "broadcast"

    id: int | None = Field(default=None, primary_key=True)
    text: str = Field(max_length=4096)
    audience: str = Field(max_length=100)  # what it was sent to, for `pufa broadcast status`
    total: int
    created_at: datetime
    finished_at: datetime | None = None


class BroadcastRecipient(SQLModel, table=True):
    """One user of a broadcast: pending → queued (in the outbox) → sent, or blocked (the
    user blocked the bot: skipped and counted) or failed (Telegram refused it)."""

    __tablename__ = "broadcast_recipient"
    __table_args__ = (Index("ix_recipient_state", "broadcast_id", "state", "chat_id"),)

    broadcast_id: int = Field(foreign_key="broadcast.id", primary_key=True)
    chat_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    state: str = Field(default="pending", max_length=8)
