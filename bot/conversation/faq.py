"""The legal FAQ flow.

How it goes: any text that is not a command (and not a tap-style answer during a quiz) is a
question. The matcher decides:
- answer: the answer with its citation, 📖 buttons for the article texts, 👍 / 👎, 预约律师
  (books a lawyer with the question as the topic, see lawyer.py);
- suggest: "您是不是想问…" with up to three questions as buttons, and 都不是;
- none: what the bot can answer, 预约律师 and the 12348 / 12351 hotlines; the question is kept
  (without the user's id) for editors, as are answers marked 👎 (`pufa faq misses`);
- greeting: a greeting and a hint.
The last question asked is kept in the user's conversation state so that a 👎 can be filed
against it.
"""

from __future__ import annotations

from bot.conversation import lawyer
from bot.conversation.actions import Button, keyboard
from bot.conversation.articles import article_buttons, article_text, citation_line
from bot.conversation.context import Ctx
from bot.conversation.messages import t
from legal_faq import FaqEntry, record_miss

LAST_QUERY = "faq_q"
BOOK_BUTTON = keyboard([Button(t("faq_book"), "bk")])


def entry_view(entry: FaqEntry) -> tuple[str, tuple[tuple[Button, ...], ...]]:
    """An answer message: question, answer, citation, and its buttons."""
    text = f"{t('faq_answer', question=entry.question, answer=entry.answer)}\n\n{citation_line(entry.refs)}"
    articles = article_buttons("fl", entry.id, entry.refs)
    votes = [Button(t("faq_useful"), f"fu:{entry.id}"), Button(t("faq_useless"), f"fd:{entry.id}")]
    return text, keyboard(articles, votes, [Button(t("faq_book"), f"bk:{entry.id}")])


async def answer_question(ctx: Ctx, text: str, note: str = "") -> None:
    """Triggered by a typed question (or /ask 问题)."""
    matcher = ctx.services.faq
    if matcher is None:
        ctx.reply(t("faq_unavailable"))
        return
    result = matcher.match(text)
    if result.status == "greeting":
        ctx.reply(t("faq_greeting"))
        return
    state = await ctx.state()
    await ctx.set_state(state.flow, **{**state.data, LAST_QUERY: text[:200]})
    if result.status == "answer" and result.answer is not None:
        body, buttons = entry_view(result.answer.entry)
        ctx.reply(f"{body}\n\n{note}" if note else body, buttons)
    elif result.status == "suggest":
        rows = [[Button(s.entry.question[:60], f"fa:{s.entry.id}")] for s in result.best]
        rows.append([Button(t("faq_none_of_these"), "fn")])
        ctx.reply(t("faq_suggest"), keyboard(*rows))
    else:
        await record_miss(ctx.session, text, "none", ctx.now)
        ctx.reply(t("faq_none"), BOOK_BUTTON)


async def on_pick(ctx: Ctx, entry_id: str) -> None:
    """Triggered when the worker picks one of the suggested questions."""
    entry = ctx.services.faq.entry(entry_id) if ctx.services.faq else None
    if entry is None:
        ctx.toast(t("expired"))
        return
    ctx.toast()
    ctx.reply(*entry_view(entry))


async def on_none_of_these(ctx: Ctx) -> None:
    """Triggered by 都不是 under the suggestions: the question counts as unanswered."""
    ctx.toast()
    query = (await ctx.state()).data.get(LAST_QUERY)
    if isinstance(query, str) and query:
        await record_miss(ctx.session, query, "none", ctx.now)
    ctx.reply(t("faq_none"), BOOK_BUTTON)


async def on_vote(ctx: Ctx, entry_id: str, useful: bool) -> None:
    """Triggered by 👍 / 👎 under an answer; a 👎 keeps the question for editors."""
    if ctx.services.faq is None or ctx.services.faq.entry(entry_id) is None:
        ctx.toast(t("expired"))
        return
    if useful:
        ctx.toast(t("faq_thanks_up"))
        return
    query = (await ctx.state()).data.get(LAST_QUERY)
    await record_miss(
        ctx.session,
        query if isinstance(query, str) and query else "",
        "down",
        ctx.now,
        entry_id=entry_id,
    )
    ctx.toast(t("faq_thanks_down"), alert=True)


async def on_article(ctx: Ctx, entry_id: str, index: int) -> None:
    """Triggered by 📖 under an answer."""
    entry = ctx.services.faq.entry(entry_id) if ctx.services.faq else None
    if entry is None or not 0 <= index < len(entry.refs):
        ctx.toast(t("expired"))
        return
    ctx.toast()
    ctx.reply(article_text(ctx, entry.refs[index]))


async def on_book(ctx: Ctx, entry_id: str | None) -> None:
    """Triggered by 预约律师 under an answer (or under "no answer"): the question the worker
    asked becomes the consultation's topic."""
    ctx.toast()
    query = (await ctx.state()).data.get(LAST_QUERY)
    entry = ctx.services.faq.entry(entry_id) if ctx.services.faq and entry_id else None
    topic = query if isinstance(query, str) and len(query) >= 4 else ""
    if not topic and entry is not None:
        topic = entry.question
    await lawyer.start(ctx, topic[:300], entry.id if entry else None)
