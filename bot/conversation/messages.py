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
        "/lawyer 预约值班律师免费咨询\n"
        "/mybookings 查看或取消我的预约\n"
        "/join 邀请码 加入单位或队伍的网上答题比赛\n"
        "/exam 参加网上答题比赛（限时，交卷后公布成绩）\n"
        "/me 查看我的参赛信息\n"
        "/rank 查看比赛排名\n"
        "/cancel 退出当前操作\n"
        "/forget 删除我的全部记录\n"
        "/help 查看本帮助\n\n"
        "答题时直接点按钮：单选点选项；多选先勾选再点“提交”；判断题点“对”或“错”。\n"
        "每题答完都会给出正确答案、解析和法条出处，点“📖 法条原文”可以看原文。\n\n"
        "值班律师：发送 /duty 查看和处理咨询预约。\n"
        "比赛组织者：/rank 查看全部排名，/export 导出成绩册；\n"
        "在工会群里发送 /groupquiz [题数] [每题秒数] [法律] 开始群答题（投票作答，越快分越高），"
        "/stopquiz 提前结束。"
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
    # group quizzes (quiz polls in a group, run by a quiz master)
    "gq_usage": (
        "群答题用法：/groupquiz [题数] [每题秒数] [法律]\n"
        "例如：/groupquiz 10 30 labour_contract_law\n"
        "题数 1–{max_count}（默认 {count}），每题 {min_seconds}–{max_seconds} 秒（默认 {seconds}），"
        "法律可选：{laws}（默认 all：全部法律）。"
    ),
    "gq_group_only": "群答题要在群里开始：把我拉进工会群，再在群里发送 /groupquiz。",
    "gq_not_quizmaster": "只有答题主持人可以开始或结束群答题。想自己练习，请私聊我发送 /quiz。",
    "gq_already_running": "本群已经有一场群答题在进行中，请等它结束，或由主持人发送 /stopquiz 结束。",
    "gq_not_running": "本群现在没有进行中的群答题。",
    "gq_no_questions": "题库里没有适合群答题的题目（{scope}）。",
    "gq_scope_all": "全部法律",
    "gq_started": (
        "🎯 群答题开始！\n范围：{scope}\n共 {total} 题，每题 {seconds} 秒。\n"
        "直接在投票里选答案：答对得分，越快分越高（每题最高 {points} 分），每人每题只能答一次。"
    ),
    "gq_poll_question": "【{n}/{total}】{stem}",
    "gq_poll_explanation": "{text}\n{citation}",
    "gq_board_title": "📊 排行榜 · 第 {n}/{total} 题后",
    "gq_board_empty": "还没有人得分，下一题加油！",
    "gq_board_line": "{place} {name}  {points} 分",
    "gq_board_more": "……共 {count} 人参与",
    "gq_medals": "🥇 🥈 🥉",
    "gq_place": "{n}.",
    "gq_someone": "答题者",
    "gq_podium": "🏁 群答题结束！共 {total} 题，{count} 人参与。\n\n{lines}\n\n谢谢大家！私聊我发送 /quiz 可以继续练习。",
    "gq_podium_line": "{medal} {name} · {points} 分（答对 {correct} 题）",
    "gq_podium_empty": "🏁 群答题结束！共 {total} 题，这次没有人答对，下次加油！",
    "gq_stopped": "⏹ 主持人结束了本场群答题。",
    # legal FAQ
    "faq_answer": "❓ {question}\n\n{answer}",
    "faq_kind_faq": "✅ 经审核的解答",
    "faq_kind_quiz": "📝 题库解析（经审核的答题知识）",
    "faq_kind_article": "📜 相关法条：以下是法律原文，没有经过解读。具体情况请咨询律师。",
    "faq_article_answer": "📜 相关法条 · {label}\n\n{answer}",
    "faq_hint_quiz": "（您正在答题中，题目的按钮仍然有效。）",
    "faq_suggest": "我不太确定您问的是哪个问题，您是不是想问：",
    "faq_none_of_these": "都不是",
    "faq_none": (
        "抱歉，这个问题我还答不上来 🙏\n\n"
        "我能回答劳动合同、工资加班、辞退补偿、工会、女职工孕期产假哺乳、性骚扰防治、宪法权利等方面的问题，"
        "请换个说法再问一次。\n\n"
        "需要专业帮助可以点下面的“预约律师”，或拨打法律援助热线 12348、职工服务热线 12351。"
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
    "faq_book": "👩‍⚖️ 预约律师",
    # booking a lawyer
    "book_ask_topic": (
        "👩‍⚖️ 预约法律援助律师（免费）\n\n请用一两句话说说您想咨询什么，比如“干了两年没签合同，被辞退了”。"
        "律师会提前看到，请不要写身份证号、银行卡号。\n\n发送 /cancel 可以随时退出。"
    ),
    "book_topic_length": "请用 {low}–{high} 个字说说您想咨询的问题。",
    "book_pick_slot": "咨询内容：{topic}\n\n请选择一个时间（值班律师按时联系您）：",
    "book_no_slots": (
        "抱歉，最近 7 天没有可预约的值班律师时段 🙏\n\n"
        "您可以直接拨打法律援助热线 12348，或职工服务热线 12351，过几天再发送 /lawyer 试试。"
    ),
    "book_ask_phone": (
        "请发送您的手机号，律师会按时打电话给您：点下面的“发送我的手机号”，或直接输入号码。\n"
        "不方便留电话的，点“不留电话”，律师会在这里给您留言。"
    ),
    "book_no_phone": "不留电话",
    "book_share_contact": "📱 发送我的手机号",
    "book_contact_not_own": "请发送您自己的手机号（点下面的“发送我的手机号”），或直接输入号码。",
    "book_phone_noted": "📞 好的，律师会打 {phone} 联系您。",
    "book_no_phone_noted": "好的，不留电话，律师会在这里给您留言。",
    "book_bad_phone": "这个号码好像不对，请发送 11 位手机号（或带区号的座机号），或点“不留电话”。",
    "book_phone_none": "不留电话（律师在这里留言）",
    "book_check": (
        "请确认预约：\n🕒 {when}\n👩‍⚖️ {lawyer}\n📝 {topic}\n📞 {phone}\n\n确认后律师会收到您的预约。"
    ),
    "book_confirm": "✅ 确认预约",
    "book_abort": "取消",
    "book_aborted": "已退出预约，什么都没有提交。需要时再发送 /lawyer。",
    "book_use_buttons": "请点上面的按钮继续预约，或发送 /cancel 退出预约。",
    "book_confirmed_short": "预约已提交 ✅",
    "book_submitted": (
        "预约已提交（编号 #{id}），正在等律师确认：\n🕒 {when}\n👩‍⚖️ {lawyer}\n\n"
        "律师接受后我会马上通知您。发送 /mybookings 可以查看或取消预约。"
    ),
    "book_taken": "这个时段刚刚被别人约走了，请另选一个时间。",
    "book_too_late": "这个时段马上就要开始，来不及预约了，请另选一个时间。",
    "book_too_many": "您已经有 {limit} 个还没结束的预约了，请先等律师处理，或取消一个再约。",
    "book_accepted": "✅ 律师已接受您的预约 #{id}：\n🕒 {when}\n👩‍⚖️ {lawyer}\n\n请按时留意电话或这里的消息。",
    "book_declined": (
        "抱歉，律师这个时段无法接待，您的预约 #{id}（{when}）已取消。\n"
        "您可以发送 /lawyer 另约时间，或拨打法律援助热线 12348。"
    ),
    "book_none_yet": "您现在没有预约。需要律师帮忙请发送 /lawyer。",
    "book_line": "预约 #{id}｜{status}\n🕒 {when}\n👩‍⚖️ {lawyer}",
    "book_cancel": "取消预约",
    "book_cancel_sure": "确定要取消这个预约吗？",
    "book_cancel_yes": "确定取消",
    "book_keep": "保留预约",
    "book_kept": "预约保留，没有变化。",
    "book_cancelled_toast": "预约已取消",
    "status_forgotten": "已撤回",
    "status_pending": "⏳ 等律师确认",
    "status_accepted": "✅ 已确认",
    "status_declined": "律师无法接待",
    "status_cancelled": "已取消",
    "status_done": "已完成",
    # the lawyer's desk
    "lawyer_only": "这个功能只有登记在值班表上的律师可以使用。",
    "desk_new": "📥 新的咨询预约",
    "desk_booking": "预约 #{id}｜{status}\n🕒 {when}\n📝 {topic}\n📞 {phone}",
    "desk_no_phone": "未留电话，请在机器人里留言",
    "desk_accept": "✅ 接受",
    "desk_decline": "婉拒",
    "desk_done": "☑️ 已完成",
    "desk_accepted_toast": "已接受，已通知职工",
    "desk_declined_toast": "已婉拒，已通知职工",
    "desk_done_toast": "已标记完成",
    "desk_cancelled": "预约 #{id}（{when}）已被职工取消，这个时段空出来了。",
    "desk_empty": "{name}，您目前没有待处理的咨询预约。",
    "desk_header": "{name}，您有 {count} 个咨询预约：",
    "text_in_quiz": "正在答题中：请直接点题目下方的按钮作答。想退出本轮请发送 /cancel。",
    "cancelled": "已退出本轮练习，已答的题目和成绩都保存好了。发送 /quiz 可以重新开始。",
    "nothing_to_cancel": "当前没有进行中的操作。发送 /help 查看可以做什么。",
    "expired": "这个按钮已过期 ⌛",
    "private_only": "这个功能涉及个人信息，请私聊我使用 🔒",
    # the command menu (setMyCommands)
    "cmd_start": "开始 / 主菜单",
    "cmd_help": "使用帮助",
    "cmd_quiz": "练习答题",
    "cmd_wrong": "复习错题",
    "cmd_ask": "法律问答",
    "cmd_lawyer": "预约律师",
    "cmd_mybookings": "我的预约",
    "cmd_cancel": "退出当前操作",
    "cmd_forget": "删除我的记录",
    "forget_confirm": (
        "确定要删除您在这里的全部记录吗？包括答题记录、错题本、进行中的练习和律师预约（未结束的预约会被取消），删除后无法恢复。"
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
    # the online competition (网上答题): /join, /me, /exam, /rank, /export, reminders
    "cmd_join": "加入比赛（输入邀请码）",
    "cmd_me": "我的参赛信息",
    "cmd_exam": "网上答题比赛",
    "cmd_rank": "比赛排名",
    "join_usage": "请在 /join 后面加上单位或队伍的邀请码，例如：/join sf-riders\n邀请码由工会组织者发放，也可以直接点邀请链接加入。",
    "join_unknown": "没有找到邀请码“{code}”，请核对后再试（注意大小写和横线）。",
    "join_closed": "“{name}”已经结束，不能再加入了。",
    "join_done": "✅ 已加入“{name}”\n单位：{unit}{team}",
    "join_team_line": "\n队伍：{team}",
    "join_already": "您已经加入“{name}”了（单位：{unit}{team}），不用重复加入。",
    "join_other_team": "您已经加入“{name}”（单位：{unit}{team}）。每人只能参加一个单位或队伍，如需更换请联系组织者。",
    "join_ask_name": "请发送您的真实姓名（获奖名单要用），例如：张三。只需填写一次。",
    "join_next": "发送 /exam 参加网上答题，/me 查看参赛信息。",
    "name_invalid": "姓名需要 2–20 个汉字或英文字母（不能有数字和表情；可以用“·”，英文名可以用空格分开，如 John Smith），请重新发送您的真实姓名。",
    "name_saved": "好的，{name}，已记下您的姓名。",
    "me_none": "您还没有加入比赛。请向组织者索取邀请码，发送 /join 邀请码 加入。",
    "me": "🏆 {competition}\n单位：{unit}\n队伍：{team}\n姓名：{name}\n答题机会：已用 {used}/{attempts} 次{best}\n比赛时间：{opens} 至 {closes}",
    "me_no_team": "（未分队）",
    "me_no_name": "（未填写，请发送 /join 邀请码 后按提示填写）",
    "me_best": "\n最好成绩：{score} 分，用时 {time}",
    "exam_not_joined": "您还没有加入比赛，不能答题。请发送 /join 邀请码 加入，或点组织者发的邀请链接。",
    "exam_need_name": "开始答题前，请先发送您的真实姓名（获奖名单要用），例如：张三。",
    "exam_not_open": "“{name}”还没开始，开始时间：{opens}。到时再发送 /exam。",
    "exam_closed": "“{name}”已经结束，不能再答题了。发送 /rank 查看排名。",
    "exam_no_attempts": "您的答题机会已经用完（共 {attempts} 次）。发送 /rank 查看成绩和排名。",
    "exam_rules": "📋 {name}\n\n· 共 {total} 题，满分 {full} 分（单选每题 {single} 分，多选每题 {multiple} 分，判断每题 {judge} 分）\n· 限时 {minutes} 分钟，点“开始答题”后开始计时，中途退出计时不停\n· 每题只能作答一次，提交后不能修改；交卷前不显示对错\n· 答题机会：共 {attempts} 次，这是第 {number} 次\n· 比赛截止：{closes}，截止后提交的答案不计分\n\n准备好了就点下面的按钮。",
    "exam_begin": "▶️ 开始答题",
    "exam_resume": "您的答题还没完成，继续作答（计时没有停）。",
    "exam_question": "第 {n}/{total} 题 · 剩余 {left}\n{kind}\n\n{stem}",
    "exam_answered": "已作答：{answer}",
    "exam_counted_toast": "已记录",
    "exam_late_toast": "⏰ 时间到，这个答案没有计分",
    "exam_time_up": "⏰ 答题时间到，已自动交卷。",
    "exam_result": "🏁 答题结束！\n得分：{score}/{full} 分（答对 {correct}/{total} 题）\n用时：{time}\n当前排名：第 {rank} 名（共 {of} 人参赛）{award}",
    "exam_result_award": "\n目前成绩可获：{award}（比赛结束后以正式公布为准）",
    "exam_result_perfect": "\n全部答对，太厉害了！🎉",
    "exam_result_wrong": "\n\n下面是答错的 {count} 道题和解析：",
    "exam_result_unanswered": "\n有 {count} 道题没来得及作答。",
    "exam_review": "❌ 第 {n} 题 {stem}\n{options}\n你的答案：{mine}\n正确答案：{right}\n\n{explanation}\n\n{citation}",
    "exam_review_none": "未作答",
    "exam_text": "正在答题中：请直接点题目下方的按钮作答。计时仍在继续。",
    "remind_start": "📣 “{name}”明天开始（{opens}），届时发送 /exam 参加答题。",
    "remind_end": "⏰ “{name}”还剩 1 小时就截止了（{closes}），还没答题的请抓紧发送 /exam。",
    "rank_none": "您还没有加入比赛。发送 /join 邀请码 加入。",
    "rank_header": "🏆 {name} 排名（{rule}）",
    "rank_me": "您：第 {rank} 名（共 {of} 人），{score} 分，用时 {time}{award}",
    "rank_me_award": "，{award}",
    "rank_me_none": "您还没有完成答题，发送 /exam 参加。",
    "rank_group_line": "{kind}“{name}”：第 {rank} 名，平均 {average} 分，参赛 {took}/{joined} 人（{rate}%）{gq}",
    "rank_group_gq": "，群内答题 {points} 分（加 {bonus} 分）",
    "rank_top": "前 {n} 名：",
    "rank_person_line": "{rank}. {name}（{unit}）{score} 分 {time}",
    "rank_nobody": "还没有人完成答题。",
    "rank_groups": "{kind}排名（平均分 / 前{n}名总分 / 平均×参赛权重）：",
    "rank_group_row": "{rank}. {name}：{average} / {best_n} / {weighted}，参赛 {took}/{joined}",
    "rank_groups_gq": "{kind}排名（平均分 / 前{n}名总分 / 平均×参赛权重，名次按各项加上群内答题加分 = {weight}×群内答题分÷报名人数）：",
    "rank_group_row_gq": "{rank}. {name}：{average} / {best_n} / {weighted} + {bonus}（群内答题 {points} 分），参赛 {took}/{joined}",
    "rank_kind_unit": "单位",
    "rank_kind_team": "队伍",
    "rule_average": "按平均分",
    "rule_best_n": "按前 N 名总分",
    "rule_weighted": "按平均分×参赛率权重",
    "quizmaster_only": "抱歉，这个功能只供比赛组织者（出题人）使用。有问题请联系组织者。",
    "export_none": "还没有比赛数据可以导出。",
    "export_unknown": "没有找到比赛“{code}”。",
    "export_caption": "📊 {name} 成绩册（{participants} 人参赛，共 {joined} 人报名）",
    "anonymous": "（未填姓名）",
}


def t(key: str, **values: object) -> str:
    """The catalogue text for `key`, with `{placeholders}` filled in."""
    return MESSAGES[key].format(**values) if values else MESSAGES[key]
