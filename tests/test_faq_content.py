"""The FAQ's legal content: the legal review's corrections, the quiz topics of 工会法 and 宪法,
and the forbidden-work questions. Every ref is verified verbatim against the statute text while
the corpus loads; these tests check that the right articles are cited where the review asked."""

from __future__ import annotations

import pytest

from legal_faq import FaqEntry, FaqMatcher, load_corpus


@pytest.fixture(scope="module")
def corpus() -> dict[str, FaqEntry]:
    return {e.id: e for e in load_corpus()}


@pytest.fixture(scope="module")
def matcher(corpus: dict[str, FaqEntry]) -> FaqMatcher:
    return FaqMatcher(list(corpus.values()))


def cites(entry: FaqEntry, short: str, article: int, paragraph: int | None = None) -> bool:
    """Does the entry cite that article (and paragraph, if given) of the source called `short`?"""
    return any(
        r.short == short and r.article == article and paragraph in (None, r.paragraph)
        for r in entry.refs
    )


def test_expiry_compensation_has_the_half_year_rule_the_cap_and_the_2008_start(
    corpus: dict[str, FaqEntry],
) -> None:
    entry = corpus["lcl-expiry-compensation"]
    assert cites(entry, "劳动合同法", 47, 1) and "半个月工资" in entry.answer
    assert cites(entry, "劳动合同法", 47, 2) and "三倍" in entry.answer and "十二年" in entry.answer
    assert cites(entry, "劳动合同法", 97, 3) and "2008年1月1日" in entry.answer


def test_the_one_year_arbitration_limitation_is_stated_and_cited(
    corpus: dict[str, FaqEntry],
) -> None:
    stating = {e.id for e in corpus.values() if cites(e, "劳动争议调解仲裁法", 27, 1)}
    assert {"wp-arbitration-lawsuit", "lcl-arbitration-time-limit"} <= stating
    for entry_id in stating:
        assert "一年" in corpus[entry_id].answer, entry_id
    assert "尽早申请。" not in corpus["wp-arbitration-lawsuit"].answer.split("时效")[0]


def test_personality_rights_cite_the_civil_code_beside_the_constitution(
    corpus: dict[str, FaqEntry],
) -> None:
    shaming, phone = corpus["con-public-shaming"], corpus["con-phone-check"]
    assert cites(shaming, "宪法", 38) and cites(shaming, "民法典", 1024)
    assert cites(phone, "宪法", 40) and cites(phone, "民法典", 1032)
    assert "名誉权" in shaming.answer and "隐私权" in phone.answer


def test_insured_miscarriage_allowance_is_paid_at_the_employers_average_wage(
    corpus: dict[str, FaqEntry],
) -> None:
    entry = corpus["wp-miscarriage-pay-and-costs"]
    assert "上年度职工月平均工资" in entry.answer
    assert any(
        r.article == 8 and "上年度职工月平均工资" in r.evidence
        for r in entry.refs
        if r.short == "女职工劳动保护特别规定"
    )


def test_answers_quoting_the_old_safety_authority_name_todays_bodies(
    corpus: dict[str, FaqEntry],
) -> None:
    """619号 (2012) names 安全生产监督管理部门; today that work is done by 应急管理部门 and, for
    occupational health, 卫生健康部门. An answer may quote the regulation but must say so."""
    old_names = ("安全生产监督管理部门", "安全生产监管部门")
    quoting = [e for e in corpus.values() if any(n in e.answer for n in old_names)]
    assert quoting  # the regulation is still quoted as written
    for entry in quoting:
        assert "应急管理" in entry.answer or "卫生健康" in entry.answer, entry.id


@pytest.mark.parametrize(
    ("tag", "article"),
    [("经期", 60), ("孕期", 61), ("哺乳期", 63)],
)
def test_forbidden_work_in_each_period_is_answered_from_the_statute(
    corpus: dict[str, FaqEntry], tag: str, article: int
) -> None:
    """The annex of 619号 is not in the statute database; the answers name what the statutes
    forbid in that period (劳动法; 职业病防治法 第三十八条 for harmful work while pregnant or
    nursing) instead of sending the worker to "the annex's original text"."""
    entries = [e for e in corpus.values() if tag in e.tags and "禁忌劳动" in e.tags]
    assert any(cites(e, "劳动法", article) for e in entries), tag
    for e in entries:
        assert cites(e, "劳动法", article) or cites(e, "职业病防治法", 38), e.id
    assert not any("以附录原文为准" in e.answer for e in corpus.values())


# Quiz-style questions on the campaign's topics, phrased here (not taken from any evaluation
# set): each must reach an entry citing the article that answers it among what the bot offers.
QUIZ_TOPICS = [
    ("工会属于什么样的组织", "工会法", 2),
    ("工会最基本的职责是什么", "工会法", 6),
    ("哪些劳动者有权依法参加和组织工会", "工会法", 3),
    ("用人单位按职工工资总额的百分之几拨缴工会经费", "工会法", 43),
    ("集体合同的草案应当提交谁讨论通过", "工会法", 21),
    ("多少名职工以上的企业工会可以设专职主席", "工会法", 14),
    ("国有企业职代会的工作机构是什么", "工会法", 36),
    ("基层工会委员会一届几年", "工会法", 16),
    ("什么是我国的根本制度", "宪法", 1),
    ("公民有依照法律纳税的义务吗", "宪法", 56),
    ("国家主席一届任期多少年", "宪法", 79),
    ("国务院总理最多连任几届", "宪法", 87),
    ("国家工作人员就职时要进行宪法宣誓吗", "宪法", 27),
    ("全国人大是什么机关", "宪法", 57),
    ("国家宪法日在哪一天", "法治宣传教育法", 13),
    ("劳动仲裁的申请时效是多长", "劳动争议调解仲裁法", 27),
    ("女工经期不能被安排什么活", "劳动法", 60),
    ("哺乳期女职工禁忌从事哪些劳动", "劳动法", 63),
    # the statutes beside the four bodies of law (issue 12, part 2, second content batch)
    ("休息日加班又不给补休工资按多少算", "劳动法", 44),
    ("未满十六周岁的人单位能招用吗", "劳动法", 15),
    ("劳动者享有的劳动权利有哪些", "劳动法", 3),
    ("社保一共有哪几个险种", "社会保险法", 2),
    ("因为醉酒受伤能认定工伤吗", "社会保险法", 37),
    ("工伤治疗期间单位要发工资吗", "社会保险法", 39),
    ("领取失业保险金要先去哪里做失业登记", "社会保险法", 50),
    ("劳动争议仲裁委员会应当在多少天内作出裁决", "劳动争议调解仲裁法", 43),
    ("劳动仲裁由哪个地方的仲裁委员会管辖", "劳动争议调解仲裁法", 21),
    ("小额欠薪的仲裁裁决是终局的吗", "劳动争议调解仲裁法", 47),
    ("仲裁里谁主张谁举证吗", "劳动争议调解仲裁法", 6),
    ("法律援助机构多少天内决定给不给援助", "法律援助法", 43),
    ("单位能随便在宿舍里装摄像头吗", "民法典", 1033),
    ("民法典规定的人格权有哪些", "民法典", 990),
    ("全国人大常委会委员长最多连任几届", "宪法", 66),
    ("中央军事委员会实行什么负责制", "宪法", 93),
    # quiz facts with an entry of their own (issue 12, quiz-style questions)
    ("制定工会法的目的是什么", "工会法", 1),
    ("工会必须坚持什么领导", "工会法", 4),
    ("工会的各级组织依据什么原则建立", "工会法", 10),
    ("宪法规定公民享有游行示威的自由吗", "宪法", 35),
    ("地方各级人民代表大会一届任期几年", "宪法", 98),
    ("国有经济在国民经济中处于什么地位", "宪法", 7),
    ("宪法倡导的核心价值观是什么", "宪法", 24),
    ("人民法院审判案件受不受行政机关干涉", "宪法", 131),
    ("工会如何组织职工参加经济建设", "工会法", 7),
    # where the reviewed entries were thin (issue 12, third content batch: labour disputes,
    # 劳动法, 民法典's personality rights, 妇女权益保障法), phrased apart from the entries' variants
    ("讨薪的时候能不能让工会帮我一起和老板谈", "劳动争议调解仲裁法", 4),
    ("调解申请要不要写书面材料", "劳动争议调解仲裁法", 12),
    ("企业调解委员会主任由谁担任", "劳动争议调解仲裁法", 10),
    ("劳动仲裁庭几个仲裁员", "劳动争议调解仲裁法", 31),
    ("劳务派遣的仲裁找谁当被申请人", "劳动争议调解仲裁法", 22),
    ("仲裁员是老板的亲戚怎么办", "劳动争议调解仲裁法", 33),
    ("我哥在工地摔死了，我们家属可以去申请劳动仲裁吗", "劳动争议调解仲裁法", 25),
    ("我在公立医院是聘用制，被辞退能仲裁吗", "劳动争议调解仲裁法", 52),
    ("老板每个月都无缘无故扣我两三百", "劳动法", 50),
    ("公司以设备故障为由让我们连续加班一周", "劳动法", 42),
    ("没有焊工证被安排去电焊", "劳动法", 55),
    ("公司用我的名字签了一份离职协议", "民法典", 1014),
    ("我想让公司把存的我的身份证复印件删掉", "民法典", 1037),
    ("公司在群里污蔑我，我想让他们公开道歉", "民法典", 995),
    ("女工下班被要求脱衣服检查", "妇女权益保障法", 19),
    ("前男友天天到我上班的厂里来闹", "妇女权益保障法", 29),
    ("女职工被歧视，妇联能支持我起诉吗", "妇女权益保障法", 78),
    ("公司把女员工的照片用在海报上贬低", "妇女权益保障法", 28),
    ("我不识字，申请劳动仲裁能当面说吗", "劳动争议调解仲裁法", 28),
    ("交了仲裁申请仲裁委几天内要答复受理", "劳动争议调解仲裁法", 29),
    ("宪法给了公民哪些基本权利", "宪法", 34),
]


@pytest.mark.parametrize(("query", "short", "article"), QUIZ_TOPICS)
def test_quiz_topics_reach_an_entry_citing_the_answering_article(
    matcher: FaqMatcher, query: str, short: str, article: int
) -> None:
    result = matcher.match(query)
    offered = [s.entry for s in result.best]
    assert result.status in ("answer", "suggest"), query
    assert any(cites(e, short, article) for e in offered), [e.id for e in offered]
