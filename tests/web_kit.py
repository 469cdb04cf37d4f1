"""Helpers for the web tests: a stand-in live final, and the pages served on a local port.

`FakeFinal` plays the part of scoring.final for the web layer: a snapshot source with a
version counter, and a feature router for the quiz master's commands (/adjust, /next, …)
that changes its stage, bumps the version and replies, so console presses and typed commands
go through the real conversation layer and outbox while the tests stay independent of the
final's rules.
"""

from __future__ import annotations

import asyncio
import json
import socket
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import aiohttp
from aiohttp import web
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.conversation.context import Ctx
from bot.conversation.router import ROUTERS, Conversation
from bot.conversation.routing import FeatureRouter, compose
from bot.delivery.models import OutboxAction
from bot.web.server import WebApp, serve
from bot.weblinks import NewLink, Role, create_link
from tests.conftest import FakeClock

TEAMS = (("t-red", "红队"), ("t-blue", "蓝队"))
QUIZMASTER = 900  # the test event's quiz master (tests/competition_kit.py)
JUDGE = 901


@dataclass
class FakeFinal:
    """An in-memory stage: scores, a question, a buzz; every change bumps `version`."""

    competition_id: int = 0
    version_no: int = 1
    scores: dict[str, int] = field(default_factory=lambda: {code: 100 for code, _ in TEAMS})
    deltas: dict[str, int] = field(default_factory=dict)
    question: dict[str, Any] | None = None
    deadline: datetime | None = None
    finished: bool = False
    snapshot_reads: int = 0
    version_reads: int = 0
    commands: list[tuple[int, str]] = field(default_factory=list)
    picked: list[tuple[int, str]] = field(default_factory=list)

    # --- BoardSource ---------------------------------------------------------------------

    async def snapshot(
        self, session: AsyncSession, competition_id: int, now: datetime
    ) -> dict[str, Any]:
        self.snapshot_reads += 1
        order = sorted(TEAMS, key=lambda t: -self.scores[t[0]])
        teams = [
            {
                "code": code,
                "name": name,
                "score": self.scores[code],
                "rank": 1 + sum(1 for c, _ in TEAMS if self.scores[c] > self.scores[code]),
                "last_delta": self.deltas.get(code),
            }
            for code, name in order
        ]
        return {
            "event": "测试杯",
            "version": self.version_no,
            "round": {"index": 1, "name": "抢答题", "kind": "buzzer"},
            "phase": "question" if self.question else "idle",
            "question": self.question,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "buzz": None,
            "teams": teams,
            "podium": teams if self.finished else None,
            "finished": self.finished,
        }

    async def version(self, session: AsyncSession, competition_id: int) -> int:
        self.version_reads += 1
        return self.version_no

    async def judges(self, session: AsyncSession, competition_id: int) -> frozenset[int]:
        return frozenset({JUDGE})

    # --- changes -------------------------------------------------------------------------

    def adjust(self, team: str, delta: int) -> None:
        self.scores[team] += delta
        self.deltas = {team: delta}
        self.version_no += 1

    def router(self) -> FeatureRouter:
        """The quiz master's commands, as the final's flow would take them."""
        router = FeatureRouter("fake_final")

        @router.command("adjust")
        async def adjust(ctx: Ctx) -> None:  # /adjust TEAM ±N 理由
            self.commands.append((ctx.user_id, ctx.event.text))
            team, delta, _reason = ctx.event.args.split(" ", 2)
            self.adjust(team, int(delta))
            ctx.reply(f"已调整 {team} {int(delta):+d}")
            ctx.notify(-100, f"比分变化：{team} {int(delta):+d}")  # e.g. the teams' group

        @router.command("event")
        async def pick(ctx: Ctx) -> None:  # /event CODE: which final this person runs
            self.picked.append((ctx.user_id, ctx.event.args))
            ctx.reply(f"正在主持：{ctx.event.args}")

        for name in ("next", "reveal", "open", "round", "board", "judge", "undo", "tier"):

            @router.command(name)
            async def other(ctx: Ctx) -> None:
                self.commands.append((ctx.user_id, ctx.event.text))
                self.version_no += 1
                ctx.reply(f"好的：{ctx.event.text}")

        return router

    def install(self, conversation: Conversation) -> None:
        """Let the conversation route the final's commands to this stand-in."""
        routers = (r for r in ROUTERS if r.name != "final")
        conversation.routes = compose(*routers, self.router())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Pages:
    """The pages served on a local port for one test."""

    webapp: WebApp
    runner: web.AppRunner
    base: str

    def url(self, link: NewLink) -> str:
        kind = "screen" if link.link.role == "screen" else "console"
        return f"{self.base}/{kind}/{link.token}"


async def serve_pages(webapp: WebApp) -> Pages:
    port = free_port()
    runner = await serve(webapp, "127.0.0.1", port)
    return Pages(webapp, runner, f"http://127.0.0.1:{port}")


async def new_link(
    conversation: Conversation,
    competition_id: int,
    role: Role,
    now: datetime,
    user_id: int | None = None,
) -> NewLink:
    async with conversation.sessions() as session:
        link = await create_link(session, competition_id, role, now, user_id=user_id)
        await session.commit()
    return link


class Stream:
    """One open /events stream, read message by message."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self.response = response

    async def next(self, kind: str = "snapshot", timeout: float = 5) -> dict[str, Any]:
        """The next message of `kind` (its data, with "id"); EOFError if the stream ends."""

        async def read() -> dict[str, Any]:
            fields: dict[str, str] = {}
            while True:
                line = (await self.response.content.readline()).decode()
                if not line:
                    raise EOFError("stream closed")
                line = line.rstrip("\n")
                if line:
                    name, _, value = line.partition(": ")
                    fields[name] = value
                    continue
                if fields.get("event") == kind:
                    return {"id": fields.get("id"), **json.loads(fields["data"])}
                fields = {}

        return await asyncio.wait_for(read(), timeout)


async def queued(conversation: Conversation) -> list[tuple[int, dict[str, Any]]]:
    """The outbox: (chat, action) in order."""
    async with conversation.sessions() as session:
        rows = await session.exec(select(OutboxAction).order_by(col(OutboxAction.id)))
        return [(row.chat_key, row.action) for row in rows]


@dataclass
class Hall:
    """An event with the stand-in final, its pages served on a local port, and an HTTP
    client: what a web test works with."""

    conversation: Conversation
    competition_id: int
    final: FakeFinal
    clock: FakeClock
    pages: Pages
    http: aiohttp.ClientSession

    async def link(self, role: Role, user_id: int | None = None) -> NewLink:
        return await new_link(self.conversation, self.competition_id, role, self.clock(), user_id)

    def url(self, link: NewLink) -> str:
        return self.pages.url(link)

    async def stream(self, link: NewLink) -> Stream:
        return Stream(await self.http.get(f"{self.pages.base}/events/{link.token}"))

    async def press(
        self, link: NewLink, body: object, headers: dict[str, str] | None = None
    ) -> aiohttp.ClientResponse:
        """A console press as the page sends it (JSON, our own Origin) unless `headers`."""
        return await self.http.post(
            f"{self.pages.base}/console/{link.token}/command",
            json=body,
            headers={"Origin": self.pages.base} if headers is None else headers,
        )

    async def outbox(self) -> list[tuple[int, dict[str, Any]]]:
        return await queued(self.conversation)
