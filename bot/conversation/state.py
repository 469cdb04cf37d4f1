"""Per-user conversation state, kept in the database so restarts and second instances lose nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column
from sqlmodel import Field, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

# Kept when a flow replaces the state: the FAQ's questions asked lately, so that a button under
# an older answer still finds its question after a quiz or a booking came in between.
ASKED_QUESTIONS = "faq_asked"
ACROSS_FLOWS = (ASKED_QUESTIONS,)


class ConversationState(SQLModel, table=True):
    """Which flow a user is in and that flow's small working data (e.g. ticked options)."""

    __tablename__ = "conversation_state"

    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True))
    flow: str | None = Field(default=None, max_length=32)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime | None = None


async def load_state(session: AsyncSession, user_id: int) -> ConversationState:
    """The user's state; a new, empty one is stored only when a flow saves it (reading
    leaves no row behind)."""
    state = await session.get(ConversationState, user_id)
    return state if state is not None else ConversationState(user_id=user_id, data={})


def save_state(
    session: AsyncSession,
    state: ConversationState,
    now: datetime,
    flow: str | None,
    data: dict[str, Any],
) -> None:
    """Replace the state (a new dict, so the JSON column is seen as changed); the keys in
    ACROSS_FLOWS stay unless `data` gives them."""
    kept = {k: state.data[k] for k in ACROSS_FLOWS if k in state.data}
    state.flow = flow
    state.data = {**kept, **data}
    state.updated_at = now
    session.add(state)


async def forget_state(session: AsyncSession, user_id: int) -> None:
    state = await session.get(ConversationState, user_id)
    if state is not None:
        await session.delete(state)
