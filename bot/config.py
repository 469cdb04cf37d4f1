"""Settings from the environment and `.env` (prefix PUFA_)."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from input_limits import MAX_ROSTER_SLOTS, MAX_YAML_BYTES


class Settings(BaseSettings):
    """Everything is optional except the token for `pufa run`."""

    model_config = SettingsConfigDict(env_prefix="PUFA_", env_file=".env", extra="ignore")

    bot_token: str | None = None
    database_url: str = "sqlite+aiosqlite:///./var/pufa.sqlite3"
    runtime: str = "aiogram"
    telegram_api_base: str | None = None
    webhook_url: str | None = None  # the public https address Telegram posts updates to
    webhook_secret: str | None = None  # Telegram sends it in X-Telegram-Bot-Api-Secret-Token
    webhook_path: str | None = None  # the path served locally (default: the URL's path)
    http_host: str = "127.0.0.1"  # the bot's HTTP server (webhook, /healthz, /metrics)
    http_port: int | None = None  # off unless set; 8080 under --webhook
    quizmasters: list[int] = []
    admins: list[int] = []
    tz: str = "Asia/Shanghai"
    bank_dir: Path | None = None
    faq_dir: Path | None = None
    # the compiled cache (checked bank, FAQ index, jieba's dictionary): a directory, or "off";
    # default $XDG_CACHE_HOME/pufa or ~/.cache/pufa (see question_bank/compiled.py)
    cache_dir: str | None = None
    practice_size: int = 10
    log_level: str = "INFO"
    workers: int = 4  # concurrent update handlers per process (PostgreSQL; SQLite uses one)
    # inbox updates one handler takes into one transaction (group commit; 1: one per commit)
    handle_batch: int = Field(default=32, ge=1, le=256)
    # how long an instance may hold outgoing actions it took to send: if it dies, another
    # instance sends them after this long
    send_lease_seconds: float = 30
    # messages a second this instance sends (Telegram allows about 30 for a bot: split it
    # between instances) and to one group a minute (Telegram: 20)
    send_rate: float = 28
    group_messages_per_minute: float = 20
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

    @field_validator("webhook_secret")
    @classmethod
    def _telegram_secret(cls, value: str | None) -> str | None:
        """Telegram accepts 1-256 characters A-Z, a-z, 0-9, _ and -."""
        if value is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value):
            raise ValueError("PUFA_WEBHOOK_SECRET: 1-256 characters A-Z a-z 0-9 _ -")
        return value

    @field_validator("runtime")
    @classmethod
    def _known_runtime(cls, value: str) -> str:
        if value not in ("aiogram", "ptb"):
            raise ValueError("PUFA_RUNTIME is 'aiogram' or 'ptb'")
        return value
