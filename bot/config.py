"""Settings from the environment and `.env` (prefix PUFA_)."""

from __future__ import annotations

from pathlib import Path

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from input_limits import MAX_ROSTER_SLOTS, MAX_YAML_BYTES


class Settings(BaseSettings):
    """Everything is optional except the token for `pufa run`."""

    model_config = SettingsConfigDict(env_prefix="PUFA_", env_file=".env", extra="ignore")

    bot_token: str | None = None
    database_url: str = "sqlite+aiosqlite:///./var/pufa.sqlite3"
    runtime: str = "aiogram"
    telegram_api_base: str | None = None
    webhook_url: str | None = None
    webhook_secret: str | None = None
    quizmasters: list[int] = []
    admins: list[int] = []
    tz: str = "Asia/Shanghai"
    bank_dir: Path | None = None
    faq_dir: Path | None = None
    practice_size: int = 10
    log_level: str = "INFO"
    workers: int = 4  # concurrent update handlers per process (PostgreSQL; SQLite uses one)
    # Limits on a roster import, which operators may raise for a large campaign; the whole
    # table of input limits, with the ones tied to the schema, is `input_limits`.
    roster_max_bytes: int = MAX_YAML_BYTES
    roster_max_slots: int = MAX_ROSTER_SLOTS
    # The scoreboard and console (`pufa web`, or inside `pufa run` when web_enabled)
    web_enabled: bool = False
    web_host: str = "127.0.0.1"
    web_port: int = 8080
    web_base_url: str | None = None  # the address people open; default http://web_host:web_port

    @property
    def web_public_url(self) -> str:
        """Where the pages are reached from a browser (links are made with it)."""
        if self.web_base_url:
            return self.web_base_url.rstrip("/")
        host = "127.0.0.1" if self.web_host in ("0.0.0.0", "::", "") else self.web_host
        return f"http://{host}:{self.web_port}"

    @field_validator("quizmasters", "admins", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        """Accept `1,2,3` as well as a JSON list."""
        if isinstance(value, str):
            return [int(v) for v in value.replace(" ", "").split(",") if v]
        if isinstance(value, int):
            return [value]
        return value

    @field_validator("runtime")
    @classmethod
    def _known_runtime(cls, value: str) -> str:
        if value not in ("aiogram", "ptb"):
            raise ValueError("PUFA_RUNTIME is 'aiogram' or 'ptb'")
        return value
