"""`pufa chat`: the same flows in a terminal.

Inline buttons are shown as numbered choices. All buttons of one reply are numbered on, across
its messages — under quiz feedback `[1] 📖 法条原文` and then the next question's `[2] A` … —
so every button on screen has its own number; the next reply with buttons numbers afresh.
A keyboard under the input field (share my phone number, 不留电话) is shown as `[k1]`, `[k2]`
and stays until the bot takes it away; the share-contact key sends a contact card with the
sample number 13800138000 as the user's own.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from itertools import count

from bot.conversation.actions import (
    Action,
    AnswerCallback,
    Button,
    EditMessage,
    ReplyKeyboard,
    SendDocument,
    SendMessage,
    SendPoll,
)
from bot.conversation.events import Event, User
from bot.conversation.router import Conversation

PROMPT = "你> "
SAMPLE_PHONE = "13800138000"  # what the console's share-contact key sends
HINT = (
    "普法小助手（终端模式）。输入文字或命令与机器人对话，输入数字按按钮，"
    f"输入 k1、k2 … 按输入框下方的键盘（分享手机号会发送示例号码 {SAMPLE_PHONE}），/exit 退出。"
)


class ConsoleChat:
    """Reads lines, turns them into events, prints the actions."""

    def __init__(
        self, conversation: Conversation, user: User, write: Callable[[str], None] = print
    ) -> None:
        self.conversation = conversation
        self.user = user
        self.write = write
        self.buttons: list[tuple[Button, int]] = []  # (button, its message id), by number
        self.keys: list[tuple[str, bool]] = []  # reply keyboard: (label, shares the contact)
        self._ids = count(1)
        self._callbacks = count(1)

    async def send_line(self, line: str) -> None:
        """One line typed by the user: a number presses a button, k1 … a reply-keyboard key,
        anything else is a message."""
        line = line.strip()
        if not line:
            return
        self.show(await self.conversation.process(self.event_for(line)))

    def event_for(self, line: str) -> Event:
        if line.isdigit() and 1 <= int(line) <= len(self.buttons):
            button, message_id = self.buttons[int(line) - 1]
            callback = f"c{next(self._callbacks)}"
            return Event.button(self.user, self.user.id, button.data, callback, message_id)
        key = line.lower()
        if key.startswith("k") and key[1:].isdigit() and 1 <= int(key[1:]) <= len(self.keys):
            label, shares_contact = self.keys[int(key[1:]) - 1]
            if shares_contact:
                return Event.contact(self.user, self.user.id, SAMPLE_PHONE, self.user.id)
            line = label
        return Event.message(self.user, self.user.id, line)

    def show(self, actions: list[Action]) -> None:
        """Print one reply; its buttons (if any) become the numbered choices."""
        batch: list[tuple[Button, int]] = []
        for action in actions:
            if isinstance(action, SendMessage | EditMessage):
                self._show_message(action, batch)
            elif isinstance(action, AnswerCallback) and action.text:
                self.write(f"  （{action.text}）")
            elif isinstance(action, SendPoll):
                self.write(f"\n机器人> [投票] {action.question} " + " / ".join(action.options))
            elif isinstance(action, SendDocument):
                self.write(f"\n机器人> [文件] {action.filename} {action.caption}")
        if batch:
            self.buttons = batch

    def _show_message(
        self, action: SendMessage | EditMessage, batch: list[tuple[Button, int]]
    ) -> None:
        if action.chat_id != self.user.id:
            self.write(f"[→ 发给 {action.chat_id}] {action.text}")
            return
        if isinstance(action, EditMessage):
            message_id = action.message_id or 0
            # an edited message shows only its new buttons
            self.buttons = [(b, m) for b, m in self.buttons if m != message_id]
            self.write(f"\n机器人> （已更新）{action.text}")
        else:
            message_id = next(self._ids)
            self.write(f"\n机器人> {action.text}")
        first = len(batch) + 1
        batch.extend((b, message_id) for row in action.buttons for b in row)
        if action.buttons:
            choices = "  ".join(
                f"[{i}] {b.text}" for i, (b, _) in enumerate(batch[first - 1 :], first)
            )
            self.write(f"  {choices}")
        if isinstance(action, SendMessage) and action.reply_keyboard is not None:
            self._show_keyboard(action.reply_keyboard)

    def _show_keyboard(self, keyboard: ReplyKeyboard) -> None:
        if keyboard.remove:
            self.keys = []
            return
        self.keys = [(keyboard.contact, True)] if keyboard.contact else []
        self.keys += [(keyboard.cancel, False)] if keyboard.cancel else []
        shown = "  ".join(
            f"[k{i}] {label}" + (f"（发送 {SAMPLE_PHONE}）" if contact else "")
            for i, (label, contact) in enumerate(self.keys, 1)
        )
        self.write(f"  ⌨ {shown}")


async def run_console(conversation: Conversation, user_id: int = 1, name: str = "") -> None:
    """Interactive loop on stdin/stdout until EOF or /exit."""
    chat = ConsoleChat(conversation, User(user_id, name))
    print(HINT)
    await chat.send_line("/start")
    loop = asyncio.get_running_loop()
    while True:
        sys.stdout.write(PROMPT)
        sys.stdout.flush()
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line or line.strip() in ("/exit", "/quit"):
            print()
            return
        await chat.send_line(line)
