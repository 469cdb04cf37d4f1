"""Read YAML while remembering where every value stands, so problems name `file:line`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from input_limits import MAX_YAML_BYTES

Path_ = tuple[str | int, ...]
# libyaml when installed (about ten times faster); its marks give lines just the same
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str) -> Any:
    """`yaml.safe_load` through libyaml when installed (for trusted data files whose
    problems need no line numbers: the law registry, the FAQ's word lists)."""
    return yaml.load(text, Loader=_BaseLoader)


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


class _DataLoader(_BaseLoader):  # type: ignore[misc,valid-type]
    """The safe loader, with an impossible date (2026-02-30) a located error, not a crash."""

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError as exc:
            raise yaml.constructor.ConstructorError(
                None, None, f"impossible date '{node.value}' ({exc})", node.start_mark
            ) from None


_DataLoader.add_constructor("tag:yaml.org,2002:timestamp", _DataLoader.construct_yaml_timestamp)

# Errors found inside a construct that starts on an earlier line (a key missing its ':', an
# unclosed quote or bracket) belong to the line where the construct starts; an error in the
# block structure (bad indentation) belongs to the line where it was found.
_CONTEXT_IS_THE_PLACE = ("while scanning a", "while parsing a flow")


def _syntax_problem(name: str, exc: yaml.MarkedYAMLError) -> Problem:
    mark = exc.problem_mark
    context = exc.context or ""
    if exc.context_mark is not None and (mark is None or context.startswith(_CONTEXT_IS_THE_PLACE)):
        mark = exc.context_mark
    line = mark.line + 1 if mark else 1
    found = ""
    if exc.problem_mark is not None and exc.problem_mark.line + 1 != line:
        found = f", noticed at line {exc.problem_mark.line + 1}"
    where = f" ({context}{found})" if context or found else ""
    kind = "YAML" if isinstance(exc, yaml.constructor.ConstructorError) else "YAML syntax"
    return Problem(name, line, f"{kind}: {exc.problem}{where}")


def _walk(root: yaml.Node, doc: SourceDoc) -> bool:
    """Record the line of every key and item; False (with a problem) if the file uses an alias.

    Aliases are refused: data files never need them, and a few nested ones (“billion laughs”)
    expand to gigabytes. An alias is the one way a node is reached twice, so this finds them
    all without expanding anything.
    """
    seen_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, Path_]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        if id(node) in seen_nodes:
            # The node keeps its anchor's line: name the line of what holds the alias.
            if path and isinstance(path[-1], int):
                del doc.lines[path]
            doc.problems.append(
                doc.problem(path, "YAML aliases (*name) are not allowed in data files")
            )
            return False
        seen_nodes.add(id(node))
        children: list[tuple[yaml.Node, Path_]] = []
        if isinstance(node, yaml.MappingNode):
            keys: set[str] = set()
            for key_node, value_node in node.value:
                key = str(key_node.value)
                line = key_node.start_mark.line + 1
                if key in keys:
                    doc.problems.append(Problem(doc.file, line, f"duplicate key '{key}'"))
                keys.add(key)
                doc.lines[(*path, key)] = line
                children.append((value_node, (*path, key)))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                doc.lines[(*path, index)] = item.start_mark.line + 1
                children.append((item, (*path, index)))
        stack.extend(reversed(children))
    return True


def load_yaml(
    path: Path, display_name: str | None = None, max_bytes: int = MAX_YAML_BYTES
) -> SourceDoc:
    """Parse `path`; syntax errors, files over `max_bytes`, impossible dates and aliases
    become problems (with the data None) instead of exceptions."""
    name = display_name or str(path)

    def refused(line: int, message: str) -> SourceDoc:
        return SourceDoc(name, None, problems=[Problem(name, line, message)])

    try:
        size = path.stat().st_size
        if size > max_bytes:
            return refused(1, f"file is {size:,} bytes; the limit is {max_bytes:,} bytes")
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return refused(1, f"cannot read file: {exc}")
    loader = _DataLoader(text)
    try:
        node = loader.get_single_node()
        doc = SourceDoc(name, None)
        if node is None or not _walk(node, doc):
            return doc
        doc.data = loader.construct_document(node)
        return doc
    except yaml.MarkedYAMLError as exc:
        return SourceDoc(name, None, problems=[_syntax_problem(name, exc)])
    except yaml.YAMLError as exc:
        return refused(1, f"YAML error: {exc}")
    finally:
        loader.dispose()


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
