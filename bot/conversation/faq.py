"""The legal FAQ flow.

How it goes: any text that is not a command (and not a tap-style answer during a quiz) is a
question. The matcher decides:
- answer: the answer with its citation, 📖 buttons for the article texts, 👍 / 👎, 预约律师
  (books a lawyer with the question as the topic, see booking.py). It says which kind it is:
  a reviewed FAQ answer, a question-bank explanation, or 相关法条 — a statute article in the
  law's own words, found when no reviewed answer fits (legal_faq/sources.py);
- suggest: "您是不是想问…" with up to three questions as buttons, and 都不是;
- none: what the bot can answer, 预约律师 and the 12348 / 12351 hotlines; the question is kept
  (without the user's id) for editors, as are answers marked 👎 (`pufa faq misses`);
- greeting: a greeting and a hint.
The last few questions asked are kept in the user's conversation state, each under a random
token that the buttons under its answer carry: a 👎 or 预约律师 under an older answer acts on
that answer's question and entry, never on whatever was asked last. In groups only /ask …
is a question (typed text there is chatter).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Annotated, Any

from bot.conversation import booking, consult
from bot.conversation.actions import Keyboard, keyboard
from bot.conversation.articles import article_buttons, article_text, citation_line
from bot.conversation.buttons import FLAG, ITEM_ID, REF_INDEX, TOKEN, ButtonData
from bot.conversation.context import Ctx
from bot.conversation.messages import t
from bot.conversation.routing import MAX_TEXT_LENGTH, OTHER_TEXT, FeatureRouter
from bot.conversation.state import ASKED_QUESTIONS as ASKED
from legal_faq import FaqEntry, record_miss

KEEP_ASKED = 5
TOPIC_MIN = 4  # a shorter question ("工资") is no topic for a lawyer: the entry's question is

router = FeatureRouter("faq")


@dataclass(frozen=True)
class FaqPick(ButtonData, prefix="fpick"):
    """A suggested question under 您是不是想问: show that entry's answer."""

    entry_id: Annotated[str, ITEM_ID]
    asked: Annotated[int, TOKEN]


@dataclass(frozen=True)
class FaqNoneOfThese(ButtonData, prefix="fnone"):
    """都不是 under the suggestions: the question counts as unanswered."""

    asked: Annotated[int, TOKEN]


@dataclass(frozen=True)
class FaqVote(ButtonData, prefix="fvote"):
    """👍 (useful=1) / 👎 (useful=0) under an answer."""

    entry_id: Annotated[str, ITEM_ID]
    useful: Annotated[bool, FLAG]
    asked: Annotated[int, TOKEN]


@dataclass(frozen=True)
class FaqArticle(ButtonData, prefix="flaw"):
    """📖 under an answer: the text of the entry's citation `ref`."""

    entry_id: Annotated[str, ITEM_ID]
    ref: Annotated[int, REF_INDEX]


@dataclass(frozen=True)
class FaqBook(ButtonData, prefix="fbook"):
    """预约律师 under an answer: book a lawyer about that answer's question."""

    entry_id: Annotated[str, ITEM_ID]
    asked: Annotated[int, TOKEN]


@dataclass(frozen=True)
class FaqBookUnanswered(ButtonData, prefix="fbooknone"):
    """预约律师 under "no answer": book a lawyer about the question we could not answer."""

    asked: Annotated[int, TOKEN]


def entry_view(entry: FaqEntry, asked: int) -> tuple[str, Keyboard]:
    """An answer message: which kind of answer it is, question, answer, citation, and its
    buttons (tied to the question asked under token `asked`). An article (the law's own
    words) is shown as 相关法条 with its label; its 📖 gives the whole article."""
    if entry.kind == "article":
        body = t("faq_article_answer", label=entry.question, answer=entry.answer)
    else:
        body = f"{t('faq_answer', question=entry.question, answer=entry.answer)}\n\n{citation_line(entry.refs)}"
    text = f"{t('faq_kind_' + entry.kind)}\n\n{body}"
    articles = article_buttons(entry.refs, lambda i: FaqArticle(entry.id, i))
    votes = [
        FaqVote(entry.id, True, asked).button(t("faq_useful")),
        FaqVote(entry.id, False, asked).button(t("faq_useless")),
    ]
    return text, keyboard(articles, votes, [FaqBook(entry.id, asked).button(t("faq_book"))])


def unanswered_view(asked: int) -> tuple[str, Keyboard]:
    """What we say when we cannot answer: what we can, the hotlines, and 预约律师."""
    return t("faq_none"), keyboard([FaqBookUnanswered(asked).button(t("faq_book"))])


async def _remember(ctx: Ctx, text: str, entries: list[str]) -> int:
    """Keep the question (and the entries offered for it) under a new random token."""
    state = await ctx.state()
    token = secrets.randbelow(TOKEN.high) + 1
    kept = [a for a in state.data.get(ASKED, []) if isinstance(a, dict)][1 - KEEP_ASKED :]
    kept.append({"token": token, "text": text[:200], "entries": entries})
    await ctx.set_state(state.flow, **{**state.data, ASKED: kept})  # the flow goes on
    return token


async def _recall(ctx: Ctx, token: int, entry_id: str | None = None) -> str:
    """The question kept under `token` (if `entry_id` is given: only if it was offered that
    entry); "" if it is no longer kept."""
    kept: list[Any] = (await ctx.state()).data.get(ASKED, [])
    for asked in kept:
        if isinstance(asked, dict) and asked.get("token") == token:
            offered = asked.get("entries", [])
            if entry_id is None or entry_id in offered:
                return str(asked.get("text", ""))
    return ""


def _entry(ctx: Ctx, entry_id: str) -> FaqEntry | None:
    return ctx.services.faq.entry(entry_id) if ctx.services.faq else None


@router.text(OTHER_TEXT)
async def on_typed_text(ctx: Ctx, text: str) -> None:
    """Triggered by typed text in a private chat that no flow is waiting for: a question —
    unless a lawyer typed it (a reply to a worker is never answered as a question)."""
    if not await consult.lawyer_text_outside_thread(ctx):
        await answer_question(ctx, text)


async def answer_question(ctx: Ctx, text: str, note: str = "") -> None:
    """Answer a question (typed, or /ask 问题)."""
    matcher = ctx.services.faq
    if matcher is None:
        ctx.reply(t("faq_unavailable"))
        return
    result = matcher.match(text)
    if result.status == "greeting":
        ctx.reply(t("faq_greeting"))
        return
    if result.status == "answer" and result.answer is not None:
        entry = result.answer.entry
        body, buttons = entry_view(entry, await _remember(ctx, text, [entry.id]))
        ctx.reply(f"{body}\n\n{note}" if note else body, buttons)
    elif result.status == "suggest":
        asked = await _remember(ctx, text, [s.entry.id for s in result.best])
        rows = [[FaqPick(s.entry.id, asked).button(s.entry.question[:60])] for s in result.best]
        rows.append([FaqNoneOfThese(asked).button(t("faq_none_of_these"))])
        ctx.reply(t("faq_suggest"), keyboard(*rows))
    else:
        await record_miss(ctx.session, text, "none", ctx.now)
        ctx.reply(*unanswered_view(await _remember(ctx, text, [])))


@router.command("ask", menu="cmd_ask")
async def ask(ctx: Ctx) -> None:
    """/ask 问题 (the way to ask in a group); a bare /ask says how to ask."""
    if ctx.event.args:
        await answer_question(ctx, ctx.event.args[:MAX_TEXT_LENGTH])
    else:
        ctx.reply(t("faq_ask_prompt"))


@router.button(FaqPick)
async def on_pick(ctx: Ctx, press: FaqPick) -> None:
    """Triggered when the worker picks one of the suggested questions."""
    entry = _entry(ctx, press.entry_id)
    if entry is None:
        ctx.toast(t("expired"))
        return
    ctx.toast()
    ctx.reply(*entry_view(entry, press.asked))


@router.button(FaqNoneOfThese)
async def on_none_of_these(ctx: Ctx, press: FaqNoneOfThese) -> None:
    """Triggered by 都不是 under the suggestions: the question counts as unanswered."""
    query = await _recall(ctx, press.asked)
    if not query:
        ctx.toast(t("expired"))
        return
    ctx.toast()
    await record_miss(ctx.session, query, "none", ctx.now)
    ctx.reply(*unanswered_view(press.asked))


@router.button(FaqVote)
async def on_vote(ctx: Ctx, press: FaqVote) -> None:
    """Triggered by 👍 / 👎 under an answer; a 👎 keeps that answer's question for editors."""
    if _entry(ctx, press.entry_id) is None:
        ctx.toast(t("expired"))
        return
    if press.useful:
        ctx.toast(t("faq_thanks_up"))
        return
    query = await _recall(ctx, press.asked, press.entry_id)
    await record_miss(ctx.session, query, "down", ctx.now, entry_id=press.entry_id)
    ctx.toast(t("faq_thanks_down"), alert=True)


@router.button(FaqArticle)
async def on_article(ctx: Ctx, press: FaqArticle) -> None:
    """Triggered by 📖 under an answer."""
    entry = _entry(ctx, press.entry_id)
    if entry is None or not 0 <= press.ref < len(entry.refs):
        ctx.toast(t("expired"))
        return
    ctx.toast()
    ctx.reply(article_text(ctx, entry.refs[press.ref]))


@router.button(FaqBook, private_only=True)
async def on_book(ctx: Ctx, press: FaqBook) -> None:
    """Triggered by 预约律师 under an answer: the question asked with that answer becomes the
    topic (or, if it is no longer kept or too short, the answer's own question)."""
    entry = _entry(ctx, press.entry_id)
    if entry is None:
        ctx.toast(t("expired"))
        return
    ctx.toast()
    asked = await _recall(ctx, press.asked, entry.id)
    topic = asked if len(asked) >= TOPIC_MIN else entry.question
    await booking.start(ctx, topic, entry.id)


@router.button(FaqBookUnanswered, private_only=True)
async def on_book_unanswered(ctx: Ctx, press: FaqBookUnanswered) -> None:
    """Triggered by 预约律师 under "no answer": the unanswered question is the topic (if it
    is no longer kept, the booking starts by asking for one)."""
    ctx.toast()
    asked = await _recall(ctx, press.asked)
    await booking.start(ctx, asked if len(asked) >= TOPIC_MIN else "")
