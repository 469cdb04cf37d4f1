"""What every Telegram adapter decides the same way, on values already taken out of its
framework's objects: which event an update is, which keyboard a message gets, what an error
means. The adapters only extract fields and make calls; the decisions live here, once."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any, Literal

from bot.conversation.actions import Keyboard, ReplyKeyboard
from bot.conversation.events import Event, User
from bot.transports.base import CONTENT_KINDS

# Service messages: something happened in the chat, nobody wrote anything → no event.
SERVICE_KINDS = (
    "new_chat_members",
    "left_chat_member",
    "new_chat_title",
    "new_chat_photo",
    "delete_chat_photo",
    "group_chat_created",
    "supergroup_chat_created",
    "channel_chat_created",
    "message_auto_delete_timer_changed",
    "migrate_to_chat_id",
    "migrate_from_chat_id",
    "pinned_message",
    "users_shared",
    "chat_shared",
    "write_access_allowed",
    "proximity_alert_triggered",
    "boost_added",
    "chat_background_set",
    "forum_topic_created",
    "forum_topic_edited",
    "forum_topic_closed",
    "forum_topic_reopened",
    "general_forum_topic_hidden",
    "general_forum_topic_unhidden",
    "giveaway_created",
    "giveaway_completed",
    "giveaway_winners",
    "video_chat_scheduled",
    "video_chat_started",
    "video_chat_ended",
    "video_chat_participants_invited",
    "successful_payment",
    "refunded_payment",
    "connected_website",
)

NOT_MODIFIED = "message is not modified"


def plain(value: object) -> str:
    """A framework's string enum (chat type, member status) as a plain str."""
    inner = getattr(value, "value", value)
    return str(inner)


def person(user_id: int, first_name: str | None) -> User:
    return User(int(user_id), first_name or "")


def present(obj: object, names: Iterable[str]) -> str | None:
    """The first of `names` that is set on a framework's message object (both frameworks
    use the Bot API's field names; absent lists are None or empty)."""
    for name in names:
        if getattr(obj, name, None):
            return name
    return None


def message_event(
    user: User,
    chat_id: int,
    chat_type: object,
    *,
    text: str | None,
    phone: str | None = None,
    contact_user_id: int | None = None,
    content: str | None = None,
    service: bool = False,
    bot_username: str = "",
) -> Event | None:
    """A message → text/command, contact, unsupported content, or nothing (a service message,
    or a `/command@otherbot` in a group with several bots).

    `content` is the message's content field (a CONTENT_KINDS key, see `present`);
    `bot_username` is ours (known after `prepare`)."""
    kind = plain(chat_type)
    if text is not None:
        if for_another_bot(text, bot_username):
            return None
        return Event.message(user, chat_id, text, kind)
    if phone is not None:
        return Event.contact(user, chat_id, phone, contact_user_id, kind)
    if content is not None:
        return Event.unsupported(user, chat_id, CONTENT_KINDS.get(content, "other"), kind)
    if service:
        return None
    return Event.unsupported(user, chat_id, "other", kind)


def for_another_bot(text: str, bot_username: str) -> bool:
    """`/cmd@name` where name is not our bot (unknown username: never)."""
    stripped = text.strip()
    if not bot_username or not stripped.startswith("/"):
        return False
    head = stripped[1:].split(maxsplit=1)[0] if len(stripped) > 1 else ""
    _, at, name = head.partition("@")
    return bool(at) and name.lower() != bot_username.lower()


def button_event(
    user: User,
    data: str | None,
    callback_id: str,
    message: tuple[int, object, int] | None,
) -> Event:
    """A button press; `message` = (chat id, chat type, message id) of the message the button
    is on, or None when that message is inaccessible (then the answer goes to the user)."""
    if message is None:
        return Event.button(user, user.id, data or "", callback_id, None, "private")
    chat_id, chat_type, message_id = message
    return Event.button(user, chat_id, data or "", callback_id, message_id, plain(chat_type))


def membership_event(user: User, chat_id: int, status: object, chat_type: object) -> Event:
    return Event.membership(user, chat_id, plain(status), plain(chat_type))


MarkupKind = Literal["inline", "reply", "remove"]


def markup_kind(buttons: Keyboard, reply: ReplyKeyboard | None) -> MarkupKind | None:
    """Which keyboard a message gets: inline buttons win over a reply keyboard (Telegram
    allows one reply_markup per message)."""
    if buttons:
        return "inline"
    if reply is None:
        return None
    if reply.remove:
        return "remove"
    return "reply" if reply_row(reply) else None


def reply_row(reply: ReplyKeyboard) -> list[tuple[str, bool]]:
    """The reply keyboard's buttons, (label, request_contact), in one row: the share-contact
    button first, then the optional plain cancel button."""
    row: list[tuple[str, bool]] = []
    if reply.contact:
        row.append((reply.contact, True))
    if reply.cancel:
        row.append((reply.cancel, False))
    return row


def is_not_modified(description: str) -> bool:
    """Telegram's 400 for an edit that changes nothing: not an error for us."""
    return NOT_MODIFIED in description.lower()


def seconds(value: float | timedelta) -> float:
    """A retry_after as seconds (PTB gives an int or a timedelta, aiogram an int)."""
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)


# --- reading an update, on objects that carry the Bot API's own field names -------------------
# aiogram's and python-telegram-bot's Update, Message, CallbackQuery, PollAnswer and
# ChatMemberUpdated both name their fields as the Bot API does, so these read either; only a
# button press differs between them (how an inaccessible message shows), so the adapter
# passes its own reader for it.


def read_message(message: Any, bot_username: str = "") -> Event | None:
    """A message (text, command, contact, other content, service message) → its event."""
    sender = message.from_user
    user = (
        person(sender.id, sender.first_name)
        if sender
        else person(message.chat.id, message.chat.title or message.chat.first_name)
    )
    contact = message.contact
    return message_event(
        user,
        message.chat.id,
        message.chat.type,
        text=message.text,
        phone=contact.phone_number if contact else None,
        contact_user_id=contact.user_id if contact else None,
        content=present(message, CONTENT_KINDS),
        service=present(message, SERVICE_KINDS) is not None,
        bot_username=bot_username,
    )


def read_poll_answer(answer: Any) -> Event | None:
    if answer.user is None:  # a vote on behalf of a chat: nobody to answer
        return None
    user = person(answer.user.id, answer.user.first_name)
    return Event.poll_answer(user, answer.poll_id, tuple(answer.option_ids))


def read_membership(change: Any) -> Event:
    user = person(change.from_user.id, change.from_user.first_name)
    return membership_event(user, change.chat.id, change.new_chat_member.status, change.chat.type)


def read_update(
    update: Any, bot_username: str, read_button: Callable[[Any], Event]
) -> Event | None:
    """One update → the event it means (None: nothing for the bot to handle)."""
    if update.message is not None:
        return read_message(update.message, bot_username)
    if update.callback_query is not None:
        return read_button(update.callback_query)
    if update.poll_answer is not None:
        return read_poll_answer(update.poll_answer)
    if update.my_chat_member is not None:
        return read_membership(update.my_chat_member)
    return None
