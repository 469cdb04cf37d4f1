"""Every table of the program, gathered for Alembic and for tests."""

from sqlmodel import SQLModel

import bot.conversation.state
import bot.delivery.models
import bot.weblinks  # noqa: F401
import competition.models  # noqa: F401
import legal_aid.models  # noqa: F401
import legal_faq.misses  # noqa: F401
import scoring.final.models
import scoring.group_quiz_models
import scoring.models  # noqa: F401

metadata = SQLModel.metadata

__all__ = ["metadata"]
