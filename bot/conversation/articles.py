"""Citations as workers see them, and the 📖 article text behind them."""

from __future__ import annotations

from bot.conversation.actions import Button
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
    """📌 依据：… with each distinct label once."""
    labels = list(dict.fromkeys(c.label() for c in refs))
    return t("citation", refs="；".join(labels))


def article_buttons(prefix: str, item_id: str, refs: tuple[Citation, ...]) -> list[Button]:
    """One 📖 button per distinct article (data: prefix:item:index of its first citation)."""
    firsts: dict[tuple[str, int], int] = {}
    for i, c in enumerate(refs):
        firsts.setdefault((c.source, c.article), i)
    if len(firsts) == 1:
        return [Button(t("article_button"), f"{prefix}:{item_id}:0")]
    return [
        Button(t("article_button_n", n=n), f"{prefix}:{item_id}:{i}")
        for n, i in enumerate(firsts.values(), 1)
    ]
