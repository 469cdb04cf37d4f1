"""Reading and writing the delivery tables: one function per step of an update's life.

Claims use `FOR UPDATE SKIP LOCKED` on PostgreSQL, so several processes can share the inbox,
the outbox and the job table without taking the same row; SQLite ignores the clause (one
process). Ordering: an inbox row is claimable only when no earlier row of its ordering key is
still open, an outbox row only when no earlier row of its chat is waiting — so one user's
updates are handled, and one chat's messages sent, in order across processes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, exists, func, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.conversation.actions import Action, AnswerCallback, action_chat, action_to_json
from bot.conversation.events import Event
from bot.delivery.models import InboxUpdate, OutboxAction, SentMessageRef, UnreachableChat
from bot.transports.base import Fetched

KEEP_DONE = timedelta(days=1)  # how long handled update ids are kept to drop redeliveries


def _insert(session: AsyncSession, table: Any) -> Any:
    """INSERT … ON CONFLICT for the session's dialect."""
    dialect = session.get_bind().dialect.name
    return (pg_insert if dialect == "postgresql" else sqlite_insert)(table)


# --- inbox ---------------------------------------------------------------------------------


async def store_updates(session: AsyncSession, fetched: Iterable[Fetched], now: datetime) -> int:
    """Keep fetched updates as events (an update already kept is ignored); returns how many
    rows were offered. Updates without an event need no row."""
    rows = [
        {
            "update_id": f.update_id,
            "ordering_key": f.event.ordering_key,
            "event": f.event.to_json(),
            "done": False,
            "attempts": 0,
            "received_at": now,
        }
        for f in fetched
        if f.event is not None
    ]
    if rows:
        stmt = _insert(session, InboxUpdate).values(rows).on_conflict_do_nothing()
        await session.exec(stmt)
    return len(rows)


async def claim_update(session: AsyncSession) -> InboxUpdate | None:
    """The oldest open update whose key has no earlier open update, locked for this
    transaction (other processes skip it)."""
    earlier = aliased(InboxUpdate)
    blocked = exists().where(
        col(earlier.ordering_key) == col(InboxUpdate.ordering_key),
        col(earlier.update_id) < col(InboxUpdate.update_id),
        col(earlier.done).is_(False),
    )
    stmt = (
        select(InboxUpdate)
        .where(col(InboxUpdate.done).is_(False), ~blocked)
        .order_by(col(InboxUpdate.update_id))
        .limit(1)
        .with_for_update(skip_locked=True, of=InboxUpdate)
    )
    return (await session.exec(stmt)).first()


async def lock_update(session: AsyncSession, update_id: int) -> InboxUpdate | None:
    """An open update by id, locked (None if handled meanwhile or locked elsewhere)."""
    stmt = (
        select(InboxUpdate)
        .where(col(InboxUpdate.update_id) == update_id, col(InboxUpdate.done).is_(False))
        .with_for_update(skip_locked=True)
    )
    return (await session.exec(stmt)).first()


async def open_updates(session: AsyncSession) -> int:
    stmt = select(func.count()).select_from(InboxUpdate).where(col(InboxUpdate.done).is_(False))
    return int((await session.exec(stmt)).one())


async def prune_inbox(session: AsyncSession, now: datetime) -> None:
    """Drop handled updates older than KEEP_DONE (Telegram redelivers only recent ones)."""
    await session.exec(
        delete(InboxUpdate).where(
            col(InboxUpdate.done).is_(True),
            col(InboxUpdate.received_at) < now - KEEP_DONE,
        )
    )


# --- outbox --------------------------------------------------------------------------------


def enqueue(session: AsyncSession, actions: Iterable[Action], event: Event, now: datetime) -> int:
    """Queue actions to be sent after this transaction commits; returns how many."""
    count = 0
    for action in actions:
        chat = action_chat(action)
        # a callback answer belongs with the chat it was pressed in (keeps its order)
        key = chat if chat is not None else event.chat_id
        if isinstance(action, AnswerCallback) and not key:
            key = event.user.id
        session.add(OutboxAction(chat_key=key, action=action_to_json(action), due_at=now))
        count += 1
    return count


async def claim_outbox(
    session: AsyncSession, now: datetime, limit: int, lease: timedelta
) -> list[OutboxAction]:
    """The first waiting action of up to `limit` chats, leased for `lease`."""
    earlier = aliased(OutboxAction)
    blocked = exists().where(
        col(earlier.chat_key) == col(OutboxAction.chat_key), col(earlier.id) < col(OutboxAction.id)
    )
    free = col(OutboxAction.leased_until).is_(None) | (col(OutboxAction.leased_until) < now)
    stmt = (
        select(OutboxAction)
        .where(col(OutboxAction.due_at) <= now, free, ~blocked)
        .order_by(col(OutboxAction.id))
        .limit(limit)
        .with_for_update(skip_locked=True, of=OutboxAction)
    )
    rows = list((await session.exec(stmt)).all())
    for row in rows:
        row.leased_until = now + lease
        session.add(row)
    return rows


async def release_leases(session: AsyncSession) -> None:
    """At start-up of the only process (SQLite): leases of a crashed run are void."""
    await session.exec(update(OutboxAction).values(leased_until=None))


async def finish_action(session: AsyncSession, action_id: int) -> None:
    await session.exec(delete(OutboxAction).where(col(OutboxAction.id) == action_id))


async def postpone_action(session: AsyncSession, action_id: int, until: datetime) -> int:
    """Try again at `until`; returns the attempts so far."""
    row = await session.get(OutboxAction, action_id)
    if row is None:
        return 0
    row.attempts += 1
    row.due_at = until
    row.leased_until = None
    session.add(row)
    return row.attempts


async def waiting_actions(session: AsyncSession) -> int:
    stmt = select(func.count()).select_from(OutboxAction)
    return int((await session.exec(stmt)).one())


# --- remembered messages -------------------------------------------------------------------


async def remember_message(
    session: AsyncSession,
    key: str,
    chat_id: int,
    message_id: int,
    poll_id: str | None,
    now: datetime,
) -> None:
    values = {
        "key": key,
        "chat_id": chat_id,
        "message_id": message_id,
        "poll_id": poll_id,
        "sent_at": now,
    }
    stmt = _insert(session, SentMessageRef).values(values)
    stmt = stmt.on_conflict_do_update(
        index_elements=["key"],
        set_={k: v for k, v in values.items() if k != "key"},
    )
    await session.exec(stmt)


async def remembered(session: AsyncSession, key: str) -> SentMessageRef | None:
    """Where the message sent with `key` went (None if not sent yet)."""
    return await session.get(SentMessageRef, key)


async def poll_owner(session: AsyncSession, poll_id: str) -> SentMessageRef | None:
    """The remembered poll with this Telegram poll id (for poll answers)."""
    stmt = select(SentMessageRef).where(col(SentMessageRef.poll_id) == poll_id)
    return (await session.exec(stmt)).first()


# --- reachability --------------------------------------------------------------------------

GONE = {"kicked", "left"}


async def mark_unreachable(session: AsyncSession, chat_id: int, now: datetime) -> None:
    stmt = _insert(session, UnreachableChat).values(chat_id=chat_id, since=now)
    await session.exec(stmt.on_conflict_do_nothing())


async def mark_reachable(session: AsyncSession, chat_id: int) -> None:
    await session.exec(delete(UnreachableChat).where(col(UnreachableChat.chat_id) == chat_id))


async def is_unreachable(session: AsyncSession, chat_id: int) -> bool:
    return await session.get(UnreachableChat, chat_id) is not None


async def note_reachability(session: AsyncSession, event: Event, now: datetime) -> None:
    """What an event says about whether the bot can write to its chat: a user who writes is
    reachable again; a membership change says it outright (blocked, removed, re-added)."""
    if event.kind == "membership":
        if event.member_status in GONE:
            await mark_unreachable(session, event.chat_id, now)
        else:
            await mark_reachable(session, event.chat_id)
    elif event.private and event.kind != "timer" and event.kind != "poll_answer":
        if await session.get(UnreachableChat, event.chat_id) is not None:
            await mark_reachable(session, event.chat_id)
