"""Read YAML while remembering where every value stands, so problems name `file:line`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """One problem found in a data file."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass
class SourceDoc:
    """A parsed YAML document and the line of every key and list item in it."""

    file: str
    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def line_of(self, path: Path_) -> int:
        """The line of `path`, or of its nearest ancestor that has one."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return 1

    def problem(self, path: Path_, message: str) -> Problem:
        return Problem(self.file, self.line_of(path), message)


def _walk(node: yaml.Node, path: Path_, doc: SourceDoc) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in seen:
                doc.problems.append(Problem(doc.file, line, f"duplicate key '{key}'"))
            seen.add(key)
            doc.lines[(*path, key)] = line
            _walk(value_node, (*path, key), doc)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            doc.lines[(*path, index)] = item.start_mark.line + 1
            _walk(item, (*path, index), doc)


def load_yaml(path: Path, display_name: str | None = None) -> SourceDoc:
    """Parse `path`; syntax errors become problems instead of exceptions."""
    name = display_name or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return SourceDoc(name, None, problems=[Problem(name, 1, f"cannot read file: {exc}")])
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        return SourceDoc(name, None, problems=[Problem(name, line, f"YAML syntax: {exc.problem}")])
    except yaml.YAMLError as exc:
        return SourceDoc(name, None, problems=[Problem(name, 1, f"YAML error: {exc}")])
    doc = SourceDoc(name, data)
    if node is not None:
        _walk(node, (), doc)
    return doc


def pydantic_problems(doc: SourceDoc, base: Path_, error: Any) -> list[Problem]:
    """Turn a pydantic ValidationError for the object at `base` into located problems."""
    out = []
    for err in error.errors():
        loc = tuple(err["loc"])
        field_name = ".".join(str(p) for p in loc) or "value"
        message = err["msg"]
        if err["type"] == "extra_forbidden":
            message = "unknown field"
        elif err["type"] == "missing":
            message = "missing"
        out.append(doc.problem((*base, *loc), f"{field_name}: {message}"))
    return out
