"""The program's board source: the live final of scoring.final."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from scoring import final
from scoring.final.models import LiveFinal


class FinalBoard:
    """`BoardSource` over scoring.final (snapshot, version, the file's `final.judges`)."""

    async def snapshot(
        self, session: AsyncSession, competition_id: int, now: datetime
    ) -> dict[str, Any]:
        return await final.snapshot(session, competition_id, now)

    async def version(self, session: AsyncSession, competition_id: int) -> int:
        return await final.version(session, competition_id)

    async def judges(self, session: AsyncSession, competition_id: int) -> frozenset[int]:
        row = await session.get(LiveFinal, competition_id)
        return frozenset(int(j) for j in row.config.get("judges", [])) if row else frozenset()
