"""Every user-facing string, Chinese first. Flows call `t(key, **values)`; no inline text."""

from __future__ import annotations

MESSAGES: dict[str, str] = {
    # /weblinks and the web pages (scoreboard, console); the pages' labels are web_*
    "cmd_weblinks": "比赛网页链接",
    "weblinks_off": "网页记分牌还没有启用（需要设置 PUFA_WEB_BASE_URL 并运行 pufa web），请联系技术人员。",
    "weblinks_none": "还没有比赛。",
    "weblinks_unknown": "没有找到比赛“{code}”。",
    "weblinks": (
        "🖥 {name}\n\n"
        "您的{role}控制台（只给您自己用，请勿转发）：\n{console}\n\n"
        "大屏幕记分牌（在投影电脑的浏览器里打开）：\n{screen}\n\n"
        "每次发送 /weblinks 都会生成一组新链接，旧链接仍然有效；作废链接请让技术人员运行 pufa web revoke。"
    ),
    "web_role_host": "主持人",
    "web_role_judge": "裁判",
    "web_title_screen": "{name} · 记分牌",
    "web_title_console": "{name} · {role}控制台",
    "web_not_found_title": "页面不存在",
    "web_not_found": "链接无效或已被收回。请向比赛组织者索取新的链接。",
    "web_waiting": "比赛即将开始",
    "web_phase_ready": "本轮即将开始",
    "web_phase_showing": "请听题",
    "web_phase_buzz_open": "抢答开始！",
    "web_phase_choosing": "选择分值",
    "web_phase_answering": "作答中",
    "web_phase_revealed": "公布答案",
    "web_phase_finished": "比赛结束",
    "web_rank": "名次",
    "web_team": "队伍",
    "web_score": "得分",
    "web_change": "变化",
    "web_answer": "答案",
    "web_buzz": "{team} 抢到答题权",
    "web_seconds": "秒",
    "web_podium": "最终排名",
    "web_reconnecting": "连接中断，正在重连…",
    "web_live": "实时",
    "web_next": "下一题",
    "web_reveal": "揭晓答案",
    "web_open": "开放抢答",
    "web_judge_ok": "✓ 回答正确",
    "web_judge_wrong": "✗ 回答错误",
    "web_adjust": "调整分数",
    "web_undo": "撤销上一步",
    "web_round": "下一轮",
    "web_board": "比分发到我的 Telegram",
    "web_delta": "加减分（如 +10 或 -5）",
    "web_reason": "理由",
    "web_submit": "提交",
    "web_result": "执行结果",
    "web_done": "已执行",
    "web_no_reply": "已执行（没有回复）",
    "web_bad_command": "此链接不能执行这个操作。",
    "web_bad_team": "请选择队伍。",
    "web_bad_delta": "加减分请填 -1000 到 1000 之间、不为 0 的整数，例如 +10 或 -5。",
    "web_bad_reason": "请填写理由（100 字以内）。",
    "web_bad_points": "风险分值请填 0 到 1000 之间的整数（0 表示放弃）。",
    "web_tier": "选定风险分值",
    "web_tier_points": "风险分值（0 = 放弃）",
    "web_cross_site": "请求来源不对，已拒绝。请直接在控制台页面上操作。",
    "web_gone": "链接已失效，请向比赛组织者索取新的链接。",
    "web_failed": "出错了，请稍后再试。",
    "web_no_final": "这个比赛没有现场决赛环节（活动文件里没有 final: 部分），控制台不能操作。",
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
        "/mybookings 我的预约：给律师留言、改约或取消\n"
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
        "比赛组织者：/rank 查看全部排名，/export 导出成绩册，/weblinks 获取大屏幕记分牌和控制台链接；\n"
        "在工会群里发送 /groupquiz [题数] [每题秒数] [法律] 开始群答题（投票作答，越快分越高），"
        "/stopquiz 提前结束。\n"
        "决赛主持人和评委：/round 下一轮，/next 出题，/open 开放抢答，/reveal 公布答案，"
        "/judge ok|wrong 判定口头作答，/tier 分值 代选风险分，/adjust 队伍 ±分 理由，/undo 撤销，"
        "/board 比分，/event 选择决赛。"
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
    # the live final (bot/conversation/final.py)
    "final_not_host": "抱歉，决赛的控制命令只供本场决赛的主持人和评委使用。",
    "final_none": "还没有决赛：在赛事文件里加上 final: 一节，用 pufa event import 导入后再来。",
    "final_unknown": "没有找到可以由您主持的决赛“{code}”。",
    "final_list_title": "您可以主持的决赛（/event 代码 切换）：",
    "final_list_line": "· {code}：{name}（{phase}）",
    "final_status": "🏆 {name}\n{round} · 第 {n} 题 · {phase}",
    "final_no_round": "尚未开始",
    "final_round_title": "第{n}轮 {name}",
    "final_phase_idle": "等待开始（发送 /round 开始第一轮）",
    "final_phase_ready": "本轮已开始（发送 /next 出题）",
    "final_phase_showing": "已出题，等待开放抢答",
    "final_phase_buzz_open": "抢答中",
    "final_phase_choosing": "选择分值中",
    "final_phase_answering": "作答中",
    "final_phase_revealed": "已公布答案",
    "final_phase_finished": "决赛已结束",
    "final_do_round": "⏭ 下一轮",
    "final_do_next": "▶ 下一题",
    "final_do_open": "🔔 开放抢答",
    "final_do_reveal": "👁 结束本题并公布答案",
    "final_do_board": "📊 比分",
    "final_busy": "还有题目正在进行，请先等它结束或发送 /reveal 结束本题。",
    "final_round_over": "本轮题目已经全部完成，发送 /round 进入下一轮。",
    "final_need_round": "请先发送 /round 开始一轮。",
    "final_finished": "决赛已经结束。发送 /board 查看最终比分。",
    "final_no_questions": "题库里没有适合本轮的题目，请检查赛事文件。",
    "final_cannot_open": "现在没有等待抢答的题目：先发送 /next 出一道抢答题。",
    "final_nothing_open": "现在没有进行中的题目。",
    "final_opened": "🔔 已开放抢答（{seconds} 秒）。",
    "final_round_start": "🎬 {round} 开始！\n{rules}",
    "final_rules_compulsory_together": "各队同时回答同一道题，限时 {seconds} 秒；答对 +{points} 分，答错或超时 −{wrong} 分。每队以第一个提交的答案为准。",
    "final_rules_compulsory_in_turn": "各队轮流回答本队的题目，限时 {seconds} 秒；答对 +{points} 分，答错或超时 −{wrong} 分。",
    "final_rules_buzzer": "主持人读题后开放抢答，最先按下 🔔 的队伍作答：答对 +{points} 分，答错或超时 −{wrong} 分。开放前抢按扣 {early} 分，且本题不能再抢。",
    "final_rules_risk": "各队按当前名次依次选择分值（{tiers}），也可以放弃；答对加上所选分值，答错或超时扣除所选分值。",
    "final_rules_tiebreak": "加赛（{teams}）：抢答决胜，先答对的队伍 +{points} 分，加赛结束。开放前抢按扣 {early} 分。",
    "final_question": "【{round} · 第{n}题】{text}",
    "final_answer_is": "✅ 正确答案：{answer}",
    "final_explain": "💡 {text}\n{citation}",
    "final_answer_now": "请在 {seconds} 秒内作答（每队以第一个答案为准）：",
    "final_wait_open": "请听主持人口令，开放抢答后再按 🔔（提前按要扣分）。",
    "final_open_now": "🔔 现在开始抢答！（{seconds} 秒）",
    "final_buzz": "🔔 抢答",
    "final_locked": "🚫 本题贵队已提前抢按，不能再抢。",
    "final_locked_toast": "本题贵队已被取消抢答资格。",
    "final_early": "还没开放抢答！提前抢按扣 {points} 分，本题贵队不能再抢。",
    "final_won_toast": "🎉 抢到了！",
    "final_won": "🎉 贵队抢答成功！请在 {seconds} 秒内作答：",
    "final_won_aloud": "🎉 贵队抢答成功！请在 {seconds} 秒内口头作答，由评委判定。",
    "final_replaced": "另一队的抢答更早到达服务器，本题由他们作答。",
    "final_slower": "慢了一步，已有队伍抢到。",
    "final_late": "时间已到，这次不算。",
    "final_twice": "贵队本题已经作答（或已抢按）。",
    "final_not_your_turn": "现在不是贵队作答。",
    "final_aloud": "本题请口头作答，由评委判定。",
    "final_answered": "已提交 {label}",
    "final_team_answered": "贵队已作答：{label}。等待公布答案……",
    "final_choose": "⚖️ 风险题：请选择分值（答对加分，答错或超时扣同样的分），{seconds} 秒内选择，也可以放弃：",
    "final_tier": "{tier} 分",
    "final_decline": "放弃",
    "final_tier_chosen": "已选 {tier} 分，请在 {seconds} 秒内作答：",
    "final_tier_usage": "用法：/tier 分值（如 /tier 20；/tier 0 表示放弃），仅在风险题选分时使用。",
    "final_host_choosing": "⚖️ 等待{team}选择分值（主持人也可发送 /tier 分值 代选）。",
    "final_host_tier": "⚖️ {team}选择了 {tier} 分。",
    "final_host_asked": "已发给：{teams}",
    "final_host_buzzed": "🔔 {team}抢答成功，正在作答。",
    "final_host_early": "⚠️ {team}提前抢按，{delta} 分，本题不能再抢。",
    "final_judge_now": "🧑‍⚖️ {team}口头作答，请判定（正确答案：{answer}）：",
    "final_verdict_ok": "✓ 正确",
    "final_verdict_wrong": "✗ 错误",
    "final_judge_done": "已判定：{verdict}",
    "final_judged": "已判定",
    "final_judge_usage": "用法：/judge ok（正确）或 /judge wrong（错误）。",
    "final_nothing_to_judge": "现在没有等待评委判定的口头作答。",
    "final_void": "⏱ 无人抢答，本题作废。",
    "final_declined": "⚖️ {team}放弃了本题。",
    "final_result_right": "✅ {team}：答对",
    "final_result_wrong": "❌ {team}：答错",
    "final_result_timeout": "⏱ {team}：未在时限内作答",
    "final_board_title": "📊 {name} · {round}",
    "final_board_line": "{rank}. {name}  {score} 分{change}",
    "final_board_change": "（{delta}）",
    "final_adjust_usage": "用法：/adjust 队伍 ±分数 理由，例如 /adjust 2 -10 违规提示。\n队伍可写序号、代码或队名：{teams}",
    "final_adjusted": "✍️ 已调整：{team} {delta} 分（理由：{reason}）",
    "final_undone": "↩️ 已撤销上一次改分：{team} {delta} 分",
    "final_nothing_to_undo": "没有可以撤销的改分。",
    "final_podium_title": "🏁 {name} 圆满结束！",
    "final_podium_line": "{medal} {name} · {score} 分",
    # legal FAQ
    "faq_answer": "❓ {question}\n\n{answer}",
    "faq_kind_faq": "✅ 经审核的解答",
    "faq_kind_quiz": "📝 题库解析（经审核的答题知识）",
    "faq_kind_article": "📜 相关法条：以下是法律原文，没有经过解读。具体情况请咨询律师。",
    "faq_article_answer": "📜 相关法条 · {label}\n\n{answer}",
    "faq_hint_quiz": "（您正在答题中，题目的按钮仍然有效。）",
    "faq_suggest": "您是不是想问下面的问题？点一下就给您答案和法条出处：",
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
    "place": "\n📍 {name}（{channel}）{address}{phone}",
    "place_phone": " ☎ {phone}",
    "lawyer_specialties": "{lawyer}，擅长{specialties}",
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
    "book_no_phone_noted": "好的，不留电话，律师会在这里给您留言（消息下面点 💬 回复 就能回给律师）。",
    "book_bad_phone": "这个号码好像不对，请发送 11 位手机号（或带区号的座机号），或点“不留电话”。",
    "book_phone_none": "不留电话（律师在这里留言）",
    "book_check": (
        "请确认预约：\n🕒 {when}\n👩‍⚖️ {lawyer}{place}\n📝 {topic}\n📞 {phone}\n\n确认后律师会收到您的预约。"
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
    "book_accepted": (
        "✅ 律师已接受您的预约 #{id}：\n🕒 {when}\n👩‍⚖️ {lawyer}{place}\n\n"
        "请按时留意电话或这里的消息。下面的日历文件可以加到手机日历里。"
    ),
    "book_done": "预约 #{id}（{when}）的咨询已结束，谢谢您的信任。还有问题可以再发送 /lawyer 预约。",
    "book_no_show": (
        "律师记录您没有参加预约 #{id}（{when}）的咨询。需要的话请发送 /lawyer 重新预约，"
        "或拨打法律援助热线 12348。"
    ),
    "book_legal_aid_note": (
        "ℹ️ 工资、工伤类问题可以申请法律援助：《中华人民共和国法律援助法》第四十二条规定，"
        "申请支付劳动报酬或者请求工伤事故人身损害赔偿的进城务工人员，有材料证明的，"
        "免予核查经济困难状况——不需要先证明自己经济困难。可拨打 12348 咨询当地法律援助机构。"
    ),
    "book_declined": (
        "抱歉，律师这个时段无法接待，您的预约 #{id}（{when}）已取消。\n"
        "您可以发送 /lawyer 另约时间，或拨打法律援助热线 12348。"
    ),
    "book_none_yet": "您现在没有预约。需要律师帮忙请发送 /lawyer。",
    "book_line": "预约 #{id}｜{status}\n🕒 {when}\n👩‍⚖️ {lawyer}{place}",
    "book_cancel": "取消预约",
    "book_cancel_sure": "确定要取消这个预约吗？",
    "book_cancel_yes": "确定取消",
    "book_keep": "保留预约",
    "book_move": "🔁 改约",
    "book_move_pick": "要改到哪个时间？（咨询内容和电话不变，原来的时段会让出来）",
    "book_move_none": "暂时没有别的空闲时间，原预约保持不变。",
    "book_moved": "已改约 ✅ 原预约 #{old} 已取消，新的预约正在等律师确认：",
    "book_moved_toast": "已改约",
    "book_same_slot": "这就是您现在预约的时间，请选一个别的时间。",
    "book_kept": "预约保留，没有变化。",
    "book_cancelled_toast": "预约已取消",
    "status_forgotten": "已撤回",
    "status_pending": "⏳ 等律师确认",
    "status_accepted": "✅ 已确认",
    "status_declined": "律师无法接待",
    "status_cancelled": "已取消",
    "status_done": "已完成",
    "status_no_show": "未到",
    # the lawyer's desk
    "lawyer_only": "这个功能只有登记在值班表上的律师可以使用。",
    "desk_new": "📥 新的咨询预约",
    "desk_booking": "预约 #{id}｜{status}\n🕒 {when}{place}\n📝 {topic}\n📞 {phone}",
    "desk_no_phone": "未留电话，请点 💬 回复 在机器人里留言",
    "desk_accept": "✅ 接受",
    "desk_decline": "婉拒",
    "desk_done": "☑️ 已完成",
    "desk_accepted_toast": "已接受，已通知职工",
    "desk_declined_toast": "已婉拒，已通知职工",
    "desk_done_toast": "已标记完成",
    "desk_no_show": "未到",
    "desk_no_show_toast": "已记录职工未到",
    "desk_too_early": "咨询开始以后才能标记“已完成”或“未到”。",
    "desk_ask_outcome": (
        "预约 #{id} 已记下。可以再发一句咨询结果（可选，只有您和工作站的报表看得到，"
        "比如“已建议申请劳动仲裁”），或发送 /cancel 跳过。"
    ),
    "desk_outcome_saved": "预约 #{id} 的咨询结果已保存 ✅",
    "desk_outcome_skipped": "好的，不写咨询结果。",
    "desk_outcome_line": "📋 结果：{note}",
    "desk_welcome": (
        "{name}，您好！您是值班表上的法律援助律师 👩‍⚖️\n\n"
        "职工的新预约会马上发到这里（接受 / 婉拒）；点预约下面的 💬 回复 可以给职工留言，"
        "职工看不到您的 Telegram 账号。发送 /duty 查看今天和以后的咨询。"
    ),
    "invite_joined": (
        "{name}，欢迎！您已作为值班律师加入普法机器人 👩‍⚖️\n\n"
        "职工的预约会发到这里（接受 / 婉拒），点 💬 回复 可以给职工留言，职工看不到您的 Telegram 账号。"
    ),
    "invite_unknown": "这个邀请链接无效。请向工作站要一个新的律师邀请链接。",
    "invite_used": "这个邀请链接已经用过了（每个链接只能用一次）。如需换账号，请向工作站要新的链接。",
    "invite_expired": "这个邀请链接已过期。请向工作站要一个新的律师邀请链接。",
    "invite_taken": "您的 Telegram 账号已经登记为另一位律师，不能再用这个邀请链接。请联系工作站。",
    "desk_menu_duty": "📋 我的值班（/duty）",
    "desk_earlier": "⏳ 之前（请标记已完成或未到）",
    "desk_today": "📅 今天",
    "desk_upcoming": "🗓 以后",
    # the consultation thread and reminders
    "consult_reply": "💬 回复",
    "consult_closed": "这个咨询已经结束（或已取消），不能再留言了。",
    "consult_to_worker": "预约的职工",
    "consult_write": "请输入要发给{other}的话（预约 #{id}，一条消息）。对方看不到您的 Telegram 账号。发送 /cancel 放弃。",
    "consult_from_lawyer": "👩‍⚖️ {lawyer}给您留言（预约 #{id}）：",
    "consult_from_worker": "💬 预约 #{id}（{when}）的职工留言：",
    "consult_sent": "已发送 ✅ 对方回复后我会转给您。",
    "consult_aborted": "好的，没有发送。",
    "consult_lawyer_use_reply": (
        "要给职工留言，请先点预约下面的 💬 回复（或发送 /duty 找到预约）。想查法律问题请用 /ask 问题。"
    ),
    "remind_tomorrow": "明天",
    "remind_in_hour": "1 小时后",
    "remind_worker": "⏰ 提醒：您的律师咨询（预约 #{id}）{span}开始：\n🕒 {when}\n👩‍⚖️ {lawyer}\n\n不能参加请发送 /mybookings 取消。",
    "remind_worker_pending": "\n（律师还没有确认这个预约。）",
    "remind_lawyer": "⏰ 提醒：预约 #{id} 的咨询{span}开始（{when}）。发送 /duty 查看。",
    "remind_lawyer_pending": "\n这个预约还在等您接受或婉拒。",
    "roster_vanished_worker": (
        "⚠️ 值班表有调整：您的预约 #{id}（{when}，{lawyer}）所在的时段已不在值班表上。"
        "预约还保留着，工作站会尽快联系您确认；您也可以发送 /mybookings 取消后重新预约。"
    ),
    "roster_vanished_admin": (
        "⚠️ 值班表导入后，预约 #{id}（{when}，{lawyer}）所在的时段已不在值班表上，预约仍保留。"
        "请联系律师和职工确认或改约。"
    ),
    "ics_summary": "法律援助咨询：{lawyer}",
    "ics_description": "普法机器人预约 #{id}。需要取消请在机器人里发送 /mybookings。",
    "ics_caption": "📅 咨询日历文件",
    "desk_moved_away": "预约 #{id}（{when}）已被职工改到别的时间，这个时段空出来了。",
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
    "rank_no_event": "还没有比赛。组织者先用 pufa event import 导入比赛文件，排名就会显示在这里。",
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
