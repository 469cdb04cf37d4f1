"""What a flow handler gets: the event, a session, the time, the bank, and an outbox."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import scheduler
from bot.conversation.actions import (
    Action,
    AnswerCallback,
    EditMessage,
    Keyboard,
    ReplyKeyboard,
    SendMessage,
    fit_text,
)
from bot.conversation.events import Event
from bot.conversation.state import State, load_state, save_state
from legal_faq import FaqMatcher
from question_bank import Bank, StatuteLibrary
from scoring import PlanCache


@dataclass(frozen=True)
class Services:
    """Long-lived things the flows need (one per process)."""

    bank: Bank
    library: StatuteLibrary
    practice_size: int = 10
    plans: PlanCache = field(default_factory=PlanCache)
    faq: FaqMatcher | None = None
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))  # for dates shown
    quizmasters: frozenset[int] = frozenset()  # Telegram ids from PUFA_QUIZMASTERS
    admins: frozenset[int] = frozenset()  # Telegram ids from PUFA_ADMINS
    bot_username: str = ""  # for deep links (t.me/<bot>?start=…); set once the bot is known
    web_base_url: str = ""  # the web pages' public address (/weblinks); "" = not set up


@dataclass
class Ctx:
    """One unit of work: handlers append actions; the caller commits, then sends them."""

    event: Event
    session: AsyncSession
    now: datetime
    services: Services
    actions: list[Action] = field(default_factory=list)
    _state: State | None = None
    received_at: datetime | None = None  # when the update reached us (None: same as now)
    arrival: int = 0  # the update's place in the order of receipt (Telegram's update id)

    @property
    def arrived(self) -> datetime:
        """When the event reached the server: the time that counts for speed (a buzzer, a
        poll's speed bonus), even if it waited in the inbox behind other updates."""
        return self.received_at or self.now

    @property
    def bank(self) -> Bank:
        return self.services.bank

    @property
    def user_id(self) -> int:
        return self.event.user.id

    def reply(
        self, text: str, buttons: Keyboard = (), reply_keyboard: ReplyKeyboard | None = None
    ) -> None:
        """Answer in the event's chat; `reply_keyboard` (a keyboard under the input field)
        only on a message without inline `buttons` — Telegram allows one of the two."""
        self.actions.append(
            SendMessage(self.event.chat_id, fit_text(text), buttons, reply_keyboard)
        )

    def notify(self, chat_id: int | None, text: str, buttons: Keyboard = ()) -> None:
        """Message another user (a lawyer, a worker) than the one who sent the event; None
        (a lawyer who has not opened their invite link yet) sends nothing."""
        if chat_id is not None:
            self.actions.append(SendMessage(chat_id, fit_text(text), buttons))

    def edit(self, message_id: int | None, text: str, buttons: Keyboard = ()) -> None:
        if message_id is not None:
            self.actions.append(
                EditMessage(self.event.chat_id, message_id, fit_text(text), buttons)
            )

    def toast(self, text: str = "", alert: bool = False) -> None:
        """Answer the pressed button (every button event must be answered once)."""
        if self.event.callback_id is not None and not any(
            isinstance(a, AnswerCallback) for a in self.actions
        ):
            self.actions.append(AnswerCallback(self.event.callback_id, text, alert))

    async def state(self) -> State:
        """The user's conversation state, read on first use (hot paths never touch it)."""
        if self._state is None:
            self._state = await load_state(self.session, self.user_id)
        return self._state

    def known_state(self, state: State) -> None:
        """The user's state as a handler read it beside something else in one statement
        (`state_in_row`), so `state()` need not read it again; ignored once read."""
        if self._state is None:
            self._state = state

    async def set_state(self, flow: str | None, **data: object) -> None:
        await save_state(self.session, await self.state(), self.now, flow, data)

    async def leave_flow(
        self, flows: Collection[str], text: str, reply_keyboard: ReplyKeyboard | None = None
    ) -> bool:
        """/cancel for one feature: if the user is in one of its `flows`, leave it and say
        `text` (True); else nothing (False), so that /cancel can ask the next feature."""
        if (await self.state()).flow not in flows:
            return False
        await self.set_state(None)
        self.reply(text, reply_keyboard=reply_keyboard)
        return True

    async def schedule(
        self,
        kind: str,
        due_at: datetime,
        payload: dict[str, Any] | None = None,
        key: str | None = None,
    ) -> None:
        """Have a timer event of `kind` handled at `due_at` (committed with this event's work;
        with a key, an earlier job of that key is moved instead of doubled)."""
        await scheduler.schedule(self.session, kind, due_at, payload, key)

    async def unschedule(self, key: str) -> bool:
        """Cancel the job with this key; True if there was one."""
        return await scheduler.unschedule(self.session, key)
