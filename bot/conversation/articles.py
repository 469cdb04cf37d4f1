"""Citations as workers see them, and the 📖 article text behind them."""

from __future__ import annotations

from bot.conversation.context import Ctx
from bot.conversation.messages import t
from question_bank import Citation


def article_text(ctx: Ctx, citation: Citation) -> str:
    """The whole article a citation points to, or a plain note that we do not hold it."""
    law = ctx.bank.laws.get(citation.law)
    source = law.source(citation.source) if law else None
    label = citation.label(paragraph=False)
    text = ctx.services.library.article(source, citation.article) if source else None
    if text is None:
        return t("article_missing", label=label)
    return t("article_text", label=label, text=text)


def citation_line(refs: tuple[Citation, ...]) -> str:
    return t("citation", refs="；".join(c.label() for c in refs))
