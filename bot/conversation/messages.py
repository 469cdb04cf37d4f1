"""Every user-facing string, Chinese first. Flows call `t(key, **values)`; no inline text."""

from __future__ import annotations

MESSAGES: dict[str, str] = {
    # general
    "welcome": (
        "您好{name}！这里是“尊法守法·携手筑梦”职工普法小助手 👷\n\n"
        "我可以陪您练习法律知识答题，题目涵盖宪法、工会法、劳动合同法和女职工权益保护，"
        "每道题都有解析和法条依据；也可以直接打字问我劳动法律问题，回答都注明法条出处。\n\n"
        "点下面的按钮开始，或发送 /help 查看全部功能。"
    ),
    "help": (
        "📋 可以使用的命令：\n"
        "/quiz 练习答题（每轮 {size} 题，可选法律）\n"
        "/wrong 复习我的错题\n"
        "/ask 问法律问题（也可以直接打字提问）\n"
        "/cancel 退出当前操作\n"
        "/forget 删除我的全部记录\n"
        "/help 查看本帮助\n\n"
        "答题时直接点按钮：单选点选项；多选先勾选再点“提交”；判断题点“对”或“错”。\n"
        "每题答完都会给出正确答案、解析和法条出处，点“📖 法条原文”可以看原文。"
    ),
    "menu_quiz": "📝 开始练习",
    "menu_wrong": "📕 错题复习",
    "unknown_command": "没有这个命令：/{command}。发送 /help 查看可以用的命令。",
    "unsupported": (
        "抱歉，我暂时只能看懂文字消息，看不了{what}。\n想答题请发送 /quiz，想看功能请发送 /help。"
    ),
    "content_sticker": "表情贴纸",
    "content_photo": "图片",
    "content_voice": "语音",
    "content_video": "视频",
    "content_location": "位置",
    "content_document": "文件",
    "content_contact": "名片",
    "content_other": "这类消息",
    "too_long": "消息有点长（{length} 字），我最多能读 {limit} 字。请把问题说得简短一些再发给我。",
    # legal FAQ
    "faq_answer": "❓ {question}\n\n{answer}",
    "faq_hint_quiz": "（您正在答题中，题目的按钮仍然有效。）",
    "faq_suggest": "我不太确定您问的是哪个问题，您是不是想问：",
    "faq_none_of_these": "都不是",
    "faq_none": (
        "抱歉，这个问题我还答不上来 🙏\n\n"
        "我能回答劳动合同、工资加班、辞退补偿、工会、女职工孕期产假哺乳、性骚扰防治、宪法权利等方面的问题，"
        "请换个说法再问一次。\n\n"
        "需要专业帮助可以拨打法律援助热线 12348，或职工服务热线 12351。"
    ),
    "faq_greeting": (
        "您好！我是职工普法小助手 👋\n直接打字问我劳动法律问题就行，比如“老板不签合同怎么办”“产假有多少天”。"
        "\n想练习答题请发送 /quiz。"
    ),
    "faq_ask_prompt": "请直接输入您的问题，比如：“试用期最长多久？”“单位不交社保怎么办？”",
    "faq_useful": "👍 有用",
    "faq_useless": "👎 没用",
    "faq_thanks_up": "谢谢反馈！",
    "faq_thanks_down": "谢谢反馈，我们会改进这个回答。需要帮助可拨打 12348。",
    "faq_unavailable": "法律问答暂时不可用，请稍后再试，或拨打法律援助热线 12348。",
    "text_in_quiz": "正在答题中：请直接点题目下方的按钮作答。想退出本轮请发送 /cancel。",
    "cancelled": "已退出本轮练习，已答的题目和成绩都保存好了。发送 /quiz 可以重新开始。",
    "nothing_to_cancel": "当前没有进行中的操作。发送 /help 查看可以做什么。",
    "expired": "这个按钮已过期 ⌛",
    "forget_confirm": (
        "确定要删除您在这里的全部记录吗？包括答题记录、错题本和进行中的练习，删除后无法恢复。"
    ),
    "forget_yes": "🗑 确认删除",
    "forget_no": "取消",
    "forget_done": "已删除您的全部记录。随时可以发送 /start 重新开始。",
    "forget_kept": "好的，什么都没有删除。",
    "error": "抱歉，出了点问题，请稍后再试。您已提交的答案不会丢失。",
    # quiz
    "pick_law": "选择练习范围（每轮 {size} 题）：",
    "law_all": "📚 综合练习（四部法律）",
    "resume_prompt": "您有一轮练习还没做完（已答 {done}/{total} 题）。要继续吗？",
    "resume_continue": "▶️ 继续答题",
    "resume_new": "🔄 重新开始",
    "round_start": "开始{scope}，共 {total} 题。加油！💪",
    "scope_practice": "练习",
    "scope_law_practice": "《{law}》专项练习",
    "scope_wrong": "错题复习",
    "no_questions": "这个范围暂时没有题目，请换一个试试。",
    "wrong_empty": "👍 错题本是空的！继续用 /quiz 练习吧。",
    "question_header": "第 {n}/{total} 题 · {law} · {kind}（难度{stars}）",
    "kind_single": "单选题",
    "kind_multiple": "多选题（可选多项，选好后点“提交”）",
    "kind_judge": "判断题",
    "submit": "✅ 提交",
    "pick_at_least_one": "请至少勾选一个选项再提交",
    "your_answer": "你的答案：{answer} {mark}",
    "right_toast": "✅ 回答正确",
    "wrong_toast": "❌ 回答错误",
    "feedback_right": "✅ 回答正确！正确答案：{answer}",
    "feedback_wrong": "❌ 回答错误。正确答案：{answer}",
    "explanation": "💡 解析：{text}",
    "citation": "📌 依据：{refs}",
    "article_button": "📖 法条原文",
    "article_button_n": "📖 原文{n}",
    "article_text": "📖 {label}\n\n{text}",
    "article_missing": "📖 {label}\n\n暂未收录该条文原文，请以官方公布的文本为准。",
    "summary": (
        "🎉 本轮{scope}结束！\n得分：{correct}/{total}（{percent}%）\n用时：{time}\n{breakdown}"
    ),
    "summary_law_line": "· {law}：{correct}/{total}",
    "summary_wrong_hint": "\n答错的 {count} 道题已放进错题本，发送 /wrong 复习。",
    "summary_perfect": "\n全部答对，太厉害了！",
    "again": "🔁 再来一轮",
    "minutes_seconds": "{m}分{s}秒",
    "seconds": "{s}秒",
}

COMMAND_MENU: tuple[tuple[str, str], ...] = (
    ("start", "开始 / 主菜单"),
    ("quiz", "练习答题"),
    ("wrong", "复习错题"),
    ("ask", "法律问答"),
    ("cancel", "退出当前操作"),
    ("forget", "删除我的记录"),
    ("help", "使用帮助"),
)


def t(key: str, **values: object) -> str:
    """The catalogue text for `key`, with `{placeholders}` filled in."""
    return MESSAGES[key].format(**values) if values else MESSAGES[key]
