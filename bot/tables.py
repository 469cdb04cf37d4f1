"""Every table of the program, gathered for Alembic and for tests."""

from sqlmodel import SQLModel

import bot.conversation.state
import scoring.models  # noqa: F401

metadata = SQLModel.metadata

__all__ = ["bot", "metadata"]
