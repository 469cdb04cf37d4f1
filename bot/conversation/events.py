"""What comes in: one event per update (or per due timer), whatever the transport.

Events are plain data: the transports build them from their framework's update objects, the
inbox stores them as JSON (`to_json` / `from_json`) before the update is acknowledged, and the
conversation layer handles them. Timer events come from the scheduler and have no user.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

EventKind = Literal[
    "command",  # /quiz, /start PAYLOAD (a deep link), …
    "text",  # a typed message that is not a command
    "button",  # an inline-button press
    "poll_answer",  # a vote in a native (quiz) poll
    "contact",  # a contact shared with the request_contact button (or any contact card)
    "membership",  # the bot added to / removed from a group, or blocked / unblocked in private
    "timer",  # a scheduled job fell due (no user)
    "unsupported",  # sticker, photo, voice, location, …; `content` says which
]
ChatType = Literal["private", "group", "supergroup", "channel"]

# Control characters (except tab and newline) never get past the edge: PostgreSQL refuses
# U+0000 in text, and the rest only confuse the matcher and the people reading a topic.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean_text(text: str) -> str:
    """A user's text without control characters (newlines and tabs kept)."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


@dataclass(frozen=True)
class User:
    """The person behind an event."""

    id: int
    name: str = ""


SYSTEM = User(0, "")  # the "user" of timer events


@dataclass(frozen=True)
class Event:
    """One incoming event.

    Every event says where it happened (`chat_id`, `chat_type`) and who caused it (`user`;
    `SYSTEM` for timers). The other fields are filled for the kinds that use them.
    """

    user: User
    chat_id: int
    kind: EventKind
    chat_type: str = "private"
    text: str = ""  # the message text (command, text)
    command: str = ""  # without the slash and @botname, lower case
    args: str = ""  # what follows the command; for `/start PAYLOAD` the deep-link payload
    data: str = ""  # button data
    callback_id: str | None = None  # a button press to acknowledge
    message_id: int | None = None  # the message the pressed button belongs to
    content: str = "text"  # unsupported: what it was (sticker, photo, …)
    poll_id: str = ""  # poll_answer: the poll voted in
    option_ids: tuple[int, ...] = ()  # poll_answer: the options chosen (empty: vote retracted)
    phone: str = ""  # contact: the phone number shared
    contact_user_id: int | None = None  # contact: whose contact it is (the sender's own or not)
    member_status: str = ""  # membership: member | administrator | left | kicked | …
    timer: str = ""  # timer: the job's kind
    payload: dict[str, Any] = field(default_factory=dict)  # timer: the job's data

    @property
    def private(self) -> bool:
        return self.chat_type == "private"

    @classmethod
    def message(cls, user: User, chat_id: int, text: str, chat_type: str = "private") -> Event:
        """A typed message: a command when it starts with '/', else text."""
        text = clean_text(text)
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
        cls,
        user: User,
        chat_id: int,
        data: str,
        callback_id: str,
        message_id: int | None,
        chat_type: str = "private",
    ) -> Event:
        return cls(
            user,
            chat_id,
            "button",
            data=data,
            callback_id=callback_id,
            message_id=message_id,
            chat_type=chat_type,
        )

    @classmethod
    def unsupported(
        cls, user: User, chat_id: int, content: str, chat_type: str = "private"
    ) -> Event:
        return cls(user, chat_id, "unsupported", content=content, chat_type=chat_type)

    @classmethod
    def poll_answer(cls, user: User, poll_id: str, option_ids: tuple[int, ...]) -> Event:
        """A vote in a non-anonymous poll (Telegram does not say in which chat)."""
        return cls(user, user.id, "poll_answer", poll_id=poll_id, option_ids=tuple(option_ids))

    @classmethod
    def contact(
        cls,
        user: User,
        chat_id: int,
        phone: str,
        contact_user_id: int | None,
        chat_type: str = "private",
    ) -> Event:
        return cls(
            user,
            chat_id,
            "contact",
            phone=clean_text(phone)[:32],
            contact_user_id=contact_user_id,
            chat_type=chat_type,
        )

    @classmethod
    def membership(cls, user: User, chat_id: int, status: str, chat_type: str) -> Event:
        """The bot's own membership changed (added, removed, blocked, unblocked)."""
        return cls(user, chat_id, "membership", member_status=status, chat_type=chat_type)

    @classmethod
    def timer_due(cls, kind: str, payload: dict[str, Any]) -> Event:
        return cls(SYSTEM, 0, "timer", timer=kind, payload=dict(payload))

    @property
    def ordering_key(self) -> int:
        """Events with one key are handled one at a time, in order (the user; else the chat)."""
        return self.user.id or self.chat_id

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Event:
        values = dict(data)
        values["user"] = User(**values.get("user", {"id": 0}))
        values["option_ids"] = tuple(values.get("option_ids", ()))
        return cls(**values)
