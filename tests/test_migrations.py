"""Migrations: the schema they build is the one the models declare (on SQLite and PostgreSQL),
and data migrations carry existing rows over."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import bot.tables  # noqa: F401  (registers every table on SQLModel.metadata)
from bot.db import make_engine, upgrade


def _diff(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": False})
    return list(compare_metadata(context, SQLModel.metadata))


async def test_migrations_build_the_models_schema(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        await upgrade(engine)
        async with engine.connect() as conn:
            assert await conn.run_sync(_diff) == []
    finally:
        await engine.dispose()


async def test_member_best_attempt_is_backfilled(db_url: str) -> None:
    """0010 keeps each member's best closed attempt on the member: score first, then less
    time; an open attempt does not count; a member without a closed attempt stays NULL."""
    engine = make_engine(db_url)
    now = datetime(2026, 12, 1, 9, tzinfo=UTC)
    try:
        await upgrade(engine, "0006")
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO competition (id, code, name, opens_at, closes_at, "
                    "time_limit_minutes, attempts, blueprint, points, ranking, awards, "
                    "quizmasters) VALUES (1, 'c', 'c', :t, :t, 30, 3, '{}', '{}', '{}', "
                    "'[]', '[]')"
                ),
                {"t": now},
            )
            await conn.execute(
                text(
                    "INSERT INTO competition_unit (id, competition_id, code, name) "
                    "VALUES (1, 1, 'u', 'u')"
                )
            )
            for member in (1, 2, 3):
                await conn.execute(
                    text(
                        "INSERT INTO competition_member (id, competition_id, user_id, unit_id, "
                        "joined_at) VALUES (:m, 1, :u, 1, :t)"
                    ),
                    {"m": member, "u": member, "t": now},
                )
            attempts = [  # (member, number, status, score, seconds, correct)
                (1, 1, "finished", 8, 100, 4),
                (1, 2, "expired", 10, 300, 5),  # best: more points beat less time
                (1, 3, "finished", 10, 400, 5),
                (2, 1, "finished", 6, 50, 3),
                (2, 2, "active", 20, None, 9),  # open: does not count
                (3, 1, "active", 4, None, 2),
            ]
            for member, number, status, score, seconds, correct in attempts:
                await conn.execute(
                    text(
                        "INSERT INTO exam_attempt (competition_id, member_id, user_id, number, "
                        "question_ids, option_orders, position, score, correct_count, status, "
                        "started_at, deadline, seconds) VALUES (1, :m, :u, :n, '[]', '[]', 0, "
                        ":s, :c, :st, :t, :d, :sec)"
                    ),
                    {
                        "m": member,
                        "u": member,
                        "n": number,
                        "s": score,
                        "c": correct,
                        "st": status,
                        "t": now,
                        "d": now + timedelta(hours=1),
                        "sec": seconds,
                    },
                )
        await upgrade(engine)
        async with engine.connect() as conn:
            rows = (
                await conn.execute(
                    text(
                        "SELECT id, best_score, best_seconds, best_correct "
                        "FROM competition_member ORDER BY id"
                    )
                )
            ).all()
        assert [tuple(r) for r in rows] == [(1, 10, 300, 5), (2, 6, 50, 3), (3, None, None, None)]
    finally:
        await engine.dispose()
