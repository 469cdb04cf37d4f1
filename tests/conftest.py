"""Shared fixtures: a fake clock, a migrated database (SQLite, and PostgreSQL when
PUFA_TEST_POSTGRES_URL is set), the small test bank and a conversation layer."""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.conversation.context import Services
from bot.conversation.router import Conversation
from bot.db import make_engine, session_factory, upgrade
from bot.transports.telegram import RUNTIMES
from legal_faq import FaqMatcher, build_matcher
from question_bank import Bank, StatuteLibrary, bank_files, load_bank
from tests.fake_telegram import FakeTelegram

DATA = Path(__file__).parent / "data"
SMALL_BANK = DATA / "bank_small"
POSTGRES_URL = os.environ.get("PUFA_TEST_POSTGRES_URL")


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 11, 25, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.current

    def now(self) -> datetime:
        return self.current

    def advance(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture(params=RUNTIMES)
def runtime(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="session")
def small_bank() -> Bank:
    return load_bank(bank_files(SMALL_BANK))


async def reset_postgres(url: str) -> None:
    """An empty public schema. A transaction a failed test left open (one holding the live
    final's row lock, say) is ended first: DROP SCHEMA would otherwise wait for its locks
    for ever; and no wait here is longer than a minute."""
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                " AND state LIKE 'idle in transaction%'"
            )
        )
        await conn.execute(text("SET LOCAL lock_timeout = '60s'"))
        await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


def database_params() -> list[object]:
    params: list[object] = ["sqlite"]
    params.append(
        pytest.param(
            "postgres",
            marks=pytest.mark.skipif(not POSTGRES_URL, reason="PUFA_TEST_POSTGRES_URL not set"),
        )
    )
    return params


@pytest.fixture(params=database_params())
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgres":
        assert POSTGRES_URL
        await reset_postgres(POSTGRES_URL)
        return POSTGRES_URL
    return f"sqlite+aiosqlite:///{tmp_path / 'pufa.sqlite3'}"


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    eng = make_engine(db_url)
    await upgrade(eng)
    yield eng
    await eng.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine):  # type: ignore[no-untyped-def]
    return session_factory(engine)


@pytest.fixture
def conversation(sessions, small_bank: Bank, clock: FakeClock) -> Conversation:  # type: ignore[no-untyped-def]
    services = Services(bank=small_bank, library=StatuteLibrary(), practice_size=5)
    return Conversation(sessions, services, clock)


@pytest.fixture(scope="session")
def matcher() -> FaqMatcher:
    """The matcher the bot uses: reviewed entries, statute articles and bank questions."""
    return build_matcher()


@pytest.fixture
def faq_conversation(
    sessions, small_bank: Bank, clock: FakeClock, matcher: FaqMatcher
) -> Conversation:  # type: ignore[no-untyped-def]
    """A conversation that answers typed questions with the bot's whole matcher."""
    services = Services(bank=small_bank, library=StatuteLibrary(), practice_size=5, faq=matcher)
    return Conversation(sessions, services, clock)


ARTIFACTS = Path(
    os.environ.get("PUFA_TEST_ARTIFACTS", Path(__file__).parent.parent / "test-artifacts")
)
_kept: list[Path] = []


@pytest.fixture
def artifact() -> Callable[[str], Path]:
    """A path under test-artifacts/ (PUFA_TEST_ARTIFACTS) for a file a test keeps, e.g. a
    screenshot; pytest's summary names every one written."""

    def path(name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        kept = ARTIFACTS / name
        _kept.append(kept)
        return kept

    return path


def pytest_terminal_summary(terminalreporter: Any) -> None:
    written = [p for p in dict.fromkeys(_kept) if p.exists()]
    if written:
        terminalreporter.section("test artefacts")
        for kept in written:
            terminalreporter.write_line(f"kept: {kept.resolve()}")


@pytest.fixture
async def hall(conversation: Conversation, clock: FakeClock, tmp_path: Path) -> AsyncIterator[Any]:
    """The test event with a stand-in live final and its pages served (tests/web_kit.py)."""
    import aiohttp

    from bot.web.server import WebApp
    from tests.competition_kit import make_event
    from tests.web_kit import FakeFinal, Hall, serve_pages

    comp = await make_event(conversation.sessions, conversation.services.bank, clock(), tmp_path)
    assert comp.id is not None
    final = FakeFinal(competition_id=comp.id)
    final.install(conversation)
    webapp = WebApp(conversation, final, clock, poll_interval=0.05, tick_seconds=0.3)
    served = await serve_pages(webapp)
    try:
        async with aiohttp.ClientSession() as http:
            yield Hall(conversation, comp.id, final, clock, served, http)
    finally:
        await served.runner.cleanup()


@pytest.fixture(autouse=True)
def _no_leftover_bot_processes() -> Iterator[None]:
    """A test that fails half-way leaves no `pufa run` process behind (see BotProcess)."""
    yield
    kit = sys.modules.get("tests.e2e_kit")
    if kit is not None:
        kit.BotProcess.kill_leftovers()
