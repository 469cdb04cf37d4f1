"""Feature routers and their composition: which handler gets an event.

Each flow module declares one `FeatureRouter` (like aiogram's `Router` per feature in its
multi_file_bot example) and registers on it, with decorators:
- commands: `@router.command("quiz", menu="cmd_quiz", private_only=True)`; `menu` is the
  catalogue key of the command's description in the bot's menu ("" keeps it out of the menu);
- buttons: `@router.button(QuizAnswer, private_only=True)`, handler `(ctx, record)`;
- typed text while the user's conversation state is in one of its flows:
  `@router.text("book_topic", "book_phone")`; `@router.text(OTHER_TEXT)` takes text no flow
  claims (one router: the FAQ);
- other kinds of event: `@router.contact(*flows)`, `@router.poll_answer(*flows)` (by the
  user's flow), `@router.timer("job_kind")`;
- poll answers by the poll: `@router.poll_answer_key("gq")`, handler `(ctx, poll)` — votes in
  a poll sent with a key `gq:…` (a poll answer carries no chat, so the remembered poll, found
  by its Telegram poll id, says whose it is; its `sent_at` is when it went out);
- a private-only command of another router, sent in a group: `@router.group_command("quiz")`
  (e.g. a quiz master's /quiz in a group starts a group quiz).
`compose(*routers)` builds one routing table and refuses a command, button prefix, flow,
poll key prefix or timer kind claimed twice. `Routes.dispatch(ctx)` then routes each event:
- a command or button marked `private_only` outside a private chat gets one line (a toast for
  a button) and changes nothing — these show or change personal data — unless a router took
  the command over for groups (`group_command`);
- a poll answer goes to the router owning its poll's key prefix, else by the user's flow;
  one nobody owns is ignored;
- a button whose data no record accepts (unknown prefix, malformed, forged) gets the toast
  t("expired"); handlers answer stale ones the same way;
- in groups only commands and buttons are handled: typed text there is chatter, not a
  question (ask with /ask …).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar

from bot.conversation.buttons import ButtonData, TextField, prefix_of
from bot.conversation.context import Ctx
from bot.conversation.messages import t
from bot.delivery.models import SentMessageRef
from bot.delivery.store import poll_owner

log = logging.getLogger("pufa.conversation")

Handler = Callable[[Ctx], Awaitable[None]]
TextHandler = Callable[[Ctx, str], Awaitable[None]]
R = TypeVar("R", bound=ButtonData)
ButtonHandler = Callable[[Ctx, R], Awaitable[None]]
PollHandler = Callable[[Ctx, SentMessageRef], Awaitable[None]]
P = TypeVar("P", bound=PollHandler)
KEY_SEPARATOR = ":"  # a remembered message's key is `<prefix>:<rest>`
C = TypeVar("C", bound=Handler)  # a handler keeps its own signature through registration
T = TypeVar("T", bound=TextHandler)
OTHER_TEXT = "*"  # the flow key of the handler for text that no flow claims
MAX_TEXT_LENGTH = 1000  # longer messages get a friendly "please shorten" reply
CONTENT_NAMES = {"sticker", "photo", "voice", "video", "location", "document", "contact"}


@dataclass(frozen=True)
class Command:
    """A slash command: its handler, its menu entry and whether it needs a private chat."""

    name: str
    handler: Handler
    menu: str = ""  # catalogue key of the menu description; "" = not in the menu
    private_only: bool = False


@dataclass(frozen=True)
class ButtonRoute:
    """A button record class, the handler its presses go to, and its chat rule."""

    record: type[ButtonData]
    handler: Callable[[Ctx, Any], Awaitable[None]]
    private_only: bool = False


@dataclass(frozen=True)
class RunCommand(ButtonData, prefix="cmd"):
    """A menu button that runs a command, e.g. 📝 开始练习 under /start runs /quiz."""

    command: Annotated[str, TextField(r"[a-z][a-z0-9_]{0,31}", "x" * 32)]


@dataclass
class FeatureRouter:
    """What one feature answers; see the module docstring."""

    name: str
    commands: list[Command] = field(default_factory=list)
    buttons: list[ButtonRoute] = field(default_factory=list)
    texts: dict[str, TextHandler] = field(default_factory=dict)
    contacts: dict[str, Handler] = field(default_factory=dict)
    poll_answers: dict[str, Handler] = field(default_factory=dict)
    poll_keys: dict[str, PollHandler] = field(default_factory=dict)
    group_commands: dict[str, Handler] = field(default_factory=dict)
    timers: dict[str, Handler] = field(default_factory=dict)

    def command(self, name: str, *, menu: str = "", private_only: bool = False) -> Callable[[C], C]:
        def register(handler: C) -> C:
            if menu:
                t(menu)  # a missing catalogue key fails at import, not in the menu call
            self.commands.append(Command(name, handler, menu, private_only))
            return handler

        return register

    def button(
        self, record: type[R], *, private_only: bool = False
    ) -> Callable[[ButtonHandler[R]], ButtonHandler[R]]:
        def register(handler: ButtonHandler[R]) -> ButtonHandler[R]:
            record.specs()  # a badly declared record fails at import
            self.buttons.append(ButtonRoute(record, handler, private_only))
            return handler

        return register

    def text(self, *flows: str) -> Callable[[T], T]:
        return _by_key(self.texts, flows)

    def contact(self, *flows: str) -> Callable[[C], C]:
        return _by_key(self.contacts, flows)

    def poll_answer(self, *flows: str) -> Callable[[C], C]:
        return _by_key(self.poll_answers, flows)

    def poll_answer_key(self, prefix: str) -> Callable[[P], P]:
        """Votes in polls sent with a key starting `prefix:`."""
        if not prefix or KEY_SEPARATOR in prefix:
            raise ValueError(f"bad poll key prefix {prefix!r}")
        return _by_key(self.poll_keys, (prefix,))

    def group_command(self, name: str) -> Callable[[C], C]:
        """What the private-only command `name` (of any router) does in a group."""
        return _by_key(self.group_commands, (name,))

    def timer(self, kind: str) -> Callable[[C], C]:
        return _by_key(self.timers, (kind,))


H = TypeVar("H")
F = TypeVar("F")


def _by_key(table: dict[str, H], keys: tuple[str, ...]) -> Callable[[F], F]:
    def register(handler: F) -> F:
        for key in keys:
            if key in table:
                raise ValueError(f"{key!r} registered twice in one router")
            table[key] = handler  # type: ignore[assignment]  # F is a kind of H
        return handler

    return register


class CompositionError(ValueError):
    """Two routers claim the same command, button prefix, flow, poll key prefix or timer
    kind, or a router takes over a command that is not a private-only one."""


def _merge(table: dict[str, H], key: str, value: H, what: str, owner: str) -> None:
    if key in table:
        raise CompositionError(f"{what} {key!r} of router {owner!r} is already taken")
    table[key] = value


@dataclass
class Routes:
    """The composed routing table of all feature routers."""

    commands: dict[str, Command] = field(default_factory=dict)
    buttons: dict[str, ButtonRoute] = field(default_factory=dict)
    texts: dict[str, TextHandler] = field(default_factory=dict)
    contacts: dict[str, Handler] = field(default_factory=dict)
    poll_answers: dict[str, Handler] = field(default_factory=dict)
    poll_keys: dict[str, PollHandler] = field(default_factory=dict)
    group_commands: dict[str, Handler] = field(default_factory=dict)
    timers: dict[str, Handler] = field(default_factory=dict)

    def menu(self) -> tuple[tuple[str, str], ...]:
        """(command, description) pairs for the bot's command menu, in router order."""
        return tuple((c.name, t(c.menu)) for c in self.commands.values() if c.menu)

    async def dispatch(self, ctx: Ctx) -> None:
        """Route one event to the handler that owns it (see the module docstring)."""
        event = ctx.event
        if event.kind == "command":
            await self._command(ctx, event.command)
        elif event.kind == "button":
            await self._button(ctx)
        elif event.kind == "timer":
            await self._timer(ctx)
        elif event.kind == "poll_answer":
            await self._poll_answer(ctx)
        elif not event.private:
            return  # groups are noisy: only commands and buttons are for the bot
        elif event.kind == "text":
            await self._text(ctx)
        elif event.kind == "contact":
            await self._by_flow(ctx, self.contacts, self._unsupported)
        elif event.kind == "unsupported":
            await self._unsupported(ctx)

    async def _command(self, ctx: Ctx, name: str) -> None:
        command = self.commands.get(name)
        if command is None:
            ctx.reply(t("unknown_command", command=name[:32]))
        elif command.private_only and not ctx.event.private:
            in_group = self.group_commands.get(name)
            if in_group is not None:
                await in_group(ctx)
            else:
                ctx.reply(t("private_only"))
        else:
            await command.handler(ctx)

    async def _button(self, ctx: Ctx) -> None:
        data = ctx.event.data
        route = self.buttons.get(prefix_of(data))
        try:
            record = route.record.unpack(data) if route is not None else None
        except ValueError:
            record = None
        if route is None or record is None:
            ctx.toast(t("expired"))
        elif route.private_only and not ctx.event.private:
            ctx.toast(t("private_only"), alert=True)
        else:
            await route.handler(ctx, record)

    async def run_command(self, ctx: Ctx, press: RunCommand) -> None:
        """Triggered by a menu button (e.g. 📝 开始练习): as if the command had been typed."""
        if press.command not in self.commands:
            ctx.toast(t("expired"))
            return
        if self.commands[press.command].private_only and not ctx.event.private:
            ctx.toast(t("private_only"), alert=True)
            return
        ctx.toast()
        await self._command(ctx, press.command)

    async def _text(self, ctx: Ctx) -> None:
        text = ctx.event.text.strip()
        if len(text) > MAX_TEXT_LENGTH:
            ctx.reply(t("too_long", length=len(text), limit=MAX_TEXT_LENGTH))
            return
        flow = (await ctx.state()).flow
        handler = self.texts.get(flow or OTHER_TEXT) or self.texts.get(OTHER_TEXT)
        if handler is not None:
            await handler(ctx, text)

    async def _by_flow(self, ctx: Ctx, table: dict[str, Handler], otherwise: Handler) -> None:
        flow = (await ctx.state()).flow
        handler = table.get(flow) if flow else None
        await (handler or otherwise)(ctx)

    async def _poll_answer(self, ctx: Ctx) -> None:
        """A vote: to the owner of the poll's key prefix, else by the voter's flow."""
        if self.poll_keys:
            poll = await poll_owner(ctx.session, ctx.event.poll_id)
            if poll is not None:
                handler = self.poll_keys.get(poll.key.split(KEY_SEPARATOR, 1)[0])
                if handler is not None:
                    await handler(ctx, poll)
                    return
        await self._by_flow(ctx, self.poll_answers, _ignore)

    async def _timer(self, ctx: Ctx) -> None:
        handler = self.timers.get(ctx.event.timer)
        if handler is None:
            log.warning("no handler for timer kind=%s", ctx.event.timer)
            return
        await handler(ctx)

    @staticmethod
    async def _unsupported(ctx: Ctx) -> None:
        """A sticker, photo, contact card … that no flow is waiting for."""
        content = "contact" if ctx.event.kind == "contact" else ctx.event.content
        name = content if content in CONTENT_NAMES else "other"
        ctx.reply(t("unsupported", what=t(f"content_{name}")))


async def _ignore(ctx: Ctx) -> None:
    """An event nothing is waiting for (e.g. a vote in a poll that is closed)."""


def compose(*routers: FeatureRouter) -> Routes:
    """One routing table; CompositionError if two routers claim the same thing."""
    routes = Routes()
    _merge(
        routes.buttons,
        RunCommand.prefix,
        ButtonRoute(RunCommand, routes.run_command),
        "button prefix",
        "routing",
    )
    for router in routers:
        for command in router.commands:
            _merge(routes.commands, command.name, command, "command", router.name)
        for button in router.buttons:
            _merge(routes.buttons, button.record.prefix, button, "button prefix", router.name)
        for flow, text_handler in router.texts.items():
            _merge(routes.texts, flow, text_handler, "text flow", router.name)
        for kind, table, mine in (
            ("contact flow", routes.contacts, router.contacts),
            ("poll flow", routes.poll_answers, router.poll_answers),
            ("group command", routes.group_commands, router.group_commands),
            ("timer kind", routes.timers, router.timers),
        ):
            for key, handler in mine.items():
                _merge(table, key, handler, kind, router.name)
        for prefix, poll_handler in router.poll_keys.items():
            _merge(routes.poll_keys, prefix, poll_handler, "poll key prefix", router.name)
    for name in routes.group_commands:
        taken = routes.commands.get(name)
        if taken is None or not taken.private_only:
            raise CompositionError(f"group command {name!r} takes over no private-only command")
    return routes
