"""Announcements to many users, sent through the outbox without crowding out replies.

`create` stores the broadcast and one row per recipient (users who blocked the bot are
skipped at once and counted). The timer loop of each `pufa run` instance calls `feed`: while
the outbox is nearly empty it moves the next recipients into it (claimed with SKIP LOCKED, so
instances never take the same ones); the sender's limiter paces them; each outcome is written
back to the recipient (sent, blocked, failed). Everything is in the database, so a restart
goes on where it stopped: a message is never dropped and — as for every outbox message — is
repeated only if the process died between Telegram's answer and the outbox row's deletion.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, insert, update
from sqlalchemy import select as core_select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.conversation.actions import SendMessage, action_to_json
from bot.delivery.models import Broadcast, BroadcastRecipient, OutboxAction, UnreachableChat

MAX_TEXT = 4096  # Telegram's limit for one message

_B = Broadcast.__table__  # type: ignore[attr-defined]
_R = BroadcastRecipient.__table__  # type: ignore[attr-defined]
_OUTBOX = OutboxAction.__table__  # type: ignore[attr-defined]
_UNREACHABLE = UnreachableChat.__table__  # type: ignore[attr-defined]

_SET_STATE = (
    update(_R)
    .where(_R.c.broadcast_id == bindparam("b"), _R.c.chat_id == bindparam("c"))
    .values(state=bindparam("s"))
)


class BroadcastInvalid(ValueError):
    pass


async def create(
    session: AsyncSession, text: str, audience: str, chat_ids: Iterable[int], now: datetime
) -> Broadcast:
    """Store a broadcast of `text` to each chat once; users who blocked the bot are counted
    as blocked and not sent to."""
    text = text.strip()
    if not 1 <= len(text) <= MAX_TEXT:
        raise BroadcastInvalid(f"the text must be 1-{MAX_TEXT} characters (has {len(text)})")
    chats = sorted(set(chat_ids))
    if not chats:
        raise BroadcastInvalid("nobody to send to")
    broadcast = Broadcast(text=text, audience=audience[:100], total=len(chats), created_at=now)
    session.add(broadcast)
    await session.flush()
    conn = await session.connection()
    blocked: set[int] = set()
    for start in range(0, len(chats), 5000):
        part = chats[start : start + 5000]
        rows = await conn.execute(
            core_select(_UNREACHABLE.c.chat_id).where(_UNREACHABLE.c.chat_id.in_(part))
        )
        blocked.update(r.chat_id for r in rows)
        await conn.execute(
            insert(_R),
            [
                {
                    "broadcast_id": broadcast.id,
                    "chat_id": c,
                    "state": "blocked" if c in blocked else "pending",
                }
                for c in part
            ],
        )
    return broadcast


async def feed(session: AsyncSession, now: datetime, room: int) -> int:
    """Queue up to `room` pending recipients (oldest broadcast first) in the outbox."""
    if room <= 0:
        return 0
    conn = await session.connection()
    pending = (
        await conn.execute(
            core_select(_R.c.broadcast_id, _R.c.chat_id, _B.c.text)
            .join(_B, _B.c.id == _R.c.broadcast_id)
            .where(_R.c.state == "pending")
            .order_by(_R.c.broadcast_id, _R.c.chat_id)
            .limit(room)
            .with_for_update(skip_locked=True, of=_R)
        )
    ).all()
    if not pending:
        return 0
    await conn.execute(
        insert(_OUTBOX),
        [
            {
                "chat_key": r.chat_id,
                "action": action_to_json(SendMessage(r.chat_id, r.text)),
                "due_at": now,
                "leased_until": None,
                "attempts": 0,
                "broadcast_id": r.broadcast_id,
            }
            for r in pending
        ],
    )
    await conn.execute(
        _SET_STATE, [{"b": r.broadcast_id, "c": r.chat_id, "s": "queued"} for r in pending]
    )
    return len(pending)


async def record(session: AsyncSession, outcomes: list[tuple[int, int, str]]) -> None:
    """(broadcast id, chat id, "sent" | "blocked" | "failed") for messages the sender is done with."""
    if outcomes:
        conn = await session.connection()
        await conn.execute(_SET_STATE, [{"b": b, "c": c, "s": s} for b, c, s in outcomes])


async def close_finished(session: AsyncSession, now: datetime) -> list[int]:
    """Mark broadcasts with nobody pending or queued as finished; their ids."""
    conn = await session.connection()
    open_ids = [
        r.id for r in await conn.execute(core_select(_B.c.id).where(_B.c.finished_at.is_(None)))
    ]
    done = []
    for broadcast_id in open_ids:
        left = (
            await conn.execute(
                core_select(func.count()).where(
                    _R.c.broadcast_id == broadcast_id, _R.c.state.in_(("pending", "queued"))
                )
            )
        ).scalar_one()
        if not left:
            done.append(broadcast_id)
    if done:
        await conn.execute(update(_B).where(_B.c.id.in_(done)).values(finished_at=now))
    return done


@dataclass(frozen=True)
class Progress:
    id: int
    audience: str
    total: int
    sent: int
    blocked: int
    failed: int
    waiting: int  # pending or queued
    created_at: datetime
    finished_at: datetime | None

    @property
    def done(self) -> int:
        return self.sent + self.blocked + self.failed


async def progress(session: AsyncSession, broadcast_id: int | None = None) -> list[Progress]:
    """Each broadcast's counts (or one), newest first."""
    conn = await session.connection()
    stmt = core_select(_B).order_by(_B.c.id.desc())
    if broadcast_id is not None:
        stmt = stmt.where(_B.c.id == broadcast_id)
    out = []
    for b in (await conn.execute(stmt.limit(20))).all():
        rows = await conn.execute(
            core_select(_R.c.state, func.count().label("n"))
            .where(_R.c.broadcast_id == b.id)
            .group_by(_R.c.state)
        )
        counts = {r.state: int(r.n) for r in rows}
        out.append(
            Progress(
                b.id,
                b.audience,
                b.total,
                counts.get("sent", 0),
                counts.get("blocked", 0),
                counts.get("failed", 0),
                counts.get("pending", 0) + counts.get("queued", 0),
                b.created_at,
                b.finished_at,
            )
        )
    return out
