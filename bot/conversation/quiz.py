"""The practice quiz flow.

How it goes, in plain words:
1. /quiz — if a round is unfinished the worker may continue it or start again; otherwise they
   pick the scope: all four laws (questions take turns across laws) or one law.
2. Each question arrives as a message with buttons: single choice → one button per option;
   multiple choice → ☐/☑ toggles and 提交; true/false → 对 / 错.
3. On an answer, the question message is edited to show the answer (buttons gone), then a
   feedback message gives right/wrong, the correct answer, the explanation and the citation,
   with 📖 buttons for the article text; the next question follows.
4. After the last question: score, time and a per-law breakdown. Wrong answers go to the
   wrong-question book; /wrong replays it, and those questions come back more often.

Buttons carry the round id and the question's position; a press is honoured only if that round
is the presser's, still open, and at that position — so stale, replayed or forged buttons
change nothing, and the database's unique key records each answer once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated

from sqlalchemy import bindparam, select

from bot.conversation import faq
from bot.conversation.actions import Keyboard, keyboard
from bot.conversation.articles import article_buttons, article_text, citation_line
from bot.conversation.buttons import DB_ID, FLAG, ITEM_ID, OPTION, POSITION, REF_INDEX, ButtonData
from bot.conversation.context import Ctx
from bot.conversation.messages import t
from bot.conversation.routing import FeatureRouter
from bot.conversation.state import STATE_COLUMNS, STATE_TABLE, state_in_row
from question_bank import LETTERS, Question
from scoring import (
    PracticeAttempt,
    active_round,
    cancel_round,
    record_answer,
    round_summary,
    start_round,
    wrong_book_size,
)
from scoring.asking import OPEN_COLUMNS, QuestionAt, open_question, question_in_row, user_round
from scoring.practice import skip_missing

FLOW = "quiz"
ALL = "all"
# During a quiz, short texts like "B", "ac", "对" are attempts to answer: point at the buttons.
ANSWER_LIKE = re.compile(r"(?i)\s*(我选)?\s*[a-h]{1,4}\s*|\s*[对错是否]\s*")

router = FeatureRouter("quiz")


@dataclass(frozen=True)
class QuizScope(ButtonData, prefix="qscope"):
    """Start a practice round over all laws ("all") or one law (its id)."""

    scope: Annotated[str, ITEM_ID]


@dataclass(frozen=True)
class QuizResume(ButtonData, prefix="qresume"):
    """继续答题 (fresh=0) or 重新开始 (fresh=1) for the round left open."""

    attempt_id: Annotated[int, DB_ID]
    fresh: Annotated[bool, FLAG]


@dataclass(frozen=True)
class QuizAnswer(ButtonData, prefix="qans"):
    """An option of a single-choice or true/false question."""

    attempt_id: Annotated[int, DB_ID]
    position: Annotated[int, POSITION]
    option: Annotated[int, OPTION]


@dataclass(frozen=True)
class QuizToggle(ButtonData, prefix="qtick"):
    """Tick or untick an option of a multiple-choice question."""

    attempt_id: Annotated[int, DB_ID]
    position: Annotated[int, POSITION]
    option: Annotated[int, OPTION]


@dataclass(frozen=True)
class QuizSubmit(ButtonData, prefix="qsubmit"):
    """提交 under a multiple-choice question: answer with the ticked options."""

    attempt_id: Annotated[int, DB_ID]
    position: Annotated[int, POSITION]


@dataclass(frozen=True)
class QuizArticle(ButtonData, prefix="qlaw"):
    """📖 法条原文 under quiz feedback: the text of the question's citation `ref`."""

    question_id: Annotated[str, ITEM_ID]
    ref: Annotated[int, REF_INDEX]


def law_picker(ctx: Ctx) -> Keyboard:
    rows = [[QuizScope(ALL).button(t("law_all"))]]
    rows += [[QuizScope(law.id).button(law.title)] for law in ctx.bank.quiz_laws.values()]
    return keyboard(*rows)


@router.command("quiz", menu="cmd_quiz", private_only=True)
async def show_quiz_menu(ctx: Ctx) -> None:
    """/quiz: resume an open round or pick a scope."""
    attempt = await active_round(ctx.session, ctx.user_id)
    if attempt is not None:
        assert attempt.id is not None
        ctx.reply(
            t("resume_prompt", done=attempt.position, total=len(attempt.question_ids)),
            keyboard(
                [
                    QuizResume(attempt.id, fresh=False).button(t("resume_continue")),
                    QuizResume(attempt.id, fresh=True).button(t("resume_new")),
                ]
            ),
        )
        return
    ctx.reply(t("pick_law", size=ctx.services.practice_size), law_picker(ctx))


@router.command("wrong", menu="cmd_wrong", private_only=True)
async def start_wrong_review(ctx: Ctx) -> None:
    """/wrong: a round of questions from the wrong-question book."""
    attempt = await start_round(
        ctx.session,
        ctx.bank,
        ctx.user_id,
        ctx.now,
        size=ctx.services.practice_size,
        wrong_only=True,
    )
    if attempt is None:
        ctx.reply(t("wrong_empty"))
        return
    await _begin(ctx, attempt)


@router.button(QuizScope, private_only=True)
async def on_scope_picked(ctx: Ctx, press: QuizScope) -> None:
    """Triggered when the worker taps a scope button (all laws or one law)."""
    scope = press.scope
    if scope != ALL and scope not in ctx.bank.quiz_laws:
        ctx.toast(t("expired"))
        return
    law = None if scope == ALL else scope
    attempt = await start_round(
        ctx.session, ctx.bank, ctx.user_id, ctx.now, law=law, size=ctx.services.practice_size
    )
    ctx.toast()
    if attempt is None:
        ctx.reply(t("no_questions"))
        return
    await _begin(ctx, attempt)


@router.button(QuizResume, private_only=True)
async def on_resume(ctx: Ctx, press: QuizResume) -> None:
    """Triggered by 继续答题 / 重新开始 under the resume prompt."""
    attempt = await active_round(ctx.session, ctx.user_id)
    if attempt is None or attempt.id != press.attempt_id:
        ctx.toast(t("expired"))
        return
    ctx.toast()
    if not press.fresh:
        await ctx.set_state(FLOW)
        await _send_current(ctx, attempt)
    else:
        await cancel_round(ctx.session, ctx.user_id, ctx.now)
        await ctx.set_state(None)
        ctx.reply(t("pick_law", size=ctx.services.practice_size), law_picker(ctx))


async def cancel(ctx: Ctx) -> bool:
    """/cancel during a round; True if a round was open."""
    if await cancel_round(ctx.session, ctx.user_id, ctx.now):
        await ctx.set_state(None)
        ctx.reply(t("cancelled"))
        return True
    return False


async def _begin(ctx: Ctx, attempt: PracticeAttempt) -> None:
    if attempt.kind == "wrong":
        scope = t("scope_wrong")
    elif attempt.law:
        scope = t("scope_law_practice", law=ctx.bank.laws[attempt.law].title)
    else:
        scope = t("scope_practice")
    await ctx.set_state(FLOW)
    ctx.reply(t("round_start", scope=scope, total=len(attempt.question_ids)))
    await _send_current(ctx, attempt)


async def _send_current(ctx: Ctx, attempt: PracticeAttempt) -> None:
    """Send the round's current question, or the summary if nothing is left."""
    await skip_missing(ctx.session, ctx.bank, attempt, ctx.now)
    if attempt.status != "active":
        await _finish(ctx, attempt)
        return
    question = ctx.bank.get(attempt.question_ids[attempt.position])
    assert question is not None and attempt.id is not None
    view = QuestionAt(attempt.id, attempt.position, len(attempt.question_ids))
    ctx.reply(*question_view(ctx, view, question, frozenset()))


def question_view(
    ctx: Ctx, at: QuestionAt, q: Question, picked: frozenset[int]
) -> tuple[str, Keyboard]:
    """The question message: header, stem, options, and its answer buttons."""
    header = t(
        "question_header",
        n=at.position + 1,
        total=at.total,
        law=ctx.bank.laws[q.law].title,
        kind=t(f"kind_{q.type}"),
        stars="★" * q.difficulty,
    )
    ref = (at.attempt_id, at.position)
    if q.type == "judge":
        return (
            f"{header}\n\n{q.stem}",
            keyboard([QuizAnswer(*ref, i).button(opt) for i, opt in enumerate(q.options)]),
        )
    text = f"{header}\n\n{_stem_and_options(q)}"
    if q.type == "single":
        return text, keyboard(
            [QuizAnswer(*ref, i).button(LETTERS[i]) for i in range(len(q.options))]
        )
    toggles = [
        QuizToggle(*ref, i).button(("☑ " if i in picked else "☐ ") + LETTERS[i])
        for i in range(len(q.options))
    ]
    return text, keyboard(toggles, [QuizSubmit(*ref).button(t("submit"))])


async def _picked(ctx: Ctx, attempt_id: int, pos: int) -> set[int]:
    """Options ticked so far on a multiple-choice question (kept in the conversation state)."""
    state = await ctx.state()
    data = state.data if state.flow == FLOW else {}
    if data.get("attempt") == attempt_id and data.get("pos") == pos:
        return set(data.get("picked", []))
    return set()


_ROUNDS = PracticeAttempt.__table__  # type: ignore[attr-defined]
# A tick's one read: the round's open question and the presser's conversation state
# (the ticks so far) in one statement — one round trip instead of two.
_TICK_QUERY = (
    select(*OPEN_COLUMNS, *STATE_COLUMNS)
    .select_from(_ROUNDS.outerjoin(STATE_TABLE, STATE_TABLE.c.user_id == bindparam("u")))
    .where(_ROUNDS.c.id == bindparam("a"))
)


@router.button(QuizToggle, private_only=True)
async def on_toggle(ctx: Ctx, press: QuizToggle) -> None:
    """Triggered when the worker ticks or unticks an option of a multiple-choice question."""
    attempt_id, pos, option = press.attempt_id, press.position, press.option
    conn = await ctx.session.connection()
    row = (await conn.execute(_TICK_QUERY, {"a": attempt_id, "u": ctx.user_id})).first()
    if row is not None:
        ctx.known_state(state_in_row(ctx.user_id, row))
    found = question_in_row(row, ctx.bank, ctx.user_id, attempt_id, pos)
    if found is None or found[1].type != "multiple" or not 0 <= option < len(found[1].options):
        ctx.toast(t("expired"))
        return
    at, question = found
    picked = await _picked(ctx, attempt_id, pos) ^ {option}
    await ctx.set_state(FLOW, attempt=attempt_id, pos=pos, picked=sorted(picked))
    ctx.toast()
    ctx.edit(ctx.event.message_id, *question_view(ctx, at, question, frozenset(picked)))


@router.button(QuizSubmit, private_only=True)
async def on_submit(ctx: Ctx, press: QuizSubmit) -> None:
    """Triggered by 提交 under a multiple-choice question."""
    attempt_id, pos = press.attempt_id, press.position
    picked = await _picked(ctx, attempt_id, pos)
    if not picked:
        # nothing ticked: "pick one" for the open question, "expired" for a stale button
        if await open_question(ctx.session, ctx.bank, ctx.user_id, attempt_id, pos) is None:
            ctx.toast(t("expired"))
        else:
            ctx.toast(t("pick_at_least_one"), alert=True)
        return
    # ticks kept for this very question: the answer's conditional update refuses a stale or
    # forged button as the open-question read would (round, owner, position, still open)
    await _answer(ctx, attempt_id, pos, frozenset(picked), multiple=True)


@router.button(QuizAnswer, private_only=True)
async def on_answer(ctx: Ctx, press: QuizAnswer) -> None:
    """Triggered when the worker taps an option of a single-choice or true/false question."""
    chosen = frozenset({press.option})
    await _answer(ctx, press.attempt_id, press.position, chosen, multiple=False)


async def _answer(
    ctx: Ctx, attempt_id: int, pos: int, chosen: frozenset[int], multiple: bool
) -> None:
    outcome = await record_answer(
        ctx.session,
        ctx.bank,
        ctx.user_id,
        attempt_id,
        pos,
        chosen,
        ctx.now,
        expect=lambda q: (q.type == "multiple") == multiple,
        plans=ctx.services.plans,
    )
    if not outcome.accepted or outcome.question is None:
        ctx.toast(t("expired"))
        return
    q = outcome.question
    ctx.toast(t("right_toast") if outcome.correct else t("wrong_toast"))
    mine = "、".join(q.options[i] if q.type == "judge" else LETTERS[i] for i in sorted(chosen))
    asked, _ = question_view(ctx, QuestionAt(attempt_id, pos, len(outcome.question_ids)), q, chosen)
    mark = "✅" if outcome.correct else "❌"
    ctx.edit(ctx.event.message_id, f"{asked}\n\n{t('your_answer', answer=mine, mark=mark)}")
    ctx.reply(*feedback(q, outcome.correct))
    following = None if outcome.finished else ctx.bank.get(outcome.question_ids[outcome.position])
    if following is not None:
        at = QuestionAt(attempt_id, outcome.position, len(outcome.question_ids))
        ctx.reply(*question_view(ctx, at, following, frozenset()))
        return
    attempt = await user_round(ctx.session, ctx.user_id, attempt_id)
    assert attempt is not None
    await _send_current(ctx, attempt)


@lru_cache(maxsize=4096)
def _stem_and_options(q: Question) -> str:
    """The stem and the lettered options (a question never changes; a reloaded bank's
    changed question is another key)."""
    lines = "\n".join(f"{LETTERS[i]}. {opt}" for i, opt in enumerate(q.options))
    return f"{q.stem}\n\n{lines}"


@lru_cache(maxsize=8192)
def feedback(q: Question, correct: bool) -> tuple[str, Keyboard]:
    """Right/wrong, the correct answer, why, and where the law says so (the same for every
    answer to the question: built once per question and outcome)."""
    head = t("feedback_right" if correct else "feedback_wrong", answer=_full_answer(q))
    text = f"{head}\n\n{t('explanation', text=q.explanation)}\n\n{citation_line(q.refs)}"
    buttons = article_buttons(q.refs, lambda i: QuizArticle(q.id, i))
    return text, keyboard(buttons)


def _full_answer(q: Question) -> str:
    if q.type == "judge":
        return q.answer_label()
    return "；".join(f"{LETTERS[i]}. {q.options[i]}" for i in sorted(q.answer))


async def _finish(ctx: Ctx, attempt: PracticeAttempt) -> None:
    await ctx.set_state(None)
    summary = await round_summary(ctx.session, attempt)
    lines = "\n".join(
        t(
            "summary_law_line",
            law=ctx.bank.laws[s.law].title if s.law in ctx.bank.laws else s.law,
            correct=s.correct,
            total=s.total,
        )
        for s in summary.by_law
    )
    wrong = summary.total - summary.correct
    scope = t("scope_wrong") if attempt.kind == "wrong" else t("scope_practice")
    text = t(
        "summary",
        scope=scope,
        correct=summary.correct,
        total=summary.total,
        percent=round(100 * summary.correct / summary.total) if summary.total else 0,
        time=duration(summary.seconds),
        breakdown=lines,
    )
    if wrong:
        text += t("summary_wrong_hint", count=await wrong_book_size(ctx.session, ctx.user_id))
    elif summary.total:
        text += t("summary_perfect")
    ctx.reply(text, keyboard([QuizScope(attempt.law or ALL).button(t("again"))]))


def duration(seconds: int) -> str:
    m, s = divmod(max(seconds, 0), 60)
    return t("minutes_seconds", m=m, s=s) if m else t("seconds", s=s)


@router.button(QuizArticle, private_only=True)
async def on_article(ctx: Ctx, press: QuizArticle) -> None:
    """Triggered by 📖 法条原文: show the cited article's text, or say we do not hold it."""
    q = ctx.bank.get(press.question_id)
    if q is None or not 0 <= press.ref < len(q.refs):
        ctx.toast(t("expired"))
        return
    ctx.toast()
    ctx.reply(article_text(ctx, q.refs[press.ref]))


@router.text(FLOW)
async def on_text(ctx: Ctx, text: str) -> None:
    """Typed text during a round: a tap-style answer ("B", "对") points at the buttons;
    anything else is a legal question, answered with a reminder that the round goes on."""
    if ANSWER_LIKE.fullmatch(text):
        ctx.reply(t("text_in_quiz"))
        return
    await faq.answer_question(ctx, text, note=t("faq_hint_quiz"))
