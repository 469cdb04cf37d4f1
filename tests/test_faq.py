"""The legal FAQ: corpus checks, the matcher, `pufa faq`, and the flow in the bot."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from collections import Counter
from pathlib import Path

import pytest
from sqlmodel import select

from bench.faq_blind_eval import BLIND, answers, evaluate_blind
from bench.faq_eval import DATA, HOLDOUT, evaluate
from bot.conversation.faq import FaqVote
from legal_faq import FaqMatcher, FaqMiss, load_corpus, validate_faq
from legal_faq.matcher import asking_part
from legal_faq.text import Homophones, load_synonyms, normalise, split_pinyin, to_pinyin, words
from question_bank import StatuteLibrary
from question_bank.laws import Source, chinese_number, load_laws
from tests.flowkit import ChatDriver


def test_corpus_size_per_law_and_shape() -> None:
    entries = load_corpus()  # every citation's article and evidence verified while loading
    per_law = Counter(e.law for e in entries)
    assert len(entries) >= 310  # 277 + issue 12's second content batch
    assert per_law["labour_contract_law"] >= 160
    assert per_law["trade_union_law"] >= 50  # 38 + issue 12's quiz topics
    assert per_law["constitution"] >= 50  # 31 + issue 12's quiz topics
    assert per_law["women_protection"] >= 50
    for e in entries:
        assert len(e.variants) >= 4 and len(e.answer) <= 300 and e.refs, e.id


GOOD = """\
entries:
  - id: lcl-test
    law: labour_contract_law
    question: 单位不签合同怎么办？
    variants: [老板不签合同, 没签合同, 不给签合同, 入职没合同]
    answer: 超过一个月不满一年未订立书面劳动合同的，应当每月支付二倍的工资。
    refs:
      - law: labour_contract_law
        article: 82
        evidence: 应当向劳动者每月支付二倍的工资
"""


@pytest.mark.parametrize(
    ("old", "new", "line", "message"),
    [
        (
            "variants: [老板不签合同, 没签合同, 不给签合同, 入职没合同]",
            "variants: [老板不签合同]",
            5,
            "variants",
        ),
        ("evidence: 应当向劳动者每月支付二倍的工资", "evidence: 应当支付三倍的工资", 8, "verbatim"),
        ("article: 82", "article: 820", 8, "no article 820"),
        (
            "law: labour_contract_law\n    question",
            "law: criminal_law\n    question",
            3,
            "unknown law",
        ),
    ],
)
def test_faq_problems_name_file_and_line(
    tmp_path: Path, old: str, new: str, line: int, message: str
) -> None:
    path = tmp_path / "faq.yaml"
    path.write_text(textwrap.dedent(GOOD).replace(old, new), encoding="utf-8")
    _, problems = validate_faq([path])
    assert any(str(p).startswith(f"{path}:{line}:") and message in str(p) for p in problems), (
        problems
    )


def test_text_pipeline() -> None:
    assert normalise("老板ＡＢＣ，不签合同！！😀") == "老板 abc 不签合同"
    assert "用人单位" in load_synonyms().expand("老板不给工钱")
    assert "工资" in load_synonyms().expand("老板不给工钱")
    assert split_pinyin("chanjia") == ["chan", "jia"]
    assert split_pinyin("asdfgh") is None
    assert to_pinyin(normalise("产价")) == to_pinyin(normalise("产假"))
    # dialect question words are the standard ones: 咋 / 啥 / 俺 decide no topic
    assert normalise("俺工伤咋赔？合同写啥") == normalise("我工伤怎么赔合同写什么")


def test_a_dialect_question_word_does_not_push_a_question_out_of_scope(matcher) -> None:
    for dialect, standard in (("工伤咋赔", "工伤怎么赔"), ("咋入工会", "怎么入工会")):
        asked = matcher.match(dialect)
        assert asked.status != "none"
        assert asked.best[0].entry.id == matcher.match(standard).best[0].entry.id


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("老板不签和同怎么赔", "lcl-no-written-contract"),  # homophone typo 和同→合同
        ("产价有多少天", "wp-maternity-leave-days"),  # 产价→产假
        ("试用其最长多久", "lcl-probation-length"),  # 试用其→试用期
        ("加班费怎么算", "lcl-overtime-pay"),
        ("老闆不簽勞動和同怎麼賠", "lcl-no-written-contract"),  # traditional characters
    ],
)
def test_typed_like_a_worker(matcher: FaqMatcher, query: str, expected: str) -> None:
    """Typos, traditional characters: the right entry comes first — answered outright only when
    another source agrees (see test_a_reviewed_answer_is_given_outright_only_when_a_source_agrees),
    else as the first "您是不是想问…"."""
    result = matcher.match(query)
    assert result.status in ("answer", "suggest")
    assert result.best[0].entry.id == expected


def test_a_reviewed_answer_is_given_outright_only_when_a_source_agrees(
    matcher: FaqMatcher,
) -> None:
    """Calibrated on the tuning sets (docs/benchmarks.md): a reviewed answer whose refs cite the
    article (or bank question) the other sources find best is answered outright; the same entry
    reached through a typo that the statutes' search does not follow is only suggested."""
    agreed = matcher.match("入职三个月没签合同能要双倍工资吗")
    assert agreed.answer is not None and agreed.answer.entry.id == "lcl-no-written-contract"
    alone = matcher.match("老板不签和同怎么赔")
    assert alone.status == "suggest" and alone.best[0].entry.id == "lcl-no-written-contract"


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("房东不退押金怎么办", "none"),  # another field: tenancy
        ("装修公司违约拖了工期能要违约金吗", "none"),  # 公司 inside a cue is no worker's word
        ("朋友借了我两万块不还能起诉吗", "none"),
        ("公司不退入职押金怎么办", "suggest|answer"),  # the worker's deposit stays in scope
        ("公司不给报销租房补贴合法吗", "suggest|answer|none"),  # a cue with a worker's word
        # a decisive cue ("!" in other_domains.txt): no workplace keeps the question in scope
        ("我在厂里上班，老婆要跟我离婚，孩子归谁", "none"),
        ("工会发的购物卡要不要交个税", "none"),
        ("公司说为了少交个税，社保按最低基数交", "suggest|answer"),  # 个税 alone is no cue
        ("在物业公司当保安，一个月只休两天", "suggest|answer|none"),  # 当保安, 只休: anchors
        # "!公务员+补偿": a decisive pair; 公务员 alone is no cue
        ("公务员被辞退了有没有经济补偿", "none"),
        ("举报公务员失职违法吗", "suggest|answer"),
        ("女公务员的产假有多少天", "suggest|answer"),
        ("在日本打工的话加班费怎么算", "none"),  # another country's law
        # 仲裁 is a worker's word, but a loan's or a sale's arbitration is another field's
        ("民间借贷的仲裁怎么申请", "none"),
        ("买卖合同纠纷的商事仲裁，仲裁员和对方律师认识能申请回避吗", "none"),
        ("征信报告上信息错误怎么更正", "none"),
        ("劳动仲裁员和老板认识能申请回避吗", "suggest|answer"),
        # … but not where the employer moves or sends the work: the worker's story
        ("厂子要整个搬到越南去，叫我们自己写辞职申请，我不写是不是没补偿", "suggest|answer"),
        ("公司派我去非洲干了两年，回来不给加班费", "suggest|answer"),
        # … nor where the worker is treated: what the insurance at home pays (社会保险法 第三十条)
        ("在国外看病报吗", "suggest|answer"),
        # a family member's 新农合 is another field's ("A|B+C|D": cues only together) …
        ("我妈在老家住院，新农合能报多少", "none"),
        # … the worker's own is 社会保险法's
        ("外地看病报销", "suggest|answer"),
        # the insurances a worker pays into are the workers' words (domain_anchors.txt)
        ("养老保险个人账户能继承吗", "suggest|answer"),
    ],
)
def test_questions_from_another_field_are_out_of_scope(
    matcher: FaqMatcher, query: str, status: str
) -> None:
    assert matcher.match(query).status in status.split("|")
    assert matcher.other_domain(normalise(query)) == (status == "none")


def test_the_asking_clauses_of_a_message() -> None:
    assert asking_part("產假是幾天？我在工廠上班") == "产假是几天"
    assert asking_part("我在厂里干了三年，老板突然不要我了，这样合法吗") == "这样合法吗"
    assert asking_part("产假多少天") is None  # one clause
    assert asking_part("老板欠薪，我很生气") is None  # nothing asked
    assert asking_part("产假多少天？能延长吗") is None  # every clause asks
    # words that only look like asking in a story: 几 of a number, 没多久, whoever, nothing at all
    assert (
        asking_part("上个月让我们几个回家待岗，村里只给十几万，我不写是不是一分补偿都没有")
        == "我不写是不是一分补偿都没有"
    )
    assert asking_part("谈完没多久就把我调到门卫，这种打击报复有人管吗") == "这种打击报复有人管吗"
    assert asking_part("老板说谁要跑就打断腿，招工时什么都没讲，我能走吗") == "我能走吗"


def test_rider_example_cites_article_82(matcher: FaqMatcher) -> None:
    result = matcher.match("老板不签和同怎么赔")
    assert result.status != "none"
    assert any(
        r.law == "labour_contract_law" and r.article == 82 for r in result.best[0].entry.refs
    )


def test_toneless_pinyin_and_union_homophone(matcher: FaqMatcher) -> None:
    offered = [s.entry.id for s in matcher.match("chan jia duo shao tian").best]
    assert "wp-maternity-leave-days" in offered
    union = [s.entry.id for s in matcher.match("共会怎么加入").best]
    assert any(i.startswith("tul-") for i in union)


def test_pinyin_typos_are_corrected_against_the_corpus_words() -> None:
    homophones = Homophones(
        ["公司不交社保", "结婚以后被辞退", "怀孕期间", "试用期多长"],
        ["社保", "结婚", "怀孕", "试用期", "公司"],
    )
    assert homophones.corrections(words("没交社宝")) == ["社保"]
    assert homophones.corrections(words("不能结昏")) == ["结婚"]
    assert homophones.corrections(words("试用其才半个月")) == ["试用期"]
    # words the corpus already has are left alone, and so is a sound two characters away
    assert homophones.corrections(words("公司不交社保")) == []
    assert (
        homophones.corrections(words("攻丝")) == []
    )  # gong si, like 公司, but both characters differ
    assert homophones.corrections(words("工司")) == ["公司"]


def test_confident_pinyin_typos_are_corrected_in_place() -> None:
    homophones = Homophones(["公司不交社保", "超时加班", "还要交"], ["社保", "超时", "还要"])

    def fix(text: str) -> str:
        return homophones.fix(text, words(text))

    assert fix("没交社宝怎么办") == "没交社保怎么办"
    # a common word as typed stays (超市 is no 超时), and so does a stretch cutting a word
    # in two (小孩|要 is no 还要)
    assert fix("超市购物卡") == "超市购物卡"
    assert fix("什么时候要小孩要不要") == "什么时候要小孩要不要"


def test_a_vague_question_is_not_answered_outright(matcher: FaqMatcher) -> None:
    result = matcher.match("合同问题")
    assert result.status == "suggest" and len(result.best) == 3


@pytest.mark.parametrize("query", ["你好", "在吗", "谢谢"])
def test_greetings_get_a_greeting(matcher: FaqMatcher, query: str) -> None:
    assert matcher.match(query).status == "greeting"


@pytest.mark.parametrize(
    "query", ["👍😂", "asdfgh", "明天会下雨吗", "离婚财产怎么分", "", "？？？"]
)
def test_out_of_scope(matcher: FaqMatcher, query: str) -> None:
    assert matcher.match(query).status == "none"


def test_evaluation_set_floor(matcher: FaqMatcher) -> None:
    """Quality floor on tests/data/faq_eval.yaml (see docs/benchmarks.md for the figures)."""
    report = evaluate(matcher)
    assert report.in_scope >= 200 and report.out_of_scope >= 30
    assert report.top1 >= 0.85  # the floor; goal 92 %
    assert report.top3 >= 0.95  # goal 97 %
    assert report.rejection >= 0.93  # goal 95 %
    assert report.precision >= 0.95  # a direct answer is nearly always the right one


def test_holdout_set_floor(matcher: FaqMatcher) -> None:
    """The separately written set: what is tuned on faq_eval.yaml must carry over."""
    report = evaluate(matcher, HOLDOUT)
    assert report.in_scope >= 140 and report.out_of_scope >= 25
    assert report.top1 >= 0.85 and report.top3 >= 0.95
    assert report.rejection >= 0.85
    assert report.precision >= 0.95


def assert_floors(
    path: Path,
    matcher: FaqMatcher,
    *,
    least: tuple[int, int],
    top1: float,
    top3: float,
    rejection: float,
    confident_wrong: float,
    none: int,
) -> None:
    """A set labelled with statute articles (bench/faq_blind_eval.py) stays at or above its
    floors: `least` = at least this many in-scope and out-of-scope queries are scored."""
    report = evaluate_blind(matcher, path)
    overall = report.overall
    assert overall.in_scope >= least[0] and overall.out_of_scope >= least[1]
    assert overall.top1 >= top1 and overall.top3 >= top3, (overall.top1, overall.top3)
    assert overall.rejection >= rejection, overall.rejection
    assert report.confident_wrong <= confident_wrong, report.confident_wrong
    assert report.none <= none, report.none


def test_blind_set_floor(matcher: FaqMatcher) -> None:
    """tests/data/faq_blind.yaml, written without seeing the corpus and NEVER to be tuned on:
    floors just below what it measured after the seventh session's merge (2026-12-01 22:40 UTC,
    docs/benchmarks.md): top-1 92.1 % (goal 90), top-3 97.6 % (goal 97), rejection 95.8 %
    (46 of 48; goal 95), confident-wrong 0.0 % (0 of 124; goal 2), 2 in-scope "none". Before:
    91.8 / 97.3 / 95.8 / 0.0 %, 3 "none" (stop 22); 90.0 / 96.1 / 95.8 / 0.0 %, 4 "none" (stop 21); 89.1 / 95.5 / 95.8 / 0.0 %, 4 "none" (stop 20); 88.8 / 94.8 / 95.8 / 0.0 %, 7 "none"
    (stop 19); 87.6 / 93.6 / 89.6 / 1.0 % (stop 18); after the second content batch 80.9 /
    90.0 / 85.4 / 1.2 %; before the further sources 77.3 / 84.5 / 68.8 / 9.4 %; the first
    baseline 51.8 / 56.7 / 70.8 / 21.1 %. One out-of-scope query is 2.1 points of rejection."""
    assert_floors(
        BLIND,
        matcher,
        least=(300, 40),
        top1=0.91,
        top3=0.97,
        rejection=0.93,
        confident_wrong=0.02,
        none=4,
    )


# The tuning sets labelled with statute articles (written blind to the corpus, then tuned on):
# floors just below what each measures (2026-12-01, docs/benchmarks.md), as
# (least in-scope, least out-of-scope), top-1, top-3, rejection, confident-wrong, "none".
TUNING_FLOORS = {
    # natural questions; its even half fitted the answer thresholds. Measured 95.0 / 99.6 /
    # 100 / 0.0 %, 0 "none" (second round; before any tuning on it: 66.0 / 75.2 / 73.1 / 25.1 %)
    "faq_natural_tune.yaml": ((280, 50), 0.93, 0.98, 0.96, 0.03, 3),
    # look-alikes (房东押金, a parcel lost as a customer, a parent's 医保, 个税 …) beside in-scope
    # questions sharing their words. Measured 80.0 / 89.2 / 98.5 / 0.0 %, 3 "none" (before the
    # other-field detector was tuned on it: 70.8 / 78.5 / 72.1 %, 5 "none")
    "faq_lookalike_tune.yaml": ((60, 60), 0.77, 0.87, 0.96, 0.03, 4),
    # a second look-alike set (customers, business owners, civil servants, foreign law,
    # chit-chat). Measured 81.1 / 93.3 / 89.1 / 0.0 %, 3 "none" (second round; before: 68.9 /
    # 83.3 / 69.1 / 14.3 %)
    "faq_lookalike2_tune.yaml": ((85, 100), 0.79, 0.91, 0.86, 0.03, 5),
    # very short questions, 社会保险法, 法律援助法, quiz facts, 40 look-alikes. Measured 93.3 /
    # 96.1 / 90.0 / 2.6 %, 4 "none" (second round; before: 69.7 / 77.0 / 90.0 / 6.8 %, 12 "none")
    "faq_short_tune.yaml": ((170, 40), 0.91, 0.95, 0.87, 0.04, 6),
    # persona-style questions (riders, drivers, 保姆, pregnant and older workers; long
    # stories, typos, colloquial, quiz facts, 40 look-alikes). Measured 88.1 / 95.4 / 90.0 /
    # 0.0 %, 1 "none" (second round; before: 79.8 / 89.9 / 85.0 / 4.2 %)
    "faq_persona_tune.yaml": ((210, 40), 0.86, 0.94, 0.87, 0.03, 3),
    # weak spots (very short, 社会保险法, 法律援助法, typos, quiz facts, 46 out of scope). Its even
    # half was fitted in the second round only, its odd half checks. Measured 90.2 / 94.8 /
    # 93.5 / 0.9 %, 11 "none" (before any tuning: 76.8 / 89.2 / 87.0 / 1.0 %, 18 "none"); 4
    # "none" after the in-scope-none round (92.5 / 97.1 / 93.5 / 0.9 %, docs/benchmarks.md)
    "faq_weak_tune.yaml": ((300, 45), 0.88, 0.93, 0.91, 0.02, 6),
    # a sixth set written blind (短问题, colloquial, quiz facts, long stories, typos, 40 out of
    # scope; sixth session). Its even half was fitted, its odd half checks. Measured 92.6 / 98.1
    # / 95.0 / 2.0 %, 1 "none" (before any tuning: 81.0 / 90.7 / 95.0 / 2.2 %, 15 "none")
    "faq_fresh_tune.yaml": ((255, 38), 0.90, 0.96, 0.92, 0.04, 4),
    # a seventh (hotel, cashier, sanitation, carer, programmer, apprentice personas; 宪法 and
    # 工会法 quiz facts; 40 out of scope). Even half fitted, odd half checks. Measured 90.1 / 93.8
    # / 95.0 / 1.1 %, 4 "none" (before any tuning: 80.6 / 85.1 / 95.0 / 1.2 %, 13 "none")
    "faq_fresh2_tune.yaml": ((240, 38), 0.87, 0.91, 0.92, 0.03, 7),
}


@pytest.mark.parametrize("name", TUNING_FLOORS)
def test_tuning_set_floor(matcher: FaqMatcher, name: str) -> None:
    least, top1, top3, rejection, confident_wrong, none = TUNING_FLOORS[name]
    assert_floors(
        DATA / name,
        matcher,
        least=least,
        top1=top1,
        top3=top3,
        rejection=rejection,
        confident_wrong=confident_wrong,
        none=none,
    )


def test_blind_scoring_matches_refs_by_statute_and_article() -> None:
    """The blind set is labelled with articles: an entry is right when a ref cites the query's
    statute (by source name: 妇女权益保障法 is women_rights_law there) and one of its articles."""
    entry = next(e for e in load_corpus() if e.id == "lcl-pregnant-dismissal")
    assert answers(entry, "women_rights_law", [48])
    assert answers(entry, "women_protection", [5]) and answers(entry, "labour_contract_law", [42])
    assert not answers(entry, "women_protection", [48])
    assert not answers(entry, "labour_law", [42])


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )


def test_cli_faq_ask_json_shape() -> None:
    out = run_cli("faq", "ask", "入职三个月没签合同能要双倍工资吗", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert set(data) == {"query", "status", "answer", "alternatives"}
    assert data["status"] == "answer"
    assert set(data["answer"]) == {"id", "question", "answer", "refs", "score", "kind"}
    assert data["answer"]["kind"] == "faq"
    assert isinstance(data["answer"]["score"], float)
    ref = data["answer"]["refs"][0]
    assert set(ref) == {"law", "article", "source"} and isinstance(ref["article"], int)
    for alt in data["alternatives"]:
        assert set(alt) == {"id", "question", "answer", "refs", "score", "kind"}
    none = json.loads(run_cli("faq", "ask", "明天会下雨吗", "--json").stdout)
    assert none["status"] == "none" and none["answer"] is None


async def test_typed_question_gets_cited_answer_with_buttons(faq_conversation) -> None:
    chat = ChatDriver(faq_conversation, 31)
    await chat.send("入职三个月没签合同能要双倍工资吗")
    reply = chat.last()
    assert "二倍的工资" in reply.text and "《中华人民共和国劳动合同法》第八十二条" in reply.text
    labels = [b.text for b in reply.buttons]
    assert any("法条原文" in x or "原文" in x for x in labels) and "👍 有用" in labels
    await chat.press("原文", reply)
    assert "用人单位自用工之日起超过一个月不满一年" in chat.last("📖").text


async def test_unanswered_and_disliked_are_kept_without_user_ids(
    faq_conversation, sessions
) -> None:
    chat = ChatDriver(faq_conversation, 32)
    await chat.send("明天会下雨吗 我电话13912345678")
    assert "12348" in chat.last().text
    await chat.send("加班费怎么算")
    await chat.press("👎", chat.last())
    async with sessions() as s:
        rows = (await s.exec(select(FaqMiss))).all()
    kinds = {r.kind: r for r in rows}
    assert kinds["none"].query == "明天会下雨吗 我电话###########"
    assert kinds["down"].query == "加班费怎么算" and kinds["down"].entry_id == "lcl-overtime-pay"
    assert not any("32" == str(getattr(r, "user_id", "")) for r in rows)
    assert "user_id" not in FaqMiss.model_fields


async def test_buttons_under_an_older_answer_act_on_that_answer(faq_conversation, sessions) -> None:
    chat = ChatDriver(faq_conversation, 35)
    await chat.send("入职三个月没签合同能要双倍工资吗")
    first = chat.last("第八十二条")
    await chat.send("产价有多少天")
    assert "98" in chat.last().text
    await chat.press("👎", first)
    async with sessions() as s:
        miss = (await s.exec(select(FaqMiss).where(FaqMiss.kind == "down"))).one()
    first_entry = FaqVote.unpack(first.button("👎").data).entry_id
    assert miss.query == "入职三个月没签合同能要双倍工资吗" and miss.entry_id == first_entry


async def test_in_a_group_only_ask_is_a_question(faq_conversation) -> None:
    group = ChatDriver(faq_conversation, 36, chat_id=-100777, chat_type="group")
    assert await group.send("试用期最长多久") == []  # chatter in a group: no reply
    await group.send("/ask 试用其最长多久")
    assert "试用期" in group.last().text
    await group.press("预约律师", group.last())
    assert group.last_toast() == "这个功能涉及个人信息，请私聊我使用 🔒"


async def test_suggestions_can_be_picked(faq_conversation, matcher) -> None:
    chat = ChatDriver(faq_conversation, 33)
    query = next(
        q for q in ("怀孕了", "加班", "shi yong qi") if matcher.match(q).status == "suggest"
    )
    await chat.send(query)
    shown = chat.last("您是不是想问")
    first = shown.buttons[0]
    await chat.press_data(first.data, shown.id)
    assert first.text[:10] in chat.last("❓").text


async def test_ask_command_and_questions_during_a_quiz(faq_conversation) -> None:
    chat = ChatDriver(faq_conversation, 34)
    await chat.send("/ask")
    assert "请直接输入您的问题" in chat.last().text
    await chat.send("/ask 试用其最长多久")
    assert "试用期" in chat.last().text
    await chat.send("/quiz")
    await chat.press("综合练习")
    await chat.send("B")
    assert "请直接点题目下方的按钮" in chat.last().text
    await chat.send("产价有多少天")
    assert "98" in chat.last().text and "答题中" in chat.last().text


async def test_cli_misses_lists_most_frequent(tmp_path: Path, faq_conversation) -> None:
    out = run_cli("faq", "misses", cwd=tmp_path)
    assert out.returncode == 0 and "no unanswered" in out.stdout


def test_an_article_cited_twice_is_shown_and_offered_once() -> None:
    from bot.conversation.faq import entry_view

    entry = next(
        e for e in load_corpus() if len({(r.source, r.article) for r in e.refs}) < len(e.refs)
    )
    text, buttons = entry_view(entry, 1)
    for ref in entry.refs:
        assert text.count(ref.label()) == 1
    article_buttons = [b for row in buttons for b in row if "📖" in b.text]
    assert len(article_buttons) == len({(r.source, r.article) for r in entry.refs})


_MENTION = re.compile(r"第([一二三四五六七八九十百千零两]+)条")


def mentioned_articles(answer: str, own_law: str) -> list[tuple[tuple[Source, ...], int, str]]:
    """Every "第N条" an answer names, with the sources it may belong to: the law named right
    before it, else the last law named earlier in the answer, else the entry's own law."""
    laws = load_laws()
    number = {chinese_number(i): i for i in range(1, 1300)}
    sources = [s for law in laws.values() for s in law.sources]
    # a law's name, but not the start of 劳动法律 / 劳动法规 ("labour laws" in general)
    named = [
        (hit.start(), s)
        for s in sources
        for n in {s.name, s.short}
        for hit in re.finditer(re.escape(n) + "(?![律规])", answer)
    ]
    found = []
    for m in _MENTION.finditer(answer):
        position, source = max(
            ((p, s) for p, s in named if p < m.start()),
            key=lambda ps: ps[0],
            default=(-1, sources[0]),
        )
        candidates = (source,) if position >= 0 else laws[own_law].sources
        found.append((candidates, number[m.group(1)], m.group(0)))
    return found


def test_every_article_an_answer_names_is_cited_with_evidence() -> None:
    """An answer that names an article backs it with a ref (checked verbatim against the
    statute while loading): the article exists, and the worker can open it with 📖."""
    library = StatuteLibrary()
    unbacked = []
    for entry in load_corpus():
        cited = {(r.source, r.article) for r in entry.refs}
        for candidates, article, text in mentioned_articles(entry.answer, entry.law):
            assert any(library.article(s, article) for s in candidates), f"{entry.id}: {text}"
            if not any((s.name, article) in cited for s in candidates):
                unbacked.append(f"{entry.id}: {text}")
    assert unbacked == []


def test_the_mention_check_reads_law_names_and_catches_a_missing_ref() -> None:
    """The check above, on a hand-made answer: 第八十二条 after 劳动合同法 is that law's, the
    bare 第七条 falls back to the entry's own law's sources, 民法典 gets its own article."""
    answer = (
        "《劳动合同法》第八十二条规定二倍工资；另见第七条；《民法典》第一千零二十四条保护名誉权。"
    )
    found = [
        (tuple(s.short for s in c), n) for c, n, _ in mentioned_articles(answer, "women_protection")
    ]
    assert found == [
        (("劳动合同法",), 82),
        (("劳动合同法",), 7),
        (("民法典",), 1024),
    ]
    found_own = mentioned_articles("见第七条", "women_protection")
    assert [s.short for s in found_own[0][0]] == ["女职工劳动保护特别规定", "妇女权益保障法"]


async def test_an_answer_citing_a_law_outside_the_four_opens_its_article(faq_conversation) -> None:
    """民法典 is cited beside the Constitution (a cited-only law in the registry): the citation
    line names it and 📖 shows the article from the statute database."""
    chat = ChatDriver(faq_conversation, 37)
    await chat.send("公司把我的照片发到群里示众")
    reply = chat.last()
    assert "《中华人民共和国民法典》第一千零二十四条" in reply.text
    await chat.press("原文2", reply)  # the second cited article: 民法典 第一千零二十四条
    assert "名誉是对民事主体的品德、声望、才能、信用等的社会评价" in chat.last("📖").text


async def test_the_quiz_offers_only_laws_it_has_questions_on(faq_conversation) -> None:
    chat = ChatDriver(faq_conversation, 38)
    await chat.send("/quiz")
    labels = [b.text for b in chat.last_with_buttons().buttons]
    assert "民法典" not in labels and "劳动法" not in labels
    assert any("宪法" in label for label in labels)
