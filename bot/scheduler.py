"""Work that falls due at a time: reminders, round deadlines, poll closings, exam windows.

A job is a row (kind, due time, payload, optional key). Flows add them with `ctx.schedule`
in the same transaction as the rest of their work, so a job exists exactly when the work that
needs it committed. The delivery core's scheduler loop claims a due job (`FOR UPDATE SKIP
LOCKED`, so two processes never take the same one), turns it into a timer event, hands that to
the conversation layer and deletes the job in the same transaction: each job runs once, and a
restart only delays it. The clock is injected, so tests move time instead of sleeping.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.delivery.models import ScheduledJob

__all__ = [
    "MAX_ATTEMPTS",
    "ScheduledJob",
    "claim_due_job",
    "next_due",
    "schedule",
    "scheduled",
    "unschedule",
]

MAX_ATTEMPTS = 3  # a job whose handler keeps failing is dropped (and logged) after this


async def schedule(
    session: AsyncSession,
    kind: str,
    due_at: datetime,
    payload: dict[str, Any] | None = None,
    key: str | None = None,
) -> None:
    """Run `kind` at `due_at` with `payload`. With a key, an existing job of that key is
    moved instead (one job per key: rescheduling a reminder never doubles it)."""
    job = None
    if key is not None:
        stmt = select(ScheduledJob).where(col(ScheduledJob.key) == key)
        job = (await session.exec(stmt)).first()
    if job is None:
        job = ScheduledJob(kind=kind, key=key, due_at=due_at)
    job.kind = kind
    job.due_at = due_at
    job.payload = dict(payload or {})
    job.attempts = 0
    session.add(job)


async def unschedule(session: AsyncSession, key: str) -> bool:
    """Cancel the job with this key; True if there was one."""
    result = await session.exec(delete(ScheduledJob).where(col(ScheduledJob.key) == key))
    return bool(getattr(result, "rowcount", 0))


async def claim_due_job(session: AsyncSession, now: datetime) -> ScheduledJob | None:
    """The earliest job due by `now`, locked for this transaction."""
    stmt = (
        select(ScheduledJob)
        .where(col(ScheduledJob.due_at) <= now)
        .order_by(col(ScheduledJob.due_at), col(ScheduledJob.id))
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    return (await session.exec(stmt)).first()


async def next_due(session: AsyncSession) -> datetime | None:
    """When the next job falls due (None: no job)."""
    return (await session.exec(select(func.min(col(ScheduledJob.due_at))))).one_or_none()


async def scheduled(session: AsyncSession, key: str) -> ScheduledJob | None:
    stmt = select(ScheduledJob).where(col(ScheduledJob.key) == key)
    return (await session.exec(stmt)).first()
