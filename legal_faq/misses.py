"""Questions the FAQ could not answer, and answers workers marked 👎, kept for editors.

Stored without user ids; phone numbers (in every form the booking flow accepts), ID-card
numbers, e-mail addresses and other long digit runs are masked first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import UniqueConstraint, bindparam
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from input_limits import MAX_KEPT_QUERY_CHARS
from storage import upsert_insert

MAX_QUERY = MAX_KEPT_QUERY_CHARS


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


_EMAIL = re.compile(r"[\w.%+-]+@[\w-]+(?:\.[\w-]+)+")
_ID_CARD = re.compile(r"\d{17}[\dXx]")
# Digits joined by spaces, dashes, parentheses or a leading +: a phone number when its digits
# hold a mobile (1[3-9] and 9 more) or a landline with its area code (0 and 9-11 more).
_DIGIT_GROUPS = re.compile(r"\+?[\d(（][\d\s\-()（）]*\d")
_PHONE_DIGITS = re.compile(r"1[3-9]\d{9}|0\d{9,11}")
_LONG_DIGITS = re.compile(r"\d{6,}")


def _mask(match: re.Match[str]) -> str:
    return "#" * len(match.group())


def _mask_phone(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group())
    return _mask(match) if _PHONE_DIGITS.search(digits) else match.group()


def scrub(query: str) -> str:
    """What we keep of a query: trimmed, one line, personal numbers and addresses masked."""
    text = " ".join(query.split())
    text = _EMAIL.sub(_mask, text)
    text = _ID_CARD.sub(_mask, text)
    text = _DIGIT_GROUPS.sub(_mask_phone, text)
    return _LONG_DIGITS.sub(_mask, text)[:MAX_QUERY]


async def record_miss(
    session: AsyncSession, query: str, kind: str, now: datetime, entry_id: str = ""
) -> None:
    """Count one more miss of this query (an upsert, safe across processes)."""
    table = FaqMiss.__table__  # type: ignore[attr-defined]
    connection = await session.connection()
    stmt = upsert_insert(connection.dialect.name, table).values(
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
