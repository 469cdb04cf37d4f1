"""What a Telegram runtime adapter provides to the delivery core, whatever its framework.

The delivery core (bot/delivery) owns the loops: it fetches updates through the adapter,
stores each one in the inbox as an event before acknowledging it, handles events, and sends
the outbox through `perform`. An adapter only translates: its framework's update objects to
events (`fetch`), actions to its framework's Bot API calls (`perform`), and its framework's
errors to the `SendError` kinds below. No flow logic, no database.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from bot.conversation.actions import Action
from bot.conversation.events import Event

# Updates the bot asks Telegram for (getUpdates / setWebhook allowed_updates).
ALLOWED_UPDATES = ("message", "callback_query", "poll_answer", "my_chat_member")

# A message's content kind → the name the conversation layer knows (one table for every
# adapter): anything the bot cannot read becomes an `unsupported` event with this name.
CONTENT_KINDS: dict[str, str] = {
    "sticker": "sticker",
    "photo": "photo",
    "voice": "voice",
    "audio": "voice",
    "video": "video",
    "video_note": "video",
    "animation": "video",
    "location": "location",
    "venue": "location",
    "document": "document",
    "poll": "other",
    "dice": "other",
    "game": "other",
    "story": "other",
}


@dataclass(frozen=True)
class Fetched:
    """One update as fetched: its id, and the event it maps to (None: nothing to handle,
    e.g. a service message, or an update of a kind the bot does not use)."""

    update_id: int
    event: Event | None


@dataclass(frozen=True)
class Sent:
    """What a performed action produced (for actions that create a message)."""

    message_id: int | None = None
    poll_id: str | None = None


class SendError(Exception):
    """An action could not be carried out; the subclass says what the sender should do."""


class RetryLater(SendError):
    """Telegram said 429 Too Many Requests: try again after `seconds`."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry after {seconds}s")
        self.seconds = seconds


class Unreachable(SendError):
    """403: the user blocked the bot, never started it, or the bot left the group.
    Further messages to that chat are pointless until the user writes again."""


class Rejected(SendError):
    """400: Telegram refused this action (bad text, message gone, query too old). Permanent:
    drop it. ("message is not modified" is not an error: adapters return normally.)"""


class TransientError(SendError):
    """A network error or a 5xx: try again a little later."""


@dataclass(frozen=True)
class Webhook:
    """Where Telegram should post updates, and the secret it must send with each
    (the X-Telegram-Bot-Api-Secret-Token header)."""

    url: str
    secret: str


class BotApi(Protocol):
    """One Telegram runtime (aiogram or python-telegram-bot), reduced to what the core needs."""

    name: str

    async def prepare(
        self, menu: tuple[tuple[str, str], ...], webhook: Webhook | None = None
    ) -> str:
        """Start-up calls: getMe; deleteWebhook (keeping pending updates) for long polling,
        or setWebhook (url, secret token, ALLOWED_UPDATES, keeping pending updates) when
        `webhook` is given; setMyCommands with the (command, description) menu. Returns the
        bot's username (for deep links). Raises a SendError kind when Telegram cannot be
        reached or refuses."""
        ...

    def parse(self, payload: dict[str, Any]) -> Fetched:
        """Map one update, as Telegram's JSON (a webhook body), to an event (None when the
        update is of no use to the bot or cannot be read)."""
        ...

    async def fetch(self, offset: int | None, timeout: float) -> list[Fetched]:
        """Long-poll getUpdates from `offset` (which acknowledges every update below it),
        with ALLOWED_UPDATES; map each update to an event. An update the framework cannot
        read comes back with event None (so it never blocks the ones behind it). Raises
        RetryLater or TransientError when the call fails."""
        ...

    async def perform(self, action: Action) -> Sent:
        """Carry out one action; raise a SendError subclass when it fails."""
        ...

    async def close(self) -> None:
        """Close the HTTP session."""
        ...
