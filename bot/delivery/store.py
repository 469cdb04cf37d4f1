"""Reading and writing the delivery tables: one function per step of an update's life.

Claims use `FOR UPDATE SKIP LOCKED` on PostgreSQL, so several processes can share the inbox,
the outbox and the job table without taking the same row; SQLite ignores the clause (one
process). Ordering: an inbox row is claimable only when no earlier row of its ordering key is
still open, an outbox row only when no earlier row of its chat is waiting — so one user's
updates are handled, and one chat's messages sent, in order across processes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import bindparam, delete, exists, func, insert, update
from sqlalchemy import select as core_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.conversation.actions import Action, action_chat, action_to_json
from bot.conversation.events import Event
from bot.delivery import broadcast
from bot.delivery.models import (
    InboxUpdate,
    OutboxAction,
    ScheduledJob,
    SentMessageRef,
    UnreachableChat,
)
from bot.transports.base import Fetched
from storage import one_of, upsert_insert

KEEP_DONE = timedelta(days=1)  # how long handled update ids are kept to drop redeliveries


def _insert(session: AsyncSession, table: Any) -> Any:
    """INSERT … ON CONFLICT for the session's dialect."""
    return upsert_insert(session.get_bind().dialect.name, table)


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
        conn = await session.connection()
        await conn.execute(_store_updates(conn.dialect.name), rows)
    return len(rows)


@cache
def _store_updates(dialect: str) -> Any:
    """INSERT … ON CONFLICT DO NOTHING, built once per dialect and run for many rows (a
    statement with the rows as VALUES would be compiled again for every batch size)."""
    return upsert_insert(dialect, _INBOX).on_conflict_do_nothing()


@dataclass(frozen=True)
class ClaimedUpdate:
    """An inbox row taken for handling (locked until the transaction ends)."""

    update_id: int
    event: Event
    received_at: datetime
    attempts: int


_INBOX = InboxUpdate.__table__  # type: ignore[attr-defined]
_OUTBOX = OutboxAction.__table__  # type: ignore[attr-defined]
_UNREACHABLE = UnreachableChat.__table__  # type: ignore[attr-defined]
_JOBS = ScheduledJob.__table__  # type: ignore[attr-defined]
_EARLIER_UPDATE = _INBOX.alias("earlier")
_EARLIER_ACTION = _OUTBOX.alias("earlier")

# Prebuilt Core statements: these run for every update and every message, and SQLAlchemy's
# ORM layer cost ~10x the database's own time on them.
_CLAIM_UPDATE = (
    core_select(_INBOX.c.update_id, _INBOX.c.event, _INBOX.c.received_at, _INBOX.c.attempts)
    .where(
        _INBOX.c.done.is_(False),
        ~exists().where(
            _EARLIER_UPDATE.c.ordering_key == _INBOX.c.ordering_key,
            _EARLIER_UPDATE.c.update_id < _INBOX.c.update_id,
            _EARLIER_UPDATE.c.done.is_(False),
        ),
    )
    .order_by(_INBOX.c.update_id)
    .limit(bindparam("limit"))
    .with_for_update(skip_locked=True, of=_INBOX)
)
_SET_UPDATE = (
    update(_INBOX)
    .where(_INBOX.c.update_id == bindparam("u"))
    .values(done=bindparam("d"), attempts=bindparam("a"))
)
_OUTBOX_HEADS = (  # the chats whose first waiting action is due and not leased, locked
    core_select(_OUTBOX.c.chat_key)
    .where(
        _OUTBOX.c.due_at <= bindparam("now"),
        (_OUTBOX.c.leased_until.is_(None)) | (_OUTBOX.c.leased_until < bindparam("now")),
        ~exists().where(
            _EARLIER_ACTION.c.chat_key == _OUTBOX.c.chat_key,
            _EARLIER_ACTION.c.id < _OUTBOX.c.id,
        ),
    )
    .order_by(_OUTBOX.c.id)
    .limit(bindparam("limit"))
    .with_for_update(skip_locked=True, of=_OUTBOX)
    .cte("heads")
)
_INSERT_ACTION = insert(_OUTBOX)
_OUTBOX_OF_HEADS = (
    # every row of the chats whose head this claim took, in order, locked; `gone`: the chat is
    # unreachable. One statement: the heads are a CTE of it, reachability a column.
    core_select(
        _OUTBOX.c.id,
        _OUTBOX.c.chat_key,
        _OUTBOX.c.action,
        _OUTBOX.c.attempts,
        _OUTBOX.c.due_at,
        _OUTBOX.c.broadcast_id,
        exists().where(_UNREACHABLE.c.chat_id == _OUTBOX.c.chat_key).label("gone"),
    )
    .where(_OUTBOX.c.chat_key.in_(core_select(_OUTBOX_HEADS.c.chat_key)))
    .order_by(_OUTBOX.c.id)
    .with_for_update(of=_OUTBOX)
)


# Statements on lists (of chats, of rows), built once per dialect (see storage.one_of).
@cache
def _lease(dialect: str) -> Any:
    return (
        update(_OUTBOX)
        .where(one_of(dialect, _OUTBOX.c.id, "ids"))
        .values(leased_until=bindparam("until"))
    )


@cache
def _drop_actions(dialect: str) -> Any:
    return delete(_OUTBOX).where(one_of(dialect, _OUTBOX.c.id, "ids"))


@cache
def _reachable_again(dialect: str) -> Any:
    return delete(_UNREACHABLE).where(one_of(dialect, _UNREACHABLE.c.chat_id, "chats"))


def _claimed(row: Any) -> ClaimedUpdate:
    return ClaimedUpdate(row.update_id, Event.from_json(row.event), row.received_at, row.attempts)


async def begin(session: AsyncSession) -> None:
    """Open a fresh session's transaction now. SQLite's driver opens one only at the first
    write, and a SAVEPOINT outside a transaction starts one of its own that its RELEASE
    commits: a batch of updates, each in a savepoint, would commit one by one."""
    conn = await session.connection()
    if conn.dialect.name == "sqlite":
        await conn.exec_driver_sql("BEGIN")


async def claim_updates(session: AsyncSession, limit: int) -> list[ClaimedUpdate]:
    """Up to `limit` open updates, oldest first, each the oldest open update of its key (so
    at most one per key), locked for this transaction (other processes skip them)."""
    conn = await session.connection()
    return [_claimed(row) for row in await conn.execute(_CLAIM_UPDATE, {"limit": limit})]


async def set_updates(session: AsyncSession, marks: list[tuple[int, bool, int]]) -> None:
    """(update id, done, attempts) for many updates, in one statement."""
    if marks:
        conn = await session.connection()
        await conn.execute(_SET_UPDATE, [{"u": u, "d": d, "a": a} for u, d, a in marks])


async def prune_inbox(session: AsyncSession, now: datetime) -> None:
    """Drop handled updates older than KEEP_DONE (Telegram redelivers only recent ones)."""
    await session.exec(
        delete(InboxUpdate).where(
            col(InboxUpdate.done).is_(True),
            col(InboxUpdate.received_at) < now - KEEP_DONE,
        )
    )


# --- outbox --------------------------------------------------------------------------------


async def enqueue(
    session: AsyncSession, actions: Iterable[Action], event: Event, now: datetime
) -> int:
    """Queue actions to be sent after this transaction commits; returns how many."""
    return await enqueue_rows(session, outbox_rows(actions, event, now))


def outbox_rows(actions: Iterable[Action], event: Event, now: datetime) -> list[dict[str, Any]]:
    """The outbox rows of an event's actions, in order."""
    rows = []
    for action in actions:
        chat = action_chat(action)
        # a callback answer belongs with the chat it was pressed in (keeps its order)
        key = chat if chat is not None else (event.chat_id or event.user.id)
        rows.append(
            {
                "chat_key": key,
                "action": action_to_json(action),
                "due_at": now,
                "leased_until": None,
                "attempts": 0,
            }
        )
    return rows


async def enqueue_rows(session: AsyncSession, rows: list[dict[str, Any]]) -> int:
    """Queue outbox rows (one statement for all); returns how many."""
    if rows:
        conn = await session.connection()
        await conn.execute(_INSERT_ACTION, rows)
    return len(rows)


@dataclass(frozen=True)
class QueuedAction:
    """An outbox row leased for sending."""

    id: int
    chat_key: int
    action: dict[str, Any]
    attempts: int
    broadcast_id: int | None = None


async def claim_outbox(
    session: AsyncSession, now: datetime, limit: int, lease: timedelta
) -> dict[int, list[QueuedAction]]:
    """Lease the waiting actions of up to `limit` chats, per chat in order.

    The first waiting action of a chat (its head) is claimed with SKIP LOCKED; once a
    process holds a chat's head, no other can claim that chat's later actions (they are not
    heads), so it takes them too, in order, up to the first one not yet due. Actions to chats
    the bot cannot reach are dropped here. The heads and their chats' rows are read in one
    statement (the heads a CTE of it)."""
    conn = await session.connection()
    dialect = conn.dialect.name
    claimed: dict[int, list[QueuedAction]] = {}
    dropped: list[int] = []
    blocked: list[tuple[int, int, str]] = []  # broadcast messages to chats that blocked the bot
    stopped: set[int] = set()  # chats whose run ended at an action not due yet
    for row in await conn.execute(_OUTBOX_OF_HEADS, {"now": now, "limit": limit}):
        if row.gone:
            dropped.append(row.id)
            if row.broadcast_id is not None:
                blocked.append((row.broadcast_id, row.chat_key, "blocked"))
        elif row.chat_key in stopped or row.due_at > now:
            stopped.add(row.chat_key)
        else:
            action = QueuedAction(row.id, row.chat_key, row.action, row.attempts, row.broadcast_id)
            claimed.setdefault(row.chat_key, []).append(action)
    ids = [a.id for queue in claimed.values() for a in queue]
    if ids:
        await conn.execute(_lease(dialect), {"ids": ids, "until": now + lease})
    if dropped:
        await conn.execute(_drop_actions(dialect), {"ids": dropped})
        await broadcast.record(session, blocked)
    return {chat: queue for chat, queue in claimed.items() if queue}


async def release_leases(session: AsyncSession) -> None:
    """At start-up of the only process (SQLite): leases of a crashed run are void."""
    await session.exec(update(OutboxAction).values(leased_until=None))


async def finish_actions(session: AsyncSession, action_ids: list[int]) -> None:
    """Sent (or given up): the rows go."""
    if action_ids:
        conn = await session.connection()
        await conn.execute(_drop_actions(conn.dialect.name), {"ids": action_ids})


async def release_actions(session: AsyncSession, action_ids: list[int]) -> None:
    """Give leased rows back unsent (their chat's earlier action was postponed)."""
    if action_ids:
        conn = await session.connection()
        await conn.execute(_lease(conn.dialect.name), {"ids": action_ids, "until": None})


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


async def note_reachability(session: AsyncSession, events: Iterable[Event], now: datetime) -> None:
    """What events say about whether the bot can write to their chats: a user who writes is
    reachable again (one statement for a whole batch); a membership change says it outright
    (blocked, removed, re-added)."""
    writers = set()
    for event in events:
        if event.kind == "membership":
            if event.member_status in GONE:
                await mark_unreachable(session, event.chat_id, now)
            else:
                await mark_reachable(session, event.chat_id)
        elif event.private and event.kind != "timer" and event.kind != "poll_answer":
            writers.add(event.chat_id)
    if writers:
        conn = await session.connection()
        await conn.execute(_reachable_again(conn.dialect.name), {"chats": sorted(writers)})


# --- health --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Health:
    """What /healthz and /metrics report about the shared queues."""

    inbox_backlog: int  # stored updates not handled yet
    outbox_backlog: int  # actions waiting to be sent
    scheduler_lag: float  # seconds the oldest due job is overdue (0: none due)


async def outbox_backlog(session: AsyncSession) -> int:
    """Actions waiting to be sent."""
    conn = await session.connection()
    return int((await conn.execute(core_select(func.count()).select_from(_OUTBOX))).scalar_one())


async def health(session: AsyncSession, now: datetime) -> Health:
    """Three small aggregates over the delivery tables (indexed: pending inbox rows, due jobs)."""
    conn = await session.connection()
    inbox = (
        await conn.execute(core_select(func.count()).where(_INBOX.c.done.is_(False)))
    ).scalar_one()
    outbox = await outbox_backlog(session)
    oldest = (
        await conn.execute(
            core_select(func.min(_JOBS.c.due_at)).where(
                _JOBS.c.due_at <= bindparam("now", type_=_JOBS.c.due_at.type)
            ),
            {"now": now},
        )
    ).scalar_one()
    lag = 0.0
    if oldest is not None:
        due = oldest if oldest.tzinfo else oldest.replace(tzinfo=now.tzinfo)
        lag = max(0.0, (now - due).total_seconds())
    return Health(int(inbox), int(outbox), lag)
