"""The aiogram runtime: Telegram updates → events, actions → Bot API calls. No flow logic."""

from __future__ import annotations

import logging

from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    CallbackQuery,
    ErrorEvent,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)

from bot.conversation.actions import (
    Action,
    AnswerCallback,
    EditMessage,
    Keyboard,
    SendDocument,
    SendMessage,
    SendPoll,
)
from bot.conversation.events import Event, User
from bot.conversation.router import Conversation

log = logging.getLogger("pufa.aiogram")

CONTENT_KINDS = (
    "sticker",
    "photo",
    "voice",
    "video",
    "video_note",
    "audio",
    "animation",
    "location",
    "venue",
    "document",
    "contact",
    "poll",
    "dice",
)


def make_bot(token: str, api_base: str | None = None) -> Bot:
    """A Bot; `api_base` points it at a self-hosted (or fake) Bot API server."""
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_base)) if api_base else None
    return Bot(token=token, session=session)


def _markup(buttons: Keyboard) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=b.text, callback_data=b.data) for b in row]
            for row in buttons
        ]
    )


def message_event(message: Message) -> Event:
    """Map an incoming message to an event."""
    sender = message.from_user
    user = User(sender.id if sender else message.chat.id, sender.first_name if sender else "")
    if message.text is not None:
        return Event.message(user, message.chat.id, message.text, message.chat.type)
    content = next((k for k in CONTENT_KINDS if getattr(message, k, None)), "other")
    content = {
        "video_note": "video",
        "audio": "voice",
        "animation": "video",
        "venue": "location",
    }.get(content, content)
    return Event.unsupported(user, message.chat.id, content)


def callback_event(query: CallbackQuery) -> Event:
    chat_id = query.message.chat.id if query.message else query.from_user.id
    message_id = query.message.message_id if query.message else None
    return Event.button(
        User(query.from_user.id, query.from_user.first_name),
        chat_id,
        query.data or "",
        query.id,
        message_id,
    )


async def perform(bot: Bot, actions: list[Action]) -> None:
    """Carry out actions in order. A failed action is logged; the rest still run."""
    for action in actions:
        try:
            await _perform_one(bot, action)
        except TelegramBadRequest as exc:
            if "message is not modified" not in str(exc):
                log.warning("bot api rejected %s: %s", type(action).__name__, exc.message)
        except Exception as exc:  # a network error must not stop the other actions
            log.warning("action %s failed: %s", type(action).__name__, type(exc).__name__)


async def _perform_one(bot: Bot, action: Action) -> None:
    if isinstance(action, SendMessage):
        await bot.send_message(action.chat_id, action.text, reply_markup=_markup(action.buttons))
    elif isinstance(action, EditMessage):
        await bot.edit_message_text(
            text=action.text,
            chat_id=action.chat_id,
            message_id=action.message_id,
            reply_markup=_markup(action.buttons),
        )
    elif isinstance(action, AnswerCallback):
        await bot.answer_callback_query(
            action.callback_id, text=action.text or None, show_alert=action.alert
        )
    elif isinstance(action, SendPoll):
        await bot.send_poll(
            action.chat_id,
            action.question,
            options=list(action.options),
            type="quiz" if action.correct_option is not None else "regular",
            correct_option_id=action.correct_option,
            explanation=action.explanation or None,
            open_period=action.open_period,
            is_anonymous=False,
        )
    elif isinstance(action, SendDocument):
        await bot.send_document(
            action.chat_id,
            BufferedInputFile(action.content, filename=action.filename),
            caption=action.caption or None,
        )


def build_dispatcher(conversation: Conversation) -> Dispatcher:
    """One router: every message and every button press goes to the conversation layer."""
    router = Router(name="pufa")

    @router.message()
    async def on_message(message: Message, bot: Bot) -> None:
        """Triggered by any message: command, text, sticker, photo, voice …"""
        await perform(bot, await conversation.process(message_event(message)))

    @router.callback_query(F.data)
    async def on_button(query: CallbackQuery, bot: Bot) -> None:
        """Triggered when a user presses an inline button."""
        await perform(bot, await conversation.process(callback_event(query)))

    dp = Dispatcher()
    dp.include_router(router)

    @dp.errors()
    async def on_error(event: ErrorEvent) -> bool:
        """Log and swallow, so one bad update never stops the dispatcher."""
        log.error(
            "update %s failed: %s",
            event.update.update_id,
            type(event.exception).__name__,
            exc_info=event.exception,
        )
        return True

    return dp


async def set_commands(bot: Bot, conversation: Conversation) -> None:
    await bot.set_my_commands(
        [BotCommand(command=c, description=d) for c, d in conversation.menu()]
    )


async def run_polling(
    conversation: Conversation,
    bot: Bot,
    dp: Dispatcher | None = None,
    handle_signals: bool = True,
) -> None:
    """Long polling until stopped (SIGINT/SIGTERM, or `dp.stop_polling()`), then a clean exit."""
    dp = dp or build_dispatcher(conversation)
    await set_commands(bot, conversation)
    await bot.delete_webhook(drop_pending_updates=False)
    try:
        await dp.start_polling(
            bot, handle_signals=handle_signals, close_bot_session=True, polling_timeout=10
        )
    finally:
        log.info("polling stopped")
