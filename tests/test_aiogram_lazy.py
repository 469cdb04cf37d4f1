"""aiogram imported through bot.transports.aiogram_lazy builds its validators on first use, and
they are the same validators as an eager `import aiogram` builds: every Telegram type and method
has the same JSON schema, and the updates and replies a bot meets validate to the same data.

Each side runs in its own interpreter (an import can be done only once per process)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

USER = {"id": 7, "is_bot": False, "first_name": "小王"}
CHAT = {"id": 7, "type": "private", "first_name": "小王"}
GROUP = {"id": -100, "type": "supergroup", "title": "一车间"}
MESSAGE = {"message_id": 3, "date": 1764547200, "chat": CHAT, "from": USER}
PAYLOADS = {
    "Update": [
        {"update_id": 1, "message": {**MESSAGE, "text": "试用期多久？"}},
        {
            "update_id": 2,
            "message": {
                **MESSAGE,
                "photo": [{"file_id": "p", "file_unique_id": "u", "width": 90, "height": 90}],
            },
        },
        {
            "update_id": 3,
            "message": {
                **MESSAGE,
                "sticker": {
                    "file_id": "s",
                    "file_unique_id": "u",
                    "type": "regular",
                    "width": 512,
                    "height": 512,
                    "is_animated": False,
                    "is_video": False,
                },
            },
        },
        {
            "update_id": 4,
            "message": {**MESSAGE, "voice": {"file_id": "v", "file_unique_id": "u", "duration": 2}},
        },
        {
            "update_id": 5,
            "message": {
                **MESSAGE,
                "contact": {"phone_number": "+8613800000000", "first_name": "小王", "user_id": 7},
            },
        },
        {
            "update_id": 6,
            "callback_query": {
                "id": "9",
                "from": USER,
                "chat_instance": "c",
                "data": "q:1:A",
                "message": {**MESSAGE, "text": "第1题", "from": {**USER, "is_bot": True}},
            },
        },
        {
            "update_id": 7,
            "poll_answer": {
                "poll_id": "p1",
                "user": USER,
                "option_ids": [1],
                "option_persistent_ids": ["o1"],
            },
        },
        {
            "update_id": 8,
            "my_chat_member": {
                "chat": GROUP,
                "from": USER,
                "date": 1764547200,
                "old_chat_member": {"status": "left", "user": {**USER, "is_bot": True}},
                "new_chat_member": {"status": "member", "user": {**USER, "is_bot": True}},
            },
        },
        {"update_id": 9, "message": {**MESSAGE, "chat": GROUP, "text": "/quiz@pufa_bot"}},
    ],
    "Message": [{**MESSAGE, "text": "选择练习范围", "reply_markup": {"inline_keyboard": []}}],
}

PROBE = """
import json, sys, warnings
warnings.simplefilter("ignore")
if sys.argv[1] == "lazy":
    from bot.transports.aiogram_lazy import import_aiogram
    assert import_aiogram()
import aiogram.methods as methods, aiogram.types as types
from aiogram.methods.base import Response

out = {"schemas": {}, "data": {}}
if sys.argv[2] == "data":  # first the bot's own traffic, before anything else was built
    payloads = json.loads(sys.stdin.read())
    for name, items in payloads.items():
        cls = getattr(types, name)
        out["data"][name] = [cls.model_validate(p).model_dump(mode="json") for p in items]
    reply = Response[types.Message].model_validate({"ok": True, "result": payloads["Message"][0]})
    out["data"]["Response[Message]"] = reply.model_dump(mode="json")
    sent = methods.SendMessage(
        chat_id=7,
        text="您好",
        reply_markup=types.InlineKeyboardMarkup(
            inline_keyboard=[[types.InlineKeyboardButton(text="开始练习", callback_data="go")]]
        ),
    )
    out["data"]["SendMessage"] = sent.model_dump(mode="json", exclude_defaults=True)
else:
    for mod in (types, methods):
        for name in mod.__all__:
            cls = getattr(mod, name)
            if hasattr(cls, "model_json_schema"):
                try:
                    out["schemas"][name] = cls.model_json_schema()
                except Exception as exc:  # the same failures on both sides (abstract, generic)
                    out["schemas"][name] = type(exc).__name__
print(json.dumps(out, sort_keys=True, ensure_ascii=False))
"""


def probe(mode: str, what: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, mode, what],
        input=json.dumps(PAYLOADS),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result: dict[str, object] = json.loads(done.stdout)
    return result


@pytest.mark.parametrize("what", ["data", "schemas"])
def test_lazy_import_builds_the_same_validators(what: str) -> None:
    eager, lazy = probe("eager", what), probe("lazy", what)
    assert lazy == eager
    got = lazy["data" if what == "data" else "schemas"]
    assert isinstance(got, dict)
    if what == "data":
        assert got["Update"][2]["message"]["sticker"]["file_id"] == "s"  # type: ignore[index]
        assert got["Response[Message]"]["result"]["text"] == "选择练习范围"  # type: ignore[index]
    else:
        built = [name for name, schema in got.items() if isinstance(schema, dict)]
        assert len(built) > 500 and {"Update", "Message", "SendMessage"} <= set(built)


def test_the_aiogram_adapter_imports_aiogram_lazily() -> None:
    """Importing the adapter leaves the types it has not met unbuilt (else the 145 MiB are back)."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import bot.transports.telegram_aiogram, aiogram.types as t; "
            "print(t.Sticker.__pydantic_complete__, t.Update.__pydantic_complete__)",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=True,
    )
    assert done.stdout.split() == ["False", "False"]
