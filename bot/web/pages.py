"""The HTML of the pages: a small shell per page; the pages draw themselves from the stream.

Labels come from the message catalogue (web_* keys) and reach the scripts as a JSON block, so
no user-facing text is written in the HTML or the scripts.
"""

from __future__ import annotations

import json
from html import escape

from bot.conversation.messages import t

PHASES = ("ready", "showing", "buzz_open", "choosing", "answering", "revealed", "finished")
SCREEN_LABELS = (
    "web_waiting",
    *(f"web_phase_{phase}" for phase in PHASES),
    "web_rank",
    "web_team",
    "web_score",
    "web_change",
    "web_answer",
    "web_buzz",
    "web_seconds",
    "web_podium",
    "web_reconnecting",
    "web_live",
)
CONSOLE_LABELS = (
    *SCREEN_LABELS,
    "web_next",
    "web_reveal",
    "web_open",
    "web_judge_ok",
    "web_judge_wrong",
    "web_adjust",
    "web_tier",
    "web_tier_points",
    "web_undo",
    "web_round",
    "web_board",
    "web_delta",
    "web_reason",
    "web_submit",
    "web_result",
    "web_done",
    "web_no_reply",
    "web_failed",
)


def _labels(keys: tuple[str, ...]) -> str:
    """The labels as JSON that is safe inside a <script> element."""
    data = json.dumps({key.removeprefix("web_"): t(key) for key in keys}, ensure_ascii=False)
    return data.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _page(title: str, body_class: str, labels: str, body: str, scripts: tuple[str, ...]) -> str:
    tags = "\n".join(f'<script src="/static/{name}"></script>' for name in scripts)
    return f"""<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{escape(title)}</title>
<link rel="stylesheet" href="/static/board.css">
</head>
<body class="{body_class}">
<script id="labels" type="application/json">{labels}</script>
{body}
{tags}
</body>
</html>
"""


BOARD = """<header class="top">
  <h1 id="event">{event}</h1>
  <div id="round"></div>
  <div id="phase" class="phase"></div>
  <div id="status" class="status"></div>
</header>
<main class="stage">
  <section class="question" id="question-box">
    <div id="countdown" class="countdown" hidden></div>
    <div id="buzz" class="buzz" hidden></div>
    <p id="question" class="question-text"></p>
    <ol id="options" class="options"></ol>
  </section>
  <section class="teams"><table id="teams"><tbody></tbody></table></section>
</main>
<section id="podium" class="podium" hidden><h2></h2><ol></ol></section>"""


def screen_page(event_name: str) -> str:
    """The big-screen scoreboard (its stream: /events/<token>)."""
    body = BOARD.format(event=escape(event_name))
    return _page(
        t("web_title_screen", name=event_name),
        "screen",
        _labels(SCREEN_LABELS),
        body,
        ("board.js",),
    )


def console_page(event_name: str, role: str) -> str:
    """The host's or a judge's console: the live board and the command buttons."""
    role_name = t(f"web_role_{role}")
    body = (
        f'<div class="console" data-role="{escape(role)}">'
        '<section class="controls"><div id="buttons" class="buttons"></div>'
        '<form id="adjust" class="adjust"><select name="team" id="adjust-team"></select>'
        '<input name="delta" id="adjust-delta" inputmode="numeric" autocomplete="off">'
        '<input name="reason" id="adjust-reason" maxlength="100" autocomplete="off">'
        '<button type="submit" id="adjust-submit"></button></form>'
        '<form id="tier" class="adjust"><input name="points" id="tier-points" '
        'inputmode="numeric" autocomplete="off"><button type="submit" id="tier-submit"></button>'
        "</form>"
        '<h3 id="result-title"></h3><ul id="results" class="results"></ul></section>'
        f'<section class="live">{BOARD.format(event=escape(event_name))}</section></div>'
    )
    return _page(
        t("web_title_console", name=event_name, role=role_name),
        "console-page",
        _labels(CONSOLE_LABELS),
        body,
        ("board.js", "console.js"),
    )


def not_found_page() -> str:
    return _page(
        t("web_not_found_title"),
        "not-found",
        "{}",
        f'<main class="message"><h1>{escape(t("web_not_found_title"))}</h1>'
        f"<p>{escape(t('web_not_found'))}</p></main>",
        (),
    )
