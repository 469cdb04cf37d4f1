"""The conversation layer's entry point: one event in, a list of actions out.

`Conversation.process(event)` is one unit of work: it opens a database session, routes the
event to its flow, commits, and returns the actions for the transport to carry out. Events of
one user are handled one at a time (in order) within a process; across processes the
database's constraints keep answers single.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import datetime
from weakref import WeakValueDictionary

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.conversation import faq, lawyer, quiz
from bot.conversation.actions import Action, AnswerCallback, Button, SendMessage, keyboard
from bot.conversation.context import Ctx, Services
from bot.conversation.events import Event
from bot.conversation.messages import COMMAND_MENU, t
from bot.conversation.state import forget_state
from scoring import active_round, forget_user

log = logging.getLogger("pufa.conversation")

MAX_TEXT_LENGTH = 1000  # longer messages get a friendly "please shorten" reply
CONTENT_NAMES = {
    "sticker",
    "photo",
    "voice",
    "video",
    "location",
    "document",
    "contact",
}

Handler = Callable[[Ctx], Awaitable[None]]
# During a quiz, short texts like "B", "ac", "对" are attempts to answer: point at the buttons.
ANSWER_LIKE = re.compile(r"(?i)\s*(我选)?\s*[a-h]{1,4}\s*|\s*[对错是否]\s*")


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
        self.timers: dict[str, Handler] = {}
        self.commands: dict[str, Handler] = {
            "start": self._start,
            "help": self._help,
            "quiz": quiz.show_quiz_menu,
            "wrong": quiz.start_wrong_review,
            "cancel": self._cancel,
            "ask": self._ask,
            "forget": self._forget,
            "lawyer": lawyer.start,
            "mybookings": lawyer.show_my_bookings,
            "duty": lawyer.show_duty,
        }

    @staticmethod
    def menu() -> tuple[tuple[str, str], ...]:
        """(command, description) pairs for the bot's command menu."""
        return COMMAND_MENU

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

    async def handle(self, session: AsyncSession, event: Event, now: datetime) -> list[Action]:
        """Handle one event inside the caller's transaction (no commit) and return the actions
        to send once it commits. Raises what the flow raised; the caller rolls back."""
        ctx = Ctx(event, session, now, self.services)
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
        event = ctx.event
        if event.kind == "command":
            handler = self.commands.get(event.command)
            if handler is None:
                ctx.reply(t("unknown_command", command=event.command[:32]))
                return
            await handler(ctx)
        elif event.kind == "button":
            await self._button(ctx)
        elif event.kind == "timer":
            handler = self.timers.get(event.timer)
            if handler is None:
                log.warning("no handler for timer kind=%s", event.timer[:32])
                return
            await handler(ctx)
        elif event.kind in ("membership", "poll_answer"):
            return  # no flow uses these yet; delivery records reachability itself
        elif event.kind == "contact":
            ctx.reply(t("unsupported", what=t("content_contact")))
        elif event.kind == "unsupported":
            name = event.content if event.content in CONTENT_NAMES else "other"
            ctx.reply(t("unsupported", what=t(f"content_{name}")))
        else:
            await self._text(ctx)

    async def _text(self, ctx: Ctx) -> None:
        text = ctx.event.text.strip()
        if len(text) > MAX_TEXT_LENGTH:
            ctx.reply(t("too_long", length=len(text), limit=MAX_TEXT_LENGTH))
            return
        if (await ctx.state()).flow in lawyer.FLOWS:
            await lawyer.on_text(ctx, text)
            return
        in_round = await active_round(ctx.session, ctx.user_id) is not None
        if in_round and ANSWER_LIKE.fullmatch(text):
            ctx.reply(t("text_in_quiz"))
            return
        await faq.answer_question(ctx, text, note=t("faq_hint_quiz") if in_round else "")

    async def _ask(self, ctx: Ctx) -> None:
        if ctx.event.args:
            await faq.answer_question(ctx, ctx.event.args[:MAX_TEXT_LENGTH])
        else:
            ctx.reply(t("faq_ask_prompt"))

    async def _button(self, ctx: Ctx) -> None:
        """Decode button data; anything malformed or unknown is treated as expired."""
        parts = ctx.event.data.split(":")
        kind, args = parts[0], parts[1:]
        try:
            if kind == "qs" and len(args) == 1:
                await quiz.on_scope_picked(ctx, args[0])
            elif kind == "qr" and len(args) == 2 and args[0] in ("c", "n"):
                await quiz.on_resume(ctx, args[0], int(args[1]))
            elif kind == "a" and len(args) == 3:
                await quiz.on_answer(ctx, int(args[0]), int(args[1]), int(args[2]))
            elif kind == "t" and len(args) == 3:
                await quiz.on_toggle(ctx, int(args[0]), int(args[1]), int(args[2]))
            elif kind == "s" and len(args) == 2:
                await quiz.on_submit(ctx, int(args[0]), int(args[1]))
            elif kind == "l" and len(args) == 2:
                await quiz.on_article(ctx, args[0], int(args[1]))
            elif kind == "fa" and len(args) == 1:
                await faq.on_pick(ctx, args[0])
            elif kind == "fn" and not args:
                await faq.on_none_of_these(ctx)
            elif kind in ("fu", "fd") and len(args) == 1:
                await faq.on_vote(ctx, args[0], useful=kind == "fu")
            elif kind == "fl" and len(args) == 2:
                await faq.on_article(ctx, args[0], int(args[1]))
            elif kind == "bk" and len(args) <= 1:
                await faq.on_book(ctx, args[0] if args else None)
            elif kind == "bs" and len(args) == 1:
                await lawyer.on_slot(ctx, int(args[0]))
            elif kind == "bp" and not args:
                await lawyer.on_no_phone(ctx)
            elif kind == "bc" and not args:
                await lawyer.on_confirm(ctx)
            elif kind == "bq" and not args:
                await lawyer.on_abort(ctx)
            elif kind == "bx" and len(args) == 1:
                await lawyer.on_cancel_asked(ctx, int(args[0]))
            elif kind == "by" and len(args) == 1:
                await lawyer.on_cancel_confirmed(ctx, int(args[0]))
            elif kind == "bz" and not args:
                await lawyer.on_keep(ctx)
            elif kind in ("ba", "bd") and len(args) == 1:
                await lawyer.on_decide(ctx, int(args[0]), accept=kind == "ba")
            elif kind == "bf" and len(args) == 1:
                await lawyer.on_done(ctx, int(args[0]))
            elif kind == "fg" and len(args) == 1 and args[0] in ("y", "n"):
                await self._forget_answer(ctx, args[0] == "y")
            elif kind == "m" and len(args) == 1 and args[0] in self.commands:
                ctx.toast()
                await self.commands[args[0]](ctx)
            else:
                ctx.toast(t("expired"))
        except ValueError:
            ctx.toast(t("expired"))

    async def _start(self, ctx: Ctx) -> None:
        name = f"，{ctx.event.user.name[:32]}" if ctx.event.user.name else ""
        ctx.reply(
            t("welcome", name=name),
            keyboard([Button(t("menu_quiz"), "m:quiz"), Button(t("menu_wrong"), "m:wrong")]),
        )

    async def _help(self, ctx: Ctx) -> None:
        ctx.reply(t("help", size=self.services.practice_size))

    async def _forget(self, ctx: Ctx) -> None:
        """/forget: ask before deleting everything we keep about the user."""
        ctx.reply(
            t("forget_confirm"),
            keyboard([Button(t("forget_yes"), "fg:y"), Button(t("forget_no"), "fg:n")]),
        )

    async def _forget_answer(self, ctx: Ctx, confirmed: bool) -> None:
        """Triggered by the confirmation buttons of /forget."""
        ctx.toast()
        ctx.edit(ctx.event.message_id, t("forget_confirm"))
        if not confirmed:
            ctx.reply(t("forget_kept"))
            return
        await forget_user(ctx.session, ctx.user_id)
        await lawyer.forget(ctx)
        await forget_state(ctx.session, ctx.user_id)
        ctx.reply(t("forget_done"))

    async def _cancel(self, ctx: Ctx) -> None:
        if await lawyer.abort_flow(ctx):
            return
        if not await quiz.cancel(ctx):
            await ctx.set_state(None)
            ctx.reply(t("nothing_to_cancel"))
