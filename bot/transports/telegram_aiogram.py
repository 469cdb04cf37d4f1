"""The aiogram runtime as a BotApi: Telegram updates → events, actions → Bot API calls.

Thin by design: no dispatcher, no flow logic, no database (the delivery core owns the loops).
"""

# ruff: noqa: E402  (aiogram must be imported through import_aiogram, first)
from __future__ import annotations

import logging
from typing import Any

from bot.transports.aiogram_lazy import import_aiogram, prebuild

import_aiogram()  # its validators are built on first use: 145 MiB less at idle

from aiogram import Bot, methods
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    AiogramError,
    ClientDecodeError,
    TelegramAPIError,
    TelegramBadRequest,
    TelegramConflictError,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.methods.base import TelegramMethod
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from aiohttp import ClientError

from bot.conversation.actions import (
    Action,
    AnswerCallback,
    EditMessage,
    Keyboard,
    ReplyKeyboard,
    SendDocument,
    SendMessage,
    SendPhoto,
    SendPoll,
    StopPoll,
)
from bot.conversation.events import Event
from bot.transports.base import (
    ALLOWED_UPDATES,
    Fetched,
    Rejected,
    RetryLater,
    SendError,
    Sent,
    TransientError,
    Unreachable,
    Webhook,
)
from bot.transports.mapping import (
    button_event,
    is_not_modified,
    markup_kind,
    person,
    read_update,
    reply_row,
    seconds,
)

log = logging.getLogger("pufa.aiogram")

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove


def make_bot(token: str, api_base: str | None = None) -> Bot:
    """A Bot; `api_base` points it at a self-hosted (or fake) Bot API server."""
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_base)) if api_base else None
    return Bot(token=token, session=session)


def _inline(buttons: Keyboard) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=b.text, callback_data=b.data) for b in row]
            for row in buttons
        ]
    )


def _markup(buttons: Keyboard, reply: ReplyKeyboard | None = None) -> Markup | None:
    kind = markup_kind(buttons, reply)
    if kind == "inline":
        return _inline(buttons)
    if kind == "remove":
        return ReplyKeyboardRemove(remove_keyboard=True)
    if kind == "reply" and reply is not None:
        row = [
            KeyboardButton(text=label, request_contact=True if contact else None)
            for label, contact in reply_row(reply)
        ]
        return ReplyKeyboardMarkup(keyboard=[row], resize_keyboard=True, one_time_keyboard=True)
    return None


def _button_event(query: CallbackQuery) -> Event:
    user = person(query.from_user.id, query.from_user.first_name)
    m = query.message
    where = (m.chat.id, m.chat.type, m.message_id) if isinstance(m, Message) else None
    return button_event(user, query.data, query.id, where)


def update_event(update: Update, bot_username: str = "") -> Event | None:
    """One aiogram Update → the event it means (None: nothing for the bot to handle)."""
    return read_update(update, bot_username, _button_event)


def _translate(exc: Exception) -> SendError | None:
    """aiogram's exception → the SendError kind (None: "message is not modified")."""
    if isinstance(exc, TelegramRetryAfter):
        return RetryLater(seconds(exc.retry_after))
    if isinstance(exc, TelegramForbiddenError):
        return Unreachable(exc.message)
    if isinstance(exc, TelegramBadRequest):
        return None if is_not_modified(exc.message) else Rejected(exc.message)
    if isinstance(exc, TelegramEntityTooLarge):
        return Rejected(exc.message)
    if isinstance(
        exc,
        TelegramNetworkError
        | TelegramServerError
        | TelegramUnauthorizedError
        | TelegramNotFound
        | TelegramConflictError,
    ):
        # the network, Telegram, or our configuration (token, API base): not this action's fault
        return TransientError(f"{type(exc).__name__}: {exc.message}")
    if isinstance(exc, TelegramAPIError):  # any other 4xx
        return Rejected(exc.message)
    if isinstance(exc, ClientDecodeError):
        return TransientError("undecodable response")
    return TransientError(type(exc).__name__)


class _RawUpdates(TelegramMethod[list[dict[str, Any]]]):
    """getUpdates returning the updates as JSON: each is parsed on its own, so one update
    aiogram cannot read never blocks the ones behind it."""

    __returning__ = list[dict[str, Any]]
    __api_method__ = "getUpdates"

    offset: int | None = None
    timeout: int | None = None
    allowed_updates: list[str] | None = None


# the Bot API methods of start-up and of every tap (polls, documents and photos are rarer:
# their validators are built the first time one is sent)
_EVERY_TAP = (
    methods.GetMe,
    methods.DeleteWebhook,
    methods.SetWebhook,
    methods.SetMyCommands,
    methods.SendMessage,
    methods.EditMessageText,
    methods.AnswerCallbackQuery,
)


class AiogramApi:
    """BotApi on aiogram 3."""

    name = "aiogram"

    def __init__(self, token: str, api_base: str | None = None) -> None:
        self.bot = make_bot(token, api_base)
        # what every update meets, built before the first one (see aiogram_lazy)
        prebuild([Update], [*_EVERY_TAP, _RawUpdates])
        self.username = ""  # ours, once prepared: commands for other bots are ignored

    async def prepare(
        self, menu: tuple[tuple[str, str], ...], webhook: Webhook | None = None
    ) -> str:
        try:
            me = await self.bot.get_me()
            if webhook is None:
                await self.bot.delete_webhook(drop_pending_updates=False)
            else:
                await self.bot.set_webhook(
                    webhook.url,
                    secret_token=webhook.secret,
                    allowed_updates=list(ALLOWED_UPDATES),
                    drop_pending_updates=False,
                )
            await self.bot.set_my_commands([BotCommand(command=c, description=d) for c, d in menu])
        except (AiogramError, ClientError, TimeoutError) as exc:
            raise _translate(exc) or TransientError(type(exc).__name__) from exc
        self.username = me.username or ""
        return self.username

    def parse(self, payload: dict[str, Any]) -> Fetched:
        update_id = int(payload["update_id"])
        try:
            update = Update.model_validate(payload, context={"bot": self.bot})
            return Fetched(update_id, update_event(update, self.username))
        except Exception as exc:  # an update we cannot read is skipped, never retried forever
            log.warning("update %s unreadable: %s", update_id, type(exc).__name__)
            return Fetched(update_id, None)

    async def fetch(self, offset: int | None, timeout: float) -> list[Fetched]:
        method = _RawUpdates(
            offset=offset, timeout=int(timeout), allowed_updates=list(ALLOWED_UPDATES)
        )
        try:
            updates = await self.bot(method, request_timeout=int(timeout) + 10)
        except (AiogramError, ClientError, TimeoutError) as exc:
            raise _translate(exc) or TransientError(type(exc).__name__) from exc
        return [self.parse(u) for u in updates]

    async def perform(self, action: Action) -> Sent:
        try:
            return await self._call(action)
        except (AiogramError, ClientError, TimeoutError) as exc:
            error = _translate(exc)
            if error is None:
                return Sent()
            log.info("%s failed: %s", type(action).__name__, type(error).__name__)
            raise error from exc

    async def _call(self, action: Action) -> Sent:
        bot = self.bot
        if isinstance(action, SendMessage):
            m = await bot.send_message(
                action.chat_id,
                action.text,
                reply_markup=_markup(action.buttons, action.reply_keyboard),
            )
            return Sent(m.message_id)
        if isinstance(action, EditMessage):
            if action.message_id is None:
                raise Rejected("edit without a message id")
            await bot.edit_message_text(
                text=action.text,
                chat_id=action.chat_id,
                message_id=action.message_id,
                reply_markup=_inline(action.buttons) if action.buttons else None,
            )
            return Sent()
        if isinstance(action, AnswerCallback):
            await bot.answer_callback_query(
                action.callback_id, text=action.text or None, show_alert=action.alert
            )
            return Sent()
        if isinstance(action, SendPoll):
            quiz = action.correct_option is not None
            m = await bot.send_poll(
                action.chat_id,
                action.question,
                options=list(action.options),
                is_anonymous=False,
                type="quiz" if quiz else "regular",
                correct_option_id=action.correct_option if quiz else None,
                explanation=action.explanation or None,
                open_period=action.open_period,
            )
            return Sent(m.message_id, m.poll.id if m.poll else None)
        if isinstance(action, StopPoll):
            if action.message_id is None:
                raise Rejected("stop poll without a message id")
            await bot.stop_poll(action.chat_id, action.message_id)
            return Sent()
        if isinstance(action, SendDocument):
            m = await bot.send_document(
                action.chat_id,
                BufferedInputFile(action.content, filename=action.filename),
                caption=action.caption or None,
            )
            return Sent(m.message_id)
        if isinstance(action, SendPhoto):
            m = await bot.send_photo(
                action.chat_id,
                BufferedInputFile(action.content, filename=action.filename),
                caption=action.caption or None,
            )
            return Sent(m.message_id)
        raise Rejected(f"unknown action {type(action).__name__}")

    async def close(self) -> None:
        await self.bot.session.close()
