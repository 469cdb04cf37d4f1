"""Database engine, one session per event, and migrations applied on start."""

from __future__ import annotations

import re
import sqlite3
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiosqlite
from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
PREPARED_STATEMENTS = 1000  # asyncpg: prepared statements kept per connection (see make_engine)


class InlineSQLiteConnection(aiosqlite.Connection):
    """An aiosqlite connection that runs each SQLite call on the event-loop thread.

    A SQLite statement in WAL mode takes microseconds; handing it to aiosqlite's worker
    thread and back costs far more (about 0.4 ms a statement on a 2-core machine), which
    capped answer handling at a few hundred per second. The worker thread still opens and
    closes the connection. Trade-off: while another process holds SQLite's write lock the
    loop waits (busy timeout); deployments with several instances use PostgreSQL.
    """

    async def _execute(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)


def _inline_sqlite_creator(database: str) -> Any:
    async def create() -> aiosqlite.Connection:
        connector = partial(sqlite3.connect, database, timeout=10, check_same_thread=False)
        return await InlineSQLiteConnection(connector, iter_chunk_size=64)

    return create


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine; SQLite gets its folder created, WAL mode and a busy timeout.

    SQL parameters are left out of error messages: they hold what users typed (a booking's
    topic and phone number), and errors are logged.
    """
    kwargs.setdefault("hide_parameters", True)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ":memory:"
        if database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, async_creator=_inline_sqlite_creator(database), **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=10000")
            cur.close()

        return engine
    # no ping per checkout (it cost 7–18 % of answer handling on PostgreSQL): a connection the
    # server dropped fails its first statement, SQLAlchemy then replaces the pool's
    # connections, and the delivery loops retry what was not committed
    kwargs.setdefault("pool_recycle", 1800)
    if (
        parsed.get_driver_name() == "asyncpg"
        and "prepared_statement_cache_size" not in parsed.query
    ):
        # asyncpg prepares every statement once per connection and SQLAlchemy keeps 100 per
        # connection by default; the bot runs more distinct ones than that (an IN list of each
        # length, a savepoint name per update of a batch: ~190 in the answer benchmark), so
        # the cache churned and about a third of all statements paid an extra round trip
        connect_args = dict(kwargs.pop("connect_args", {}))
        connect_args.setdefault("prepared_statement_cache_size", PREPARED_STATEMENTS)
        kwargs["connect_args"] = connect_args
    return create_async_engine(url, **kwargs)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


def alembic_config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def _upgrade(connection: Connection, revision: str) -> None:
    from alembic import command

    cfg = alembic_config()
    cfg.attributes["connection"] = connection
    command.upgrade(cfg, revision)


_REVISION = re.compile(r"^revision(?:\s*:[^=]*)?=\s*[\"']([^\"']+)[\"']", re.M)
_DOWN_REVISION = re.compile(r"^down_revision(?:\s*:[^=]*)?=(.*)$", re.M)


def script_heads() -> frozenset[str] | None:
    """The head revision(s) of bot/migrations, read from the scripts' text (so a start-up on
    a database already at head need not import alembic: ~0.2 s and ~12 MiB); None when a
    script does not say its revisions plainly (then alembic decides)."""
    revisions: set[str] = set()
    below: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        revision, down = _REVISION.search(text), _DOWN_REVISION.search(text)
        if revision is None or down is None:
            return None
        revisions.add(revision.group(1))
        below.update(re.findall(r"[\"']([^\"']+)[\"']", down.group(1)))
    return frozenset(revisions - below) or None


async def at_head(engine: AsyncEngine) -> bool:
    """True when the database's alembic_version holds exactly the scripts' head(s)."""
    heads = script_heads()
    if heads is None:
        return False
    async with engine.connect() as conn:
        try:
            rows = (await conn.exec_driver_sql("SELECT version_num FROM alembic_version")).all()
        except Exception:  # no table yet: a new database
            return False
    return frozenset(str(row[0]) for row in rows) == heads


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Apply migrations up to `revision` on the engine's database (nothing to do, and
    alembic not even imported, when it is at head already).

    SQLite alters a table by rebuilding it (copy, drop, rename), and with foreign keys on,
    dropping a table that rows of another point at fails. SQLite's own procedure is followed:
    foreign keys off outside the transaction, every key checked before the commit, back on.
    """
    if revision == "head" and await at_head(engine):
        return
    async with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            await conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            await conn.commit()
        try:
            async with conn.begin():
                await conn.run_sync(_upgrade, revision)
                if sqlite:
                    broken = (await conn.exec_driver_sql("PRAGMA foreign_key_check")).all()
                    if broken:
                        raise RuntimeError(f"migration left {len(broken)} broken foreign key(s)")
        finally:
            if sqlite:
                await conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                await conn.commit()
