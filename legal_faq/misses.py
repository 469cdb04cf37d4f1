"""Questions the FAQ could not answer, and answers workers marked 👎, kept for editors.

Stored without user ids; long digit runs (phone numbers, ID numbers) are masked first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import UniqueConstraint, bindparam
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

MAX_QUERY = 200


class FaqMiss(SQLModel, table=True):
    """One distinct unanswered (kind 'none') or disliked (kind 'down') question."""

    __tablename__ = "faq_miss"
    __table_args__ = (UniqueConstraint("kind", "query", "entry_id", name="uq_faq_miss"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=8)  # none | down
    query: str = Field(max_length=MAX_QUERY)
    entry_id: str = Field(default="", max_length=64)  # the answer that got 👎
    count: int = 1
    first_seen: datetime
    last_seen: datetime


_PERSONAL = re.compile(r"\d{6,}")


def scrub(query: str) -> str:
    """What we keep of a query: trimmed, one line, long digit runs masked."""
    text = " ".join(query.split())
    return _PERSONAL.sub(lambda m: "#" * len(m.group()), text)[:MAX_QUERY]


async def record_miss(
    session: AsyncSession, query: str, kind: str, now: datetime, entry_id: str = ""
) -> None:
    """Count one more miss of this query (an upsert, safe across processes)."""
    table = FaqMiss.__table__  # type: ignore[attr-defined]
    connection = await session.connection()
    make_insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    stmt = make_insert(table).values(
        kind=bindparam("kind"),
        query=bindparam("query"),
        entry_id=bindparam("entry_id"),
        count=1,
        first_seen=bindparam("now", type_=table.c.first_seen.type),
        last_seen=bindparam("now", type_=table.c.last_seen.type),
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.kind, table.c.query, table.c.entry_id],
        set_={"count": table.c.count + 1, "last_seen": stmt.excluded.last_seen},
    )
    await connection.execute(
        stmt, {"kind": kind, "query": scrub(query), "entry_id": entry_id, "now": now}
    )


@dataclass(frozen=True)
class MissRow:
    kind: str
    query: str
    entry_id: str
    count: int
    last_seen: datetime


async def list_misses(session: AsyncSession, limit: int = 50) -> list[MissRow]:
    """Most frequent first."""
    rows = await session.exec(
        select(FaqMiss)
        .order_by(col(FaqMiss.count).desc(), col(FaqMiss.last_seen).desc())
        .limit(limit)
    )
    return [MissRow(r.kind, r.query, r.entry_id, r.count, r.last_seen) for r in rows]
