"""The quiz master's console: a button press becomes the command the quiz master would type.

A press arrives as `{"command": NAME, ...}` from a host or judge link. `console_text` checks it
against `COMMANDS` (which names exist, the fields of 调整分数 and of a 风险 tier) and builds the
command text; `run_console_command` hands it to the conversation layer as a
private-chat command event from the link's Telegram user, in one transaction with its outbox
rows (`handle_into_outbox`, the same path as a Telegram update), so the contestants' phones get
its effects through the bot's send loop. What the conversation layer answered the quiz master
is returned for the console to show (and also reaches their Telegram chat, as if typed there).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError, OperationalError

from bot.conversation.actions import Action, EditMessage, SendMessage
from bot.conversation.events import Event, User, clean_text
from bot.conversation.router import Conversation
from bot.delivery.runner import MAX_HANDLE_ATTEMPTS, handle_into_outbox

log = logging.getLogger("pufa.web")

TEAM_CODE = re.compile(r"[A-Za-z0-9_-]{1,32}")
MAX_DELTA = 1000  # points one correction (or a 风险 tier) may move
MAX_REASON_CHARS = 100

# The console's buttons and the commands they type. Host and judge links have the same
# controls (the final's rule: judges have the quiz master's controls, plus ✓ / ✗).
COMMANDS: dict[str, str] = {
    "next": "/next",  # 下一题 (风险: the next team)
    "reveal": "/reveal",  # 揭晓答案
    "open": "/open",  # 开放抢答
    "round": "/round",  # 下一轮
    "board": "/board",  # 比分 (to the presser's Telegram chat)
    "judge_ok": "/judge ok",  # ✓
    "judge_wrong": "/judge wrong",  # ✗
    "undo": "/undo",  # 撤销
    "tier": "/tier",  # 风险: the tier the team up chose (0: declined)
    "adjust": "/adjust",  # 调整分数 TEAM ±N 理由
}


class BadCommand(ValueError):
    """A press that names no command or has bad fields; the message names the field."""


def console_text(press: Mapping[str, Any]) -> str:
    """The command text for a console press; BadCommand if it is not one."""
    name = press.get("command")
    command = COMMANDS.get(name) if isinstance(name, str) else None
    if command is None:
        raise BadCommand("command")
    if name == "tier":
        points = _points(press.get("points"), 0, "points")
        if points < 0:
            raise BadCommand("points")
        return f"{command} {points}"
    if name != "adjust":
        return command
    team, delta, reason = press.get("team"), press.get("delta"), press.get("reason")
    if not isinstance(team, str) or not TEAM_CODE.fullmatch(team):
        raise BadCommand("team")
    delta = _points(delta, 1, "delta")
    if not isinstance(reason, str):
        raise BadCommand("reason")
    reason = " ".join(clean_text(reason).split())
    if not reason or len(reason) > MAX_REASON_CHARS:
        raise BadCommand("reason")
    return f"{command} {team} {delta:+d} {reason}"


def _points(value: object, least: int, field: str) -> int:
    """A whole number of points, `least` <= |value| <= MAX_DELTA, given as a number or text."""
    if isinstance(value, str) and re.fullmatch(r"[+-]?\d{1,4}", value.strip()):
        value = int(value)
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not least <= abs(value) <= MAX_DELTA
    ):
        raise BadCommand(field)
    return value


def replies_to(user_id: int, actions: list[Action]) -> list[str]:
    """The texts the conversation layer sent (or edited) in the user's own chat."""
    return [
        a.text for a in actions if isinstance(a, SendMessage | EditMessage) and a.chat_id == user_id
    ]


async def run_console_command(
    conversation: Conversation, user_id: int, event_code: str, text: str, now: datetime
) -> list[str]:
    """Handle `text` as a command the user typed in their private chat with the bot, on the
    link's event: "/event CODE" goes first in the same transaction (what a quiz master of
    several finals types to pick one; its answer is not sent). The effects and the outgoing
    messages are committed together. Returns the replies to the user."""
    pick = Event.message(User(user_id), user_id, f"/event {event_code}")
    event = Event.message(User(user_id), user_id, text)
    for attempt in range(MAX_HANDLE_ATTEMPTS):
        async with conversation.sessions() as session:
            try:
                await conversation.handle(session, pick, now, now)
                actions = await handle_into_outbox(conversation, session, event, now, now)
                await session.commit()
                return replies_to(user_id, actions)
            except (IntegrityError, OperationalError) as exc:
                await session.rollback()
                log.warning("console command: %s (attempt %d)", type(exc).__name__, attempt)
            except Exception:
                await session.rollback()
                log.exception("console command failed (command=%s)", event.command)
                break
    return replies_to(user_id, conversation.failure(event))
