"""`pufa chat`: the same flows in a terminal. Buttons are shown as numbered choices."""

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
    SendDocument,
    SendMessage,
    SendPoll,
)
from bot.conversation.events import Event, User
from bot.conversation.router import Conversation

PROMPT = "你> "


class ConsoleChat:
    """Reads lines, turns them into events, prints the actions."""

    def __init__(
        self, conversation: Conversation, user: User, write: Callable[[str], None] = print
    ) -> None:
        self.conversation = conversation
        self.user = user
        self.write = write
        self.buttons: list[tuple[Button, int]] = []
        self._ids = count(1)
        self._callbacks = count(1)

    async def send_line(self, line: str) -> None:
        """One line typed by the user: a number presses a button, anything else is a message."""
        line = line.strip()
        if not line:
            return
        if line.isdigit() and 1 <= int(line) <= len(self.buttons):
            button, message_id = self.buttons[int(line) - 1]
            event = Event.button(
                self.user, self.user.id, button.data, f"c{next(self._callbacks)}", message_id
            )
        else:
            event = Event.message(self.user, self.user.id, line)
        self.show(await self.conversation.process(event))

    def show(self, actions: list[Action]) -> None:
        for action in actions:
            if isinstance(action, SendMessage | EditMessage):
                edited = action.message_id if isinstance(action, EditMessage) else None
                message_id = edited if edited is not None else next(self._ids)
                prefix = "（已更新）" if isinstance(action, EditMessage) else ""
                if action.chat_id != self.user.id:
                    self.write(f"[→ 发给 {action.chat_id}] {action.text}")
                    continue
                self.write(f"\n机器人> {prefix}{action.text}")
                if action.buttons:
                    self.buttons = []
                    for row in action.buttons:
                        for button in row:
                            self.buttons.append((button, message_id))
                    choices = "  ".join(
                        f"[{i}] {b.text}" for i, (b, _) in enumerate(self.buttons, 1)
                    )
                    self.write(f"  {choices}")
            elif isinstance(action, AnswerCallback) and action.text:
                self.write(f"  （{action.text}）")
            elif isinstance(action, SendPoll):
                self.write(f"\n机器人> [投票] {action.question} " + " / ".join(action.options))
            elif isinstance(action, SendDocument):
                self.write(f"\n机器人> [文件] {action.filename} {action.caption}")


async def run_console(conversation: Conversation, user_id: int = 1, name: str = "") -> None:
    """Interactive loop on stdin/stdout until EOF or /exit."""
    chat = ConsoleChat(conversation, User(user_id, name))
    print("普法小助手（终端模式）。输入文字或命令与机器人对话，输入数字按按钮，/exit 退出。")
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
