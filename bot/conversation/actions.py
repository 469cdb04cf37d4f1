"""What goes out: transport-neutral actions that an adapter turns into API calls.

Actions are plain data. The delivery core keeps them in the outbox as JSON (`action_to_json` /
`action_from_json`) until they are sent. A message sent with a `key` is remembered (key →
chat, message id, poll id) so that a later action or flow can edit or stop it by that key —
a countdown, a live leaderboard message, a poll to close.
"""

from __future__ import annotations

import base64
from dataclasses import asdict, dataclass, fields
from typing import Any

MAX_CALLBACK_BYTES = 64  # Telegram's limit on callback_data
MAX_TEXT = 4096  # Telegram's limit on a message text
MAX_CAPTION = 1024  # Telegram's limit on a caption
MAX_POLL_QUESTION = 300
MAX_POLL_OPTION = 100
MAX_POLL_EXPLANATION = 200


@dataclass(frozen=True)
class Button:
    """An inline button; `data` comes back in a button event. Flows make buttons from typed
    records (bot/conversation/buttons.py), whose `pack()` keeps `data` within
    MAX_CALLBACK_BYTES."""

    text: str
    data: str


Keyboard = tuple[tuple[Button, ...], ...]


@dataclass(frozen=True)
class ReplyKeyboard:
    """A keyboard under the input field. `contact` = one button that shares the user's phone
    number (Telegram's request_contact); `remove` = take such a keyboard away."""

    contact: str = ""  # the share-contact button's label
    cancel: str = ""  # an optional second button, sent back as plain text
    remove: bool = False


@dataclass(frozen=True)
class SendMessage:
    """Send a text to a chat — the user's own or another one (a lawyer, a team group)."""

    chat_id: int
    text: str
    buttons: Keyboard = ()
    reply_keyboard: ReplyKeyboard | None = None
    key: str = ""  # remember the sent message under this key


@dataclass(frozen=True)
class EditMessage:
    """Replace the text and buttons of a message the bot sent earlier (by id, or by key)."""

    chat_id: int
    message_id: int | None
    text: str
    buttons: Keyboard = ()
    key: str = ""


@dataclass(frozen=True)
class AnswerCallback:
    """Acknowledge a button press (a short toast, or an alert box)."""

    callback_id: str
    text: str = ""
    alert: bool = False


@dataclass(frozen=True)
class SendPoll:
    """A native poll; with `correct_option` a quiz poll. Non-anonymous, so votes come back
    as poll_answer events."""

    chat_id: int
    question: str
    options: tuple[str, ...]
    correct_option: int | None = None
    explanation: str = ""
    open_period: int | None = None
    key: str = ""  # remember the poll (message id and poll id) under this key


@dataclass(frozen=True)
class StopPoll:
    """Close a poll the bot sent (by message id, or by the key it was sent with)."""

    chat_id: int
    message_id: int | None = None
    key: str = ""


@dataclass(frozen=True)
class SendDocument:
    """A file, e.g. an exported result sheet or a calendar entry."""

    chat_id: int
    filename: str
    content: bytes
    caption: str = ""


@dataclass(frozen=True)
class SendPhoto:
    """A picture, e.g. a QR code for a join link."""

    chat_id: int
    filename: str
    content: bytes
    caption: str = ""


Action = SendMessage | EditMessage | AnswerCallback | SendPoll | StopPoll | SendDocument | SendPhoto
ACTION_TYPES: dict[str, type[Any]] = {
    cls.__name__: cls
    for cls in (
        SendMessage,
        EditMessage,
        AnswerCallback,
        SendPoll,
        StopPoll,
        SendDocument,
        SendPhoto,
    )
}


def keyboard(*rows: list[Button] | tuple[Button, ...]) -> Keyboard:
    return tuple(tuple(row) for row in rows if row)


def fit_text(text: str, limit: int = MAX_TEXT) -> str:
    """Keep a text within Telegram's limit, marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def action_chat(action: Action) -> int | None:
    """The chat an action goes to (None for a callback answer)."""
    return None if isinstance(action, AnswerCallback) else action.chat_id


def action_to_json(action: Action) -> dict[str, Any]:
    """A JSON-safe dict (bytes as base64) with the action's type name."""
    out: dict[str, Any] = {"type": type(action).__name__}
    for f in fields(action):
        value = getattr(action, f.name)
        if isinstance(value, bytes):
            value = base64.b64encode(value).decode("ascii")
        elif f.name == "buttons":
            # as asdict(b) would give, at a tenth of its cost (it deep-copies field by field)
            value = [[{"text": b.text, "data": b.data} for b in row] for row in value]
        elif isinstance(value, ReplyKeyboard):
            value = asdict(value)
        elif isinstance(value, tuple):
            value = list(value)
        out[f.name] = value
    return out


def action_from_json(data: dict[str, Any]) -> Action:
    values = dict(data)
    cls = ACTION_TYPES[values.pop("type")]
    if "content" in values:
        values["content"] = base64.b64decode(values["content"])
    if "buttons" in values:
        values["buttons"] = tuple(tuple(Button(**b) for b in row) for row in values["buttons"])
    if values.get("reply_keyboard") is not None:
        values["reply_keyboard"] = ReplyKeyboard(**values["reply_keyboard"])
    if "options" in values:
        values["options"] = tuple(values["options"])
    action: Action = cls(**values)
    return action
