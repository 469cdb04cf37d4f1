"""Start-up's short cuts take no risk: a database at head is recognised without alembic exactly
when alembic would find nothing to do."""

from __future__ import annotations

from pathlib import Path

from alembic.script import ScriptDirectory

from bot.db import alembic_config, at_head, make_engine, script_heads, upgrade


def test_the_heads_read_from_the_scripts_are_alembics() -> None:
    heads = script_heads()
    assert heads is not None
    assert heads == frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


async def test_a_database_is_at_head_only_once_migrated_to_it(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}")
    try:
        assert not await at_head(engine)  # a new database
        [head] = ScriptDirectory.from_config(alembic_config()).get_heads()
        revisions = list(ScriptDirectory.from_config(alembic_config()).walk_revisions())
        await upgrade(engine, revisions[1].revision)  # one step short of head
        assert not await at_head(engine)
        await upgrade(engine)
        assert await at_head(engine)
        async with engine.connect() as conn:
            version = (await conn.exec_driver_sql("SELECT version_num FROM alembic_version")).all()
        assert [row[0] for row in version] == [head]
        await upgrade(engine)  # nothing to do: still at head
        assert await at_head(engine)
    finally:
        await engine.dispose()
