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

from dataclasses import dataclass

from bot.conversation.actions import Button, Keyboard, keyboard
from bot.conversation.articles import article_buttons, article_text, citation_line
from bot.conversation.context import Ctx
from bot.conversation.messages import t
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
from scoring.practice import skip_missing

FLOW = "quiz"
ALL = "all"


def law_picker(ctx: Ctx) -> Keyboard:
    rows = [[Button(t("law_all"), f"qs:{ALL}")]]
    rows += [[Button(law.title, f"qs:{law.id}")] for law in ctx.bank.laws.values()]
    return keyboard(*rows)


async def show_quiz_menu(ctx: Ctx) -> None:
    """/quiz: resume an open round or pick a scope."""
    attempt = await active_round(ctx.session, ctx.user_id)
    if attempt is not None:
        ctx.reply(
            t("resume_prompt", done=attempt.position, total=len(attempt.question_ids)),
            keyboard(
                [
                    Button(t("resume_continue"), f"qr:c:{attempt.id}"),
                    Button(t("resume_new"), f"qr:n:{attempt.id}"),
                ]
            ),
        )
        return
    ctx.reply(t("pick_law", size=ctx.services.practice_size), law_picker(ctx))


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


async def on_scope_picked(ctx: Ctx, scope: str) -> None:
    """Triggered when the worker taps a scope button (all laws or one law)."""
    if scope != ALL and scope not in ctx.bank.laws:
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


async def on_resume(ctx: Ctx, choice: str, attempt_id: int) -> None:
    """Triggered by 继续答题 / 重新开始 under the resume prompt."""
    attempt = await active_round(ctx.session, ctx.user_id)
    if attempt is None or attempt.id != attempt_id:
        ctx.toast(t("expired"))
        return
    ctx.toast()
    if choice == "c":
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
    view = Asked(attempt.id, attempt.position, len(attempt.question_ids))
    ctx.reply(*question_view(ctx, view, question, frozenset()))


@dataclass(frozen=True)
class Asked:
    """Where a question stands in its round (what its buttons point at)."""

    attempt_id: int
    position: int
    total: int


def question_view(ctx: Ctx, at: Asked, q: Question, picked: frozenset[int]) -> tuple[str, Keyboard]:
    """The question message: header, stem, options, and its answer buttons."""
    header = t(
        "question_header",
        n=at.position + 1,
        total=at.total,
        law=ctx.bank.laws[q.law].title,
        kind=t(f"kind_{q.type}"),
        stars="★" * q.difficulty,
    )
    ref = f"{at.attempt_id}:{at.position}"
    if q.type == "judge":
        return (
            f"{header}\n\n{q.stem}",
            keyboard([Button(opt, f"a:{ref}:{i}") for i, opt in enumerate(q.options)]),
        )
    lines = "\n".join(f"{LETTERS[i]}. {opt}" for i, opt in enumerate(q.options))
    text = f"{header}\n\n{q.stem}\n\n{lines}"
    if q.type == "single":
        return text, keyboard([Button(LETTERS[i], f"a:{ref}:{i}") for i in range(len(q.options))])
    toggles = [
        Button(("☑ " if i in picked else "☐ ") + LETTERS[i], f"t:{ref}:{i}")
        for i in range(len(q.options))
    ]
    return text, keyboard(toggles, [Button(t("submit"), f"s:{ref}")])


async def _open_question(ctx: Ctx, attempt_id: int, pos: int) -> tuple[Asked, Question] | None:
    """The question a button points at, if that button is still live for this user."""
    attempt = await ctx.session.get(PracticeAttempt, attempt_id)
    if (
        attempt is None
        or attempt.user_id != ctx.user_id
        or attempt.status != "active"
        or attempt.position != pos
        or pos >= len(attempt.question_ids)
    ):
        return None
    question = ctx.bank.get(attempt.question_ids[pos])
    if question is None:
        return None
    return Asked(attempt_id, pos, len(attempt.question_ids)), question


async def _picked(ctx: Ctx, attempt_id: int, pos: int) -> set[int]:
    """Options ticked so far on a multiple-choice question (kept in the conversation state)."""
    state = await ctx.state()
    data = state.data if state.flow == FLOW else {}
    if data.get("attempt") == attempt_id and data.get("pos") == pos:
        return set(data.get("picked", []))
    return set()


async def on_toggle(ctx: Ctx, attempt_id: int, pos: int, option: int) -> None:
    """Triggered when the worker ticks or unticks an option of a multiple-choice question."""
    found = await _open_question(ctx, attempt_id, pos)
    if found is None or found[1].type != "multiple" or not 0 <= option < len(found[1].options):
        ctx.toast(t("expired"))
        return
    at, question = found
    picked = await _picked(ctx, attempt_id, pos) ^ {option}
    await ctx.set_state(FLOW, attempt=attempt_id, pos=pos, picked=sorted(picked))
    ctx.toast()
    ctx.edit(ctx.event.message_id, *question_view(ctx, at, question, frozenset(picked)))


async def on_submit(ctx: Ctx, attempt_id: int, pos: int) -> None:
    """Triggered by 提交 under a multiple-choice question."""
    if await _open_question(ctx, attempt_id, pos) is None:
        ctx.toast(t("expired"))
        return
    picked = await _picked(ctx, attempt_id, pos)
    if not picked:
        ctx.toast(t("pick_at_least_one"), alert=True)
        return
    await _answer(ctx, attempt_id, pos, frozenset(picked), multiple=True)


async def on_answer(ctx: Ctx, attempt_id: int, pos: int, option: int) -> None:
    """Triggered when the worker taps an option of a single-choice or true/false question."""
    await _answer(ctx, attempt_id, pos, frozenset({option}), multiple=False)


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
    asked, _ = question_view(ctx, Asked(attempt_id, pos, len(outcome.question_ids)), q, chosen)
    mark = "✅" if outcome.correct else "❌"
    ctx.edit(ctx.event.message_id, f"{asked}\n\n{t('your_answer', answer=mine, mark=mark)}")
    ctx.reply(*feedback(q, outcome.correct))
    following = None if outcome.finished else ctx.bank.get(outcome.question_ids[outcome.position])
    if following is not None:
        at = Asked(attempt_id, outcome.position, len(outcome.question_ids))
        ctx.reply(*question_view(ctx, at, following, frozenset()))
        return
    attempt = await ctx.session.get(PracticeAttempt, attempt_id, populate_existing=True)
    assert attempt is not None
    await _send_current(ctx, attempt)


def feedback(q: Question, correct: bool) -> tuple[str, Keyboard]:
    """Right/wrong, the correct answer, why, and where the law says so."""
    head = t("feedback_right" if correct else "feedback_wrong", answer=_full_answer(q))
    text = f"{head}\n\n{t('explanation', text=q.explanation)}\n\n{citation_line(q.refs)}"
    buttons = article_buttons("l", q.id, q.refs)
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
    again = f"qs:{attempt.law or ALL}"
    ctx.reply(text, keyboard([Button(t("again"), again)]))


def duration(seconds: int) -> str:
    m, s = divmod(max(seconds, 0), 60)
    return t("minutes_seconds", m=m, s=s) if m else t("seconds", s=s)


async def on_article(ctx: Ctx, question_id: str, index: int) -> None:
    """Triggered by 📖 法条原文: show the cited article's text, or say we do not hold it."""
    q = ctx.bank.get(question_id)
    if q is None or not 0 <= index < len(q.refs):
        ctx.toast(t("expired"))
        return
    ctx.toast()
    ctx.reply(article_text(ctx, q.refs[index]))
