"""A fake Telegram Bot API server for end-to-end tests, with simulated users.

It speaks the Bot API over HTTP (`/bot<token>/<method>`) the way Telegram does for the
methods the bot uses, including Telegram's checks: message text 1-4096 characters,
callback_data 1-64 bytes, a callback query answered at most once, "message is not modified",
command names and descriptions for setMyCommands, reply keyboards, polls, blocked users.
Tests act as users on phones: `send_text` (privately or in a `Group`), `send_sticker`,
`send_contact` / `share_contact`, `press` (a button of a message the bot sent),
`answer_poll`, `add_bot_to_group`, `block_bot`, …, then `settle()` to wait until the bot has
handled everything. `fail_next` makes the next calls of a method fail (429, 400, 403, 5xx).

Both runtimes are understood: aiogram and python-telegram-bot post form-encoded or multipart
fields with JSON-encoded nested values (aiogram uploads files as `attach://<field>`).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

MAX_TEXT = 4096
MAX_CALLBACK_DATA = 64
MAX_CALLBACK_ANSWER = 200
COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")


MAX_CAPTION = 1024
MAX_POLL_QUESTION = 300
MAX_POLL_OPTION = 100
MAX_POLL_EXPLANATION = 200

# calls that answer a user (start-up calls such as getMe or setMyCommands do not count)
ANSWERING = {
    "sendmessage",
    "editmessagetext",
    "answercallbackquery",
    "sendpoll",
    "stoppoll",
    "senddocument",
    "sendphoto",
}
# calls that count against Telegram's message limits
MESSAGES = {"sendmessage", "editmessagetext", "sendpoll", "senddocument", "sendphoto"}
# form fields whose value is JSON (everything else is a string, as Telegram reads it)
JSON_FIELDS = {
    "reply_markup",
    "commands",
    "scope",
    "options",
    "allowed_updates",
    "entities",
    "caption_entities",
    "explanation_entities",
    "question_entities",
    "link_preview_options",
    "reply_parameters",
    "correct_option_ids",
    "media",
}
UPDATE_KINDS = ("message", "callback_query", "poll_answer", "my_chat_member")
DEFAULT_ERRORS = {
    400: "Bad Request: injected failure",
    403: "Forbidden: bot was blocked by the user",
    429: "Too Many Requests: retry after {retry_after}",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


def flag(value: Any) -> bool:
    """A boolean parameter, whether it came as JSON (true) or as a form field ("true")."""
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1")
    return bool(value)


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
        """The inline buttons."""
        if not self.reply_markup:
            return []
        return [b for row in self.reply_markup.get("inline_keyboard", []) for b in row]

    def keyboard(self) -> list[dict[str, Any]]:
        """The reply-keyboard buttons ({"text", "request_contact"?}), if the message has one."""
        if not self.reply_markup:
            return []
        return [b for row in self.reply_markup.get("keyboard", []) for b in row]

    @property
    def removes_keyboard(self) -> bool:
        return bool(self.reply_markup and self.reply_markup.get("remove_keyboard"))

    @property
    def poll(self) -> dict[str, Any]:
        """The poll object of a poll message (id, question, options, type, is_closed, …)."""
        poll: dict[str, Any] = self.extra["poll"]
        return poll


@dataclass(frozen=True)
class Phone:
    """A simulated Telegram user."""

    id: int
    first_name: str = "小王"

    def as_user(self) -> dict[str, Any]:
        return {"id": self.id, "is_bot": False, "first_name": self.first_name}


@dataclass(frozen=True)
class Group:
    """A group chat (negative id) the simulated users can write in once the bot is in it."""

    id: int
    title: str = "工会小组"
    type: str = "group"  # group | supergroup

    def __post_init__(self) -> None:
        if self.id >= 0 or self.type not in ("group", "supergroup"):
            raise ValueError("a group has a negative id and type 'group' or 'supergroup'")

    def as_chat(self) -> dict[str, Any]:
        return {"id": self.id, "type": self.type, "title": self.title}


Chat = Phone | Group


class FakeTelegram:
    """Run with `await start()`; `api_base` is what the bot's PUFA_TELEGRAM_API_BASE should be."""

    def __init__(self, token: str = "123456:TEST-TOKEN", first_update_id: int = 1) -> None:
        """`first_update_id`: where update ids start — above the last one a bot's database
        has seen when it meets a new fake server (Telegram's ids only grow)."""
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
        self.refused_callbacks: list[str] = []  # answers to queries already answered (or unknown)
        self.started: set[int] = set()  # users who have written to the bot (private chats)
        self.blocked: set[int] = set()  # users who blocked the bot
        self.groups: dict[int, Group] = {}  # every group the bot has been in
        self.bot_groups: set[int] = set()  # the groups the bot is in now
        self.keyboards: dict[int, list[dict[str, Any]]] = {}  # chat → reply keyboard shown
        self.polls: dict[str, SentMessage] = {}  # poll id → its message
        self.allowed_updates: list[str] | None = None  # as last set by getUpdates
        self._failures: dict[str, list[tuple[int, int, str]]] = {}
        self._ids = itertools.count(1)
        self._update_ids = itertools.count(first_update_id)
        self._callback_ids = itertools.count(1)
        self._poll_ids = itertools.count(1)
        self._new_update = asyncio.Event()
        self._last_activity = time.monotonic()
        self._calls_since_push = 1  # answering calls since the last update (none pushed yet)
        self._runner: web.AppRunner | None = None
        self.port = 0
        # webhook mode (setWebhook): updates are posted, one at a time in order, to the
        # targets in turn (a load balancer in front of the bot's instances); a post that is
        # not answered 200 is tried again at the next target
        self.webhook: dict[str, Any] | None = None
        self.webhook_targets: list[str] = []
        self.webhook_posts: list[tuple[str, int, int]] = []  # (target, update id, status)
        self.webhook_connections = 1  # posts at a time (Telegram's max_connections: 40)
        # a test's own load balancing: update → (target index, seconds to hold the post) for
        # its first try (later tries take the targets in turn)
        self.webhook_route: Callable[[dict[str, Any]], tuple[int, float]] | None = None
        self.delivered: set[int] = set()  # posted and answered 200, not yet confirmed in order
        self._webhook_task: asyncio.Task[None] | None = None
        # Telegram's flood limits, enforced when set: more than 30 messages in any second, or
        # 20 in any minute to one group, is answered 429 with retry_after (nothing is sent)
        self.enforce_limits = False
        self.sent_times: list[float] = []  # when each message was accepted (monotonic)
        self._group_times: dict[int, list[float]] = {}
        self.flood_refusals = 0

    # ---- server ----
    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)  # its lines hold the token
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
        if self._runner:
            await self._runner.cleanup()

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _params(self, request: web.Request) -> dict[str, Any]:
        """A call's parameters from a JSON body, a form (urlencoded or multipart, with
        JSON-encoded nested values) or the query string; uploads as {"filename", "content"}."""
        if request.content_type == "application/json":
            body = await request.json()
            out: dict[str, Any] = dict(body or {})
        else:
            out = {}
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, str):
                    out[key] = self._form_value(key, value)
                else:
                    out[key] = {"filename": value.filename, "content": value.file.read()}
        for key, value in request.query.items():
            out.setdefault(key, self._form_value(key, value))
        for key, value in list(out.items()):  # aiogram: document="attach://<field>"
            if isinstance(value, str) and value.startswith("attach://"):
                out[key] = out.get(value.removeprefix("attach://"), value)
        return out

    @staticmethod
    def _form_value(key: str, value: str) -> Any:
        if key in JSON_FIELDS:
            try:
                return json.loads(value)
            except json.JSONDecodeError:
                return value
        return value

    def fail_next(
        self,
        method: str,
        code: int = 429,
        retry_after: int = 1,
        times: int = 1,
        description: str | None = None,
    ) -> None:
        """Make the next `times` calls of `method` fail with `code` (429 carries
        parameters.retry_after), as Telegram would."""
        text = description or DEFAULT_ERRORS.get(code, "Error: injected failure")
        queue = self._failures.setdefault(method.lower(), [])
        queue.extend([(code, retry_after, text.format(retry_after=retry_after))] * times)

    def _injected(self, method: str) -> web.Response | None:
        queue = self._failures.get(method.lower())
        if not queue:
            return None
        code, retry_after, description = queue.pop(0)
        self.errors.append((method, description))
        body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
        if code == 429:
            body["parameters"] = {"retry_after": retry_after}
        return web.json_response(body, status=code)

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        method = request.match_info["method"]
        params = await self._params(request)
        if method.lower() != "getupdates":
            self._last_activity = time.monotonic()
            self.calls.append((method, params))
        injected = self._injected(method)
        if injected is not None:  # a failed call is no answer
            return injected
        if self.enforce_limits and method.lower() in MESSAGES:
            flooded = self._flooded(params)
            if flooded is not None:
                return flooded
        if method.lower() in ANSWERING:
            self._calls_since_push += 1
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

    def _flooded(self, params: dict[str, Any]) -> web.Response | None:
        now = time.monotonic()
        recent = [t for t in self.sent_times[-40:] if now - t < 1.0]
        chat = int(params.get("chat_id") or 0)
        group = [t for t in self._group_times.get(chat, []) if now - t < 60.0]
        if len(recent) >= 30 or (chat < 0 and len(group) >= 20):
            self.flood_refusals += 1
            wait = 1 if len(recent) >= 30 else max(1, int(60 - (now - group[0])) + 1)
            body = {
                "ok": False,
                "error_code": 429,
                "description": f"Too Many Requests: retry after {wait}",
                "parameters": {"retry_after": wait},
            }
            return web.json_response(body, status=429)
        self.sent_times.append(now)
        if chat < 0:
            self._group_times[chat] = [*group, now]
        return None

    # ---- Bot API methods ----
    async def api_getme(self, p: dict[str, Any]) -> dict[str, Any]:
        return self.bot_user

    async def api_deletewebhook(self, p: dict[str, Any]) -> bool:
        self.webhook = None
        return True

    async def api_setwebhook(self, p: dict[str, Any]) -> bool:
        url = str(p.get("url") or "")
        if not url.startswith("https://"):
            raise ApiError("Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        secret = p.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise ApiError("Bad Request: secret token contains unallowed characters")
        self.webhook = {"url": url, "secret_token": secret}
        if "allowed_updates" in p:
            self.allowed_updates = list(p["allowed_updates"]) if p["allowed_updates"] else None
        if self._webhook_task is None:
            self._webhook_task = asyncio.create_task(self._post_updates())
        return True

    async def _post_updates(self) -> None:
        """Telegram's side of a webhook: post each pending update until one target says 200;
        `webhook_connections` posts at a time (Telegram's max_connections), one update of a
        chat at a time, in order."""
        import aiohttp

        in_flight: set[int] = set()  # update ids being posted
        busy_chats: set[int] = set()
        turn = itertools.count()

        def chat_of(update: dict[str, Any]) -> int:
            for kind in UPDATE_KINDS:
                body = update.get(kind)
                if isinstance(body, dict):
                    user = body.get("from") or body.get("user") or {}
                    return int(user.get("id", 0))
            return 0

        async def post(http: aiohttp.ClientSession, update: dict[str, Any]) -> None:
            assert self.webhook is not None
            headers = {}
            if self.webhook.get("secret_token"):
                headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook["secret_token"]
            routed = self.webhook_route(update) if self.webhook_route is not None else None
            while True:
                if routed is not None:
                    index, hold = routed
                    routed = None
                    await asyncio.sleep(hold)
                    target = self.webhook_targets[index % len(self.webhook_targets)]
                else:
                    target = self.webhook_targets[next(turn) % len(self.webhook_targets)]
                try:
                    async with http.post(target, json=update, headers=headers) as response:
                        status = response.status
                except (aiohttp.ClientError, OSError):
                    status = 0
                self.webhook_posts.append((target, update["update_id"], status))
                if status == 200:
                    self.delivered.add(update["update_id"])
                    return
                await asyncio.sleep(0.05)

        async def one(http: aiohttp.ClientSession, update: dict[str, Any], chat: int) -> None:
            try:
                await post(http, update)
            finally:
                in_flight.discard(update["update_id"])
                busy_chats.discard(chat)
                self._new_update.set()

        async with aiohttp.ClientSession() as http:
            tasks: set[asyncio.Task[None]] = set()
            while True:
                # confirmed: every update up to the first one not yet delivered
                while self.updates and self.updates[0]["update_id"] in self.delivered:
                    self.confirmed_offset = self.updates[0]["update_id"] + 1
                    self.delivered.discard(self.updates[0]["update_id"])
                    self.updates.pop(0)
                started = False
                if self.webhook is not None and self.webhook_targets:
                    for update in self.updates:
                        if len(in_flight) >= self.webhook_connections:
                            break
                        uid = update["update_id"]
                        chat = chat_of(update)
                        if uid in in_flight or uid in self.delivered or chat in busy_chats:
                            continue
                        if not self._allowed(update):
                            self.delivered.add(uid)
                            continue
                        in_flight.add(uid)
                        busy_chats.add(chat)
                        task = asyncio.create_task(one(http, update, chat))
                        tasks.add(task)
                        task.add_done_callback(tasks.discard)
                        started = True
                if not started:
                    self._new_update.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._new_update.wait(), 0.2)

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

    def _allowed(self, update: dict[str, Any]) -> bool:
        if not self.allowed_updates:
            return True
        return any(kind in update for kind in self.allowed_updates)

    async def api_getupdates(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook is not None:
            raise ApiError(
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
                409,
            )
        offset = int(p.get("offset") or 0)
        timeout = float(p.get("timeout") or 0)
        limit = int(p.get("limit") or 100)
        if "allowed_updates" in p:
            allowed = p["allowed_updates"]
            for kind in allowed or []:
                if kind not in UPDATE_KINDS and kind not in (
                    "edited_message",
                    "channel_post",
                    "edited_channel_post",
                    "inline_query",
                    "chosen_inline_result",
                    "shipping_query",
                    "pre_checkout_query",
                    "poll",
                    "chat_member",
                    "chat_join_request",
                    "message_reaction",
                    "message_reaction_count",
                    "chat_boost",
                    "removed_chat_boost",
                    "business_connection",
                    "business_message",
                    "edited_business_message",
                    "deleted_business_messages",
                    "purchased_paid_media",
                ):
                    raise ApiError(f"Bad Request: unknown update type {kind!r}")
            self.allowed_updates = list(allowed) if allowed else None
        if offset:
            self.confirmed_offset = max(self.confirmed_offset, offset)
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        deadline = time.monotonic() + timeout
        while True:
            # updates of kinds the bot did not ask for are never delivered (Telegram drops them)
            self.updates = [u for u in self.updates if self._allowed(u)]
            pending = [u for u in self.updates if u["update_id"] >= offset]
            if pending or time.monotonic() >= deadline:
                return pending[:limit]
            self._new_update.clear()
            try:
                await asyncio.wait_for(self._new_update.wait(), deadline - time.monotonic())
            except TimeoutError:
                pass

    def _check_markup(self, markup: Any, inline_only: bool = False) -> dict[str, Any] | None:
        if not markup:
            return None
        if not isinstance(markup, dict):
            raise ApiError("Bad Request: can't parse reply keyboard markup JSON object")
        if inline_only and "inline_keyboard" not in markup:
            raise ApiError("Bad Request: inline keyboard expected")
        if "keyboard" in markup:
            rows = markup["keyboard"]
            if not isinstance(rows, list) or not rows:
                raise ApiError("Bad Request: keyboard must be a non-empty array of rows")
            for row in rows:
                for button in row:
                    text = button if isinstance(button, str) else button.get("text", "")
                    if not str(text):
                        raise ApiError("Bad Request: keyboard button text is empty")
            # buttons given as strings become {"text": …}, the way Telegram reads them
            markup = dict(markup)
            markup["keyboard"] = [
                [{"text": b} if isinstance(b, str) else dict(b) for b in row] for row in rows
            ]
            return markup
        if "remove_keyboard" in markup:
            if not flag(markup["remove_keyboard"]):
                raise ApiError("Bad Request: remove_keyboard must be true")
            return dict(markup)
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

    @staticmethod
    def _check_caption(caption: Any) -> str:
        caption = "" if caption is None else str(caption)
        if len(caption) > MAX_CAPTION:
            raise ApiError("Bad Request: message caption is too long")
        return caption

    def _check_chat(self, chat_id: int) -> None:
        """Whether the bot may send to this chat (as Telegram decides it)."""
        if chat_id > 0:
            if chat_id in self.blocked:
                raise ApiError("Forbidden: bot was blocked by the user", 403)
            if chat_id not in self.started:
                # Telegram: a bot cannot write first to a user who never started it
                raise ApiError("Forbidden: bot can't initiate conversation with a user", 403)
        elif chat_id not in self.groups:
            raise ApiError("Bad Request: chat not found")
        elif chat_id not in self.bot_groups:
            raise ApiError("Forbidden: bot was kicked from the group chat", 403)

    def _chat_json(self, chat_id: int) -> dict[str, Any]:
        group = self.groups.get(chat_id)
        return group.as_chat() if group else {"id": chat_id, "type": "private"}

    def _message_json(self, m: SentMessage) -> dict[str, Any]:
        out: dict[str, Any] = {
            "message_id": m.message_id,
            "date": int(time.time()),
            "chat": self._chat_json(m.chat_id),
        }
        if m.from_bot:
            out["from"] = self.bot_user
        if m.kind == "text":
            out["text"] = m.text
        elif m.kind == "poll":
            out["poll"] = self._poll_json(m)
        elif m.kind == "document":
            upload = m.extra.get("document") or {}
            out["document"] = {
                "file_id": f"BQACAgIAAx{m.message_id}",
                "file_unique_id": f"AgADdoc{m.message_id}",
                "file_name": upload.get("filename") if isinstance(upload, dict) else None,
            }
        elif m.kind == "photo":
            out["photo"] = [
                {
                    "file_id": f"AgACAgIAAx{m.message_id}",
                    "file_unique_id": f"AQADph{m.message_id}",
                    "width": 320,
                    "height": 320,
                }
            ]
        if m.kind in ("document", "photo") and m.text:
            out["caption"] = m.text
        if m.reply_markup and "inline_keyboard" in m.reply_markup:
            # a message carries only its inline keyboard (a reply keyboard is the chat's)
            out["reply_markup"] = m.reply_markup
        return out

    def _store(self, m: SentMessage) -> dict[str, Any]:
        self.messages[m.message_id] = m
        if m.reply_markup and "keyboard" in m.reply_markup:
            self.keyboards[m.chat_id] = m.keyboard()
        elif m.removes_keyboard:
            self.keyboards.pop(m.chat_id, None)
        return self._message_json(m)

    async def api_sendmessage(self, p: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(p["chat_id"])
        self._check_chat(chat_id)
        text = self._check_text(p.get("text"))
        markup = self._check_markup(p.get("reply_markup"))
        return self._store(SentMessage(next(self._ids), chat_id, text, True, markup))

    async def api_editmessagetext(self, p: dict[str, Any]) -> dict[str, Any]:
        text = self._check_text(p.get("text"))
        markup = self._check_markup(p.get("reply_markup"), inline_only=True)
        m = self.messages.get(int(p.get("message_id") or 0))
        if m is None or m.chat_id != int(p.get("chat_id") or 0):
            raise ApiError("Bad Request: message to edit not found")
        if not m.from_bot:
            raise ApiError("Bad Request: message can't be edited")
        if m.kind != "text":
            raise ApiError("Bad Request: there is no text in the message to edit")
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
            self.refused_callbacks.append(qid)
            raise ApiError(
                "Bad Request: query is too old and response timeout expired or query ID is invalid"
            )
        text = p.get("text") or ""
        if len(text) > MAX_CALLBACK_ANSWER:
            raise ApiError("Bad Request: MESSAGE_TOO_LONG")
        self.open_callbacks.discard(qid)
        self.callback_answers[qid] = {"text": text, "show_alert": flag(p.get("show_alert"))}
        return True

    async def api_sendpoll(self, p: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(p["chat_id"])
        self._check_chat(chat_id)
        question = str(p.get("question") or "")
        if not 1 <= len(question) <= MAX_POLL_QUESTION:
            raise ApiError("Bad Request: poll question length must be 1-300")
        raw = p.get("options") or []
        if not 2 <= len(raw) <= 10:
            raise ApiError("Bad Request: poll must have 2-10 options")
        # plain strings (older clients) or InputPollOption objects
        options = [str(o.get("text", "")) if isinstance(o, dict) else str(o) for o in raw]
        if not all(1 <= len(o) <= MAX_POLL_OPTION for o in options):
            raise ApiError("Bad Request: POLL_OPTION_INVALID")
        kind = str(p.get("type") or "regular")
        correct: int | None = None
        if p.get("correct_option_ids") is not None:
            ids = p["correct_option_ids"]
            correct = int(ids[0]) if isinstance(ids, list) and len(ids) == 1 else -1
        elif p.get("correct_option_id") is not None:
            correct = int(p["correct_option_id"])
        if kind == "quiz":
            if correct is None or not 0 <= correct < len(options):
                raise ApiError("Bad Request: wrong correct option ID specified")
        elif kind == "regular":
            correct = None
        else:
            raise ApiError("Bad Request: poll type is invalid")
        explanation = str(p.get("explanation") or "")
        if len(explanation) > MAX_POLL_EXPLANATION:
            raise ApiError("Bad Request: explanation is too long")
        poll: dict[str, Any] = {
            "id": str(5_000_000_000 + next(self._poll_ids)),
            "question": question,
            "options": [
                {"persistent_id": str(i), "text": o, "voter_count": 0}
                for i, o in enumerate(options)
            ],
            "total_voter_count": 0,
            "is_closed": False,
            "is_anonymous": flag(p.get("is_anonymous", True)),
            "type": kind,
            "allows_multiple_answers": flag(p.get("allows_multiple_answers")),
            "allows_revoting": kind == "regular",
            "members_only": False,
        }
        if correct is not None:
            poll["correct_option_id"] = correct
            poll["correct_option_ids"] = [correct]
        if explanation:
            poll["explanation"] = explanation
        if p.get("open_period") is not None:
            open_period = int(p["open_period"])
            if not 5 <= open_period <= 600:
                raise ApiError("Bad Request: open_period must be 5-600")
            poll["open_period"] = open_period
        closes_at = time.monotonic() + poll["open_period"] if "open_period" in poll else None
        m = SentMessage(
            next(self._ids),
            chat_id,
            question,
            True,
            kind="poll",
            extra={"options": options, "poll": poll, "votes": {}, "closes_at": closes_at},
        )
        self.polls[poll["id"]] = m
        return self._store(m)

    async def api_stoppoll(self, p: dict[str, Any]) -> dict[str, Any]:
        m = self.messages.get(int(p.get("message_id") or 0))
        if m is None or m.chat_id != int(p.get("chat_id") or 0):
            raise ApiError("Bad Request: message with poll to stop not found")
        if m.kind != "poll" or not m.from_bot:
            raise ApiError("Bad Request: message with poll to stop not found")
        self._expire(m)
        if m.poll["is_closed"]:
            raise ApiError("Bad Request: poll has already been closed")
        m.poll["is_closed"] = True
        m.edits += 1
        return self._poll_json(m)

    @staticmethod
    def _expire(m: SentMessage) -> None:
        """A poll with an open_period closes by itself when its time is up (real time)."""
        closes_at = m.extra.get("closes_at")
        if closes_at is not None and time.monotonic() >= closes_at:
            m.poll["is_closed"] = True

    @staticmethod
    def _poll_json(m: SentMessage) -> dict[str, Any]:
        """The poll as Bot API 9.6 sends it (correct_option_ids; the deprecated
        correct_option_id is kept only in the stored poll, for tests to read)."""
        return {k: v for k, v in m.poll.items() if k != "correct_option_id"}

    async def _upload(self, p: dict[str, Any], field_name: str, kind: str) -> dict[str, Any]:
        chat_id = int(p["chat_id"])
        self._check_chat(chat_id)
        upload = p.get(field_name)
        if not upload:
            raise ApiError(f"Bad Request: there is no {field_name} in the request")
        m = SentMessage(
            next(self._ids),
            chat_id,
            self._check_caption(p.get("caption")),
            True,
            kind=kind,
            extra={field_name: upload},
        )
        return self._store(m)

    async def api_senddocument(self, p: dict[str, Any]) -> dict[str, Any]:
        return await self._upload(p, "document", "document")

    async def api_sendphoto(self, p: dict[str, Any]) -> dict[str, Any]:
        return await self._upload(p, "photo", "photo")

    # ---- simulated users ----
    def _push(self, update: dict[str, Any]) -> int:
        update_id = next(self._update_ids)
        update["update_id"] = update_id
        self.updates.append(update)
        self._new_update.set()
        self._last_activity = time.monotonic()
        self._calls_since_push = 0
        return update_id

    def _user_message(self, phone: Phone, group: Group | None = None, **content: Any) -> int:
        if group is None:
            if phone.id in self.blocked:
                raise AssertionError(f"user {phone.id} blocked the bot: unblock_bot first")
            self.started.add(phone.id)
            chat: dict[str, Any] = {
                "id": phone.id,
                "type": "private",
                "first_name": phone.first_name,
            }
        else:
            if group.id not in self.bot_groups:
                raise AssertionError(f"the bot is not in group {group.id}: add_bot_to_group first")
            chat = group.as_chat()
        m = SentMessage(next(self._ids), int(chat["id"]), content.get("text", ""), False)
        self.messages[m.message_id] = m
        message = {
            "message_id": m.message_id,
            "date": int(time.time()),
            "chat": chat,
            "from": phone.as_user(),
            **content,
        }
        return self._push({"message": message})

    def send_text(self, phone: Phone, text: str, group: Group | None = None) -> int:
        """A typed message (a command when it starts with '/'), privately or in `group`."""
        entities = []
        if text.startswith("/"):
            entities = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return self._user_message(
            phone, group, text=text, **({"entities": entities} if entities else {})
        )

    def send_contact(self, phone: Phone, phone_number: str, user_id: int | None = None) -> int:
        """A contact card. `user_id=None` means the sender's own contact (what the
        share-contact button sends: user_id = the sender's id); pass another user's id for
        someone else's card, or 0 for a card without a Telegram account."""
        contact: dict[str, Any] = {"phone_number": phone_number, "first_name": phone.first_name}
        owner = phone.id if user_id is None else user_id
        if owner:
            contact["user_id"] = owner
        return self._user_message(phone, contact=contact)

    def keyboard(self, phone: Phone) -> list[dict[str, Any]]:
        """The reply keyboard the user sees now (empty: none, or it was removed/used)."""
        return list(self.keyboards.get(phone.id, []))

    def share_contact(self, phone: Phone, phone_number: str) -> int:
        """Tap the share-contact button of the reply keyboard the bot showed; the one-time
        keyboard then hides."""
        if not any(flag(b.get("request_contact")) for b in self.keyboard(phone)):
            raise AssertionError(f"no share-contact button shown to {phone.id}")
        self.keyboards.pop(phone.id, None)
        return self.send_contact(phone, phone_number)

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

    def send_service(self, phone: Phone, group: Group, **content: Any) -> int:
        """A service message in a group, e.g. `new_chat_title="…"` or
        `new_chat_members=[user dict]` (default: `phone` joined)."""
        if not content:
            content = {"new_chat_members": [phone.as_user()]}
        return self._user_message(phone, group, **content)

    def press(self, phone: Phone, message: SentMessage, button_text: str) -> str:
        """Tap the button whose text contains `button_text` on a message the bot sent
        (in a private chat or in a group)."""
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

    def answer_poll(self, phone: Phone, poll_message: SentMessage, option_ids: list[int]) -> int:
        """Vote in a poll the bot sent (an empty list retracts the vote)."""
        poll = poll_message.poll
        self._expire(poll_message)
        if poll["is_closed"]:
            raise AssertionError("the poll is closed")
        if poll["is_anonymous"]:
            raise AssertionError("an anonymous poll sends the bot no poll_answer")
        if not all(0 <= i < len(poll["options"]) for i in option_ids):
            raise AssertionError(f"no such option in {option_ids}")
        if len(option_ids) > 1 and not poll["allows_multiple_answers"]:
            raise AssertionError("the poll allows one answer")
        votes: dict[int, list[int]] = poll_message.extra["votes"]
        for i in votes.pop(phone.id, []):
            poll["options"][i]["voter_count"] -= 1
        if option_ids:
            votes[phone.id] = list(option_ids)
            for i in option_ids:
                poll["options"][i]["voter_count"] += 1
        poll["total_voter_count"] = len(votes)
        return self._push(
            {
                "poll_answer": {
                    "poll_id": poll["id"],
                    "user": phone.as_user(),
                    "option_ids": list(option_ids),
                    "option_persistent_ids": [
                        poll["options"][i]["persistent_id"] for i in option_ids
                    ],
                }
            }
        )

    def _membership(self, phone: Phone, chat: dict[str, Any], old: str, new: str) -> int:
        def member(status: str) -> dict[str, Any]:
            out: dict[str, Any] = {"user": self.bot_user, "status": status}
            if status == "kicked":
                out["until_date"] = 0
            return out

        return self._push(
            {
                "my_chat_member": {
                    "chat": chat,
                    "from": phone.as_user(),
                    "date": int(time.time()),
                    "old_chat_member": member(old),
                    "new_chat_member": member(new),
                }
            }
        )

    def add_bot_to_group(self, phone: Phone, group: Group) -> int:
        """`phone` adds the bot to `group` (my_chat_member: left → member)."""
        self.groups[group.id] = group
        self.bot_groups.add(group.id)
        return self._membership(phone, group.as_chat(), "left", "member")

    def remove_bot_from_group(self, phone: Phone, group: Group) -> int:
        """`phone` removes the bot from `group` (member → left); sends there now fail."""
        self.groups[group.id] = group
        self.bot_groups.discard(group.id)
        return self._membership(phone, group.as_chat(), "member", "left")

    def block_bot(self, phone: Phone) -> int:
        """The user blocks the bot (member → kicked); sends to them fail with 403."""
        self.blocked.add(phone.id)
        chat = {"id": phone.id, "type": "private", "first_name": phone.first_name}
        return self._membership(phone, chat, "member", "kicked")

    def unblock_bot(self, phone: Phone) -> int:
        """The user unblocks the bot (kicked → member)."""
        self.blocked.discard(phone.id)
        self.started.add(phone.id)
        chat = {"id": phone.id, "type": "private", "first_name": phone.first_name}
        return self._membership(phone, chat, "kicked", "member")

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

    # ---- what a user (or a group) sees ----
    def chat(self, who: Chat) -> list[SentMessage]:
        return [m for m in self.messages.values() if m.chat_id == who.id and m.from_bot]

    def last(self, who: Chat, containing: str = "") -> SentMessage:
        for m in reversed(self.chat(who)):
            if containing in m.text:
                return m
        raise AssertionError(f"no bot message containing {containing!r}")
