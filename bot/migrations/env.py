"""Alembic environment: runs on a connection handed over by `bot.db.upgrade`."""

from __future__ import annotations

from alembic import context

from bot.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `pufa db upgrade` (bot.db.upgrade)")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
