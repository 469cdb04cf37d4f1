"""What comes in: one event per update, whatever the transport."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

EventKind = Literal["command", "text", "button", "unsupported"]


@dataclass(frozen=True)
class User:
    """The person behind an event."""

    id: int
    name: str = ""


@dataclass(frozen=True)
class Event:
    """One incoming event.

    kind: command (`/quiz`), text, button (an inline-button press) or unsupported
    (sticker, photo, voice, location, …; `content` says which).
    """

    user: User
    chat_id: int
    kind: EventKind
    text: str = ""
    command: str = ""  # without the slash and @botname, lower case
    args: str = ""
    data: str = ""  # button data
    callback_id: str | None = None
    message_id: int | None = None  # the message the pressed button belongs to
    content: str = "text"
    chat_type: str = "private"

    @classmethod
    def message(cls, user: User, chat_id: int, text: str, chat_type: str = "private") -> Event:
        """A typed message: a command when it starts with '/', else text."""
        stripped = text.strip()
        if stripped.startswith("/") and len(stripped) > 1:
            head, _, args = stripped[1:].partition(" ")
            command = head.split("@", 1)[0].lower()
            return cls(
                user,
                chat_id,
                "command",
                text=text,
                command=command,
                args=args.strip(),
                chat_type=chat_type,
            )
        return cls(user, chat_id, "text", text=text, chat_type=chat_type)

    @classmethod
    def button(
        cls, user: User, chat_id: int, data: str, callback_id: str, message_id: int | None
    ) -> Event:
        return cls(
            user, chat_id, "button", data=data, callback_id=callback_id, message_id=message_id
        )

    @classmethod
    def unsupported(cls, user: User, chat_id: int, content: str) -> Event:
        return cls(user, chat_id, "unsupported", content=content)
