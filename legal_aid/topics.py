"""What a consultation is about, in a few kinds, read from the worker's own words.

The kind is kept with the booking (not the words: those go with /forget) for the station's
monthly report, and it tells the booking flow when to mention that wage and work-injury
claims of migrant workers get legal aid without a check of their finances (法律援助法 第四十二条).
"""

from __future__ import annotations

# kind → words that mark it, checked in this order (the first kind that matches wins)
TOPIC_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("injury", ("工伤", "受伤", "职业病", "伤残", "摔伤", "砸伤", "工亡")),
    ("wage", ("工资", "工钱", "欠薪", "拖欠", "加班费", "薪水", "报酬", "克扣", "提成")),
    ("social_insurance", ("社保", "保险", "公积金", "养老")),
    ("contract", ("合同", "辞退", "开除", "解雇", "辞职", "试用期", "裁员", "赔偿金", "补偿")),
)
TOPIC_KINDS = (*(kind for kind, _ in TOPIC_WORDS), "other")
# Kinds covered by 法律援助法 第四十二条（三）: 申请支付劳动报酬或者请求工伤事故人身损害赔偿
NO_HARDSHIP_CHECK_KINDS = frozenset({"wage", "injury"})


def topic_kind(topic: str) -> str:
    """'被拖欠三个月工资' → 'wage'; 'other' when no word matches."""
    for kind, words in TOPIC_WORDS:
        if any(word in topic for word in words):
            return kind
    return "other"
