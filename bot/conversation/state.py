"""Per-user conversation state, kept in the database so restarts and second instances lose nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column
from sqlmodel import Field, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession


class ConversationState(SQLModel, table=True):
    """Which flow a user is in and that flow's small working data (e.g. ticked options)."""

    __tablename__ = "conversation_state"

    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True))
    flow: str | None = Field(default=None, max_length=32)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime | None = None


async def load_state(session: AsyncSession, user_id: int) -> ConversationState:
    state = await session.get(ConversationState, user_id)
    if state is None:
        state = ConversationState(user_id=user_id, data={})
        session.add(state)
    return state


def save_state(
    session: AsyncSession,
    state: ConversationState,
    now: datetime,
    flow: str | None,
    data: dict[str, Any],
) -> None:
    """Replace the state (a new dict, so the JSON column is seen as changed)."""
    state.flow = flow
    state.data = dict(data)
    state.updated_at = now
    session.add(state)


async def forget_state(session: AsyncSession, user_id: int) -> None:
    state = await session.get(ConversationState, user_id)
    if state is not None:
        await session.delete(state)
