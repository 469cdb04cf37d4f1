"""Domain tests of the competition package: rankings with hand-computed answers, awards,
statistics, and event files that fail with file:line."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from competition import (
    EventInvalid,
    ExamAnswer,
    ExamAttempt,
    Member,
    Unit,
    award_for,
    group_quiz_rule,
    group_ranking,
    import_event,
    law_stats,
    personal_ranking,
    question_stats,
    read_event,
    valid_real_name,
)
from competition.models import Team
from competition.report import SHEETS, headers
from scoring.group_quiz import group_quiz_points
from tests.competition_kit import (
    EVENT,
    TZ,
    add_group_quiz,
    add_member,
    close_attempt,
    make_event,
)


async def test_rankings_with_known_answers(sessions, small_bank, clock, tmp_path) -> None:
    comp = await make_event(sessions, small_bank, clock.now(), tmp_path)
    now = clock.now()
    async with sessions() as s:
        units = {u.code: u.id for u in await s.exec(select(Unit))}
        teams = {t.code: (t.id, t.unit_id) for t in await s.exec(select(Team))}
        people = [  # (name, team code or unit code, score, seconds or None = joined only)
            ("一号", "t-red", 10, 100),
            ("二号", "t-red", 6, 50),
            ("三号", "t-blue", 10, 90),
            ("四号", "t-blue", None, None),
            ("五号", "u-two", 8, 60),
            ("六号", "u-two", None, None),
        ]
        for i, (name, code, score, seconds) in enumerate(people, 1):
            team_id, unit_id = teams.get(code, (None, units.get(code)))
            member = await add_member(
                s, comp.id, i, unit_id, team_id, name, now, score, seconds or 0
            )
        # an open attempt does not count
        s.add(
            ExamAttempt(
                competition_id=comp.id,
                member_id=member.id,
                user_id=6,
                number=1,
                question_ids=["q"],
                option_orders=[[0]],
                score=99,
                started_at=now,
                deadline=now + timedelta(minutes=10),
            )
        )
        await s.flush()
        ranking = await personal_ranking(s, comp)
        assert [(p.rank, p.name, p.score, p.seconds, p.award) for p in ranking] == [
            (1, "三号", 10, 90, "一等奖"),  # ceil(0.33 × 4) = 2 first prizes
            (2, "一号", 10, 100, "一等奖"),  # same score, more time
            (3, "五号", 8, 60, "二等奖"),  # ceil(0.66 × 4) = 3
            (4, "二号", 6, 50, ""),
        ]
        unit_rows = {g.name: g for g in await group_ranking(s, comp, "unit")}
        one, two = unit_rows["一厂工会"], unit_rows["二厂工会"]
        assert (one.joined, one.took_part, one.rate) == (4, 3, 0.75)
        assert one.average == pytest.approx(26 / 3, abs=1e-4) and one.best_n == 20
        assert one.weighted == pytest.approx(26 / 3 * 0.75, abs=1e-3)
        assert (two.joined, two.took_part, two.rate, two.average, two.best_n, two.weighted) == (
            2,
            1,
            0.5,
            8.0,
            8,
            4.0,
        )
        assert (one.rank_average, one.rank_best_n, one.rank_weighted) == (1, 1, 1)
        team_rows = await group_ranking(s, comp, "team")
        assert [t.name for t in team_rows] == ["蓝队", "红队"]  # the event ranks by average
        blue, red = team_rows
        assert (blue.average, blue.best_n, blue.weighted, blue.rate) == (10.0, 10, 5.0, 0.5)
        assert (red.average, red.best_n, red.weighted, red.rate) == (8.0, 16, 8.0, 1.0)
        assert (blue.rank_average, blue.rank_best_n, blue.rank_weighted) == (1, 2, 2)
        assert (red.rank_average, red.rank_best_n, red.rank_weighted) == (2, 1, 1)

        attempts = list(
            (await s.exec(select(ExamAttempt).where(ExamAttempt.status == "finished"))).all()
        )
        for attempt, (chosen, correct) in zip(
            attempts, [("B", True), ("A", False), ("A", False), ("C", False)], strict=True
        ):
            s.add(
                ExamAnswer(
                    attempt_id=attempt.id,
                    competition_id=comp.id,
                    position=0,
                    question_id="lcl-x",
                    law="labour_contract_law",
                    chosen=chosen,
                    correct=correct,
                    points=0,
                    answered_at=now,
                )
            )
        await s.flush()
        [stat] = await question_stats(s, comp)
        assert (stat.answered, stat.right_share, stat.wrong_answer, stat.wrong_count) == (
            4,
            0.25,
            "A",
            2,
        )
        [law] = await law_stats(s, comp)
        assert (law.law, law.answered, law.right_share) == ("labour_contract_law", 4, 0.25)


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("张三", "张三"),
        (" 张 三 ", "张三"),  # spaces between Chinese characters go
        ("John Smith", "John Smith"),
        ("John \t  Smith", "John Smith"),  # one space between Latin parts
        ("John\u3000Smith", "John Smith"),  # the ideographic space too
        ("Jean Luc Picard", "Jean Luc Picard"),
        ("阿卜杜·热合曼", "阿卜杜·热合曼"),
        ("阿卜杜 • 热合曼", "阿卜杜·热合曼"),  # other middle dots become ·
        ("Mary·Ann", "Mary·Ann"),
        ("A" * 20, "A" * 20),
        ("Ab cdefghijklmnopqrs", "Ab cdefghijklmnopqrs"),  # 20 with the space
        ("张", None),
        ("John3", None),
        ("张三3", None),
        ("张三😀", None),
        ("A" * 21, None),
        ("Ab cdefghijklmnopqrst", None),  # 21 with the space
        ("·张三", None),
        ("张三·", None),
        ("张··三", None),
        ("O'Brien", None),
        ("", None),
    ],
)
def test_real_names(typed: str, kept: str | None) -> None:
    assert valid_real_name(typed) == kept


def test_award_shares_are_cumulative() -> None:
    rules = [
        {"name": "一等奖", "share": 0.05},
        {"name": "二等奖", "share": 0.10},
        {"name": "三等奖", "share": 0.20},
    ]
    awards = [award_for(rank, 100, rules) for rank in range(1, 101)]
    assert (
        awards.count("一等奖") == 5
        and awards.count("二等奖") == 10
        and awards.count("三等奖") == 20
    )
    assert award_for(1, 3, rules) == "一等奖"  # at least one first prize
    assert award_for(36, 100, rules) == ""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path, bank, now) -> list[str]:  # type: ignore[no-untyped-def]
    with pytest.raises(EventInvalid) as caught:
        read_event(path, bank, now, TZ)
    return [str(p) for p in caught.value.problems]


def test_event_file_errors_name_file_and_line(small_bank, clock, tmp_path) -> None:
    text = EVENT.format(opens="someday", closes="+7d", attempts=1)
    text = text.replace("law: women_protection, single: 1", "law: civil_code, single: 1")
    text = text.replace("multiple: 1, judge: 1}", "multiple: 5, judge: 1}")
    text = text.replace("code: t-blue", "code: T-RED")
    path = write(tmp_path, text)
    found = problems_of(path, small_bank, clock.now())
    lines = text.splitlines()

    def line_of(fragment: str) -> int:
        return next(i for i, line in enumerate(lines, 1) if fragment in line)

    assert (
        f"{path}:{line_of('opens:')}: opens: not a time (now, +7d, +12h, +30m or 2026-12-01 09:00)"
        in found
    )
    assert any(
        p.startswith(f"{path}:{line_of('civil_code')}:") and "unknown law id 'civil_code'" in p
        for p in found
    )
    assert any(
        p.startswith(f"{path}:{line_of('multiple: 5')}:") and "needs 5 multiple" in p for p in found
    )
    assert any(
        p.startswith(f"{path}:{line_of('T-RED')}:") and "duplicate code 'T-RED'" in p for p in found
    )


def test_event_file_dates_and_blueprint_names(small_bank, clock, tmp_path) -> None:
    text = EVENT.format(opens="2026-02-30 09:00", closes="+7d", attempts=1)
    found = problems_of(write(tmp_path, text), small_bank, clock.now())
    assert any(":3: opens: not a time" in p for p in found), found
    text = EVENT.format(opens="+2d", closes="+1d", attempts=1)
    assert any(
        ":4: closes must be after opens" in p
        for p in problems_of(write(tmp_path, text), small_bank, clock.now())
    )
    text = EVENT.format(opens="now", closes="+1d", attempts=1).split("blueprint:")[0] + (
        "blueprint: no_such_exam\nunits:\n  - {code: a1, name: 甲单位}\n"
    )
    [problem] = problems_of(write(tmp_path, text), small_bank, clock.now())
    assert ":5: unknown blueprint 'no_such_exam'" in problem
    text = text.replace("no_such_exam", "online_competition")  # the small bank cannot fill it
    [problem] = problems_of(write(tmp_path, text), small_bank, clock.now())
    assert ":5: blueprint 'online_competition': needs 6 single questions of constitution" in problem


async def test_join_code_of_another_event_is_refused_and_nothing_written(
    sessions, small_bank, clock, tmp_path
) -> None:
    await make_event(sessions, small_bank, clock.now(), tmp_path)
    text = EVENT.format(opens="now", closes="+1d", attempts=1).replace(
        "code: test-cup", "code: other-cup"
    )
    text = text.replace("name: 测试杯", "name: 另一杯")
    plan = read_event(write(tmp_path, text), small_bank, clock.now(), TZ)
    async with sessions() as s:
        with pytest.raises(EventInvalid) as caught:
            await import_event(s, plan)
    assert any("code 'u-one' is used by another event" in str(p) for p in caught.value.problems)


async def test_reimport_moving_a_team_to_another_unit_moves_its_members(
    sessions, small_bank, clock, tmp_path
) -> None:
    comp = await make_event(sessions, small_bank, clock.now(), tmp_path)
    now = clock.now()
    async with sessions() as s:
        units = {u.code: u.id for u in await s.exec(select(Unit))}
        red = (await s.exec(select(Team).where(Team.code == "t-red"))).one()
        for user_id, team_id in ((1, red.id), (2, red.id), (3, None)):
            s.add(
                Member(
                    competition_id=comp.id,
                    user_id=user_id,
                    unit_id=units["u-one"],
                    team_id=team_id,
                    joined_at=now,
                )
            )
        await s.commit()
    # 红队 now belongs to 二厂工会; 一厂工会 keeps 蓝队 and its unit-only member
    text = EVENT.format(opens="now", closes="+7d", attempts=1)
    text = text.replace("      - {code: t-red, name: 红队}\n", "")
    text += "    teams:\n      - {code: t-red, name: 红队}\n"
    plan = read_event(write(tmp_path, text), small_bank, clock.now(), TZ)
    async with sessions() as s:
        await import_event(s, plan)
        await s.commit()
    async with sessions() as s:
        team = (await s.exec(select(Team).where(Team.code == "t-red"))).one()
        assert team.id == red.id and team.unit_id == units["u-two"]
        placed = {m.user_id: m.unit_id for m in await s.exec(select(Member))}
        assert placed == {1: units["u-two"], 2: units["u-two"], 3: units["u-one"]}
        joined = {g.name: g.joined for g in await group_ranking(s, comp, "unit")}
        assert joined == {"一厂工会": 1, "二厂工会": 2}


GROUP, OTHER_GROUP = -100111, -100222


async def _event_with_group_quizzes(sessions, bank, now, tmp_path, setting: str):  # type: ignore[no-untyped-def]
    """The test event with `setting` as its group_quizzes section, members with known exam
    scores, and group quizzes inside and outside its window and groups."""
    comp = await make_event(sessions, bank, now, tmp_path, extra=setting)
    async with sessions() as s:
        units = {u.code: u.id for u in await s.exec(select(Unit))}
        teams = {t.code: t.id for t in await s.exec(select(Team))}
        people = [  # user, unit, team, exam score or None (joined only)
            (1, "u-one", "t-red", 10),
            (2, "u-one", "t-red", 6),
            (3, "u-one", "t-blue", 10),
            (6, "u-one", "t-blue", None),
            (4, "u-two", None, 8),
        ]
        for user_id, unit, team, score in people:
            team_id = teams.get(team or "")
            await add_member(
                s, comp.id, user_id, units[unit], team_id, f"工人{user_id}", now, score
            )
        hour = timedelta(hours=1)
        # counted (the event's group, inside the window); user 5 is not a member
        await add_group_quiz(
            s, GROUP, now + hour, {1: [900, 0], 3: [100], 4: [900, 900], 5: [1000]}
        )
        await add_group_quiz(s, GROUP, now + 48 * hour, {2: [200]})
        # not counted unless every group counts: another group
        await add_group_quiz(s, OTHER_GROUP, now + hour, {2: [1000]})
        # never counted: before the window opens, or started as it closes
        await add_group_quiz(s, GROUP, now - hour, {4: [1000]})
        await add_group_quiz(s, GROUP, now + 7 * 24 * hour, {2: [700]})
        await s.commit()
    return comp


async def test_group_quiz_points_count_for_teams_and_units_as_the_event_says(
    sessions, small_bank, clock, tmp_path
) -> None:
    setting = f"group_quizzes: {{chats: [{GROUP}], weight: 0.01}}\n"
    comp = await _event_with_group_quizzes(sessions, small_bank, clock.now(), tmp_path, setting)
    assert group_quiz_rule(comp.ranking) == {"count": True, "chats": [GROUP], "weight": 0.01}
    async with sessions() as s:
        totals = await group_quiz_points(s, comp.opens_at, comp.closes_at, [GROUP])
        assert totals == {1: 900, 3: 100, 4: 1800, 5: 1000, 2: 200}
        red, blue = await group_ranking(s, comp, "team")  # by average + bonus
        # 红队: 900 + 200 points, 2 joined: bonus 0.01 × 1100 / 2 = 5.5
        assert (red.name, red.group_quiz, red.bonus) == ("红队", 1100, 5.5)
        assert (red.average, red.best_n, red.weighted) == (8.0, 16, 8.0)  # exam-only values
        assert (red.total("average"), red.total("best_n"), red.total("weighted")) == (
            13.5,
            21.5,
            13.5,
        )
        # 蓝队: 100 points, 2 joined (one took the exam): bonus 0.5
        assert (blue.name, blue.group_quiz, blue.bonus) == ("蓝队", 100, 0.5)
        assert (blue.total("average"), blue.total("best_n"), blue.total("weighted")) == (
            10.5,
            10.5,
            5.5,
        )
        assert (red.rank_average, red.rank_best_n, red.rank_weighted) == (1, 1, 1)
        assert (blue.rank_average, blue.rank_best_n, blue.rank_weighted) == (2, 2, 2)
        two, one = await group_ranking(s, comp, "unit")
        # 一厂工会: 1200 points, 4 joined: bonus 3; 二厂工会: 1800 points, 1 joined: bonus 18
        assert (one.name, one.group_quiz, one.bonus, one.joined) == ("一厂工会", 1200, 3.0, 4)
        assert (two.name, two.group_quiz, two.bonus, two.joined) == ("二厂工会", 1800, 18.0, 1)
        assert one.total("average") == pytest.approx(26 / 3 + 3, abs=1e-4)
        assert (one.total("best_n"), one.total("weighted")) == (23.0, 9.5)  # 20+3, 26/3×3/4+3
        assert (two.total("average"), two.total("best_n"), two.total("weighted")) == (26, 26, 26)
        assert (two.rank_average, two.rank_best_n, two.rank_weighted) == (1, 1, 1)
        people = await personal_ranking(s, comp)  # personal rankings stay exam-only
        assert [(p.user_id, p.score) for p in people][:2] == [(1, 10), (3, 10)]


@pytest.mark.parametrize(
    ("setting", "red_points"),
    [
        ("", 0),  # no section: exam-only
        (f"group_quizzes: {{count: false, chats: [{GROUP}]}}\n", 0),  # switched off
        ("group_quizzes: {weight: 0.01}\n", 2100),  # every group: also OTHER_GROUP's 1000
    ],
)
async def test_group_quiz_setting_off_or_every_group(
    sessions, small_bank, clock, tmp_path, setting: str, red_points: int
) -> None:
    comp = await _event_with_group_quizzes(sessions, small_bank, clock.now(), tmp_path, setting)
    async with sessions() as s:
        teams = {g.name: g for g in await group_ranking(s, comp, "team")}
    red, blue = teams["红队"], teams["蓝队"]
    assert (red.group_quiz, red.bonus) == (red_points, red_points / 200)
    # exam-only, 蓝队 leads by average; with every group's points 红队 does (8 + 10.5)
    assert (blue.rank_average, red.rank_average) == ((1, 2) if not red_points else (2, 1))
    assert (headers(comp)["队伍排名"] == SHEETS["队伍排名"]) == (not red_points)


def test_group_quiz_setting_errors_name_file_and_line(small_bank, clock, tmp_path) -> None:
    text = EVENT.format(opens="now", closes="+1d", attempts=1).replace(
        "units:\n",
        "group_quizzes:\n"
        "  count: yes please\n"
        "  chats: [-100123, 42, -100123]\n"
        "  weight: -1\n"
        "  points: 3\n"
        "units:\n",
        1,
    )
    found = problems_of(write(tmp_path, text), small_bank, clock.now())
    line = text.splitlines().index("group_quizzes:") + 1
    assert any(f":{line + 1}:" in p and "count" in p for p in found), found
    assert any(f":{line + 3}:" in p and "weight" in p for p in found), found
    assert any(f":{line + 4}:" in p and "points" in p for p in found), found
    text = text.replace("  count: yes please\n", "").replace("  weight: -1\n", "")
    text = text.replace("  points: 3\n", "")
    found = problems_of(write(tmp_path, text), small_bank, clock.now())
    assert [p.split(":", 1)[1] for p in found] == [
        f"{line + 1}: 42 is not a group chat id",
        f"{line + 1}: chat -100123 twice",
    ]
    found = problems_of(
        write(tmp_path, text.replace("[-100123, 42, -100123]", "[]")), small_bank, clock.now()
    )
    assert [p.split(":", 1)[1] for p in found] == [
        f"{line + 1}: chats: name a group, or leave it out"
    ]


async def test_best_attempt_is_kept_on_the_member(sessions, small_bank, clock, tmp_path) -> None:
    """Each closing attempt replaces the member's best only if it beats it: more points, or
    the same points in less time; the ranking shows that best."""
    comp = await make_event(sessions, small_bank, clock.now(), tmp_path)
    now = clock.now()
    async with sessions() as s:
        unit = (await s.exec(select(Unit))).first()
        assert unit is not None
        member = await add_member(s, comp.id, 7, unit.id, None, "七号", now, 8, 300)
        for number, (score, seconds, best) in enumerate(
            [(6, 100, (8, 300)), (8, 200, (8, 200)), (8, 250, (8, 200)), (9, 500, (9, 500))], 2
        ):
            await close_attempt(s, comp.id, member.id, 7, number, score, seconds, now)
            await s.refresh(member)
            assert (member.best_score, member.best_seconds) == best
            [me] = await personal_ranking(s, comp)
            assert (me.score, me.seconds) == best
