"""The online competition's timed exam (/exam).

How it goes, in plain words:
1. /exam — a worker who joined an event (see contest.py) gets the rules: questions, points,
   time limit, attempts, the close time; with ▶️ 开始答题. Not joined, no real name yet, not
   open yet, closed, or no attempts left: a clear message instead.
2. 开始答题 draws this worker's questions from the event's blueprint (options shuffled for
   them) and starts the clock: the deadline is the time limit or the close, whichever is first.
   A job at the deadline closes the attempt by itself and tells the worker their result.
3. Questions come one at a time, headed `第 3/20 题 · 剩余 12:31`. Single choice and true/false:
   tap; multiple choice: tick (☐/☑) and 提交. An answer is acknowledged (已记录) without right
   or wrong; an answer after the deadline is not counted and ends the attempt.
4. After the last question (or at the deadline): score, time and rank, then each wrong answer
   with the right one, the explanation and the citation (📖 for the article's text).
5. /exam during an attempt continues where it stopped — the clock kept running, across
   restarts too (everything is in the database).

Buttons carry the attempt id and the question's position; the domain (competition.exam)
accepts an answer only for the worker's open attempt, at that position, before the deadline.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from bot.conversation import faq
from bot.conversation.actions import Keyboard, keyboard
from bot.conversation.articles import article_buttons, citation_line
from bot.conversation.buttons import DB_ID, OPTION, POSITION, ButtonData
from bot.conversation.contest import NAME_FLOW, duration, local_time
from bot.conversation.context import Ctx
from bot.conversation.messages import t
from bot.conversation.quiz import QuizArticle
from bot.conversation.routing import FeatureRouter
from competition import (
    Competition,
    ExamAttempt,
    attempt_answers,
    check_exam,
    finish_attempt,
    member_rank,
    membership,
    record_exam_answer,
    start_or_resume_exam,
)
from question_bank import LETTERS, Question

FLOW = "exam"
DEADLINE = "exam_deadline"

router = FeatureRouter("exam")


@dataclass(frozen=True)
class ExamBegin(ButtonData, prefix="xbegin"):
    """▶️ 开始答题 under the exam rules of event `competition_id`."""

    competition_id: Annotated[int, DB_ID]


@dataclass(frozen=True)
class ExamPick(ButtonData, prefix="xpick"):
    """An option (as shown to this worker) of a single-choice or true/false exam question."""

    attempt_id: Annotated[int, DB_ID]
    position: Annotated[int, POSITION]
    option: Annotated[int, OPTION]


@dataclass(frozen=True)
class ExamTick(ButtonData, prefix="xtick"):
    """Tick or untick an option (as shown) of a multiple-choice exam question."""

    attempt_id: Annotated[int, DB_ID]
    position: Annotated[int, POSITION]
    option: Annotated[int, OPTION]


@dataclass(frozen=True)
class ExamSubmit(ButtonData, prefix="xsubmit"):
    """提交 under a multiple-choice exam question: answer with the ticked options."""

    attempt_id: Annotated[int, DB_ID]
    position: Annotated[int, POSITION]


def deadline_key(attempt_id: int) -> str:
    return f"exam-deadline:{attempt_id}"


def full_score(comp: Competition) -> int:
    """The most points an attempt can score."""
    return sum(
        comp.points.get(kind, 1) * int(n)
        for section in comp.blueprint["sections"]
        for kind, n in section["counts"]
    )


@router.command("exam", menu="cmd_exam", private_only=True)
async def show_exam(ctx: Ctx) -> None:
    """/exam: the rules with 开始答题, the open attempt's question, or why not."""
    ms = await membership(ctx.session, ctx.user_id)
    if ms is None:
        ctx.reply(t("exam_not_joined"))
        return
    if ms.member.real_name is None:
        await ctx.set_state(NAME_FLOW)
        ctx.reply(t("exam_need_name"))
        return
    comp = ms.competition
    found = await check_exam(ctx.session, comp, ms.member, ctx.now)
    if found.status == "resumed" and found.attempt is not None:
        await ctx.set_state(FLOW)
        ctx.reply(t("exam_resume"))
        send_question(ctx, found.attempt)
    elif found.status == "started":
        assert comp.id is not None
        size = sum(int(n) for s in comp.blueprint["sections"] for _, n in s["counts"])
        ctx.reply(
            t(
                "exam_rules",
                name=comp.name,
                total=size,
                full=full_score(comp),
                single=comp.points.get("single", 1),
                multiple=comp.points.get("multiple", 1),
                judge=comp.points.get("judge", 1),
                minutes=comp.time_limit_minutes,
                attempts=comp.attempts,
                number=found.used + 1,
                closes=local_time(ctx, comp.closes_at),
            ),
            keyboard([ExamBegin(comp.id).button(t("exam_begin"))]),
        )
    else:
        _refuse(ctx, comp, found.status)


def _refuse(ctx: Ctx, comp: Competition, status: str) -> None:
    if status == "not_open":
        ctx.reply(t("exam_not_open", name=comp.name, opens=local_time(ctx, comp.opens_at)))
    elif status == "closed":
        ctx.reply(t("exam_closed", name=comp.name))
    else:
        ctx.reply(t("exam_no_attempts", attempts=comp.attempts))


@router.button(ExamBegin, private_only=True)
async def on_begin(ctx: Ctx, press: ExamBegin) -> None:
    """Triggered by 开始答题: draw the questions and start the clock (or go on)."""
    ms = await membership(ctx.session, ctx.user_id)
    if ms is None or ms.competition.id != press.competition_id or ms.member.real_name is None:
        ctx.toast(t("expired"))
        return
    found = await start_or_resume_exam(ctx.session, ctx.bank, ms.competition, ms.member, ctx.now)
    ctx.toast()
    ctx.edit(ctx.event.message_id, t("exam_begin"))
    if found.attempt is None:
        _refuse(ctx, ms.competition, found.status)
        return
    attempt = found.attempt
    assert attempt.id is not None
    if found.status == "started":
        await ctx.schedule(
            DEADLINE, attempt.deadline, {"attempt": attempt.id}, deadline_key(attempt.id)
        )
    await ctx.set_state(FLOW)
    send_question(ctx, attempt)


def question_view(
    ctx: Ctx, attempt: ExamAttempt, position: int, q: Question, picked: frozenset[int]
) -> tuple[str, Keyboard]:
    """The question as this worker sees it: options in their shuffled order."""
    assert attempt.id is not None
    left = max(0, int((attempt.deadline - ctx.now).total_seconds()))
    order = attempt.option_orders[position]
    text = t(
        "exam_question",
        n=position + 1,
        total=len(attempt.question_ids),
        left=f"{left // 60:02d}:{left % 60:02d}",
        kind=t(f"kind_{q.type}"),
        stem=q.stem,
    )
    ref = (attempt.id, position)
    if q.type == "judge":
        return text, keyboard([ExamPick(*ref, i).button(q.options[j]) for i, j in enumerate(order)])
    text += "\n\n" + "\n".join(f"{LETTERS[i]}. {q.options[j]}" for i, j in enumerate(order))
    if q.type == "single":
        return text, keyboard([ExamPick(*ref, i).button(LETTERS[i]) for i in range(len(order))])
    ticks = [
        ExamTick(*ref, i).button(("☑ " if i in picked else "☐ ") + LETTERS[i])
        for i in range(len(order))
    ]
    return text, keyboard(ticks, [ExamSubmit(*ref).button(t("submit"))])


def send_question(ctx: Ctx, attempt: ExamAttempt) -> None:
    q = ctx.bank.get(attempt.question_ids[attempt.position])
    if q is None:  # removed by a bank reload: shown as unanswerable, the deadline ends it
        ctx.reply(t("expired"))
        return
    ctx.reply(*question_view(ctx, attempt, attempt.position, q, frozenset()))


async def _open_question(
    ctx: Ctx, attempt_id: int, position: int
) -> tuple[ExamAttempt, Question] | None:
    attempt = await ctx.session.get(ExamAttempt, attempt_id)
    if (
        attempt is None
        or attempt.user_id != ctx.user_id
        or attempt.status != "active"
        or attempt.position != position
    ):
        return None
    q = ctx.bank.get(attempt.question_ids[position])
    return None if q is None else (attempt, q)


async def _picked(ctx: Ctx, attempt_id: int, position: int) -> set[int]:
    state = await ctx.state()
    data = state.data if state.flow == FLOW else {}
    if data.get("attempt") == attempt_id and data.get("pos") == position:
        return set(data.get("picked", []))
    return set()


@router.button(ExamTick, private_only=True)
async def on_tick(ctx: Ctx, press: ExamTick) -> None:
    """Triggered when the worker ticks or unticks an option of a multiple-choice question."""
    found = await _open_question(ctx, press.attempt_id, press.position)
    if found is None or found[1].type != "multiple" or press.option >= len(found[1].options):
        ctx.toast(t("expired"))
        return
    attempt, q = found
    picked = await _picked(ctx, press.attempt_id, press.position) ^ {press.option}
    await ctx.set_state(FLOW, attempt=press.attempt_id, pos=press.position, picked=sorted(picked))
    ctx.toast()
    ctx.edit(
        ctx.event.message_id, *question_view(ctx, attempt, press.position, q, frozenset(picked))
    )


@router.button(ExamSubmit, private_only=True)
async def on_submit(ctx: Ctx, press: ExamSubmit) -> None:
    """Triggered by 提交 under a multiple-choice question."""
    picked = await _picked(ctx, press.attempt_id, press.position)
    if not picked and await _open_question(ctx, press.attempt_id, press.position) is not None:
        ctx.toast(t("pick_at_least_one"), alert=True)
        return
    await _answer(ctx, press.attempt_id, press.position, frozenset(picked), multiple=True)


@router.button(ExamPick, private_only=True)
async def on_pick(ctx: Ctx, press: ExamPick) -> None:
    """Triggered when the worker taps an option of a single-choice or true/false question."""
    await _answer(ctx, press.attempt_id, press.position, frozenset({press.option}), multiple=False)


async def _answer(
    ctx: Ctx, attempt_id: int, position: int, shown: frozenset[int], multiple: bool
) -> None:
    attempt = await ctx.session.get(ExamAttempt, attempt_id)
    comp = await ctx.session.get(Competition, attempt.competition_id) if attempt else None
    if attempt is None or comp is None:
        ctx.toast(t("expired"))
        return
    question_id = attempt.question_ids[position] if position < len(attempt.question_ids) else ""
    outcome = await record_exam_answer(
        ctx.session, ctx.bank, comp, ctx.user_id, attempt_id, position, shown, ctx.now, multiple
    )
    if outcome.status == "refused":
        ctx.toast(t("expired"))
        return
    q = ctx.bank.get(question_id)
    await ctx.session.refresh(attempt)
    if outcome.status == "late":
        ctx.toast(t("exam_late_toast"), alert=True)
        ctx.edit(ctx.event.message_id, t("exam_time_up"))
    else:
        ctx.toast(t("exam_counted_toast"))
        if q is not None:
            asked, _ = question_view(ctx, attempt, position, q, shown)
            mine = "、".join(
                _shown_label(q, attempt.option_orders[position], i) for i in sorted(shown)
            )
            ctx.edit(ctx.event.message_id, f"{asked}\n\n{t('exam_answered', answer=mine)}")
    if not outcome.attempt_closed:
        await ctx.set_state(FLOW)
        send_question(ctx, attempt)
        return
    await ctx.set_state(None)
    await ctx.unschedule(deadline_key(attempt_id))
    for text, buttons in await result_messages(ctx, comp, attempt):
        ctx.reply(text, buttons)


def _shown_label(q: Question, order: list[int], shown: int) -> str:
    return q.options[order[shown]] if q.type == "judge" else LETTERS[shown]


async def result_messages(
    ctx: Ctx, comp: Competition, attempt: ExamAttempt
) -> list[tuple[str, Keyboard]]:
    """Score, time and rank; then each wrong answer with its explanation and citation."""
    assert attempt.id is not None
    answers = {a.position: a for a in await attempt_answers(ctx.session, attempt.id)}
    rank = await member_rank(ctx.session, comp, attempt.member_id)
    total = len(attempt.question_ids)
    award = t("exam_result_award", award=rank.award) if rank and rank.award else ""
    head = t(
        "exam_result",
        score=attempt.score,
        full=full_score(comp),
        correct=attempt.correct_count,
        total=total,
        time=duration(attempt.seconds or 0),
        rank=rank.rank if rank else "-",
        of=rank.of if rank else "-",
        award=award,
    )
    unanswered = total - len(answers)
    if unanswered:
        head += t("exam_result_unanswered", count=unanswered)
    wrong = [a for a in answers.values() if not a.correct]
    if wrong:
        head += t("exam_result_wrong", count=len(wrong))
    elif not unanswered:
        head += t("exam_result_perfect")
    out: list[tuple[str, Keyboard]] = [(head, ())]
    for answer in sorted(wrong, key=lambda a: a.position):
        q = ctx.bank.get(answer.question_id)
        if q is not None:
            out.append(
                _review(q, answer.position, attempt.option_orders[answer.position], answer.chosen)
            )
    return out


def _review(q: Question, position: int, order: list[int], chosen: str) -> tuple[str, Keyboard]:
    """A wrong answer in the letters the worker saw, the right one, why, and the citation."""
    shown_of = {bank_index: i for i, bank_index in enumerate(order)}

    def labels(bank_indices: list[int]) -> str:
        return "、".join(
            _shown_label(q, order, shown_of[j])
            for j in sorted(bank_indices, key=shown_of.__getitem__)
        )

    options = (
        ""
        if q.type == "judge"
        else "\n".join(f"{LETTERS[i]}. {q.options[j]}" for i, j in enumerate(order))
    )
    mine = [LETTERS.index(c) for c in chosen]
    text = t(
        "exam_review",
        n=position + 1,
        stem=q.stem,
        options=options,
        mine=labels(mine) if mine else t("exam_review_none"),
        right=labels(sorted(q.answer)),
        explanation=t("explanation", text=q.explanation),
        citation=citation_line(q.refs),
    )
    return text, keyboard(article_buttons(q.refs, lambda i: QuizArticle(q.id, i)))


@router.timer(DEADLINE)
async def on_deadline(ctx: Ctx) -> None:
    """Triggered at an attempt's deadline: close it if still open and tell the worker."""
    attempt = await ctx.session.get(ExamAttempt, int(ctx.event.payload.get("attempt", 0)))
    if attempt is None or not await finish_attempt(ctx.session, attempt, ctx.now):
        return
    comp = await ctx.session.get(Competition, attempt.competition_id)
    assert comp is not None
    ctx.notify(attempt.user_id, t("exam_time_up"))
    for text, buttons in await result_messages(ctx, comp, attempt):
        ctx.notify(attempt.user_id, text, buttons)


@router.text(FLOW)
async def on_text(ctx: Ctx, text: str) -> None:
    """Typed text during the exam: point at the buttons (the clock keeps running; the legal
    FAQ stays closed until the attempt is over); afterwards, a legal question as usual."""
    ms = await membership(ctx.session, ctx.user_id)
    found = await check_exam(ctx.session, ms.competition, ms.member, ctx.now) if ms else None
    if found is not None and found.status == "resumed":
        ctx.reply(t("exam_text"))
        return
    await ctx.set_state(None)
    await faq.answer_question(ctx, text)
