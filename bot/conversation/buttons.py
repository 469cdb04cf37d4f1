"""Typed button data: what an inline button carries, packed into Telegram's callback_data.

Every button kind is a frozen dataclass with a short prefix and typed fields:

    @dataclass(frozen=True)
    class QuizAnswer(ButtonData, prefix="qans"):
        '''An option of a single-choice or true/false question.'''
        attempt_id: Annotated[int, DB_ID]
        ...

`QuizAnswer(7, 2, 1).pack()` gives `"qans:7:2:1"`; `QuizAnswer.unpack("qans:7:2:1")` gives the
record back, and raises ValueError for anything else (other prefix, missing or extra parts,
'+1', '01', '-1', a number out of range, a string outside its pattern). The 64-byte limit is
checked here, in `pack`, and nowhere else. The records themselves live with their flows
(quiz.py, faq.py, booking.py, desk.py, core.py); this module knows none of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import Annotated, Any, ClassVar, Self, get_args, get_origin, get_type_hints

from bot.conversation.actions import MAX_CALLBACK_BYTES, Button

SEPARATOR = ":"
_DIGITS = re.compile(r"0|[1-9][0-9]{0,9}")  # canonical decimal: no sign, no leading zeros
_PREFIX = re.compile(r"[a-z][a-z0-9]{0,9}")


@dataclass(frozen=True)
class IntField:
    """A whole number from `low` to `high`, written in plain decimal digits."""

    low: int
    high: int

    def parse(self, text: str) -> int:
        if not _DIGITS.fullmatch(text):
            raise ValueError(f"not a plain number: {text!r}")
        return self.check(int(text))

    def check(self, value: object) -> int:
        if type(value) is not int or not self.low <= value <= self.high:
            raise ValueError(f"{value!r} is not in {self.low}..{self.high}")
        return value

    def write(self, value: object) -> str:
        return str(self.check(value))

    def widest(self) -> int:
        return self.high


@dataclass(frozen=True)
class TextField:
    """A short string matching a safe pattern (never the separator); `longest` is the
    longest string it allows, for the size check of every route."""

    pattern: str
    longest: str

    def __post_init__(self) -> None:
        self.check(self.longest)

    def parse(self, text: str) -> str:
        return self.check(text)

    def check(self, value: object) -> str:
        if not isinstance(value, str) or not re.fullmatch(self.pattern, value, re.ASCII):
            raise ValueError(f"{value!r} does not match {self.pattern}")
        return value

    def write(self, value: object) -> str:
        return self.check(value)

    def widest(self) -> str:
        return self.longest


@dataclass(frozen=True)
class FlagField:
    """Yes or no, written as 1 or 0."""

    def parse(self, text: str) -> bool:
        if text not in ("0", "1"):
            raise ValueError(f"not a flag: {text!r}")
        return text == "1"

    def write(self, value: object) -> str:
        if type(value) is not bool:
            raise ValueError(f"not a flag: {value!r}")
        return "1" if value else "0"

    def widest(self) -> bool:
        return True


FieldSpec = IntField | TextField | FlagField

DB_ID = IntField(1, 2**31 - 1)  # a row id (PostgreSQL integer column)
POSITION = IntField(0, 999)  # a question's place in a round
OPTION = IntField(0, 7)  # an answer option (A–H)
REF_INDEX = IntField(0, 99)  # a citation's place in a question's or answer's refs
TOKEN = IntField(1, 2**31 - 1)  # a random number linking a button to stored working data
ITEM_ID = TextField(r"[a-z0-9][a-z0-9_-]{0,40}", "x" * 41)  # a question, FAQ entry or law id
FLAG = FlagField()


class ButtonData:
    """Base of every button record: a prefix, typed fields, pack() and unpack()."""

    prefix: ClassVar[str]
    _specs: ClassVar[tuple[tuple[str, FieldSpec], ...]]

    def __init_subclass__(cls, prefix: str = "", **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not _PREFIX.fullmatch(prefix):
            raise TypeError(f"{cls.__name__}: prefix must match {_PREFIX.pattern}")
        if not (cls.__doc__ or "").strip():
            raise TypeError(f"{cls.__name__}: say in a docstring what the button is")
        cls.prefix = prefix

    @classmethod
    def specs(cls) -> tuple[tuple[str, FieldSpec], ...]:
        """(field name, spec) in field order, read once from the Annotated hints."""
        if "_specs" not in cls.__dict__:
            hints = get_type_hints(cls, include_extras=True)
            specs = []
            for f in fields(cls):  # type: ignore[arg-type]
                hint = hints[f.name]
                spec = get_args(hint)[1] if get_origin(hint) is Annotated else None
                if not isinstance(spec, IntField | TextField | FlagField):
                    raise TypeError(f"{cls.__name__}.{f.name}: annotate with a field spec")
                specs.append((f.name, spec))
            cls._specs = tuple(specs)
        return cls._specs

    def pack(self) -> str:
        """The callback_data string; ValueError if a value is out of range or it is too long."""
        parts = [self.prefix] + [spec.write(getattr(self, name)) for name, spec in self.specs()]
        data = SEPARATOR.join(parts)
        if len(data.encode("utf-8")) > MAX_CALLBACK_BYTES:
            raise ValueError(f"{type(self).__name__} data is over {MAX_CALLBACK_BYTES} bytes")
        return data

    @classmethod
    def unpack(cls, data: str) -> Self:
        """The record a button's data stands for; ValueError for anything malformed."""
        parts = data.split(SEPARATOR)
        specs = cls.specs()
        if parts[0] != cls.prefix or len(parts) != len(specs) + 1:
            raise ValueError(f"not {cls.__name__} data")
        values = {
            name: spec.parse(text) for (name, spec), text in zip(specs, parts[1:], strict=True)
        }
        return cls(**values)

    @classmethod
    def widest(cls) -> Self:
        """The record with every field at its longest (to check the size limit)."""
        return cls(**{name: spec.widest() for name, spec in cls.specs()})

    def button(self, text: str) -> Button:
        """An inline button with this record as its data."""
        return Button(text, self.pack())


def prefix_of(data: str) -> str:
    """The prefix a button's data starts with (which record class may unpack it)."""
    return data.split(SEPARATOR, 1)[0]
