"""Citations as workers see them, and the 📖 article text behind them."""

from __future__ import annotations

from collections.abc import Callable

from bot.conversation.actions import Button
from bot.conversation.buttons import ButtonData
from bot.conversation.context import Ctx
from bot.conversation.messages import t
from legal_faq import statute_source
from question_bank import Citation


def article_text(ctx: Ctx, citation: Citation) -> str:
    """The whole article a citation points to, or a plain note that we do not hold it."""
    law = ctx.bank.laws.get(citation.law)
    # statutes the FAQ searches but the bank does not hold (劳动法, 民法典 …) by their name
    source = law.source(citation.source) if law else statute_source(citation.source)
    label = citation.label(paragraph=False)
    text = ctx.services.library.article(source, citation.article) if source else None
    if text is None:
        return t("article_missing", label=label)
    return t("article_text", label=label, text=text)


def citation_line(refs: tuple[Citation, ...]) -> str:
    """📌 依据：… with each distinct label once."""
    labels = list(dict.fromkeys(c.label() for c in refs))
    return t("citation", refs="；".join(labels))


def article_buttons(
    refs: tuple[Citation, ...], record: Callable[[int], ButtonData]
) -> list[Button]:
    """One 📖 button per distinct article; `record(i)` is the button record for the article
    of citation i (the first citation of each article)."""
    firsts: dict[tuple[str, int], int] = {}
    for i, c in enumerate(refs):
        firsts.setdefault((c.source, c.article), i)
    if len(firsts) == 1:
        return [record(0).button(t("article_button"))]
    return [record(i).button(t("article_button_n", n=n)) for n, i in enumerate(firsts.values(), 1)]
