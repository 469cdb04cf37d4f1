"""Storage helpers the domain packages share (they run on SQLite and PostgreSQL alike)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert


def upsert_insert(dialect: str, table: Any) -> Any:
    """An INSERT on `table` that supports `.on_conflict_do_update` on the given dialect
    ("postgresql" or "sqlite"), with `.excluded` for the row that was not inserted."""
    make_insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return make_insert(table)


__all__ = ["upsert_insert"]
