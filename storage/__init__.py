"""Storage helpers the domain packages share (they run on SQLite and PostgreSQL alike)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession


def upsert_insert(dialect: str, table: Any) -> Any:
    """An INSERT on `table` that supports `.on_conflict_do_update` on the given dialect
    ("postgresql" or "sqlite"), with `.excluded` for the row that was not inserted."""
    make_insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return make_insert(table)


def one_of(dialect: str, column: Any, name: str) -> Any:
    """`column IN (:name)` for a list given at execution as `name`. On PostgreSQL it is
    `column = ANY(:name)` with the list as one array parameter: the same SQL for every
    length. (An expanding IN is a different statement text for each length of the list, and
    asyncpg prepares each text once per connection — a round trip and a server-side parse
    and plan each time; in the answer benchmark ~0.2 round trips a tap went to preparing IN
    lists of new lengths.) SQLite keeps the expanding IN."""
    if dialect == "postgresql":
        return column == any_(bindparam(name, type_=ARRAY(column.type)))
    return column.in_(bindparam(name, expanding=True))


async def one_statement(session: AsyncSession) -> None:
    """Say, before its first statement, that a fresh session's unit of work is a single
    statement (one `execute`, possibly of many rows). On PostgreSQL it then runs without
    BEGIN and COMMIT (SQLAlchemy's AUTOCOMMIT isolation level, for this session's
    connection only): the server commits the statement when it answers it, as durably as a
    COMMIT (`synchronous_commit` applies alike), and all or nothing — asyncpg sends an
    executemany's rows with one Sync, the extended protocol's implicit transaction. Two
    round trips fewer. SQLite keeps its transaction (there an executemany outside one would
    commit row by row)."""
    if session.get_bind().dialect.name == "postgresql":
        await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


__all__ = ["one_of", "one_statement", "upsert_insert"]
