"""Secret links to the web pages of an event: the big screen, the host's and judges' consoles.

A link is a random token (`secrets.token_urlsafe`, 32 bytes) in the page's path. Only its
SHA-256 is stored, so a database dump gives away no working link; the token itself is shown
once, when the link is made. Each link is for one event and one role:
- `screen`: the scoreboard for the projector (read only, bound to nobody);
- `host`, `judge`: the console, bound to a Telegram user id; its commands run as that user, and
  at every use the user must still be one of the event's quiz masters (`host`) or judges.
A link stops working when it is revoked (`revoked_at` set; rows are kept for the record).

Plain SQLModel, no web framework: the CLI, the bot's /weblinks and the web server share it.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, CheckConstraint, Column, Index
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.webroles import BOUND_ROLES as BOUND_ROLES
from bot.webroles import ROLES as ROLES
from bot.webroles import Role as Role
from scoring.final.models import LiveFinal

if TYPE_CHECKING:
    from competition import Competition

TOKEN_BYTES = 32  # 256 random bits: 43 URL-safe characters
MAX_TOKEN_CHARS = 64  # longer path segments are not ours and never reach the database


class WebLink(SQLModel, table=True):
    """One secret link: whose event, which role, bound to whom, and whether it still works."""

    __tablename__ = "web_link"
    __table_args__ = (
        CheckConstraint("role IN ('screen', 'host', 'judge')", name="ck_web_link_role"),
        Index("ix_web_link_competition", "competition_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    competition_id: int = Field(foreign_key="competition.id")
    role: str = Field(max_length=8)
    user_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    token_hash: str = Field(max_length=64, unique=True)  # SHA-256 hex of the token
    created_at: datetime
    created_by: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    revoked_at: datetime | None = None


@dataclass(frozen=True)
class NewLink:
    """A link just made: the row and the token (shown once, never stored)."""

    link: WebLink
    token: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def page_path(role: str, token: str) -> str:
    """The path of a link's page: the scoreboard for `screen`, the console otherwise."""
    return f"/{'screen' if role == 'screen' else 'console'}/{token}"


def link_url(base_url: str, role: str, token: str) -> str:
    return base_url.rstrip("/") + page_path(role, token)


async def create_link(
    session: AsyncSession,
    competition_id: int,
    role: Role,
    now: datetime,
    user_id: int | None = None,
    created_by: int | None = None,
) -> NewLink:
    """Make a link (the caller checks the user is allowed the role and commits)."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    if (role in BOUND_ROLES) != (user_id is not None):
        raise ValueError("host and judge links are bound to a user; screen links to nobody")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    link = WebLink(
        competition_id=competition_id,
        role=role,
        user_id=user_id,
        token_hash=token_hash(token),
        created_at=now,
        created_by=created_by,
    )
    session.add(link)
    await session.flush()
    return NewLink(link, token)


async def find_link(session: AsyncSession, token: str) -> WebLink | None:
    """The working (not revoked) link with this token, or None."""
    if not token or len(token) > MAX_TOKEN_CHARS:
        return None
    stmt = select(WebLink).where(
        col(WebLink.token_hash) == token_hash(token), col(WebLink.revoked_at).is_(None)
    )
    return (await session.exec(stmt)).first()


async def event_links(session: AsyncSession, competition_id: int) -> list[WebLink]:
    """All links of an event, revoked ones too, oldest first."""
    stmt = (
        select(WebLink)
        .where(col(WebLink.competition_id) == competition_id)
        .order_by(col(WebLink.id))
    )
    return list((await session.exec(stmt)).all())


async def revoke_links(
    session: AsyncSession,
    competition_id: int,
    now: datetime,
    *,
    link_id: int | None = None,
    role: str | None = None,
    user_id: int | None = None,
) -> list[WebLink]:
    """Revoke the event's working links that match every filter given; returns them."""
    stmt = select(WebLink).where(
        col(WebLink.competition_id) == competition_id, col(WebLink.revoked_at).is_(None)
    )
    if link_id is not None:
        stmt = stmt.where(col(WebLink.id) == link_id)
    if role is not None:
        stmt = stmt.where(col(WebLink.role) == role)
    if user_id is not None:
        stmt = stmt.where(col(WebLink.user_id) == user_id)
    links = list((await session.exec(stmt)).all())
    for link in links:
        link.revoked_at = now
        session.add(link)
    await session.flush()
    return links


async def event_judges(session: AsyncSession, competition_id: int) -> frozenset[int]:
    """The judges of the event's live final (its file's `final.judges`; none without one)."""
    final = await session.get(LiveFinal, competition_id)
    return frozenset(int(j) for j in final.config.get("judges", [])) if final else frozenset()


def holds_role(
    link: WebLink,
    competition: Competition,
    quizmasters: Collection[int] = frozenset(),
    judges: Collection[int] = frozenset(),
) -> bool:
    """Whether the link's user still has its role in the event (checked at every use):
    a host is one of the event's quiz masters (the event file's or PUFA_QUIZMASTERS), a judge
    one of its judges or quiz masters. A screen link is bound to nobody."""
    if link.role == "screen":
        return True
    if link.user_id is None:
        return False
    hosts = set(quizmasters) | set(competition.quizmasters)
    if link.role == "host":
        return link.user_id in hosts
    return link.user_id in hosts or link.user_id in judges
