"""The question bank: YAML questions on the bodies of law, validated and cited.

Public surface:
- `load_bank()` -> `Bank` (raises `BankInvalid` with every `Problem`), `BankHolder.reload()`
- `check_bank(paths)` -> `BankCheck` — what `load_bank` and `pufa bank validate` both run
- `validate_files(paths)` -> (questions, problems) — the question files alone
- `Question`, `Bank`, `Citation`, `Law`, `StatuteLibrary` (article texts), `load_laws()`
"""

from question_bank.laws import (
    Citation,
    Law,
    StatuteLibrary,
    chinese_number,
    load_laws,
    normalise_text,
)
from question_bank.loader import (
    BankCheck,
    BankHolder,
    BankInvalid,
    bank_files,
    check_bank,
    expand_paths,
    load_bank,
    validate_files,
)
from question_bank.model import JUDGE_OPTIONS, LETTERS, Bank, Question
from question_bank.yamlsource import Problem

__all__ = [
    "JUDGE_OPTIONS",
    "LETTERS",
    "Bank",
    "BankCheck",
    "BankHolder",
    "BankInvalid",
    "Citation",
    "Law",
    "Problem",
    "Question",
    "StatuteLibrary",
    "bank_files",
    "check_bank",
    "chinese_number",
    "expand_paths",
    "load_bank",
    "load_laws",
    "normalise_text",
    "validate_files",
]
