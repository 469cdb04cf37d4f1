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

from sqlalchemy.exc import IntegrityError

from bot.conversation.actions import Button, Keyboard, keyboard
from bot.conversation.context import Ctx
from bot.conversation.messages import t
from question_bank import LETTERS, Citation, Question
from scoring import (
    PracticeAttempt,
    StaleRound,
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
        ctx.set_state(None)
        ctx.reply(t("pick_law", size=ctx.services.practice_size), law_picker(ctx))


async def cancel(ctx: Ctx) -> bool:
    """/cancel during a round; True if a round was open."""
    if await cancel_round(ctx.session, ctx.user_id, ctx.now):
        ctx.set_state(None)
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
    ctx.reply(t("round_start", scope=scope, total=len(attempt.question_ids)))
    await _send_current(ctx, attempt)


async def _current(ctx: Ctx, attempt: PracticeAttempt) -> Question | None:
    await skip_missing(ctx.session, ctx.bank, attempt, ctx.now)
    if attempt.status != "active":
        return None
    return ctx.bank.get(attempt.question_ids[attempt.position])


async def _send_current(ctx: Ctx, attempt: PracticeAttempt) -> None:
    question = await _current(ctx, attempt)
    if question is None:
        await _finish(ctx, attempt)
        return
    assert attempt.id is not None
    ctx.set_state(FLOW, attempt=attempt.id, pos=attempt.position, picked=[])
    text, buttons = question_view(ctx, attempt, question, frozenset())
    ctx.reply(text, buttons)


def question_view(
    ctx: Ctx, attempt: PracticeAttempt, q: Question, picked: frozenset[int]
) -> tuple[str, Keyboard]:
    """The question message: header, stem, options, and its answer buttons."""
    header = t(
        "question_header",
        n=attempt.position + 1,
        total=len(attempt.question_ids),
        law=ctx.bank.laws[q.law].title,
        kind=t(f"kind_{q.type}"),
        stars="★" * q.difficulty,
    )
    ref = f"{attempt.id}:{attempt.position}"
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


def _is_current(ctx: Ctx, attempt: PracticeAttempt | None, attempt_id: int, pos: int) -> bool:
    return (
        attempt is not None
        and attempt.id == attempt_id
        and attempt.position == pos
        and attempt.status == "active"
    )


async def on_toggle(ctx: Ctx, attempt_id: int, pos: int, option: int) -> None:
    """Triggered when the worker ticks or unticks an option of a multiple-choice question."""
    attempt = await ctx.session.get(PracticeAttempt, attempt_id)
    if (
        attempt is None
        or attempt.user_id != ctx.user_id
        or not _is_current(ctx, attempt, attempt_id, pos)
    ):
        ctx.toast(t("expired"))
        return
    question = ctx.bank.get(attempt.question_ids[pos])
    if question is None or question.type != "multiple" or not 0 <= option < len(question.options):
        ctx.toast(t("expired"))
        return
    data = ctx.state.data if ctx.state.flow == FLOW else {}
    picked = (
        set(data.get("picked", []))
        if data.get("attempt") == attempt_id and data.get("pos") == pos
        else set()
    )
    picked ^= {option}
    ctx.set_state(FLOW, attempt=attempt_id, pos=pos, picked=sorted(picked))
    ctx.toast()
    text, buttons = question_view(ctx, attempt, question, frozenset(picked))
    ctx.edit(ctx.event.message_id, text, buttons)


async def on_submit(ctx: Ctx, attempt_id: int, pos: int) -> None:
    """Triggered by 提交 under a multiple-choice question."""
    data = ctx.state.data if ctx.state.flow == FLOW else {}
    picked: list[int] = []
    if data.get("attempt") == attempt_id and data.get("pos") == pos:
        picked = list(data.get("picked", []))
    attempt = await ctx.session.get(PracticeAttempt, attempt_id)
    if (
        attempt is None
        or attempt.user_id != ctx.user_id
        or not _is_current(ctx, attempt, attempt_id, pos)
    ):
        ctx.toast(t("expired"))
        return
    if not picked:
        ctx.toast(t("pick_at_least_one"), alert=True)
        return
    await _answer(ctx, attempt_id, pos, frozenset(picked))


async def on_answer(ctx: Ctx, attempt_id: int, pos: int, option: int) -> None:
    """Triggered when the worker taps an option of a single-choice or true/false question."""
    attempt = await ctx.session.get(PracticeAttempt, attempt_id)
    if (
        attempt is not None
        and attempt.user_id == ctx.user_id
        and _is_current(ctx, attempt, attempt_id, pos)
    ):
        question = ctx.bank.get(attempt.question_ids[pos])
        if question is not None and question.type == "multiple":
            ctx.toast(t("expired"))
            return
    await _answer(ctx, attempt_id, pos, frozenset({option}))


async def _answer(ctx: Ctx, attempt_id: int, pos: int, chosen: frozenset[int]) -> None:
    try:
        outcome = await record_answer(
            ctx.session, ctx.bank, ctx.user_id, attempt_id, pos, chosen, ctx.now
        )
    except (StaleRound, IntegrityError):
        await ctx.session.rollback()
        ctx.toast(t("expired"))
        return
    if not outcome.accepted or outcome.question is None:
        ctx.toast(t("expired"))
        return
    q = outcome.question
    ctx.toast(t("right_toast") if outcome.correct else t("wrong_toast"))
    attempt = await ctx.session.get(PracticeAttempt, attempt_id)
    assert attempt is not None
    mine = "、".join(q.options[i] if q.type == "judge" else LETTERS[i] for i in sorted(chosen))
    asked, _ = question_view(ctx, _at(attempt, pos), q, chosen)
    mark = "✅" if outcome.correct else "❌"
    ctx.edit(ctx.event.message_id, f"{asked}\n\n{t('your_answer', answer=mine, mark=mark)}")
    ctx.reply(*feedback(q, outcome.correct))
    await _send_current(ctx, attempt)


def _at(attempt: PracticeAttempt, pos: int) -> PracticeAttempt:
    """A view of the round as it was when question `pos` was asked (for the header)."""
    return PracticeAttempt(
        id=attempt.id,
        user_id=attempt.user_id,
        kind=attempt.kind,
        question_ids=attempt.question_ids,
        position=pos,
        started_at=attempt.started_at,
    )


def feedback(q: Question, correct: bool) -> tuple[str, Keyboard]:
    """Right/wrong, the correct answer, why, and where the law says so."""
    head = t("feedback_right" if correct else "feedback_wrong", answer=_full_answer(q))
    refs = "；".join(c.label() for c in q.refs)
    text = f"{head}\n\n{t('explanation', text=q.explanation)}\n\n{t('citation', refs=refs)}"
    if len(q.refs) == 1:
        buttons = [Button(t("article_button"), f"l:{q.id}:0")]
    else:
        buttons = [
            Button(t("article_button_n", n=i + 1), f"l:{q.id}:{i}") for i in range(len(q.refs))
        ]
    return text, keyboard(buttons)


def _full_answer(q: Question) -> str:
    if q.type == "judge":
        return q.answer_label()
    return "；".join(f"{LETTERS[i]}. {q.options[i]}" for i in sorted(q.answer))


async def _finish(ctx: Ctx, attempt: PracticeAttempt) -> None:
    ctx.set_state(None)
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


def article_text(ctx: Ctx, citation: Citation) -> str:
    """The whole article a citation points to, as a message."""
    law = ctx.bank.laws.get(citation.law)
    source = law.source(citation.source) if law else None
    label = citation.label(paragraph=False)
    text = ctx.services.library.article(source, citation.article) if source else None
    if text is None:
        return t("article_missing", label=label)
    return t("article_text", label=label, text=text)
