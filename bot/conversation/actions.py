"""What goes out: transport-neutral actions that an adapter turns into API calls."""

from __future__ import annotations

from dataclasses import dataclass

MAX_CALLBACK_BYTES = 64  # Telegram's limit on callback_data
MAX_TEXT = 4096  # Telegram's limit on a message text


@dataclass(frozen=True)
class Button:
    """An inline button; `data` comes back in a button event."""

    text: str
    data: str

    def __post_init__(self) -> None:
        size = len(self.data.encode("utf-8"))
        if not 1 <= size <= MAX_CALLBACK_BYTES:
            raise ValueError(f"button data must be 1-{MAX_CALLBACK_BYTES} bytes, got {size}")


Keyboard = tuple[tuple[Button, ...], ...]


@dataclass(frozen=True)
class SendMessage:
    """Send a text to a chat — the user's own or another one (a lawyer, a team group)."""

    chat_id: int
    text: str
    buttons: Keyboard = ()


@dataclass(frozen=True)
class EditMessage:
    """Replace the text and buttons of a message the bot sent earlier."""

    chat_id: int
    message_id: int
    text: str
    buttons: Keyboard = ()


@dataclass(frozen=True)
class AnswerCallback:
    """Acknowledge a button press (a short toast, or an alert box)."""

    callback_id: str
    text: str = ""
    alert: bool = False


@dataclass(frozen=True)
class SendPoll:
    """A native quiz poll (group quizzes)."""

    chat_id: int
    question: str
    options: tuple[str, ...]
    correct_option: int | None = None
    explanation: str = ""
    open_period: int | None = None


@dataclass(frozen=True)
class SendDocument:
    """A file, e.g. an exported result sheet."""

    chat_id: int
    filename: str
    content: bytes
    caption: str = ""


Action = SendMessage | EditMessage | AnswerCallback | SendPoll | SendDocument


def keyboard(*rows: list[Button] | tuple[Button, ...]) -> Keyboard:
    return tuple(tuple(row) for row in rows if row)


def fit_text(text: str) -> str:
    """Keep a text within Telegram's limit, marking the cut."""
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 2] + "…"
