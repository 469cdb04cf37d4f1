"""Pick the Telegram runtime adapter by name (PUFA_RUNTIME)."""

from __future__ import annotations

from bot.transports.base import BotApi

RUNTIMES = ("aiogram", "ptb")


def make_api(runtime: str, token: str, api_base: str | None = None) -> BotApi:
    """The BotApi for `runtime` ('aiogram' or 'ptb'); the framework is imported only here."""
    if runtime == "aiogram":
        from bot.transports.telegram_aiogram import AiogramApi

        return AiogramApi(token, api_base)
    if runtime == "ptb":
        from bot.transports.telegram_ptb import PtbApi

        return PtbApi(token, api_base)
    raise ValueError(f"unknown runtime {runtime!r}; expected one of {RUNTIMES}")
