"""Drive the conversation layer as one user would, without any transport."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from bot.conversation.actions import (
    Action,
    AnswerCallback,
    Button,
    EditMessage,
    ReplyKeyboard,
    SendMessage,
)
from bot.conversation.events import Event, User
from bot.conversation.router import Conversation

_message_ids = itertools.count(1)
_callback_ids = itertools.count(1)


@dataclass
class Shown:
    """A message as the user currently sees it."""

    id: int
    text: str
    buttons: tuple[Button, ...]

    def button(self, label: str) -> Button:
        for b in self.buttons:
            if label in b.text:
                return b
        raise AssertionError(f"no button {label!r} in {[b.text for b in self.buttons]}")


class ChatDriver:
    """One user in one chat: their private chat with the bot (chat id = user id), or a group
    (`chat_id`, `chat_type="group"`)."""

    def __init__(
        self,
        conversation: Conversation,
        user_id: int,
        name: str = "",
        chat_id: int | None = None,
        chat_type: str = "private",
    ) -> None:
        self.conversation = conversation
        self.user = User(user_id, name)
        self.chat_id = user_id if chat_id is None else chat_id
        self.chat_type = chat_type
        self.messages: dict[int, Shown] = {}
        self.last_actions: list[Action] = []
        self.toasts: list[AnswerCallback] = []
        self.reply_keyboard: ReplyKeyboard | None = None  # the keyboard under the input field

    def _apply(self, actions: list[Action]) -> list[Action]:
        self.last_actions = actions
        for a in actions:
            if isinstance(a, SendMessage) and a.chat_id == self.chat_id:
                mid = next(_message_ids)
                self.messages[mid] = Shown(mid, a.text, tuple(b for row in a.buttons for b in row))
                if a.reply_keyboard is not None:
                    self.reply_keyboard = None if a.reply_keyboard.remove else a.reply_keyboard
            elif isinstance(a, EditMessage) and a.message_id in self.messages:
                self.messages[a.message_id] = Shown(
                    a.message_id, a.text, tuple(b for row in a.buttons for b in row)
                )
            elif isinstance(a, AnswerCallback):
                self.toasts.append(a)
        return actions

    async def send(self, text: str) -> list[Action]:
        event = Event.message(self.user, self.chat_id, text, self.chat_type)
        return self._apply(await self.conversation.process(event))

    async def send_event(self, event: Event) -> list[Action]:
        return self._apply(await self.conversation.process(event))

    async def share_contact(self, phone: str, owner: int | None = None) -> list[Action]:
        """Share a contact card: by default the user's own (as the request_contact key does)."""
        owner = self.user.id if owner is None else owner
        event = Event.contact(self.user, self.chat_id, phone, owner, self.chat_type)
        return self._apply(await self.conversation.process(event))

    async def press_data(self, data: str, message_id: int | None = None) -> list[Action]:
        event = Event.button(
            self.user, self.chat_id, data, f"cb{next(_callback_ids)}", message_id, self.chat_type
        )
        return self._apply(await self.conversation.process(event))

    async def press(self, label: str, message: Shown | None = None) -> list[Action]:
        message = message or self.last_with_buttons()
        return await self.press_data(message.button(label).data, message.id)

    def last(self, containing: str = "") -> Shown:
        for m in reversed(list(self.messages.values())):
            if containing in m.text:
                return m
        raise AssertionError(f"no message containing {containing!r}")

    def last_with_buttons(self) -> Shown:
        for m in reversed(list(self.messages.values())):
            if m.buttons:
                return m
        raise AssertionError("no message with buttons")

    def texts(self, actions: list[Action] | None = None) -> list[str]:
        actions = self.last_actions if actions is None else actions
        return [a.text for a in actions if isinstance(a, SendMessage | EditMessage)]

    def last_toast(self) -> str:
        return self.toasts[-1].text if self.toasts else ""
