"""A fake Telegram Bot API server for end-to-end tests, with simulated users.

It speaks the Bot API over HTTP (`/bot<token>/<method>`) the way Telegram does for the
methods the bot uses, including Telegram's checks: message text 1-4096 characters,
callback_data 1-64 bytes, a callback query answered at most once, "message is not modified",
command names and descriptions for setMyCommands. Tests act as users on phones:
`send_text`, `send_sticker`, `press` (a button of a message the bot sent), then `settle()`
to wait until the bot has handled everything.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

MAX_TEXT = 4096
MAX_CALLBACK_DATA = 64
MAX_CALLBACK_ANSWER = 200
COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")


# calls that answer a user (start-up calls such as getMe or setMyCommands do not count)
ANSWERING = {"sendmessage", "editmessagetext", "answercallbackquery", "sendpoll", "senddocument"}


class ApiError(Exception):
    def __init__(self, description: str, code: int = 400) -> None:
        super().__init__(description)
        self.description = description
        self.code = code


@dataclass
class SentMessage:
    """A message in a chat, as the fake server stores it."""

    message_id: int
    chat_id: int
    text: str
    from_bot: bool
    reply_markup: dict[str, Any] | None = None
    kind: str = "text"
    extra: dict[str, Any] = field(default_factory=dict)
    edits: int = 0

    def buttons(self) -> list[dict[str, Any]]:
        if not self.reply_markup:
            return []
        return [b for row in self.reply_markup.get("inline_keyboard", []) for b in row]


@dataclass(frozen=True)
class Phone:
    """A simulated Telegram user."""

    id: int
    first_name: str = "小王"

    def as_user(self) -> dict[str, Any]:
        return {"id": self.id, "is_bot": False, "first_name": self.first_name}


class FakeTelegram:
    """Run with `await start()`; `api_base` is what the bot's PUFA_TELEGRAM_API_BASE should be."""

    def __init__(self, token: str = "123456:TEST-TOKEN") -> None:
        self.token = token
        self.bot_user = {
            "id": 123456,
            "is_bot": True,
            "first_name": "普法小助手",
            "username": "pufa_test_bot",
        }
        self.updates: list[dict[str, Any]] = []
        self.confirmed_offset = 0
        self.messages: dict[int, SentMessage] = {}
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.errors: list[tuple[str, str]] = []
        self.commands: list[dict[str, Any]] = []
        self.callback_answers: dict[str, dict[str, Any]] = {}
        self.open_callbacks: set[str] = set()
        self.started: set[int] = set()  # users who have written to the bot (private chats)
        self._ids = itertools.count(1)
        self._update_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._new_update = asyncio.Event()
        self._last_activity = time.monotonic()
        self._calls_since_push = 1  # answering calls since the last update (none pushed yet)
        self._runner: web.AppRunner | None = None
        self.port = 0

    # ---- server ----
    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _params(self, request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            body = await request.json()
            return dict(body or {})
        form = await request.post()
        out: dict[str, Any] = {}
        for key, value in form.items():
            if isinstance(value, str):
                try:
                    out[key] = json.loads(value) if value[:1] in "[{" else value
                except json.JSONDecodeError:
                    out[key] = value
            else:
                out[key] = {"filename": value.filename, "content": value.file.read()}
        for key, value in request.query.items():
            out.setdefault(key, value)
        return out

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        method = request.match_info["method"]
        params = await self._params(request)
        if method.lower() != "getupdates":
            self._last_activity = time.monotonic()
            if method.lower() in ANSWERING:
                self._calls_since_push += 1
            self.calls.append((method, params))
        handler = getattr(self, f"api_{method.lower()}", None)
        if handler is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found: method not found"},
                status=404,
            )
        try:
            result = await handler(params)
        except ApiError as exc:
            self.errors.append((method, exc.description))
            return web.json_response(
                {"ok": False, "error_code": exc.code, "description": exc.description},
                status=exc.code,
            )
        return web.json_response({"ok": True, "result": result})

    # ---- Bot API methods ----
    async def api_getme(self, p: dict[str, Any]) -> dict[str, Any]:
        return self.bot_user

    async def api_deletewebhook(self, p: dict[str, Any]) -> bool:
        return True

    async def api_close(self, p: dict[str, Any]) -> bool:
        return True

    async def api_setmycommands(self, p: dict[str, Any]) -> bool:
        commands = p.get("commands") or []
        if not commands or len(commands) > 100:
            raise ApiError("Bad Request: commands must be 1-100")
        for c in commands:
            if not COMMAND_RE.match(str(c.get("command", ""))):
                raise ApiError("Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(c.get("description", ""))) <= 256:
                raise ApiError("Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands = commands
        return True

    async def api_getupdates(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(p.get("offset") or 0)
        timeout = float(p.get("timeout") or 0)
        if offset:
            self.confirmed_offset = max(self.confirmed_offset, offset)
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        deadline = time.monotonic() + timeout
        while True:
            pending = [u for u in self.updates if u["update_id"] >= offset]
            if pending or time.monotonic() >= deadline:
                return pending[:100]
            self._new_update.clear()
            try:
                await asyncio.wait_for(self._new_update.wait(), deadline - time.monotonic())
            except TimeoutError:
                pass

    def _check_markup(self, markup: Any) -> dict[str, Any] | None:
        if not markup:
            return None
        for row in markup.get("inline_keyboard", []):
            for button in row:
                if not str(button.get("text", "")):
                    raise ApiError("Bad Request: text buttons are unallowed in the inline keyboard")
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA:
                    raise ApiError("Bad Request: BUTTON_DATA_INVALID")
        return dict(markup)

    @staticmethod
    def _check_text(text: Any) -> str:
        text = "" if text is None else str(text)
        if not text.strip():
            raise ApiError("Bad Request: message text is empty")
        if len(text) > MAX_TEXT:
            raise ApiError("Bad Request: message is too long")
        return text

    def _message_json(self, m: SentMessage) -> dict[str, Any]:
        out: dict[str, Any] = {
            "message_id": m.message_id,
            "date": int(time.time()),
            "chat": {"id": m.chat_id, "type": "private"},
        }
        if m.from_bot:
            out["from"] = self.bot_user
        if m.kind == "text":
            out["text"] = m.text
        if m.reply_markup:
            out["reply_markup"] = m.reply_markup
        return out

    async def api_sendmessage(self, p: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(p["chat_id"])
        if chat_id > 0 and chat_id not in self.started:
            # Telegram: a bot cannot write first to a user who never started it
            raise ApiError("Forbidden: bot can't initiate conversation with a user", 403)
        text = self._check_text(p.get("text"))
        markup = self._check_markup(p.get("reply_markup"))
        m = SentMessage(next(self._ids), int(p["chat_id"]), text, True, markup)
        self.messages[m.message_id] = m
        return self._message_json(m)

    async def api_editmessagetext(self, p: dict[str, Any]) -> dict[str, Any]:
        text = self._check_text(p.get("text"))
        markup = self._check_markup(p.get("reply_markup"))
        m = self.messages.get(int(p.get("message_id") or 0))
        if m is None or m.chat_id != int(p.get("chat_id") or 0):
            raise ApiError("Bad Request: message to edit not found")
        if not m.from_bot:
            raise ApiError("Bad Request: message can't be edited")
        if m.text == text and (m.reply_markup or None) == (markup or None):
            raise ApiError(
                "Bad Request: message is not modified: specified new message content and reply "
                "markup are exactly the same as a current content and reply markup of the message"
            )
        m.text, m.reply_markup = text, markup
        m.edits += 1
        return self._message_json(m)

    async def api_answercallbackquery(self, p: dict[str, Any]) -> bool:
        qid = str(p.get("callback_query_id"))
        if qid not in self.open_callbacks:
            raise ApiError(
                "Bad Request: query is too old and response timeout expired or query ID is invalid"
            )
        text = p.get("text") or ""
        if len(text) > MAX_CALLBACK_ANSWER:
            raise ApiError("Bad Request: MESSAGE_TOO_LONG")
        self.open_callbacks.discard(qid)
        self.callback_answers[qid] = {"text": text, "show_alert": bool(p.get("show_alert"))}
        return True

    async def api_sendpoll(self, p: dict[str, Any]) -> dict[str, Any]:
        options = p.get("options") or []
        if not 2 <= len(options) <= 10:
            raise ApiError("Bad Request: poll must have 2-10 options")
        m = SentMessage(
            next(self._ids),
            int(p["chat_id"]),
            str(p.get("question")),
            True,
            kind="poll",
            extra={"options": options},
        )
        self.messages[m.message_id] = m
        return self._message_json(m)

    async def api_senddocument(self, p: dict[str, Any]) -> dict[str, Any]:
        m = SentMessage(
            next(self._ids),
            int(p["chat_id"]),
            str(p.get("caption") or ""),
            True,
            kind="document",
            extra={"document": p.get("document")},
        )
        self.messages[m.message_id] = m
        return self._message_json(m)

    # ---- simulated users ----
    def _push(self, update: dict[str, Any]) -> int:
        update_id = next(self._update_ids)
        update["update_id"] = update_id
        self.updates.append(update)
        self._new_update.set()
        self._last_activity = time.monotonic()
        self._calls_since_push = 0
        return update_id

    def _user_message(self, phone: Phone, **content: Any) -> int:
        self.started.add(phone.id)
        m = SentMessage(next(self._ids), phone.id, content.get("text", ""), False)
        self.messages[m.message_id] = m
        message = {
            "message_id": m.message_id,
            "date": int(time.time()),
            "chat": {"id": phone.id, "type": "private", "first_name": phone.first_name},
            "from": phone.as_user(),
            **content,
        }
        return self._push({"message": message})

    def send_text(self, phone: Phone, text: str) -> int:
        entities = []
        if text.startswith("/"):
            entities = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return self._user_message(phone, text=text, **({"entities": entities} if entities else {}))

    def send_sticker(self, phone: Phone) -> int:
        return self._user_message(
            phone,
            sticker={
                "file_id": "CAACAgIAAxk",
                "file_unique_id": "AgAD",
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
            },
        )

    def send_photo(self, phone: Phone) -> int:
        return self._user_message(
            phone,
            photo=[{"file_id": "AgACAgIAAxk", "file_unique_id": "AQAD", "width": 90, "height": 90}],
        )

    def send_voice(self, phone: Phone) -> int:
        return self._user_message(
            phone, voice={"file_id": "AwACAgIAAxk", "file_unique_id": "AgAD3", "duration": 3}
        )

    def press(self, phone: Phone, message: SentMessage, button_text: str) -> str:
        """Tap the button whose text contains `button_text` on a message the bot sent."""
        for button in message.buttons():
            if button_text in button["text"]:
                return self.press_data(phone, message, button["callback_data"])
        raise AssertionError(
            f"no button {button_text!r} on message {message.message_id}: "
            f"{[b['text'] for b in message.buttons()]}"
        )

    def press_data(self, phone: Phone, message: SentMessage, data: str) -> str:
        """Send a callback query with arbitrary data (a forged or replayed button)."""
        qid = str(next(self._callback_ids) + 9_000_000)
        self.open_callbacks.add(qid)
        self._push(
            {
                "callback_query": {
                    "id": qid,
                    "from": phone.as_user(),
                    "chat_instance": str(message.chat_id),
                    "data": data,
                    "message": self._message_json(message),
                }
            }
        )
        return qid

    async def settle(
        self, quiet: float = 0.15, timeout: float = 15.0, answered: bool = True
    ) -> None:
        """Wait until the bot fetched every update, has made no call for `quiet` seconds and —
        with `answered` (every update our bot gets is answered somehow) — has made at least
        answering call (a message, an edit, a callback answer) since the last update, so a slow
        first handler is not mistaken for silence."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            last_id = self.updates[-1]["update_id"] if self.updates else 0
            fetched = not self.updates or self.confirmed_offset > last_id
            idle = time.monotonic() - self._last_activity >= quiet
            replied = not answered or self._calls_since_push > 0
            if fetched and idle and replied and not self.open_callbacks:
                return
            await asyncio.sleep(0.02)
        raise TimeoutError(
            f"bot did not settle: open callbacks {self.open_callbacks}, "
            f"updates {[u['update_id'] for u in self.updates]}"
        )

    async def wait_for(self, predicate: Any, timeout: float = 10.0) -> None:
        """Wait until `predicate()` is true (e.g. a message with some text has arrived)."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise TimeoutError("condition not met in time")
            await asyncio.sleep(0.02)

    # ---- what a user sees ----
    def chat(self, phone: Phone) -> list[SentMessage]:
        return [m for m in self.messages.values() if m.chat_id == phone.id and m.from_bot]

    def last(self, phone: Phone, containing: str = "") -> SentMessage:
        for m in reversed(self.chat(phone)):
            if containing in m.text:
                return m
        raise AssertionError(f"no bot message containing {containing!r}")
