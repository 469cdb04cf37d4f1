"""The program's board source: the live final of scoring.final."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.weblinks import event_judges
from scoring import final


class FinalBoard:
    """`BoardSource` over scoring.final (snapshot, version, the file's `final.judges`)."""

    async def snapshot(
        self, session: AsyncSession, competition_id: int, now: datetime
    ) -> dict[str, Any]:
        return await final.snapshot(session, competition_id, now)

    async def version(self, session: AsyncSession, competition_id: int) -> int:
        return await final.version(session, competition_id)

    async def judges(self, session: AsyncSession, competition_id: int) -> frozenset[int]:
        return await event_judges(session, competition_id)
