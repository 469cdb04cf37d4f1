"""What the command groups share: logging set-up and one migrated database session."""

from __future__ import annotations

import argparse
import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeAlias, TypeVar

from bot.config import Settings

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession

    Commands: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]

T = TypeVar("T")


def setup_logging(level: str) -> None:
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    # aiogram logs each update's user id at INFO; keep personal data out of our logs.
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)


def in_database(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run `work` in one session on the configured database, migrated first; commits."""
    from bot.db import make_engine, session_factory, upgrade

    async def go() -> T:
        engine = make_engine(Settings().database_url)
        try:
            await upgrade(engine)
            async with session_factory(engine)() as session:
                result = await work(session)
                await session.commit()
                return result
        finally:
            await engine.dispose()

    return asyncio.run(go())


def bot_username(given: str | None) -> str:
    """The bot's username for deep links: `--bot`, else PUFA_BOT_USERNAME ('' if neither)."""
    import os

    return (given or os.environ.get("PUFA_BOT_USERNAME") or "").lstrip("@")
