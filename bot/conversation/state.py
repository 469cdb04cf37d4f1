"""Per-user conversation state, kept in the database so restarts and second instances lose nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, bindparam, delete, select
from sqlmodel import Field, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import upsert_insert

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


_TABLE = ConversationState.__table__  # type: ignore[attr-defined]
# Prebuilt Core statements (read on every tick, submit and text in a flow): an ORM `get`, and
# the flush of the changed row at commit, cost more than the rest of a tick together.
_LOAD = select(_TABLE.c.flow, _TABLE.c.data).where(_TABLE.c.user_id == bindparam("u_id"))
# A user's state read beside another row in one statement (see `state_in_row`): an outer
# join on `STATE_TABLE.c.user_id == <the user>` adds these two columns, None without a row.
STATE_TABLE = _TABLE
STATE_COLUMNS = (_TABLE.c.flow.label("state_flow"), _TABLE.c.data.label("state_data"))
_DELETE = delete(_TABLE).where(_TABLE.c.user_id == bindparam("u_id"))
_SAVES: dict[str, Any] = {}


def _save_statement(dialect: str) -> Any:
    """The prebuilt upsert of a user's state (built once per dialect)."""
    if dialect not in _SAVES:
        stmt = upsert_insert(dialect, _TABLE).values(
            user_id=bindparam("u_id"),
            flow=bindparam("flow"),
            data=bindparam("data", type_=_TABLE.c.data.type),
            updated_at=bindparam("at", type_=_TABLE.c.updated_at.type),
        )
        _SAVES[dialect] = stmt.on_conflict_do_update(
            index_elements=[_TABLE.c.user_id],
            set_={
                "flow": stmt.excluded.flow,
                "data": stmt.excluded.data,
                "updated_at": stmt.excluded.updated_at,
            },
        )
    return _SAVES[dialect]


@dataclass
class State:
    """A user's conversation state as a flow sees it (a plain copy of the row: building an
    ORM instance cost a third of reading it); `save_state` writes it back."""

    user_id: int
    flow: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    updated_at: datetime | None = None


async def load_state(session: AsyncSession, user_id: int) -> State:
    """The user's state; a new, empty one is stored only when a flow saves it (reading leaves
    no row behind)."""
    connection = await session.connection()
    row = (await connection.execute(_LOAD, {"u_id": user_id})).first()
    if row is None:
        return State(user_id)
    return State(user_id, row.flow, dict(row.data or {}))


def state_in_row(user_id: int, row: Any) -> State:
    """The user's state from a row holding STATE_COLUMNS (as `load_state` reads it)."""
    return State(user_id, row.state_flow, dict(row.state_data or {}))


async def save_state(
    session: AsyncSession,
    state: State,
    now: datetime,
    flow: str | None,
    data: dict[str, Any],
) -> None:
    """Replace the state, in one statement in the caller's transaction; the keys in
    ACROSS_FLOWS stay unless `data` gives them. `state` is updated to match."""
    kept = {k: state.data[k] for k in ACROSS_FLOWS if k in state.data}
    state.flow = flow
    state.data = {**kept, **data}
    state.updated_at = now
    connection = await session.connection()
    await connection.execute(
        _save_statement(connection.dialect.name),
        {"u_id": state.user_id, "flow": flow, "data": state.data, "at": now},
    )


async def forget_state(session: AsyncSession, user_id: int) -> None:
    await (await session.connection()).execute(_DELETE, {"u_id": user_id})
