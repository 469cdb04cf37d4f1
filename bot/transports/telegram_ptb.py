"""The python-telegram-bot runtime as a BotApi: the same behaviour as the aiogram one.

Only `telegram.Bot` is used (no `telegram.ext.Application`): the delivery core owns the loops.
"""

from __future__ import annotations

import inspect
import logging
import warnings
from typing import Any

import httpx
from telegram import (
    Bot,
    BotCommand,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.request import HTTPXRequest
from telegram.warnings import PTBDeprecationWarning, PTBUserWarning

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

log = logging.getLogger("pufa.ptb")

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove

# Bot API 9.6 replaced sendPoll's correct_option_id by correct_option_ids; PTB 22.8 warns
# about the old one, older PTB 22 releases only know the old one.
_QUIZ_IDS = "correct_option_ids" in inspect.signature(Bot.send_poll).parameters

# PTB 22 builds RetryAfter by reading its own deprecated int `retry_after` (we read it as
# seconds either way, see `seconds`)
warnings.filterwarnings(
    "ignore", message=r".*`retry_after`.*timedelta", category=PTBDeprecationWarning
)
# `fetch` asks for getUpdates as JSON on purpose (see there)
warnings.filterwarnings("ignore", message=r"Please use 'Bot.getUpdates'", category=PTBUserWarning)


def http_clients() -> tuple[HTTPXRequest, HTTPXRequest]:
    """(sends, getUpdates). Sends get a short read timeout; for getUpdates PTB adds the
    long-poll timeout to this read timeout itself."""
    return (
        HTTPXRequest(
            connection_pool_size=64, read_timeout=15, write_timeout=15, connect_timeout=10
        ),
        HTTPXRequest(connection_pool_size=2, read_timeout=10, connect_timeout=10),
    )


def make_bot(
    token: str,
    api_base: str | None = None,
    clients: tuple[HTTPXRequest, HTTPXRequest] | None = None,
) -> Bot:
    """A Bot; `api_base` points it at a self-hosted (or fake) Bot API server."""
    request, polling = clients or http_clients()
    if api_base:
        base = api_base.rstrip("/")
        return Bot(
            token,
            base_url=f"{base}/bot",
            base_file_url=f"{base}/file/bot",
            request=request,
            get_updates_request=polling,
        )
    return Bot(token, request=request, get_updates_request=polling)


def _inline(buttons: Keyboard) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.text, callback_data=b.data) for b in row] for row in buttons]
    )


def _markup(buttons: Keyboard, reply: ReplyKeyboard | None = None) -> Markup | None:
    kind = markup_kind(buttons, reply)
    if kind == "inline":
        return _inline(buttons)
    if kind == "remove":
        return ReplyKeyboardRemove()
    if kind == "reply" and reply is not None:
        row = [
            KeyboardButton(label, request_contact=True if contact else None)
            for label, contact in reply_row(reply)
        ]
        return ReplyKeyboardMarkup([row], resize_keyboard=True, one_time_keyboard=True)
    return None


def _button_event(query: CallbackQuery) -> Event:
    user = person(query.from_user.id, query.from_user.first_name)
    m = query.message
    accessible = isinstance(m, Message) and m.is_accessible  # (PTB: date 0 = inaccessible)
    where = (m.chat.id, m.chat.type, m.message_id) if m is not None and accessible else None
    return button_event(user, query.data, query.id, where)


def update_event(update: Update, bot_username: str = "") -> Event | None:
    """One PTB Update → the event it means (None: nothing for the bot to handle)."""
    return read_update(update, bot_username, _button_event)


def _translate(exc: Exception) -> SendError | None:
    """PTB's exception → the SendError kind (None: "message is not modified")."""
    if isinstance(exc, RetryAfter):
        return RetryLater(seconds(exc.retry_after))
    if isinstance(exc, Forbidden):
        return Unreachable(exc.message)
    if isinstance(exc, BadRequest):  # (a NetworkError subclass in PTB: test it first)
        return None if is_not_modified(exc.message) else Rejected(exc.message)
    if isinstance(exc, ChatMigrated):
        return Rejected(exc.message)
    if isinstance(exc, NetworkError | InvalidToken | EndPointNotFound | Conflict):
        # timeouts, the network, 5xx, or our configuration (token, API base)
        return TransientError(f"{type(exc).__name__}: {exc.message}")
    if isinstance(exc, TelegramError):
        return Rejected(exc.message)
    return TransientError(type(exc).__name__)


def _quiet_http_logs() -> None:
    """httpx logs every request URL at INFO, and the URL holds the bot token."""
    for name in ("httpx", "httpcore"):
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET or logger.level < logging.WARNING:
            logger.setLevel(logging.WARNING)


class PtbApi:
    """BotApi on python-telegram-bot >= 22."""

    name = "ptb"

    def __init__(self, token: str, api_base: str | None = None) -> None:
        _quiet_http_logs()
        self._requests = http_clients()
        self.bot = make_bot(token, api_base, self._requests)
        self.username = ""  # ours, once prepared: commands for other bots are ignored
        self._ready = False

    async def prepare(
        self, menu: tuple[tuple[str, str], ...], webhook: Webhook | None = None
    ) -> str:
        try:
            await self._initialize()
            if webhook is None:
                await self.bot.delete_webhook(drop_pending_updates=False)
            else:
                await self.bot.set_webhook(
                    webhook.url,
                    secret_token=webhook.secret,
                    allowed_updates=list(ALLOWED_UPDATES),
                    drop_pending_updates=False,
                )
            await self.bot.set_my_commands([BotCommand(c, d) for c, d in menu])
        except (TelegramError, httpx.HTTPError, OSError) as exc:
            raise _translate(exc) or TransientError(type(exc).__name__) from exc
        self.username = self.bot.username or ""
        return self.username

    async def _initialize(self) -> None:
        if not self._ready:
            await self.bot.initialize()  # calls getMe
            self._ready = True

    def parse(self, payload: dict[str, Any]) -> Fetched:
        update_id = int(payload["update_id"])
        try:
            update = Update.de_json(payload, self.bot)
            return Fetched(update_id, update_event(update, self.username))
        except Exception as exc:  # an update we cannot read is skipped, never retried forever
            log.warning("update %s unreadable: %s", update_id, type(exc).__name__)
            return Fetched(update_id, None)

    async def fetch(self, offset: int | None, timeout: float) -> list[Fetched]:
        # getUpdates as JSON (bot.get_updates would parse the whole batch at once, so one
        # update PTB cannot read would block the ones behind it); each is parsed on its own.
        params: dict[str, Any] = {
            "timeout": int(timeout),
            "allowed_updates": list(ALLOWED_UPDATES),
        }
        if offset is not None:
            params["offset"] = offset
        try:
            updates = await self.bot.do_api_request(
                "getUpdates", api_kwargs=params, read_timeout=int(timeout) + 10
            )
        except (TelegramError, httpx.HTTPError, OSError) as exc:
            raise _translate(exc) or TransientError(type(exc).__name__) from exc
        return [self.parse(u) for u in updates]

    async def perform(self, action: Action) -> Sent:
        try:
            return await self._call(action)
        except (TelegramError, httpx.HTTPError, OSError) as exc:
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
                action.text,
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
            quiz: dict[str, Any] = {"type": "regular"}
            if action.correct_option is not None:
                quiz["type"] = "quiz"
                if _QUIZ_IDS:
                    quiz["correct_option_ids"] = [action.correct_option]
                else:  # pragma: no cover - PTB < 22.8
                    quiz["correct_option_id"] = action.correct_option
            m = await bot.send_poll(
                action.chat_id,
                action.question,
                list(action.options),
                is_anonymous=False,
                explanation=action.explanation or None,
                open_period=action.open_period,
                **quiz,
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
                InputFile(action.content, filename=action.filename),
                caption=action.caption or None,
            )
            return Sent(m.message_id)
        if isinstance(action, SendPhoto):
            m = await bot.send_photo(
                action.chat_id,
                InputFile(action.content, filename=action.filename),
                caption=action.caption or None,
            )
            return Sent(m.message_id)
        raise Rejected(f"unknown action {type(action).__name__}")

    async def close(self) -> None:
        if self._ready:
            await self.bot.shutdown()
        else:  # never initialized (bot.shutdown would do nothing): close the HTTP clients
            for request in self._requests:
                await request.shutdown()
