"""The conversation layer's entry point: one event in, a list of actions out.

`Conversation.process(event)` is one unit of work: it opens a database session, routes the
event to its flow, commits, and returns the actions for the transport to carry out. Events of
one user are handled one at a time (in order) within a process; across processes the
database's constraints keep answers single.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from weakref import WeakValueDictionary

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.conversation import (
    booking,
    consult,
    contest,
    core,
    desk,
    duty_roll,
    exam,
    faq,
    final,
    group_quiz,
    quiz,
    weblinks,
)
from bot.conversation.actions import Action, AnswerCallback, SendMessage
from bot.conversation.context import Ctx, Services
from bot.conversation.events import Event
from bot.conversation.messages import t
from bot.conversation.routing import FeatureRouter, Routes, compose

log = logging.getLogger("pufa.conversation")

# The composition root: every feature's router, in menu order.
ROUTERS: tuple[FeatureRouter, ...] = (
    core.router,
    quiz.router,
    faq.router,
    booking.router,
    desk.router,
    consult.router,
    duty_roll.router,
    contest.router,
    exam.router,
    group_quiz.router,
    final.router,
    weblinks.router,
)


class Conversation:
    """Routes events to flows; shared by every transport."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        services: Services,
        clock: Callable[[], datetime],
    ) -> None:
        self.sessions = sessions
        self.services = services
        self.clock = clock
        self._locks: WeakValueDictionary[int, asyncio.Lock] = WeakValueDictionary()
        self.routes: Routes = compose(*ROUTERS)

    def menu(self) -> tuple[tuple[str, str], ...]:
        """(command, description) pairs for the bot's command menu, from the routers."""
        return self.routes.menu()

    async def process(self, event: Event) -> list[Action]:
        """Handle one event as one unit of work; never raises for a user's input."""
        lock = self._locks.get(event.user.id)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[event.user.id] = lock
        async with lock:
            for attempt in range(3):
                try:
                    return await self._once(event)
                except (IntegrityError, OperationalError) as exc:
                    # A concurrent writer (another instance) won a race; try again cleanly.
                    log.warning("retrying event after %s (attempt %d)", type(exc).__name__, attempt)
            log.error("giving up on event kind=%s", event.kind)
            return self.failure(event)

    async def _once(self, event: Event) -> list[Action]:
        async with self.sessions() as session:
            try:
                actions = await self.handle(session, event, self.clock())
                await session.commit()
                return actions
            except (IntegrityError, OperationalError):
                await session.rollback()
                raise
            except Exception:
                await session.rollback()
                log.exception("error handling event kind=%s", event.kind)
                return self.failure(event)

    async def handle(
        self,
        session: AsyncSession,
        event: Event,
        now: datetime,
        received_at: datetime | None = None,
        arrival: int = 0,
    ) -> list[Action]:
        """Handle one event inside the caller's transaction (no commit) and return the actions
        to send once it commits; `received_at` and `arrival` (the inbox's update id) say when
        and in which order it reached us. Raises what the flow raised; the caller rolls back."""
        ctx = Ctx(event, session, now, self.services, received_at=received_at, arrival=arrival)
        await self.route(ctx)
        ctx.toast()  # a button press is always acknowledged
        return ctx.actions

    def failure(self, event: Event) -> list[Action]:
        """The kind "something went wrong" answer for an event whose handling failed."""
        if event.kind in ("timer", "membership", "poll_answer"):
            return []  # nobody is waiting for an answer
        if event.callback_id is not None:
            return [AnswerCallback(event.callback_id, t("error"), alert=True)]
        return [SendMessage(event.chat_id, t("error"))]

    async def route(self, ctx: Ctx) -> None:
        """Hand the event to the feature router that owns it (see routing.py)."""
        await self.routes.dispatch(ctx)
