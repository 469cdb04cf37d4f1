"""Where the pages' data comes from, and one shared watch per event.

`BoardSource` is what the web layer needs from the live final: a JSON-ready snapshot of the
stage and a cheap version counter that moves in the same transaction as every change (the
program's source is `scoring.final`, tests use fakes). `BoardFeed` polls the version of each
event that has an open page — one query per event every `interval` (0.2 s), however many
screens are open — and reads the snapshot only when the version moved, so a change made by
any process sharing the database (the bot, a console, another `pufa web`) reaches every
screen within about `interval` plus one snapshot read.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

log = logging.getLogger("pufa.web")

POLL_INTERVAL = 0.2  # seconds between two version reads of one event
RETRY_AFTER_ERROR = 1.0  # seconds to wait after the database failed a read


class BoardSource(Protocol):
    """The live final as the web pages see it."""

    async def snapshot(
        self, session: AsyncSession, competition_id: int, now: datetime
    ) -> dict[str, Any]:
        """The whole stage, JSON-ready (see scoring.final.snapshot)."""

    async def version(self, session: AsyncSession, competition_id: int) -> int:
        """A counter bumped in the same transaction as every change of the stage."""

    async def judges(self, session: AsyncSession, competition_id: int) -> frozenset[int]:
        """Telegram ids of the event's judges (quiz masters may judge too)."""


@dataclass
class Snapshot:
    """One read of an event's stage, serialised once for every screen."""

    version: int
    json: str  # the snapshot as compact JSON


@dataclass(eq=False)
class Watcher:
    """One open page: woken when its event's snapshot changed."""

    changed: asyncio.Event = field(default_factory=asyncio.Event)
    closed: bool = False


@dataclass(eq=False)
class _EventWatch:
    competition_id: int
    watchers: set[Watcher] = field(default_factory=set)
    latest: Snapshot | None = None
    poke: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None


class BoardFeed:
    """Shared polling of each watched event's version; see the module docstring."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        source: BoardSource,
        clock: Callable[[], datetime],
        interval: float = POLL_INTERVAL,
    ) -> None:
        self.sessions = sessions
        self.source = source
        self.clock = clock
        self.interval = interval
        self._events: dict[int, _EventWatch] = {}
        self._closing = False

    @contextlib.asynccontextmanager
    async def watch(self, competition_id: int) -> AsyncIterator[Watcher]:
        """Watch an event while the block runs; the watcher is woken at once if a snapshot
        is already known, and again on every change."""
        watch = self._events.get(competition_id)
        if watch is None or watch.task is None or watch.task.done():
            watch = _EventWatch(competition_id)
            self._events[competition_id] = watch
            watch.task = asyncio.create_task(self._poll(watch), name=f"board{competition_id}")
        watcher = Watcher(closed=self._closing)
        watch.watchers.add(watcher)
        if watch.latest is not None or watcher.closed:
            watcher.changed.set()
        try:
            yield watcher
        finally:
            watch.watchers.discard(watcher)

    def latest(self, competition_id: int) -> Snapshot | None:
        watch = self._events.get(competition_id)
        return None if watch is None else watch.latest

    def poke(self, competition_id: int) -> None:
        """Read the event now rather than at the next tick (a change made in this process)."""
        watch = self._events.get(competition_id)
        if watch is not None:
            watch.poke.set()

    async def close(self) -> None:
        """Wake every watcher with `closed` set (the server is stopping) and stop polling."""
        self._closing = True
        tasks = []
        for watch in self._events.values():
            for watcher in watch.watchers:
                watcher.closed = True
                watcher.changed.set()
            if watch.task is not None:
                watch.task.cancel()
                tasks.append(watch.task)
        await asyncio.gather(*tasks, return_exceptions=True)

    async def read(self, competition_id: int, known: int | None) -> Snapshot | None:
        """The event's snapshot if its version is not `known` (None: unchanged)."""
        async with self.sessions() as session:
            version = await self.source.version(session, competition_id)
            if version == known:
                return None
            snapshot = await self.source.snapshot(session, competition_id, self.clock())
        text = json.dumps(snapshot, ensure_ascii=False, separators=(",", ":"), default=str)
        return Snapshot(version, text)

    async def _poll(self, watch: _EventWatch) -> None:
        while watch.watchers:
            known = None if watch.latest is None else watch.latest.version
            try:
                fresh = await self.read(watch.competition_id, known)
            except Exception as exc:
                log.warning("board %d: read failed: %s", watch.competition_id, type(exc).__name__)
                await asyncio.sleep(RETRY_AFTER_ERROR)
                continue
            if fresh is not None:
                watch.latest = fresh
                for watcher in watch.watchers:
                    watcher.changed.set()
            watch.poke.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(watch.poke.wait(), self.interval)
        if self._events.get(watch.competition_id) is watch:
            del self._events[watch.competition_id]
