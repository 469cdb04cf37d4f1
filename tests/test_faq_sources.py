"""The FAQ's further sources: statute articles (相关法条) and the bank's explanations, how the
matcher picks between them and the reviewed entries, and how the bot shows each kind."""

from __future__ import annotations

import json
from collections import Counter

from bench.faq_blind_eval import evaluate_blind
from bench.faq_eval import DATA
from bot.conversation.faq import entry_view
from legal_faq import FaqMatcher, article_entries, statute_sources
from legal_faq.corpus import FaqEntry, Kind
from legal_faq.excerpts import EXCERPT, relevant_sentences, sentences
from legal_faq.matcher import Ranked, _confirmed_first, _qualifier_penalty
from legal_faq.text import load_qualifiers, normalise, to_pinyin
from question_bank.laws import Citation, chinese_number
from tests.flowkit import ChatDriver
from tests.test_faq import run_cli

TUNE = DATA / "faq_articles_tune.yaml"


def test_every_listed_statute_is_searched_and_only_the_listed_parts() -> None:
    articles = article_entries()
    per_source = Counter(e.refs[0].source for e in articles)
    for statute in statute_sources():
        assert per_source[statute.source.name] > 0, statute.source.name  # a typo finds nothing
    civil = sorted(e.refs[0].article for e in articles if e.law == "civil_code")
    assert civil[0] == 989 and civil[-1] == 1039  # 人格权编 only
    women = {e.refs[0].article for e in articles if e.refs[0].short == "妇女权益保障法"}
    assert 48 in women and 67 not in women  # work, not marriage and property
    assert all(e.kind == "article" and e.refs[0].evidence == "" for e in articles)


def test_article_numbers_past_one_thousand_are_written_out() -> None:
    assert chinese_number(1024) == "一千零二十四"
    assert chinese_number(1010) == "一千零一十"
    assert chinese_number(1100) == "一千一百"
    assert chinese_number(999) == "九百九十九"


def test_sentences_leave_out_headings_run_into_the_text() -> None:
    text = "信息处理者应当保密。\n第五编 婚姻家庭"
    assert sentences(text) == ["信息处理者应当保密。"]


def test_a_long_article_is_cut_to_the_sentences_that_answer() -> None:
    entry = next(
        e
        for e in article_entries()
        if e.refs[0].short == "劳动争议调解仲裁法" and e.refs[0].article == 27
    )
    assert len("".join(entry.variants)) > EXCERPT
    shown = relevant_sentences(entry, normalise("劳动关系存续期间拖欠劳动报酬的仲裁时效"))
    assert "劳动关系存续期间因拖欠劳动报酬发生争议的" in shown.answer
    assert shown.answer.endswith("……") and len(shown.answer) <= EXCERPT + 60
    assert shown.id == entry.id and shown.refs == entry.refs


def test_a_statute_no_entry_cites_answers_in_its_own_words(matcher: FaqMatcher) -> None:
    """Offered first, as "您是不是想问…": the law's own words are never answered outright."""
    # traditional characters, 劳动法 第五十三条 (第五十五条 has had an entry since the third
    # content batch: lcl-special-operations-certificate)
    result = matcher.match("勞動安全衛生設施必須符合國家規定的標準嗎")
    assert result.status == "suggest"
    entry = result.best[0].entry
    assert entry.kind == "article"
    assert (entry.refs[0].source, entry.refs[0].article) == ("中华人民共和国劳动法", 53)
    assert "必须与主体工程同时设计、同时施工" in entry.answer


def test_an_article_named_by_statute_and_number_is_offered_first(matcher: FaqMatcher) -> None:
    """A question like "宪法第三十三条是什么内容" matches little of any phrasing: the article it
    names is offered, then a reviewed entry citing it; digits work too, a "第三条" of no statute
    the FAQ searches does not. A reviewed answer that cites the article named stays first."""
    result = matcher.match("宪法第三十三条是什么内容")
    assert result.status == "suggest"
    first, second = result.best[0].entry, result.best[1].entry
    assert first.kind == "article"
    assert (first.refs[0].source, first.refs[0].article) == ("中华人民共和国宪法", 33)
    assert second.kind == "faq" and any(r.article == 33 for r in second.refs)
    result = matcher.match("劳动合同法第38条讲的啥")
    named, plain = result.best[0].entry, result.best[1].entry
    assert (named.refs[0].source, named.refs[0].article) == ("中华人民共和国劳动合同法", 38)
    assert ("中华人民共和国劳动合同法", 38) in {(r.source, r.article) for r in plain.refs}
    reviewed = matcher.match("宪法第一条是什么内容").best[0].entry
    assert reviewed.kind == "faq"
    assert ("中华人民共和国宪法", 1) in {(r.source, r.article) for r in reviewed.refs}
    assert matcher.match("合同第三条写了试用期").best[0].entry.kind != "article"


def test_a_quiz_style_question_is_answered_from_the_bank(matcher: FaqMatcher) -> None:
    result = matcher.match("企业有多少会员以上应当建立基层工会委员会")
    assert result.status in ("answer", "suggest")
    entry = result.best[0].entry
    assert entry.kind == "quiz" and entry.id.startswith("bank-")
    assert any(r.law == "trade_union_law" and r.article == 11 for r in entry.refs)
    assert "二十五" in entry.answer or "25" in entry.answer


def test_a_special_case_does_not_take_the_general_question(matcher: FaqMatcher) -> None:
    for query in ("产假多少天", "chan jia duo shao tian"):
        assert matcher.match(query).best[0].entry.id == "wp-maternity-leave-days", query
    assert matcher.match("怀孕三个月流产了能休几天").best[0].entry.id == "wp-miscarriage-leave"


def test_a_womens_entry_does_not_take_a_general_question(matcher: FaqMatcher) -> None:
    """Entries whose question names 女职工 rank lower for a question naming no woman, pregnancy,
    birth or nursing (data/qualifiers.txt): the general social-insurance complaint comes first,
    while a woman's own complaint still finds the women's channels."""
    general = matcher.match("公司不给交设保，可以去哪里投诉")
    assert general.best[0].entry.id == "lcl-social-insurance-report"
    own = matcher.match("女工的权益被侵犯了可以去哪里投诉")
    assert own.best[0].entry.id == "wp-complaint-channels"


def test_a_union_entry_does_not_take_a_question_naming_no_union(matcher: FaqMatcher) -> None:
    """Entries about what the union can do rank lower for a question that names no union."""
    arrears = matcher.match("公司拖欠工资快四个月了每次问都说下周发该去那里告")
    assert arrears.best[0].entry.id == "lcl-wage-arrears"
    union = matcher.match("全厂被拖欠工资，工会能代表我们去跟老板谈吗")
    assert union.best[0].entry.id == "tul-wage-arrears-negotiation"


def test_qualifiers_name_their_special_case_in_other_words() -> None:
    qualifiers = {q.word: q for q in load_qualifiers(0.5)}
    assert qualifiers["流产"].penalty == 0.5 and qualifiers["流产"].also == ()
    women = qualifiers["女职工"]
    assert women.penalty < 0.5
    assert women.named_in("女工休产假") and women.named_in("哺乳期加班")
    assert not women.named_in("公司不给交社保")
    assert qualifiers["工会"].named_in("会费交多少") and not qualifiers["工会"].named_in("拖欠工资")


def test_a_broad_qualifier_named_does_not_excuse_a_narrow_one() -> None:
    """An entry on 女职工 and 产前 costs the 产前 penalty for "怀孕了体检" (孕 names 女职工 but not
    产前); words alone keep the old rule: naming one of them (流产) is enough."""
    q = {q.word: (q, "".join(to_pinyin(q.word))) for q in load_qualifiers(0.5)}
    both = [q["女职工"], q["产前"]]
    assert _qualifier_penalty(both, "怀孕了体检", "") == 0.5
    assert _qualifier_penalty(both, "产前检查", "") == 0.0
    assert _qualifier_penalty(both, "单位体检", "") == 0.5
    assert _qualifier_penalty([q["女职工"]], "单位体检", "") == q["女职工"][0].penalty
    assert _qualifier_penalty([q["流产"], q["难产"]], "流产", "") == 0.0


def test_reviewed_answers_still_come_first(matcher: FaqMatcher) -> None:
    for query in ("老板不签和同怎么赔", "入职三个月没签合同能要双倍工资吗"):
        assert matcher.match(query).best[0].entry.kind == "faq", query


def test_a_near_tie_goes_to_the_entry_the_law_confirms(matcher: FaqMatcher) -> None:
    """The night-shift rule for pregnancy ranks just above the nursing one on its words alone;
    女职工劳动保护特别规定 第九条 (nursing), which the article search finds best, decides — as
    a suggestion, since the entries' own ranking put the other first."""
    result = matcher.match("孩子才八个月，领导还让我上夜班")
    assert result.status == "suggest"
    assert result.best[0].entry.id == "wp-breastfeeding-no-overtime"


def test_a_reviewed_entry_citing_the_article_found_is_offered_first(matcher: FaqMatcher) -> None:
    """The article search wins (劳动法 第三十八条), and the best reviewed entry cites it: its
    plain words come first, the article next — still a suggestion."""
    result = matcher.match("勞動者每週至少休息一日嗎")
    assert result.status == "suggest"
    first, second = result.best[0].entry, result.best[1].entry
    assert first.kind == "faq" and second.kind == "article"
    assert {(c.source, c.article) for c in first.refs} & {
        (c.source, c.article) for c in second.refs
    }


def test_the_confirmation_bonus_breaks_near_ties_only() -> None:
    def entry(entry_id: str, article: int, kind: Kind = "faq") -> FaqEntry:
        ref = Citation("labour_law", "中华人民共和国劳动法", "劳动法", article, None, "")
        return FaqEntry(entry_id, "labour_law", entry_id, (), "", (ref,), (), kind)

    article = Ranked(entry("art", 41, "article"), 3.0, 0.9)
    near = [Ranked(entry("a", 44), 2.55, 0.5), Ranked(entry("b", 41), 2.5, 0.4)]
    far = [Ranked(entry("a", 44), 2.7, 0.5), Ranked(entry("b", 41), 2.5, 0.4)]
    assert [r.entry.id for r in _confirmed_first({"faq": near, "article": [article]})] == ["b", "a"]
    assert [r.entry.id for r in _confirmed_first({"faq": far, "article": [article]})] == ["a", "b"]
    assert _confirmed_first({"faq": near}) == near  # nothing to confirm with


def test_tuning_set_floor(matcher: FaqMatcher) -> None:
    """The set the sources were calibrated on (figures in docs/benchmarks.md)."""
    report = evaluate_blind(matcher, TUNE)
    assert report.overall.in_scope >= 140 and report.overall.out_of_scope >= 35
    # 91.9 %, 98.0 % after the second content batch (2026-12-01; before it 68.9 %, 80.4 %)
    assert report.overall.top1 >= 0.89 and report.overall.top3 >= 0.96
    assert report.overall.rejection >= 0.89  # 92.1 %


def test_cli_says_the_kind(matcher: FaqMatcher) -> None:
    out = run_cli("faq", "ask", "勞動安全衛生設施必須符合國家規定的標準嗎", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["status"] == "suggest" and data["answer"] is None  # articles are offered
    first = data["alternatives"][0]
    assert first["kind"] == "article" and first["refs"][0]["article"] == 53


async def test_an_article_answer_is_marked_and_its_buttons_lead_somewhere(faq_conversation) -> None:
    chat = ChatDriver(faq_conversation, 41)
    await chat.send("勞動安全衛生設施必須符合國家規定的標準嗎")
    shown = chat.last("您是不是想问")  # the law's own words are offered, then shown
    await chat.press_data(shown.buttons[0].data, shown.id)
    reply = chat.last("相关法条")
    assert "法律原文" in reply.text and "《中华人民共和国劳动法》第五十三条" in reply.text
    # 劳动法 is no law of the bank: 📖 still finds its text in the statute database
    await chat.press("原文", reply)
    assert "必须与主体工程同时设计、同时施工" in chat.last("📖").text
    assert "暂未收录" not in chat.last("📖").text
    await chat.press("预约律师", reply)
    assert "值班律师" in chat.last().text  # the booking flow (no duty slots in this test)


async def test_each_kind_of_answer_says_what_it_is(matcher: FaqMatcher) -> None:
    reviewed = matcher.match("入职三个月没签合同能要双倍工资吗").best[0]
    quiz = matcher.match("企业有多少会员以上应当建立基层工会委员会").best[0]
    assert reviewed.entry.kind == "faq" and quiz.entry.kind == "quiz"
    assert "经审核的解答" in entry_view(reviewed.entry, 1)[0]
    assert "题库解析" in entry_view(quiz.entry, 1)[0]
    _, buttons = entry_view(quiz.entry, 1)
    labels = [b.text for row in buttons for b in row]
    assert any("📖" in x for x in labels) and any("预约律师" in x for x in labels)
